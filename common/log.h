// A minimal leveled logger shared by the binaries: one line per event on stderr, with a UTC
// timestamp, the level and the process's role. Libraries take a `Logger&`; main chooses the level.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

namespace waybill {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

class Logger {
 public:
  explicit Logger(std::string role, LogLevel level = LogLevel::info)
      : m_role(std::move(role)), m_level(level) {}

  void set_level(LogLevel level) { m_level = level; }
  bool enabled(LogLevel level) const { return level >= m_level; }

  /// log(LogLevel::info, "job ", 42, ": unknown node ", 7)
  template <class... Parts>
  void log(LogLevel level, const Parts&... parts) {
    if (!enabled(level)) return;
    std::ostringstream line;
    (line << ... << parts);
    write(level, line.str());
  }
  template <class... Parts> void debug(const Parts&... p) { log(LogLevel::debug, p...); }
  template <class... Parts> void info(const Parts&... p) { log(LogLevel::info, p...); }
  template <class... Parts> void warn(const Parts&... p) { log(LogLevel::warn, p...); }
  template <class... Parts> void error(const Parts&... p) { log(LogLevel::error, p...); }

 private:
  void write(LogLevel level, const std::string& text) {
    static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::lock_guard lock(m_mutex);
    std::fprintf(stderr, "%s.%03dZ %-5s %s: %s\n", stamp, static_cast<int>(ms),
                 kNames[static_cast<int>(level)], m_role.c_str(), text.c_str());
  }

  std::mutex m_mutex;
  std::string m_role;
  LogLevel m_level;
};

}  // namespace waybill
