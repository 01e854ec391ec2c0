// Streaming submit: a batch is durable in segments as its file streams in, routed from the first
// segment on; an interrupted submit keeps its segments (the batch stays 'receiving') and the same
// file submitted again resumes after them. The interruptions are real: a client that stops
// mid-file and a dispatcher killed with SIGKILL mid-submit.
#include <zmq.hpp>

#include <algorithm>
#include <cstdio>

#include "common/sha256.h"
#include "tests/integration/pipeline_fixture.h"
#include "transport/client.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

constexpr int kJobs = 60'000;

/// A batch of kJobs jobs from 20 depots of the grid, with long order ids so that a 1 MiB part
/// holds a few thousand lines (a segment closes at a part's end), and one rejected line.
std::string streaming_batch() {
  std::string text = "order_id,origin,destination,weight_kg\n";
  char line[128];
  for (int i = 0; i < kJobs; ++i) {
    std::snprintf(line, sizeof line, "order-%07d-%s,%d,%d,1\n", i,
                  "0123456789abcdef0123456789abcdef0123456789abcdef", (i % 20) * 60 + 1,
                  i * 7 % 1200 + 1);
    text += line;
    if (i == 30'000) text += "bad,line\n";
  }
  return text;
}

/// How a client names the file it sends: by its first MiB's hash, hashing the rest as it sends
/// it (as `waybill submit` does); by the whole content's hash too, given first (`--hash-first`);
/// or by the whole content's hash alone (a client from before 0015: the batch is headless).
enum class Naming { streamed, whole_first, before_0015 };

/// Sends the start of `text` (its first `parts` parts of about 1 MiB of whole lines, not the
/// last) as a submit of the whole file, as a client that then dies would. Returns the batch id
/// once a segment is durable.
std::uint64_t send_head(const std::string& clients, const std::string& text, int parts,
                        Naming naming = Naming::streamed) {
  zmq::context_t context;
  transport::Client client(context, clients);
  wire::SubmitBegin begin{"grid", "", "stream.csv", text.size()};
  if (naming != Naming::before_0015) begin.head_hash = sha256_hex(text.substr(0, 1 << 20));
  if (naming != Naming::streamed) begin.content_hash = sha256_hex(text);
  const auto begun = client.request(begin, 10s, 1);
  const auto* r = begun ? std::get_if<wire::SubmitReply>(&*begun) : nullptr;
  EXPECT_TRUE(r && r->stage == wire::SubmitReply::Stage::begun);
  if (!r) return 0;
  const std::uint64_t submit_id = r->submit_id, batch_id = r->batch_id;
  std::size_t at = 0;
  for (int p = 0; p < parts; ++p) {
    const std::size_t end = text.rfind('\n', at + (1 << 20)) + 1;
    client.send(wire::SubmitData{submit_id, static_cast<std::uint32_t>(p),
                                 text.substr(at, end - at), false, sha256_hex(text.substr(0, end))});
    at = end;
  }
  std::uint64_t durable = 0;
  for (int replies = 0; replies < parts && durable == 0; ++replies) {
    const auto answer = client.receive(20s);
    const auto* part = answer ? std::get_if<wire::SubmitReply>(&*answer) : nullptr;
    EXPECT_TRUE(part && part->stage == wire::SubmitReply::Stage::part_stored);
    if (!part) break;
    durable = part->durable;
  }
  EXPECT_GT(durable, 0u) << "no segment became durable";
  return batch_id;  // the client goes away without a word, its submit open
}

class StreamingTest : public PipelineTest {
 protected:
  Process& start_streaming_dispatcher() {
    return start_dispatcher({"--insecure", "--segment-lines", "1000"});
  }

  /// Every accepted line of `text` is one job with one route, equal to the reference router's.
  void expect_routed_once(const std::string& id) {
    EXPECT_EQ(query("select count(*), count(distinct order_id), count(distinct seq), max(seq)"
                    " from jobs where batch_id = " + id)[0][0].as<int>(), kJobs);
    // Routes stored (elements of the blocks) and jobs routed (the view, a job a row): equal
    // when none is doubled.
    EXPECT_EQ(query("select sum(cardinality(status)) from route_blocks where batch_id = " + id)[0][0]
                  .as<int>(),
              kJobs)
        << "routes doubled";
    EXPECT_EQ(query("select count(*) from routes where batch_id = " + id)[0][0].as<int>(), kJobs);
    const auto routes = query("select order_id, origin, destination, cost, status, line from job_routes"
                              " where batch_id = " + id + " order by seq");
    ASSERT_EQ(routes.size(), static_cast<std::size_t>(kJobs));
    ReferenceRouter reference(m_graph);
    for (std::size_t i = 0; i < routes.size(); i += 997) {  // a sample over every segment
      const auto& row = routes[i];
      char order[32];
      std::snprintf(order, sizeof order, "order-%07zu-", i);
      EXPECT_TRUE(row[0].as<std::string>().starts_with(order)) << row[0].as<std::string>();
      // Line 1 is the header; the bad line follows job 30,000.
      EXPECT_EQ(row[5].as<std::size_t>(), i + 2 + (i > 30'000 ? 1 : 0)) << order;
      ASSERT_EQ(row[4].as<std::string>(), "ok") << order;
      EXPECT_EQ(row[3].as<std::int64_t>(), reference.route(row[1], row[2]).cost) << order;
    }
    EXPECT_EQ(query("select count(*) from rejects where batch_id = " + id)[0][0].as<int>(), 1);
    const auto progress =
        query("select state, accepted, rejected, routed from batch_progress where batch_id = " + id);
    EXPECT_EQ(progress[0][0].as<std::string>(), "finished");
    EXPECT_EQ(progress[0][1].as<int>(), kJobs);
    EXPECT_EQ(progress[0][2].as<int>(), 1);
    EXPECT_EQ(progress[0][3].as<int>(), kJobs);
  }

  void wait_finished(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (query("select finished_at is null from batches where id = " + id)[0][0].as<bool>()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "batch not finished\n--- dispatcher:\n" << slurp(m_dir / "dispatcher.log");
      std::this_thread::sleep_for(100ms);
    }
  }
};

TEST_F(StreamingTest, ABatchIsRoutedWhileItsFileIsStillArriving) {
  start_streaming_dispatcher();
  start_worker("w1");
  const std::string text = streaming_batch();
  const std::string id = std::to_string(send_head(m_clients, text, 2));
  // The client is silent now, its submit open: the durable segment is routed all the same.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::uint64_t routed = 0, accepted = 0;
  while (routed == 0 || routed < accepted - accepted % 256) {  // its whole chunks
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << slurp(m_dir / "dispatcher.log");
    std::this_thread::sleep_for(100ms);
    const auto p = query("select routed, accepted, state from batch_progress where batch_id = " + id);
    routed = p[0][0].as<std::uint64_t>();
    accepted = p[0][1].as<std::uint64_t>();
    EXPECT_EQ(p[0][2].as<std::string>(), "receiving");
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, static_cast<std::uint64_t>(kJobs));

  // The same file from `waybill submit`: it takes over from the silent client (5 s silent) and
  // resumes, once it has checked that its file's start hashes as the stored segments' content.
  Batch batch;
  batch.text = text;
  const std::string output = submit(batch, "stream.csv");
  EXPECT_NE(output.find("resuming after line"), std::string::npos) << output;
  EXPECT_NE(output.find("batch " + id + ": 60000 jobs accepted, 1 lines rejected"),
            std::string::npos) << output;
  wait_finished(id);
  expect_routed_once(id);
  EXPECT_GT(query("select count(*) from batch_segments where batch_id = " + id)[0][0].as<int>(), 2);
}

TEST_F(StreamingTest, AFileStartingAsAnInterruptedOneIsNotTakenForItAndGetsABatchOfItsOwn) {
  start_streaming_dispatcher();
  start_worker("w1");
  const std::string a = streaming_batch();
  // b is a with one order id changed past the first MiB, within the two parts a's dead client
  // sent: the same head, another file.
  std::string b = a;
  const auto changed = b.find("order-0020001-");
  ASSERT_NE(changed, std::string::npos);
  ASSERT_GT(changed, std::size_t{1} << 20);
  b.replace(changed, 6, "ORDER-");
  const std::string id_a = std::to_string(send_head(m_clients, a, 2));

  Batch batch_b;
  batch_b.text = b;
  const std::string out_b = submit(batch_b, "b.csv");
  EXPECT_NE(out_b.find("batch " + id_a + " starts as"), std::string::npos) << out_b;
  EXPECT_NE(out_b.find("is another file's; not resuming it"), std::string::npos) << out_b;
  EXPECT_EQ(out_b.find("resuming after line"), std::string::npos) << out_b;
  const auto ids = query("select id from batches where file_name like '%b.csv' order by id");
  ASSERT_EQ(ids.size(), 1u);
  const std::string id_b = ids[0][0].as<std::string>();
  EXPECT_NE(id_b, id_a);
  wait_finished(id_b);
  expect_routed_once(id_b);
  EXPECT_EQ(query("select count(*) from jobs where batch_id = " + id_b +
                  " and order_id like 'ORDER-0020001-%'")[0][0].as<int>(), 1);
  EXPECT_EQ(query("select state from batch_progress where batch_id = " + id_a)[0][0].as<std::string>(),
            "receiving");

  // c is a's first 1.5 MiB alone: the same head, and no difference before it ends, but it ends
  // before a's durable segments do. Not a's either: a batch of its own.
  const std::string c = a.substr(0, a.rfind('\n', 3 << 19) + 1);
  Batch batch_c;
  batch_c.text = c;
  const std::string out_c = submit(batch_c, "c.csv");
  EXPECT_NE(out_c.find("batch " + id_a + " starts as"), std::string::npos) << out_c;
  EXPECT_EQ(out_c.find("resuming after line"), std::string::npos) << out_c;
  const auto c_ids = query("select id from batches where file_name like '%c.csv'");
  ASSERT_EQ(c_ids.size(), 1u);
  const std::string id_c = c_ids[0][0].as<std::string>();
  wait_finished(id_c);
  EXPECT_EQ(query("select accepted from batch_progress where batch_id = " + id_c)[0][0]
                .as<std::int64_t>(),
            std::count(c.begin(), c.end(), '\n') - 1);

  // a, whole: of the batches that start as it does, b's and c's are named (by their whole
  // hashes) and a's not yet: a's is offered, the client's check passes, and it resumes, never
  // hashing a whole first.
  Batch batch_a;
  batch_a.text = a;
  const std::string out_a = submit(batch_a, "a.csv");
  EXPECT_NE(out_a.find("resuming after line"), std::string::npos) << out_a;
  EXPECT_EQ(out_a.find("hashing the whole file first"), std::string::npos) << out_a;
  EXPECT_NE(out_a.find("batch " + id_a + ": 60000 jobs accepted, 1 lines rejected"),
            std::string::npos) << out_a;
  wait_finished(id_a);
  expect_routed_once(id_a);
  EXPECT_EQ(query("select count(*) from batches where hash is null")[0][0].as<int>(), 0);
}

TEST_F(StreamingTest, ADispatcherKilledMidSubmitKeepsTheDurableSegments) {
  Process& first = start_streaming_dispatcher();
  const std::string text = streaming_batch();
  // Named by its whole hash alone, as before 0015: `waybill submit` is told to hash first, and
  // resumes it by that hash.
  const std::string id = std::to_string(send_head(m_clients, text, 3, Naming::before_0015));
  first.signal(SIGKILL);
  first.wait();
  const auto before = query("select state, accepted from batch_progress where batch_id = " + id);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0][0].as<std::string>(), "receiving");
  const auto durable = before[0][1].as<std::uint64_t>();
  EXPECT_GT(durable, 0u);
  EXPECT_EQ(query("select coalesce(sum(jobs), 0) from batch_segments where batch_id = " + id)[0][0]
                .as<std::uint64_t>(), durable);

  // Restarted, the dispatcher routes what is durable and waits for the rest.
  start_streaming_dispatcher();
  start_worker("w1");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (query("select routed from batch_progress where batch_id = " + id)[0][0].as<std::uint64_t>() <
         durable - durable % 256) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << slurp(m_dir / "dispatcher.log");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(query("select state from batch_progress where batch_id = " + id)[0][0].as<std::string>(),
            "receiving");

  Batch batch;
  batch.text = text;
  const std::string output = submit(batch, "stream.csv");
  EXPECT_NE(output.find("resuming after line"), std::string::npos) << output;
  wait_finished(id);
  expect_routed_once(id);
  // Submitted once more, the file is the batch it made.
  const std::string again = submit(batch, "stream.csv");
  EXPECT_NE(again.find("batch " + id + " (already submitted)"), std::string::npos) << again;
}

TEST_F(StreamingTest, AReceivingBatchIsCancelledAndStaysSo) {
  start_streaming_dispatcher();
  for (const Naming naming : {Naming::whole_first, Naming::streamed}) {
    std::string text = streaming_batch();
    if (naming == Naming::streamed) text.replace(text.find("order-0000001-"), 14, "order-0000001x");
    const std::string id = std::to_string(send_head(m_clients, text, 2, naming));
    // Its client went silent, its submit open: the operator ends the batch.
    Process cancel(WAYBILL_CLI, {"cancel", "--dispatcher", m_clients, id},
                   (m_dir / "cancel.log").string());
    ASSERT_EQ(cancel.wait_for(20s), 0) << slurp(m_dir / "cancel.log") << "\n--- dispatcher:\n"
                                       << slurp(m_dir / "dispatcher.log");
    const auto p = query("select state, accepted, routed from batch_progress where batch_id = " + id);
    EXPECT_EQ(p[0][0].as<std::string>(), "cancelled");
    const auto accepted = p[0][1].as<int>();
    EXPECT_GT(accepted, 0);
    EXPECT_LT(accepted, kJobs);
    EXPECT_EQ(query("select count(*) from job_routes where batch_id = " + id +
                    " and status = 'cancelled'")[0][0].as<int>(), accepted);
    Batch batch;
    batch.text = text;
    const std::string name = naming == Naming::streamed ? "streamed.csv" : "whole-first.csv";
    const auto [status, again] = try_submit(batch, name, {});  // no --wait: no worker
    EXPECT_EQ(status, 0) << again;
    if (naming == Naming::whole_first) {
      // Named by its whole hash when it was begun: the file submitted again finds the cancelled
      // batch, and nothing more is stored.
      EXPECT_NE(again.find("batch " + id + " (already submitted)"), std::string::npos) << again;
    } else {
      // Cancelled before its file's end, named by nothing: the file submitted again is a new
      // batch, stored whole (there is no worker: it is not routed here).
      EXPECT_EQ(again.find("(already submitted)"), std::string::npos) << again;
      EXPECT_NE(again.find(": 60000 jobs accepted, 1 lines rejected"), std::string::npos) << again;
    }
    EXPECT_EQ(query("select count(*) from jobs where batch_id = " + id)[0][0].as<int>(), accepted);
  }
}

}  // namespace
}  // namespace waybill::test
