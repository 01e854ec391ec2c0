// The leveled logger shared by the binaries: one line per event, with a UTC timestamp, the level,
// the process's role and the text, as plain text or as one JSON object per line. A line may carry
// fields (LogFields: batch, chunk, plan, depot, worker) that the JSON format writes as keys of
// their own, for an operator to search by. Libraries take a `Logger&`; main chooses the level,
// the format and the output.
//
// A warning or error repeated word for word (same level, text and fields) is written once: its
// repeats within a window (LogOptions::repeat_window, 10 s) are counted, not written, and one line
// sums them up when the window ends, on flush() or when the logger is destroyed ("... (repeated
// 212 times in the last 10 s)"). Other lines are never held back. A dispatcher whose database is
// down answers every waiting client's poll with the same error; this keeps that to two lines per
// window.
//
// Thread safety: every member may be called from any thread. The sink is called with the
// logger's lock held, one whole line at a time, so lines never interleave; a sink must not log.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

namespace waybill {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };
enum class LogFormat { text, json };

/// "debug", "info", "warn", "error"; "text", "json".
std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);
/// The level or format named so (as to_string writes it), else nullopt.
std::optional<LogLevel> parse_log_level(std::string_view name);
std::optional<LogFormat> parse_log_format(std::string_view name);

/// What a line is about, written as JSON keys of their own ("batch": 7, "worker": "w1"); the text
/// format leaves them out, since the text names them already. Unset fields are not written.
/// Declared in the order a designated initializer takes them:
///   log.warn(LogFields{.batch = id, .chunk = c, .worker = name}, "worker ", name, " failed ...")
struct LogFields {
  std::optional<std::int64_t> batch{};
  std::optional<std::int64_t> chunk{};
  std::optional<std::int64_t> plan{};
  std::optional<std::int64_t> depot{};  ///< a plan's depot: the node id of its origin
  std::string worker{};                 ///< the worker's name (--name)
};

/// Where the lines go: called with one whole line, its newline included.
using LogSink = std::function<void(std::string_view line)>;

/// A sink writing to `file` (stderr when null), flushed after each line.
LogSink file_sink(std::FILE* file);

/// How a Logger writes; the defaults are the daemons' defaults.
struct LogOptions {
  LogLevel level = LogLevel::info;  ///< lines below this level are not written
  LogFormat format = LogFormat::text;
  /// Identical warnings and errors within this time of the first are summed up in one line;
  /// zero writes every one.
  std::chrono::milliseconds repeat_window{10'000};
  LogSink sink{};  ///< empty: stderr
};

class Logger {
 public:
  /// A text logger on stderr: `role` is the name each line gives its process ("dispatcher").
  explicit Logger(std::string role, LogLevel level = LogLevel::info);
  /// `process` ("dispatcher", "worker") and `context`, the fields every line carries (a worker's
  /// name). The text format writes "PROCESS WORKER:" where the context names a worker.
  Logger(std::string process, LogOptions options, LogFields context = {});
  /// Writes the summaries of the repeats still counted.
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void set_level(LogLevel level) { m_level = level; }
  bool enabled(LogLevel level) const { return level >= m_level; }

  /// log(LogLevel::info, "job ", 42, ": unknown node ", 7)
  template <class... Parts>
  void log(LogLevel level, const Parts&... parts) {
    if (enabled(level)) write(level, LogFields{}, concat(parts...));
  }
  /// log(LogLevel::warn, LogFields{.batch = 3}, "batch ", 3, ": ...")
  template <class... Parts>
  void log(LogLevel level, const LogFields& fields, const Parts&... parts) {
    if (enabled(level)) write(level, fields, concat(parts...));
  }
  template <class... Parts>
  void debug(const Parts&... p) {
    log(LogLevel::debug, p...);
  }
  template <class... Parts>
  void info(const Parts&... p) {
    log(LogLevel::info, p...);
  }
  template <class... Parts>
  void warn(const Parts&... p) {
    log(LogLevel::warn, p...);
  }
  template <class... Parts>
  void error(const Parts&... p) {
    log(LogLevel::error, p...);
  }

  /// Writes the summaries of the repeats counted so far, now (a daemon calls it as it stops).
  void flush();

 private:
  /// A warning or error written recently, whose repeats are being counted.
  struct Recent {
    LogLevel level;
    LogFields fields;
    std::string text;
    std::chrono::steady_clock::time_point first;  ///< when it was written
    std::uint64_t repeats = 0;                    ///< not written since
  };

  template <class... Parts>
  static std::string concat(const Parts&... parts) {
    std::ostringstream line;
    (line << ... << parts);
    return std::move(line).str();
  }

  void write(LogLevel level, const LogFields& fields, std::string text);
  /// With m_mutex held: formats one line and hands it to the sink.
  void emit(LogLevel level, const LogFields& fields, std::string_view text,
            std::uint64_t repeats = 0, std::chrono::steady_clock::duration over = {});
  /// With m_mutex held: sums up and forgets the entries whose window ended before `now` (all of
  /// them with `all`).
  void expire(std::chrono::steady_clock::time_point now, bool all);
  /// The thread that sums up repeats when their window ends, while no other line comes.
  void summarize_in_time();

  std::string m_process;
  LogFields m_context;
  std::string m_role;  ///< the text format's name of the process: "worker NAME"
  std::atomic<LogLevel> m_level;
  LogFormat m_format;
  std::chrono::milliseconds m_window;
  LogSink m_sink;

  std::mutex m_mutex;
  std::map<std::string, Recent> m_recent;  ///< by level, text and fields; at most kMaxRecent
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_summarizer;  ///< started with the first repeat
};

}  // namespace waybill
