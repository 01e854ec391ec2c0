// Hostile bytes on both dispatcher sockets while a batch runs: random frames, multi-frame
// messages, truncated and bit-flipped Cap'n Proto, a frame over ZMQ_MAXMSGSIZE, hand-made
// messages whose lists claim far more elements than the frame holds, well-formed messages of the
// wrong type or about batches, chunks and submits that do not exist, a worker that grabs leases
// and throws them back, and a client that floods status requests and never reads a reply.
// The dispatcher must stay up and answering, keep its memory, and route every job exactly once.
#include <zmq.hpp>

#include <cstring>
#include <limits>

#include "schema/messages.h"
#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

/// VmRSS of a process, in KiB (0 if it cannot be read).
std::size_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

/// The lines of `text` that contain `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

/// The log without its thousands of "dropped ..." lines, for failure messages.
std::string notable(const std::string& log) {
  std::string out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(": dropped a") == std::string::npos) out += line + '\n';
  }
  return out.size() > 8000 ? out.substr(out.size() - 8000) : out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + '\n';
  return out;
}

// ---- hand-made Cap'n Proto ----------------------------------------------------------------------
// A flat array: the segment table (one segment), then the words. x86-64 and aarch64 are little
// endian, as is Cap'n Proto, so words are copied as they are.

std::string frame_of(const std::vector<std::uint64_t>& segment) {
  std::string out(8 * (segment.size() + 1), '\0');
  const std::uint64_t table = std::uint64_t{segment.size()} << 32;  // 1 segment (count - 1 = 0)
  std::memcpy(out.data(), &table, 8);
  std::memcpy(out.data() + 8, segment.data(), 8 * segment.size());
  return out;
}

std::uint64_t struct_pointer(std::int32_t offset, std::uint16_t data_words, std::uint16_t pointers) {
  return (std::uint64_t{static_cast<std::uint32_t>(offset) << 2}) |
         (std::uint64_t{data_words} << 32) | (std::uint64_t{pointers} << 48);
}

std::uint64_t list_pointer(std::int32_t offset, unsigned element_size, std::uint32_t count) {
  return (std::uint64_t{static_cast<std::uint32_t>(offset) << 2} | 1) |
         (std::uint64_t{element_size} << 32) | (std::uint64_t{count} << 35);
}

/// An Envelope holding member `which`, a struct of `data_words` and `pointers`, whose pointer
/// `list_at` is a list claiming `elements` elements that the frame does not hold: `composite`
/// (a tag word describing zero-sized structs, so the list needs no words at all) or of
/// `element_size` (0 void, 2 bytes, ...) with nothing behind it.
std::string claiming_list(std::uint16_t which, std::uint16_t data_words, std::uint16_t pointers,
                          std::uint16_t list_at, std::uint32_t elements, bool composite,
                          unsigned element_size = 0) {
  std::vector<std::uint64_t> s;
  s.push_back(struct_pointer(0, 1, 1));               // root -> Envelope at word 1
  s.push_back(which);                                 // the union discriminant
  s.push_back(struct_pointer(0, data_words, pointers));  // -> the member at word 3
  for (std::uint16_t i = 0; i < data_words; ++i) s.push_back(0x0101010101010101ull * (i + 1));
  const std::size_t first_pointer = s.size();
  s.resize(s.size() + pointers, 0);
  const auto target = static_cast<std::int32_t>(s.size());  // just after the pointers
  const auto at = static_cast<std::int32_t>(first_pointer + list_at);
  if (composite) {
    s[static_cast<std::size_t>(at)] = list_pointer(target - at - 1, 7, 0);  // 0 words of content
    s.push_back(std::uint64_t{elements} << 2);  // tag: `elements` structs of 0 words, 0 pointers
  } else {
    s[static_cast<std::size_t>(at)] = list_pointer(target - at - 1, element_size, elements);
  }
  return frame_of(s);
}

// Envelope members (schema/waybill.capnp).
constexpr std::uint16_t kChunkResult = 3, kLease = 8, kSubmitData = 10, kStatusReply = 13;

std::string chunk_result_claiming(std::uint32_t outcomes) {
  return claiming_list(kChunkResult, 3, 2, 0, outcomes, true);
}

std::vector<std::string> huge_list_frames() {
  return {
      chunk_result_claiming(1'000'000),            // passes Cap'n Proto's limits, not ours
      chunk_result_claiming((1u << 30) - 1),       // over the traversal limit
      claiming_list(kLease, 3, 2, 1, 5'000'000, true),
      claiming_list(kChunkResult, 3, 2, 0, (1u << 29) - 1, false, 0),  // void list
      claiming_list(kSubmitData, 2, 1, 0, (1u << 29) - 1, false, 2),   // bytes beyond the end
      claiming_list(kStatusReply, 0, 3, 0, 8'000'000, true),
      claiming_list(kStatusReply, 0, 3, 1, 8'000'000, true),
      // A segment table claiming 2^32 segments, and one claiming a segment of 2^31 words.
      frame_of({0xffffffffull | (1ull << 32)}).substr(8),
      frame_of({0}).replace(0, 8, std::string("\0\0\0\0\0\0\0\x80", 8)),
  };
}

// ---- well-formed messages -----------------------------------------------------------------------

const std::string kHash(64, 'a');  // a well-formed content hash no batch has

wire::Lease some_lease(std::uint64_t batch_id) {
  wire::Lease m{1, batch_id, 0, 60000, std::string(64, 'b'), {}};
  for (std::uint32_t i = 0; i < 256; ++i) m.jobs.push_back({i, 1 + i, 1200 - i});
  return m;
}

wire::ChunkResult some_result(std::uint64_t batch_id, std::uint32_t chunk, std::uint32_t outcomes) {
  wire::ChunkResult m{1, batch_id, chunk, {}, {}};
  for (std::uint32_t i = 0; i < outcomes; ++i) {
    // Sequence numbers far from the chunk's: a bit flip cannot make this a valid answer.
    m.outcomes.push_back({1'000'000 + chunk * 256 + i, wire::JobStatus::ok, 42, 3});
  }
  return m;
}

std::vector<std::string> valid_frames(std::uint64_t batch_id) {
  return {
      wire::encode(some_lease(batch_id)),
      wire::encode(wire::SubmitBegin{"grid", kHash, "evil.csv", 123456}),
      wire::encode(some_result(batch_id, 0, 256)),
      wire::encode(wire::Hello{"evil", std::string(64, 'c'), 8}),
      wire::encode(wire::SubmitData{77, 0, "order_id,origin,destination,weight_kg\nX,1,2,3\n", true}),
      wire::encode(wire::StatusReply{{wire::BatchStatus{batch_id, "f", "g", 1, 2, 3, 4, true, 5}},
                                     {wire::WorkerStatus{"w", 1, 2, 3, 4}},
                                     "e"}),
  };
}

/// Messages that decode but do not belong on the worker socket, or name things that do not exist.
std::vector<wire::Message> wrong_for_workers(std::uint64_t batch_id, const std::string& graph_hash) {
  return {
      some_lease(batch_id),
      wire::Welcome{graph_hash, 1u << 30, 1},
      wire::GraphChunk{graph_hash, 0, 1u << 30, std::string(1000, 'x')},
      wire::SubmitBegin{"grid", kHash, "evil.csv", 1},
      wire::SubmitData{1, 0, "x\n", true},
      wire::StatusRequest{0},
      wire::SubmitReply{wire::SubmitReply::Stage::done, 1, 0, batch_id, true, 1, 1, {}},
      wire::StatusReply{},
      some_result(999'999, 0, 256),                 // no such batch
      some_result(batch_id, 1'000'000, 256),        // no such chunk
      some_result(batch_id, 0, 3),                  // too few outcomes
      some_result(batch_id, 1, 0),                  // none at all
      some_result(batch_id, 2, 300),                // too many
      some_result(std::numeric_limits<std::uint64_t>::max(), 0xffffffffu, 1),
      wire::ChunkResult{9, 999'999, 0, {}, "no such batch"},
      wire::GraphRequest{std::string(64, 'd'), 0},  // no such graph
      wire::GraphRequest{graph_hash, std::numeric_limits<std::uint64_t>::max()},
      wire::Heartbeat{},
  };
}

/// Messages that decode but do not belong on the client socket, or name things that do not exist.
std::vector<wire::Message> wrong_for_clients(std::uint64_t batch_id, const std::string& graph_hash) {
  return {
      wire::Hello{"evil", graph_hash, 1u << 31},
      wire::GraphRequest{graph_hash, 0},
      wire::Credit{1'000'000'000},
      some_result(batch_id, 0, 256),
      wire::Heartbeat{},
      wire::Goodbye{},
      wire::Welcome{graph_hash, 1, 1},
      wire::GraphChunk{graph_hash, 0, 1, "x"},
      some_lease(batch_id),
      wire::SubmitReply{},
      wire::StatusReply{},
      wire::SubmitData{424242, 0, "order_id,origin,destination,weight_kg\n", false},  // unknown
      wire::SubmitData{0, 7, "x\n", true},
      wire::SubmitBegin{"grid", "not a hash", "evil.csv", 1},
      wire::SubmitBegin{"grid", std::string(64, 'A'), "evil.csv", 1},  // upper case
      wire::SubmitBegin{"no such graph", kHash, "evil.csv", 1},
      wire::StatusRequest{999'999},
  };
}

/// Well-formed client messages whose values PostgreSQL refuses: a batch id over bigint, text
/// that is not UTF-8. A client must not be able to make the dispatcher think its database is
/// gone (that stalls routing and rolls back whatever submit is open).
std::vector<wire::Message> poison_for_clients() {
  return {
      wire::StatusRequest{std::uint64_t{1} << 63},
      wire::StatusRequest{std::numeric_limits<std::uint64_t>::max()},
      wire::SubmitBegin{"\xff\xfe grid", std::string(64, 'e'), "evil.csv", 1},
      wire::SubmitBegin{"grid", std::string(64, 'f'), "\xff\xfe.csv", 1},
  };
}

// ---- sockets ------------------------------------------------------------------------------------

zmq::socket_t dealer(zmq::context_t& context, const std::string& endpoint, int linger_ms) {
  zmq::socket_t s(context, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, linger_ms);
  s.connect(endpoint);
  return s;
}

/// Sends one message of `frames`; returns whether ZeroMQ took it.
bool send_parts(zmq::socket_t& s, const std::vector<std::string>& frames,
                zmq::send_flags flags = zmq::send_flags::none) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto more = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    if (!s.send(zmq::buffer(frames[i]), flags | more)) return false;
  }
  return true;
}

bool send_one(zmq::socket_t& s, const std::string& frame,
              zmq::send_flags flags = zmq::send_flags::none) {
  return send_parts(s, {frame}, flags);
}

/// The next message on `s`, decoded; nothing after `timeout` or for a malformed one.
std::optional<wire::Message> receive(zmq::socket_t& s, std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
  if (zmq::poll(items, 1, timeout) != 1) return std::nullopt;
  zmq::message_t in;
  if (!s.recv(in, zmq::recv_flags::dontwait)) return std::nullopt;
  std::string error;
  return wire::decode(std::span(static_cast<const std::byte*>(in.data()), in.size()), error);
}

// Frame sizes no other hostile frame has (random ones are up to 4096 bytes, cut ones shorter
// than the well-formed ones), logged as "frame of <size> bytes is not a whole number ...".
constexpr std::size_t kWorkerSentinel = 8190, kClientSentinel = 8191;

std::string sentinel_line(std::size_t size) {
  std::string line = "frame of ";
  line += std::to_string(size);
  line += " bytes";
  return line;
}

class HostileWireTest : public PipelineTest {
 protected:
  bool ready(const std::string& worker) {
    return slurp(m_dir / (worker + ".log")).find(" ready: ") != std::string::npos;
  }
  std::size_t count(const std::string& sql) { return query(sql)[0][0].as<std::size_t>(); }
  std::string dispatcher_log() { return slurp(m_dir / "dispatcher.log"); }
};

TEST_F(HostileWireTest, GarbageOnBothSocketsNeitherStopsNorBloatsNorDoublesTheBatch) {
  Process& dispatcher = start_dispatcher();
  start_worker("w");
  ASSERT_TRUE(eventually([&] { return ready("w"); }, 30s)) << slurp(m_dir / "w.log");

  // A worker that grants a credit of 10^9 before the batch arrives, so that it is leased chunks
  // whatever the timing; after the submit it says goodbye and answers every lease it got with
  // an error: its chunks go back to the queue at once.
  zmq::context_t greedy_context;
  zmq::socket_t greedy = dealer(greedy_context, m_workers, 0);
  send_one(greedy, wire::encode(wire::Credit{1'000'000'000}));
  std::this_thread::sleep_for(300ms);

  const Batch batch = make_batch(20, 2000, 20000, 31);
  const auto [stored, output] = try_submit(batch, "batch.csv");
  ASSERT_EQ(stored, stored_status(batch)) << output;
  const auto batch_id = query("select id from batches")[0][0].as<std::uint64_t>();
  const auto graph_hash = query("select hash from graphs where name = 'grid'")[0][0].as<std::string>();
  const auto started = std::chrono::steady_clock::now();

  const pid_t pid = dispatcher.pid();
  const std::size_t rss_before = rss_kib(pid);
  ASSERT_GT(rss_before, 0u);
  std::size_t rss_peak = rss_before;
  auto sample = [&] { rss_peak = std::max(rss_peak, rss_kib(pid)); };

  // The frames below must be what they claim to be.
  {
    std::string error;
    const std::string four = chunk_result_claiming(4);
    const auto few = wire::decode(std::as_bytes(std::span(four)), error);
    ASSERT_TRUE(few) << error;
    ASSERT_EQ(std::get<wire::ChunkResult>(*few).outcomes.size(), 4u);
    for (const std::string& f : huge_list_frames()) {
      EXPECT_FALSE(wire::decode(std::as_bytes(std::span(f)), error));
      EXPECT_FALSE(error.empty());
    }
  }

  // A client that floods status requests and never reads: connected until the end of the test.
  zmq::context_t idle_context;
  zmq::socket_t deaf = dealer(idle_context, m_clients, 0);
  deaf.set(zmq::sockopt::sndhwm, 1'000'000);
  std::size_t flooded = 0;
  for (int i = 0; i < 3000; ++i) {
    flooded += send_one(deaf, wire::encode(wire::StatusRequest{0}), zmq::send_flags::dontwait);
  }
  EXPECT_EQ(flooded, 3000u);

  std::size_t sent = 0;
  // The attack sockets stay open until the dispatcher has read all they sent: closing a TCP
  // socket with unread replies resets the connection, and the dispatcher's kernel then drops
  // what it had received but ZeroMQ not yet read.
  zmq::context_t context;
  std::vector<zmq::socket_t> sockets;  // [0] workers, [1] clients, then the oversized two
  // The greedy worker's goodbye, and its errors for the leases it took.
  {
    sent += send_one(greedy, wire::encode(wire::Goodbye{}));
    std::size_t leases = 0;
    auto quiet_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - quiet_since < 500ms) {
      const auto m = receive(greedy, 20ms);
      if (!m) continue;
      if (const auto* lease = std::get_if<wire::Lease>(&*m)) {
        ++leases;
        sent += send_one(greedy, wire::encode(wire::ChunkResult{
                                     lease->lease_id, lease->batch_id, lease->chunk, {}, "hostile"}));
        quiet_since = std::chrono::steady_clock::now();
      }
    }
    std::cout << "[ hostile  ] the greedy worker was leased " << leases << " chunks\n";
  }
  {
    for (const std::string* endpoint : {&m_workers, &m_clients}) {
      zmq::socket_t& s = sockets.emplace_back(dealer(context, *endpoint, 0));
      std::mt19937_64 rng(20240531);
      std::uniform_int_distribution<std::size_t> size(0, 4096);
      std::uniform_int_distribution<int> byte(0, 255);
      auto noise = [&](std::size_t n) {
        std::string f(n, '\0');
        for (char& c : f) c = static_cast<char>(byte(rng));
        return f;
      };
      // Random frames, random multi-frame messages, random words behind a valid segment table.
      for (int i = 0; i < 300; ++i) sent += send_one(s, noise(size(rng)));
      for (int i = 0; i < 100; ++i) {
        std::vector<std::string> parts(2 + rng() % 5);
        for (auto& p : parts) p = noise(size(rng) / 8);
        sent += send_parts(s, parts);
      }
      for (int i = 0; i < 200; ++i) {
        const std::size_t words = 1 + rng() % 64;
        std::vector<std::uint64_t> segment(words);
        for (auto& w : segment) w = rng();
        sent += send_one(s, frame_of(segment));
      }
      // Truncated and bit-flipped versions of well-formed messages.
      for (const std::string& valid : valid_frames(batch_id)) {
        for (std::size_t cut = 0; cut < valid.size(); cut += cut < 256 ? 1 : 61) {
          sent += send_one(s, valid.substr(0, cut));
        }
        for (int i = 0; i < 50; ++i) {
          std::string flipped = valid;
          for (int k = 0; k < 1 + i % 4; ++k) {
            flipped[rng() % flipped.size()] ^= static_cast<char>(1 << (rng() % 8));
          }
          sent += send_one(s, flipped);
        }
      }
      // Lists claiming far more than the frame holds.
      for (const std::string& f : huge_list_frames()) sent += send_one(s, f);
      sample();
    }

    // Well-formed messages on the wrong socket, or about things that do not exist.
    for (const auto& m : wrong_for_workers(batch_id, graph_hash)) sent += send_one(sockets[0], wire::encode(m));
    for (const auto& m : wrong_for_clients(batch_id, graph_hash)) sent += send_one(sockets[1], wire::encode(m));
    // A submit begun, then continued out of order: rolled back.
    {
      zmq::socket_t submitter = dealer(context, m_clients, 0);
      sent += send_one(submitter, wire::encode(wire::SubmitBegin{"grid", kHash, "evil.csv", 1}));
      const auto begun = receive(submitter, 10s);
      ASSERT_TRUE(begun);
      const auto* r = std::get_if<wire::SubmitReply>(&*begun);
      ASSERT_NE(r, nullptr);
      ASSERT_EQ(r->stage, wire::SubmitReply::Stage::begun) << r->error;
      sent += send_one(submitter, wire::encode(wire::SubmitData{r->submit_id, 5, "x\n", true}));
      const auto refused = receive(submitter, 10s);
      ASSERT_TRUE(refused);
      ASSERT_TRUE(std::holds_alternative<wire::SubmitReply>(*refused));
      EXPECT_EQ(std::get<wire::SubmitReply>(*refused).stage, wire::SubmitReply::Stage::failed);
    }

    // Frames over the dispatcher's 16 MiB ZMQ_MAXMSGSIZE: ZeroMQ drops these peers.
    for (const std::string* endpoint : {&m_workers, &m_clients}) {
      zmq::socket_t& s = sockets.emplace_back(dealer(context, *endpoint, 0));
      sent += send_one(s, std::string(20u << 20, '\x5a'));
    }
    sample();


    // Values PostgreSQL refuses.
    for (const auto& m : poison_for_clients()) sent += send_one(sockets[1], wire::encode(m));
    // Last, frames of a size nothing above has: once the log shows them, the dispatcher has
    // read everything these two sockets sent (ZeroMQ keeps a peer's messages in order).
    sent += send_one(sockets[0], std::string(kWorkerSentinel, 's'));
    sent += send_one(sockets[1], std::string(kClientSentinel, 's'));
    sample();
  }
  sample();
  const double attack_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool finished_during_attack =
      count("select count(*) from batches where finished_at is not null") == 1;
  std::cout << "[ hostile  ] " << sent << " hostile messages and " << flooded
            << " status requests sent in " << attack_s << " s; batch finished during the attack: "
            << (finished_during_attack ? "yes" : "no") << "\n";

  // The client socket lags: the flood of status requests costs a query each.
  ASSERT_TRUE(eventually(
      [&] {
        sample();
        const std::string log = dispatcher_log();
        return log.find(sentinel_line(kWorkerSentinel)) != std::string::npos &&
               log.find(sentinel_line(kClientSentinel)) != std::string::npos;
      },
      30s))
      << "the dispatcher did not get through the attack\n" << notable(dispatcher_log());
  sockets.clear();

  // The dispatcher still answers a polite client.
  {
    zmq::context_t polite_context;
    zmq::socket_t polite = dealer(polite_context, m_clients, 0);
    ASSERT_TRUE(send_one(polite, wire::encode(wire::StatusRequest{batch_id})));
    const auto m = receive(polite, 10s);
    ASSERT_TRUE(m) << "no status reply\n" << notable(dispatcher_log());
    const auto* reply = std::get_if<wire::StatusReply>(&*m);
    ASSERT_NE(reply, nullptr);
    ASSERT_EQ(reply->batches.size(), 1u);
    EXPECT_EQ(reply->batches[0].batch_id, batch_id);
  }

  ASSERT_TRUE(eventually(
      [&] {
        sample();
        return count("select count(*) from batches where finished_at is not null") == 1;
      },
      60s))
      << notable(dispatcher_log());
  sample();
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  EXPECT_EQ(dispatcher.wait_for(200ms), -1) << notable(dispatcher_log());
  EXPECT_EQ(count("select sum(cardinality(status)) from route_blocks"), batch.accepted);  // stored
  EXPECT_EQ(count("select count(*) from routes"), batch.accepted);  // jobs routed
  EXPECT_EQ(count("select count(*) from batches"), 1u);  // the hostile submits left nothing

  const std::size_t rss_after = rss_kib(pid);
  std::cout << "[ hostile  ] dispatcher VmRSS " << rss_before / 1024 << " MiB before, peak "
            << rss_peak / 1024 << " MiB, " << rss_after / 1024 << " MiB after; batch took "
            << total_s << " s from submit\n";
  EXPECT_LT(rss_peak, rss_before + (200u << 10));
  EXPECT_LT(rss_after, rss_before + (200u << 10));

  const std::string log = dispatcher_log();
  std::cout << "[ hostile  ] dispatcher log: "
            << lines_with(log, "dropped a malformed message").size() << " malformed, "
            << lines_with(log, "dropped a message of").size() << " wrong frame counts, "
            << lines_with(log, "unexpected message type").size() << " unexpected types, "
            << lines_with(log, "does not match its jobs").size() << " mismatched results\n";
  EXPECT_FALSE(lines_with(log, "dropped a malformed message").empty());
  EXPECT_FALSE(lines_with(log, "dropped a message of").empty());
  EXPECT_FALSE(lines_with(log, "unexpected message type").empty());
  EXPECT_FALSE(lines_with(log, "does not match its jobs").empty());
  // Nothing a peer sends may pass for a database failure: that stalls leasing and persisting
  // and rolls back any open submit (see the next test).
  EXPECT_EQ(joined(lines_with(log, " database: ")), "");
  EXPECT_EQ(joined(lines_with(log, "PostgreSQL reconnected")), "");
  EXPECT_EQ(joined(lines_with(log, "unexpected: ")), "");
}

// One well-formed StatusRequest whose batch id PostgreSQL refuses (over bigint) every 100 ms:
// each one made the dispatcher take its database for broken and back off, up to 10 s, with no
// leasing and no persisting meanwhile. Routing must go on.
TEST_F(HostileWireTest, StatusRequestsForABatchIdOverBigintDoNotStallRouting) {
  start_dispatcher();
  start_worker("w");
  ASSERT_TRUE(eventually([&] { return ready("w"); }, 30s)) << slurp(m_dir / "w.log");
  const Batch batch = make_batch(20, 2000, 20000, 32);
  const auto [stored, output] = try_submit(batch, "batch.csv");
  ASSERT_EQ(stored, stored_status(batch)) << output;
  ASSERT_TRUE(eventually([&] { return count("select count(*) from routes") > 0; }, 20s))
      << dispatcher_log();

  zmq::context_t context;
  zmq::socket_t client = dealer(context, m_clients, 0);
  const std::string poison = wire::encode(wire::StatusRequest{std::uint64_t{1} << 63});
  auto attack_for = [&](std::chrono::milliseconds how_long) {
    const auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
      ASSERT_TRUE(send_one(client, poison));
      std::this_thread::sleep_for(100ms);
    }
  };
  attack_for(300ms);
  const auto before = count("select count(*) from routes");
  attack_for(3s);
  const auto after = count("select count(*) from routes");
  EXPECT_TRUE(after > before || before == batch.accepted)
      << "no route stored in 3 s (" << before << " of " << batch.accepted << ")\n"
      << joined(lines_with(dispatcher_log(), " database: ")).substr(0, 2000);
}

}  // namespace
}  // namespace waybill::test

