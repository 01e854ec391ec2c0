#include "common/log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <ctime>
#include <system_error>
#include <vector>

#include "common/utf8.h"

namespace waybill {
namespace {

using Clock = std::chrono::steady_clock;

// Different warnings and errors whose repeats are counted at once. Beyond it a new one is
// written every time: the table stays small however varied the errors.
constexpr std::size_t kMaxRecent = 256;

constexpr std::array<std::string_view, 4> kLevels = {"debug", "info", "warn", "error"};
// The text format's, as it always was.
constexpr std::array<const char*, 4> kTextLevels = {"DEBUG", "INFO ", "WARN ", "ERROR"};

std::string_view level_name(LogLevel level) { return kLevels[static_cast<std::size_t>(level)]; }

/// Now, in UTC, to the millisecond: 2026-03-01T12:34:56.789Z.
std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[40];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(ms));
  return stamp;
}

/// `text` as one line of valid UTF-8: control characters escaped (\n, \r, \xHH; a tab stays),
/// ill-formed bytes and NUL replaced by U+FFFD. Text that needs neither is returned as it is.
std::string one_line(std::string_view text) {
  std::string valid = to_valid_utf8(text);
  const auto control = [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; };
  if (std::none_of(valid.begin(), valid.end(), control)) return valid;
  std::string out;
  out.reserve(valid.size() + 16);
  for (const char ch : valid) {
    const auto c = static_cast<unsigned char>(ch);
    if (!control(c)) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

/// How long, for a summary: "350 ms", "2.5 s", "10 s".
std::string span(Clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms < 1000) return std::to_string(ms).append(" ms");
  const auto tenths = (ms + 50) / 100;
  std::string s = std::to_string(tenths / 10);
  if (tenths % 10 != 0) s.append(".").append(std::to_string(tenths % 10));
  return s.append(" s");
}

/// What makes two warnings the same: level, text and fields.
std::string recent_key(LogLevel level, const LogFields& f, std::string_view text) {
  std::string key(1, static_cast<char>('0' + static_cast<int>(level)));
  for (const auto& n : {f.batch, f.chunk, f.plan, f.depot}) {
    key.append(n ? std::to_string(*n) : std::string()).push_back('/');
  }
  key.append(f.worker).push_back('\0');
  return key.append(text);
}

}  // namespace

std::string_view to_string(LogLevel level) { return level_name(level); }

std::string_view to_string(LogFormat format) { return format == LogFormat::json ? "json" : "text"; }

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (name == kLevels[i]) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::text;
  if (name == "json") return LogFormat::json;
  return std::nullopt;
}

LogSink file_sink(std::FILE* file) {
  return [file](std::string_view line) {
    std::FILE* out = file != nullptr ? file : stderr;
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
  };
}

Logger::Logger(std::string role, LogLevel level)
    : Logger(std::move(role), LogOptions{.level = level}) {}

Logger::Logger(std::string process, LogOptions options, LogFields context)
    : m_process(std::move(process)),
      m_context(std::move(context)),
      m_level(options.level),
      m_format(options.format),
      m_window(std::max(options.repeat_window, std::chrono::milliseconds(0))),
      m_sink(options.sink ? std::move(options.sink) : file_sink(stderr)) {
  m_role = m_context.worker.empty() ? m_process : m_process + " " + m_context.worker;
}

Logger::~Logger() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_summarizer.joinable()) m_summarizer.join();
  flush();
}

void Logger::flush() {
  std::lock_guard lock(m_mutex);
  expire(Clock::now(), true);
}

void Logger::write(LogLevel level, const LogFields& fields, std::string text) {
  const auto now = Clock::now();
  std::lock_guard lock(m_mutex);
  if (level < LogLevel::warn || m_window.count() == 0) return emit(level, fields, text);
  expire(now, false);
  std::string key = recent_key(level, fields, text);
  if (auto it = m_recent.find(key); it != m_recent.end()) {  // within its window: count it
    if (++it->second.repeats == 1) {
      if (!m_summarizer.joinable()) {
        try {
          m_summarizer = std::thread([this] { summarize_in_time(); });
        } catch (const std::system_error&) {
          // No thread: the summary comes with the next warning, on flush() or at the end.
        }
      }
      m_wake.notify_all();
    }
    return;
  }
  emit(level, fields, text);
  if (m_recent.size() < kMaxRecent) {
    m_recent.emplace(std::move(key), Recent{level, fields, std::move(text), now});
  }
}

void Logger::emit(LogLevel level, const LogFields& fields, std::string_view text,
                  std::uint64_t repeats, Clock::duration over) {
  std::string msg(text);
  if (repeats > 0) {
    msg.append(" (repeated ")
        .append(std::to_string(repeats))
        .append(repeats == 1 ? " time" : " times")
        .append(" in the last ")
        .append(span(over))
        .append(")");
  }
  std::string line;
  if (m_format == LogFormat::json) {
    // Strings go in as they are: dump() escapes quotes and control characters, and replaces
    // ill-formed UTF-8 with U+FFFD, so every line is one valid JSON object.
    nlohmann::ordered_json j;
    j["time"] = utc_now();
    j["level"] = level_name(level);
    j["process"] = m_process;
    j["msg"] = msg;
    const auto number = [&](const char* key, const std::optional<std::int64_t>& mine,
                            const std::optional<std::int64_t>& context) {
      if (mine) {
        j[key] = *mine;
      } else if (context) {
        j[key] = *context;
      }
    };
    number("batch", fields.batch, m_context.batch);
    number("chunk", fields.chunk, m_context.chunk);
    number("plan", fields.plan, m_context.plan);
    number("depot", fields.depot, m_context.depot);
    if (!fields.worker.empty() || !m_context.worker.empty()) {
      j["worker"] = fields.worker.empty() ? m_context.worker : fields.worker;
    }
    if (repeats > 0) j["repeated"] = repeats;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = utc_now();
    line.append(" ")
        .append(kTextLevels[static_cast<std::size_t>(level)])
        .append(" ")
        .append(one_line(m_role))
        .append(": ")
        .append(one_line(msg));
  }
  line.push_back('\n');
  m_sink(line);
}

void Logger::expire(Clock::time_point now, bool all) {
  std::vector<Recent> ended;
  for (auto it = m_recent.begin(); it != m_recent.end();) {
    if (all || now - it->second.first >= m_window) {
      if (it->second.repeats > 0) ended.push_back(std::move(it->second));
      it = m_recent.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(ended.begin(), ended.end(),
            [](const Recent& a, const Recent& b) { return a.first < b.first; });
  for (const Recent& r : ended) {
    emit(r.level, r.fields, r.text, r.repeats, std::min<Clock::duration>(now - r.first, m_window));
  }
}

void Logger::summarize_in_time() {
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    auto next = Clock::time_point::max();
    for (const auto& [key, r] : m_recent) {
      if (r.repeats > 0) next = std::min(next, r.first + m_window);
    }
    if (next == Clock::time_point::max()) {
      m_wake.wait(lock);
    } else {
      m_wake.wait_until(lock, next);
    }
    if (!m_stopping) expire(Clock::now(), false);
  }
}

}  // namespace waybill
