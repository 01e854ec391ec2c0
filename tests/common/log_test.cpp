// The logger (common/log.h): the text format as scripts and tests grep it, the JSON format as
// one valid object per line whatever the text, and repeated warnings summed up.
#include "common/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace waybill {
namespace {

using namespace std::chrono_literals;

/// What a logger wrote, one entry per line; its summarizing thread writes too, hence the lock.
class Captured {
 public:
  LogSink sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(m_mutex);
      m_text.append(line);
    };
  }
  /// The lines written, each checked to end with the one newline it has.
  std::vector<std::string> lines() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = m_text.find('\n', start)) != std::string::npos; start = nl + 1) {
      out.push_back(m_text.substr(start, nl - start));
    }
    EXPECT_EQ(start, m_text.size()) << "a line without its newline: " << m_text;
    return out;
  }

 private:
  mutable std::mutex m_mutex;
  std::string m_text;
};

LogOptions options(Captured& out, LogFormat format = LogFormat::text,
                   std::chrono::milliseconds window = 10s) {
  return LogOptions{LogLevel::info, format, window, out.sink()};
}

nlohmann::json parse(const std::string& line) {
  return nlohmann::json::parse(line);  // throws on anything but one valid JSON value
}

const std::regex kIsoMillis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");

// ---- text ------------------------------------------------------------------------------------

TEST(LoggerText, KeepsItsLook) {
  Captured out;
  {
    Logger log("dispatcher", options(out));
    log.info("batch ", 7, " finished");
    log.warn(LogFields{.batch = 7, .chunk = 3, .worker = "w1"}, "worker w1 failed batch 7 chunk 3");
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(\S+Z INFO  dispatcher: batch 7 finished)")))
      << lines[0];
  EXPECT_TRUE(std::regex_search(lines[0].substr(0, 24), kIsoMillis)) << lines[0];
  // Fields are JSON keys; the text format writes the text alone.
  EXPECT_TRUE(std::regex_match(
      lines[1], std::regex(R"(\S+Z WARN  dispatcher: worker w1 failed batch 7 chunk 3)")))
      << lines[1];
}

TEST(LoggerText, AWorkerIsNamedAfterItsRole) {
  Captured out;
  {
    Logger log("worker", options(out), LogFields{.worker = "host:12"});
    log.info("graph 0123456789ab ready: 3 nodes");
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 1u);
  // tests/integration wait for " ready: " in a worker's log.
  EXPECT_NE(lines[0].find(" INFO  worker host:12: graph 0123456789ab ready: 3 nodes"),
            std::string::npos)
      << lines[0];
}

TEST(LoggerText, HostileTextStaysOneLine) {
  Captured out;
  {
    Logger log("dispatcher", options(out));
    log.warn(
        "name \"x\"\nFAKE 2026-01-01T00:00:00.000Z ERROR forged\r\x01\x7f tab\there \xff\xc0\xaf");
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"(name "x"\nFAKE 2026-01-01T00:00:00.000Z ERROR forged\r\x01\x7f)"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("tab\there \xEF\xBF\xBD"), std::string::npos) << lines[0];
}

TEST(LoggerText, TheOldConstructorStillWorks) {
  Logger log("core-test", LogLevel::error);
  EXPECT_FALSE(log.enabled(LogLevel::warn));
  EXPECT_TRUE(log.enabled(LogLevel::error));
}

// ---- JSON ------------------------------------------------------------------------------------

TEST(LoggerJson, LinesCarryTheFields) {
  Captured out;
  {
    Logger log("dispatcher", options(out, LogFormat::json));
    log.info("batch ", 7, " finished");
    log.warn(LogFields{.batch = 7, .chunk = 3, .worker = "w1"}, "worker w1 failed batch 7 chunk ",
             3, ": no route");
    log.info(LogFields{.batch = 7, .plan = 2, .depot = 41}, "plan 2: depot 41");
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 3u);
  const auto first = parse(lines[0]);
  EXPECT_TRUE(std::regex_match(first.at("time").get<std::string>(), kIsoMillis)) << lines[0];
  EXPECT_EQ(first.at("level"), "info");
  EXPECT_EQ(first.at("process"), "dispatcher");
  EXPECT_EQ(first.at("msg"), "batch 7 finished");
  EXPECT_FALSE(first.contains("batch"));  // a field is written when the call site sets it
  EXPECT_EQ(lines[0].rfind(R"({"time":)", 0), 0u)
      << "time first, for a human reading: " << lines[0];

  const auto second = parse(lines[1]);
  EXPECT_EQ(second.at("level"), "warn");
  EXPECT_EQ(second.at("msg"), "worker w1 failed batch 7 chunk 3: no route");
  EXPECT_EQ(second.at("batch"), 7);
  EXPECT_EQ(second.at("chunk"), 3);
  EXPECT_EQ(second.at("worker"), "w1");
  EXPECT_FALSE(second.contains("plan"));

  const auto third = parse(lines[2]);
  EXPECT_EQ(third.at("plan"), 2);
  EXPECT_EQ(third.at("depot"), 41);
  EXPECT_EQ(third.at("batch"), 7);
}

TEST(LoggerJson, AWorkersLinesCarryItsName) {
  Captured out;
  {
    Logger log("worker", options(out, LogFormat::json), LogFields{.worker = "host:12"});
    log.error(LogFields{.batch = 1, .chunk = 9}, "batch 1 chunk 9: out of memory");
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto line = parse(lines[0]);
  EXPECT_EQ(line.at("level"), "error");
  EXPECT_EQ(line.at("process"), "worker");
  EXPECT_EQ(line.at("worker"), "host:12");
  EXPECT_EQ(line.at("batch"), 1);
  EXPECT_EQ(line.at("chunk"), 9);
}

TEST(LoggerJson, HostileTextStaysOneValidLine) {
  const std::string hostile =
      std::string("quote \" backslash \\ newline \n return \r ctl \x01 del \x7f nul ") + '\0' +
      " bad utf-8 \xff\xfe \xc0\xaf \xed\xa0\x80 cut \xe2\x82 end } {\"level\":\"error\"}";
  Captured out;
  {
    Logger log("worker", options(out, LogFormat::json), LogFields{.worker = "evil\n\"\xff"});
    log.warn(LogFields{.worker = "w\x01\xfe"}, hostile);
    log.error(hostile, '\n', hostile);
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& text : lines) {
    nlohmann::json line;
    ASSERT_NO_THROW(line = parse(text)) << text;
    ASSERT_TRUE(line.is_object()) << text;
    const auto msg = line.at("msg").get<std::string>();
    EXPECT_NE(msg.find("quote \" backslash \\ newline \n return \r ctl \x01 del \x7f nul "),
              std::string::npos)
        << text;
    EXPECT_NE(msg.find("bad utf-8 \xEF\xBF\xBD"), std::string::npos) << text;  // U+FFFD
    EXPECT_NE(msg.find(R"(end } {"level":"error"})"), std::string::npos) << text;
    EXPECT_EQ(line.at("process"), "worker");
  }
  EXPECT_EQ(parse(lines[0]).at("level"), "warn");
  EXPECT_EQ(parse(lines[0]).at("worker"), "w\x01\xEF\xBF\xBD");
  EXPECT_EQ(parse(lines[1]).at("worker"), "evil\n\"\xEF\xBF\xBD");
}

TEST(LoggerJson, LevelsBelowTheChosenOneAreNotWritten) {
  Captured out;
  {
    LogOptions o = options(out, LogFormat::json);
    o.level = LogLevel::warn;
    Logger log("dispatcher", o);
    log.debug("no");
    log.info("no");
    log.warn("yes");
    log.set_level(LogLevel::debug);
    log.debug("yes too");
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(parse(lines[0]).at("msg"), "yes");
  EXPECT_EQ(parse(lines[1]).at("level"), "debug");
}

// ---- repeats ---------------------------------------------------------------------------------

TEST(LoggerRepeats, TwoHundredIdenticalErrorsGiveTwoLines) {
  Captured out;
  Logger log("dispatcher", options(out));
  for (int i = 0; i < 200; ++i) log.error("database: ", "batch_status: connection refused");
  auto lines = out.lines();
  ASSERT_EQ(lines.size(), 1u) << "the first one is written at once";
  EXPECT_NE(lines[0].find(" ERROR dispatcher: database: batch_status: connection refused"),
            std::string::npos);
  log.flush();
  lines = out.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(std::regex_search(
      lines[1], std::regex(R"( ERROR dispatcher: database: batch_status: connection refused )"
                           R"(\(repeated 199 times in the last \d+ ms\)$)")))
      << lines[1];
}

TEST(LoggerRepeats, TheJsonSummaryCountsTheRepeats) {
  Captured out;
  {
    Logger log("dispatcher", options(out, LogFormat::json));
    for (int i = 0; i < 200; ++i) log.warn(LogFields{.batch = 4}, "batch 4: slow");
  }  // the destructor writes the summary
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(parse(lines[0]).contains("repeated"));
  const auto summary = parse(lines[1]);
  EXPECT_EQ(summary.at("repeated"), 199);
  EXPECT_EQ(summary.at("level"), "warn");
  EXPECT_EQ(summary.at("batch"), 4);
  EXPECT_EQ(summary.at("msg").get<std::string>().rfind("batch 4: slow (repeated 199 times", 0), 0u)
      << lines[1];
}

TEST(LoggerRepeats, DifferentErrorsAreNotMerged) {
  Captured out;
  {
    Logger log("dispatcher", options(out));
    for (int i = 0; i < 3; ++i) {
      log.error("database: a");
      log.error("database: b");
      log.warn("database: a");                          // another level
      log.error(LogFields{.batch = 2}, "database: a");  // other fields
    }
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 8u);  // four first lines, four summaries of 2 repeats each
  EXPECT_NE(lines[0].find("ERROR dispatcher: database: a"), std::string::npos);
  EXPECT_NE(lines[1].find("ERROR dispatcher: database: b"), std::string::npos);
  EXPECT_NE(lines[2].find("WARN  dispatcher: database: a"), std::string::npos);
  EXPECT_NE(lines[3].find("ERROR dispatcher: database: a"), std::string::npos);
  for (std::size_t i = 4; i < 8; ++i) {
    EXPECT_NE(lines[i].find(" (repeated 2 times in the last "), std::string::npos) << lines[i];
  }
}

TEST(LoggerRepeats, TheSummaryComesWhenTheWindowEnds) {
  Captured out;
  Logger log("worker", options(out, LogFormat::text, 300ms), LogFields{.worker = "w"});
  for (int i = 0; i < 5; ++i) log.warn("dispatcher silent");
  EXPECT_EQ(out.lines().size(), 1u);
  // No other line and no flush: the logger's own thread writes it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (out.lines().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  auto lines = out.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(
      lines[1].find("WARN  worker w: dispatcher silent (repeated 4 times in the last 300 ms)"),
      std::string::npos)
      << lines[1];
  // A new window: the next one is written at once.
  log.warn("dispatcher silent");
  lines = out.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].find("repeated"), std::string::npos) << lines[2];
}

TEST(LoggerRepeats, OnlyWarningsAndErrorsAreSummedUp) {
  Captured out;
  {
    Logger log("dispatcher", options(out));
    for (int i = 0; i < 5; ++i) log.info("heartbeat");
  }
  EXPECT_EQ(out.lines().size(), 5u);
}

TEST(LoggerRepeats, AZeroWindowWritesEveryOne) {
  Captured out;
  {
    Logger log("dispatcher", options(out, LogFormat::text, 0ms));
    for (int i = 0; i < 5; ++i) log.error("database: down");
  }
  EXPECT_EQ(out.lines().size(), 5u);
}

TEST(LoggerRepeats, ManyThreadsLogAtOnce) {
  Captured out;
  {
    Logger log("dispatcher", options(out, LogFormat::json));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < 500; ++i) {
          log.error("same error");
          log.info("thread ", t, " line ", i);
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  const auto lines = out.lines();
  ASSERT_EQ(lines.size(), 4u * 500u + 2u);
  std::uint64_t repeats = 0;
  for (const auto& l : lines) repeats += parse(l).value("repeated", std::uint64_t{0});
  EXPECT_EQ(repeats, 1999u);
}

}  // namespace
}  // namespace waybill
