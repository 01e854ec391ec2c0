// Metrics a Prometheus server scrapes: counters, gauges and histograms, in families of one name
// with label sets, rendered in the Prometheus text exposition format (version 0.0.4).
//
// The loop that counts and the HTTP thread that renders run at once: values are atomics, and a
// series, once made, stays at its address for the registry's life, so a hot path keeps a
// reference and counts without a lock. Making a series (a new label value) takes the lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace waybill::metrics {

/// Label names and values, in the order given: {{"graph", "ny"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// A count that only goes up (its family's name ends in _total).
class Counter {
 public:
  void inc(std::uint64_t n = 1) { m_value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return m_value.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> m_value{0};
};

/// A value that goes up and down.
class Gauge {
 public:
  void set(double v) { m_value.store(v, std::memory_order_relaxed); }
  void add(double v) { m_value.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return m_value.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> m_value{0};
};

/// Observations counted into buckets of upper bounds (le), with their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return m_bounds; }
  /// Cumulative counts per bound, then +Inf; the sum; read together, not atomically as a whole.
  std::vector<std::uint64_t> cumulative() const;
  double sum() const { return m_sum.load(std::memory_order_relaxed); }

 private:
  std::vector<double> m_bounds;
  std::unique_ptr<std::atomic<std::uint64_t>[]> m_counts;  // per bucket, +Inf last
  std::atomic<double> m_sum{0};
};

/// Bucket bounds: `count` bounds from `start`, each `factor` times the one before.
std::vector<double> exponential_buckets(double start, double factor, int count);

class Registry {
 public:
  /// The series of a family with these labels, made on first use. A family's name, help and type
  /// are fixed by its first call; asking for it as another type throws std::logic_error.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds, const Labels& labels = {});

  /// Every family, by name, in the text exposition format.
  std::string exposition() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Family {
    std::string help;
    Type type;
    std::map<Labels, std::size_t> index;  // into the store of its type
  };
  Family& family(const std::string& name, const std::string& help, Type type);

  mutable std::mutex m_mutex;
  std::map<std::string, Family> m_families;
  std::deque<Counter> m_counters;  // deques: elements never move
  std::deque<Gauge> m_gauges;
  std::deque<Histogram> m_histograms;
};

}  // namespace waybill::metrics
