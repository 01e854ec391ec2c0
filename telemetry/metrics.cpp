#include "telemetry/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace waybill::metrics {
namespace {

/// A sample value: the shortest text that reads back as the same double; +Inf, -Inf, NaN.
void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, ec == std::errc() ? end : buffer);
  }
}

/// Escapes a label value (backslash, double quote, newline) or a help text (backslash, newline).
void append_escaped(std::string& out, const std::string& text, bool quotes) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

/// `{a="x",b="y"}`, with `extra` (le) last; nothing for no labels.
void append_labels(std::string& out, const Labels& labels, const char* extra_name = nullptr,
                   const std::string& extra_value = {}) {
  if (labels.empty() && !extra_name) return;
  out += '{';
  bool first = true;
  auto one = [&](const std::string& name, const std::string& value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  };
  for (const auto& [name, value] : labels) one(name, value);
  if (extra_name) one(extra_name, extra_value);
  out += '}';
}

void append_sample(std::string& out, const std::string& name, const Labels& labels, double v,
                   const char* extra_name = nullptr, const std::string& extra_value = {}) {
  out += name;
  append_labels(out, labels, extra_name, extra_value);
  out += ' ';
  append_value(out, v);
  out += '\n';
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : m_bounds(std::move(bounds)), m_counts(new std::atomic<std::uint64_t>[m_bounds.size() + 1]) {
  if (!std::is_sorted(m_bounds.begin(), m_bounds.end())) {
    throw std::logic_error("histogram bounds must be sorted");
  }
  for (std::size_t i = 0; i <= m_bounds.size(); ++i) m_counts[i] = 0;
}

void Histogram::observe(double v) {
  const auto bucket = std::lower_bound(m_bounds.begin(), m_bounds.end(), v) - m_bounds.begin();
  m_counts[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  m_sum.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::vector<std::uint64_t> out(m_bounds.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    total += m_counts[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  std::vector<double> bounds;
  for (double b = start; static_cast<int>(bounds.size()) < count; b *= factor) bounds.push_back(b);
  return bounds;
}

Registry::Family& Registry::family(const std::string& name, const std::string& help, Type type) {
  auto [it, made] = m_families.try_emplace(name, Family{help, type, {}});
  if (!made && it->second.type != type) {
    throw std::logic_error("metric " + name + " asked for as another type");
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help,
                           const Labels& labels) {
  std::lock_guard lock(m_mutex);
  Family& f = family(name, help, Type::counter);
  auto [it, made] = f.index.try_emplace(labels, m_counters.size());
  if (made) m_counters.emplace_back();
  return m_counters[it->second];
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(m_mutex);
  Family& f = family(name, help, Type::gauge);
  auto [it, made] = f.index.try_emplace(labels, m_gauges.size());
  if (made) m_gauges.emplace_back();
  return m_gauges[it->second];
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const std::vector<double>& bounds, const Labels& labels) {
  std::lock_guard lock(m_mutex);
  Family& f = family(name, help, Type::histogram);
  auto [it, made] = f.index.try_emplace(labels, m_histograms.size());
  if (made) m_histograms.emplace_back(bounds);
  return m_histograms[it->second];
}

std::string Registry::exposition() const {
  static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
  std::lock_guard lock(m_mutex);
  std::string out;
  for (const auto& [name, f] : m_families) {
    out += "# HELP " + name + ' ';
    append_escaped(out, f.help, false);
    out += "\n# TYPE " + name + ' ' + kTypes[static_cast<int>(f.type)] + '\n';
    for (const auto& [labels, i] : f.index) {
      switch (f.type) {
        case Type::counter:
          append_sample(out, name, labels, static_cast<double>(m_counters[i].value()));
          break;
        case Type::gauge:
          append_sample(out, name, labels, m_gauges[i].value());
          break;
        case Type::histogram: {
          const Histogram& h = m_histograms[i];
          const auto counts = h.cumulative();
          std::string le;
          for (std::size_t b = 0; b < h.bounds().size(); ++b) {
            le.clear();
            append_value(le, h.bounds()[b]);
            append_sample(out, name + "_bucket", labels, static_cast<double>(counts[b]), "le", le);
          }
          append_sample(out, name + "_bucket", labels, static_cast<double>(counts.back()), "le",
                        "+Inf");
          append_sample(out, name + "_sum", labels, h.sum());
          append_sample(out, name + "_count", labels, static_cast<double>(counts.back()));
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace waybill::metrics
