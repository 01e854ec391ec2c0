// `waybill submit` as a script sees it, against a real dispatcher, worker and PostgreSQL: a file
// that is not a batch file stores nothing (status 2); a batch with rejected lines is stored and
// says how many and why (status 1 with --fail-on-rejects, else 0); gzip and zstd files are routed as their content; an unknown
// graph fails at once, while a dispatcher that does not answer is tried again (status 3), and a
// client queued for a receiving slot waits its turn.
#include <zmq.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <sstream>
#include <string_view>

#include "common/sha256.h"
#include "schema/messages.h"
#include "tests/cli/compress.h"
#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

class SubmitTest : public PipelineTest {
 protected:
  struct Run {
    int status = 0;
    std::string output;  ///< stdout and stderr
    double seconds = 0;
  };

  /// `waybill submit FILE` with `extra` arguments, FILE holding `bytes` as they are.
  Run submit_file(const std::string& name, std::string_view bytes,
                  std::vector<std::string> extra = {}) {
    const auto file = m_dir / name;
    std::ofstream(file, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const auto log = m_dir / (name + ".submit.log");
    std::vector<std::string> args{"submit",  "--dispatcher", m_clients,
                                  "--graph", m_graph_name,   file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto t0 = std::chrono::steady_clock::now();
    Process p(WAYBILL_CLI, args, log.string());
    Run run;
    run.status = p.wait_for(120s);
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    run.output = slurp(log);
    return run;
  }

  std::size_t count(const std::string& sql) { return query(sql)[0][0].as<std::size_t>(); }
  static bool has(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
  }
  /// Waits until the dispatcher answers `waybill status`: what follows is timed without its start.
  void wait_until_answering() {
    ASSERT_TRUE(eventually(
        [&] {
          return run(WAYBILL_CLI, {"status", "--dispatcher", m_clients},
                     (m_dir / "status.log").string()) == 0;
        },
        30s))
        << slurp(m_dir / "dispatcher.log");
  }
};

/// `batch` without its bad lines: every line is accepted.
Batch without_rejects(Batch batch) {
  std::istringstream in(batch.text);
  std::string line, text;
  for (std::uint64_t number = 1; std::getline(in, line); ++number) {
    const bool bad = std::any_of(batch.rejects.begin(), batch.rejects.end(),
                                 [&](const auto& reject) { return reject.first == number; });
    if (!bad) text += line + '\n';
  }
  batch.text = std::move(text);
  batch.rejects.clear();
  return batch;
}

TEST_F(SubmitTest, AFileThatIsNotABatchFileIsRefusedAndStoresNothing) {
  start_dispatcher();
  start_worker("w");
  const std::string binary("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0\n", 30);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"empty.csv", ""},
      {"binary.png", binary},
      {"headerless.csv", "J1,1,2\nJ2,3,4\n"},
      {"header-only.csv", "order_id,origin,destination\n"},
      {"semicolons.csv", "order_id;origin;destination\nJ1;1;2\nJ2;3;4\n"},
      {"header-only.csv.gz", gzip("order_id,origin,destination\n")},
  };
  for (const auto& [name, bytes] : files) {
    const Run run = submit_file(name, bytes);
    EXPECT_EQ(run.status, 2) << name << ":\n" << run.output;
    EXPECT_TRUE(has(run.output, name + ": not a batch file, nothing submitted: ")) << run.output;
    EXPECT_EQ(count("select count(*) from batches"), 0u) << name << ":\n" << run.output;
  }
  // Refused before the dispatcher was asked.
  EXPECT_FALSE(has(slurp(m_dir / "dispatcher.log"), "receiving"))
      << slurp(m_dir / "dispatcher.log");
}

TEST_F(SubmitTest, ABatchWithRejectedLinesIsStoredAndSaysWhyWithStatusOneOnlyWhenAskedFor) {
  start_dispatcher();
  start_worker("w");
  const Batch batch = make_batch(2, 100, 100, 41);  // four bad lines
  ASSERT_EQ(batch.rejects.size(), 4u);
  const Run run = submit_file("batch.csv", batch.text, {"--wait", "--fail-on-rejects"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(has(run.output, "batch 1: " + std::to_string(batch.accepted) +
                                  " jobs accepted, 4 lines rejected"))
      << run.output;
  EXPECT_TRUE(has(run.output, "batch.csv: 4 lines rejected, for example:")) << run.output;
  EXPECT_TRUE(has(run.output, "  line 6: wrong column count: expected 4, got 2")) << run.output;
  EXPECT_TRUE(has(run.output, "  line 51: bad origin: not an integer: 'x'")) << run.output;
  EXPECT_TRUE(has(run.output, "select line, reason, raw from rejects where batch_id = 1"))
      << run.output;
  EXPECT_EQ(count("select count(*) from rejects"), 4u);
  EXPECT_EQ(count("select routed from batch_progress"), batch.accepted);

  // The same file again is the same batch, and the same status; without --fail-on-rejects the
  // status is 0, as scripts written before it expect of a stored batch.
  const Run again = submit_file("batch.csv", batch.text, {"--fail-on-rejects"});
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_TRUE(has(again.output, "batch 1 (already submitted)")) << again.output;
  const Run plain = submit_file("batch.csv", batch.text, {"--wait"});
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_TRUE(has(plain.output, "4 lines rejected")) << plain.output;

  // Every line accepted: status 0.
  const Run clean =
      submit_file("clean.csv", without_rejects(make_batch(2, 100, 100, 42)).text, {"--wait"});
  EXPECT_EQ(clean.status, 0) << clean.output;
  EXPECT_FALSE(has(clean.output, "for example")) << clean.output;
}

TEST_F(SubmitTest, GzipAndZstdFilesAreRoutedAsTheirContent) {
  start_dispatcher();
  start_worker("w");
  const Batch day = without_rejects(make_batch(3, 100, 200, 43));
  const Run gz = submit_file("day.csv.gz", gzip(day.text), {"--wait"});
  EXPECT_EQ(gz.status, 0) << gz.output;
  EXPECT_TRUE(has(gz.output,
                  "batch 1: " + std::to_string(day.accepted) + " jobs accepted, 0 lines rejected"))
      << gz.output;
  const auto progress = query("select accepted, rejected, routed from batch_progress");
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0][0].as<std::size_t>(), day.accepted);
  EXPECT_EQ(progress[0][1].as<std::size_t>(), 0u);
  EXPECT_EQ(progress[0][2].as<std::size_t>(), day.accepted);

  // A batch is its content: the zstd file and the plain one are that batch.
  const Run zst = submit_file("day.csv.zst", zstd(day.text));
  EXPECT_EQ(zst.status, 0) << zst.output;
  EXPECT_TRUE(has(zst.output, "batch 1 (already submitted): " + std::to_string(day.accepted)))
      << zst.output;
  const Run plain = submit_file("day.csv", day.text);
  EXPECT_TRUE(has(plain.output, "batch 1 (already submitted)")) << plain.output;

  // zstd under a name that does not say so, routed as its content.
  const Batch other = without_rejects(make_batch(2, 150, 100, 44));
  const Run named = submit_file("other.csv", zstd(other.text), {"--wait"});
  EXPECT_EQ(named.status, 0) << named.output;
  EXPECT_EQ(count("select accepted from batch_progress where batch_id = 2"), other.accepted);
  EXPECT_EQ(count("select routed from batch_progress where batch_id = 2"), other.accepted);
  EXPECT_EQ(count("select count(*) from routes"), day.accepted + other.accepted);
  EXPECT_EQ(count("select count(*) from rejects"), 0u);
}

TEST_F(SubmitTest, AnUnknownGraphFailsAtOnce) {
  start_dispatcher();
  wait_until_answering();
  m_graph_name = "no-such-graph";
  const Run run = submit_file("batch.csv", without_rejects(make_batch(2, 100, 100, 45)).text);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(has(run.output, "no graph named 'no-such-graph'")) << run.output;
  EXPECT_FALSE(has(run.output, "retrying")) << run.output;
  EXPECT_LT(run.seconds, 3.0) << run.output;  // tried five times, it took 5 s of pauses at least
  EXPECT_EQ(count("select count(*) from batches"), 0u);
}

/// The next message on `socket`, or nothing after `timeout`.
std::optional<wire::Message> receive(zmq::socket_t& socket, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  zmq::message_t frame;
  if (!socket.recv(frame)) return std::nullopt;
  std::string error;
  return wire::decode(std::span(static_cast<const std::byte*>(frame.data()), frame.size()), error);
}

TEST_F(SubmitTest, AClientBeyondTheReceivingSlotsWaitsItsTurnWithoutSpendingAttempts) {
  start_dispatcher({"--insecure", "--max-receiving", "1"});
  start_worker("w");
  wait_until_answering();
  // Another client takes the only receiving slot, and keeps it.
  const Batch first = without_rejects(make_batch(2, 100, 100, 47));
  zmq::context_t context;
  zmq::socket_t holder(context, zmq::socket_type::dealer);
  holder.set(zmq::sockopt::linger, 0);
  holder.connect(m_clients);
  wire::SubmitBegin begin{"grid", sha256_hex(first.text), "first.csv", first.text.size()};
  const std::string bytes = wire::encode(begin);
  holder.send(zmq::buffer(bytes));
  const auto begun = receive(holder, 10s);
  const auto* reply = begun ? std::get_if<wire::SubmitReply>(&*begun) : nullptr;
  ASSERT_TRUE(reply && reply->stage == wire::SubmitReply::Stage::begun);

  // One attempt only: were the queue taken for a failure, this submit would end with status 3.
  const Batch second = without_rejects(make_batch(2, 100, 100, 48));
  std::ofstream(m_dir / "second.csv") << second.text;
  const auto log = m_dir / "second.submit.log";
  Process waiting(WAYBILL_CLI,
                  {"submit", "--dispatcher", m_clients, "--graph", "grid",
                   (m_dir / "second.csv").string(), "--attempts", "1", "--priority", "7", "--wait"},
                  log.string());
  ASSERT_TRUE(eventually([&] { return has(slurp(log), "queued: place 1"); }, 20s)) << slurp(log);
  std::this_thread::sleep_for(2s);  // a while in the queue, asking again
  EXPECT_EQ(waiting.wait_for(0ms), -1) << slurp(log);

  // The slot is freed: the waiting client goes on, and both batches are stored and routed.
  const std::string last = wire::encode(wire::SubmitData{reply->submit_id, 0, first.text, true});
  holder.send(zmq::buffer(last));
  EXPECT_EQ(waiting.wait_for(60s), 0) << slurp(log) << "\n--- dispatcher:\n"
                                      << slurp(m_dir / "dispatcher.log");
  EXPECT_TRUE(has(slurp(log), "batch 2: " + std::to_string(second.accepted))) << slurp(log);
  EXPECT_EQ(count("select count(*) from batches"), 2u);
  EXPECT_EQ(count("select priority from batches where id = 2"), 7u);
}

TEST_F(SubmitTest, ADispatcherThatDoesNotAnswerIsTriedAgainThenStatusThree) {
  // No dispatcher at all.
  const Run run = submit_file("batch.csv", without_rejects(make_batch(2, 100, 100, 46)).text,
                              {"--attempts", "2", "--timeout-ms", "300"});
  EXPECT_EQ(run.status, 3) << run.output;
  EXPECT_TRUE(has(run.output, "retrying (1/2)")) << run.output;
  EXPECT_TRUE(has(run.output, "gave up after 2 attempts, nothing submitted")) << run.output;
}

}  // namespace
}  // namespace waybill::test
