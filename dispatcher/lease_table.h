// Which chunk of which batch is pending, leased (to whom, until when), being persisted, or done.
// Pure bookkeeping: no I/O, no clock of its own (the caller passes `now`), so every transition
// is tested directly. Memory is a few bytes per chunk of thousands of jobs.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace waybill::dispatcher {

using Clock = std::chrono::steady_clock;

struct ChunkRef {
  std::int64_t batch_id = 0;
  std::uint32_t chunk = 0;
  friend auto operator<=>(const ChunkRef&, const ChunkRef&) = default;
};

/// A granted lease: which jobs (seq range) go to the worker.
struct Grant {
  std::uint64_t lease_id = 0;
  ChunkRef ref;
  std::uint32_t first_seq = 0;
  std::uint32_t count = 0;
};

class LeaseTable {
 public:
  enum class State : std::uint8_t { pending, leased, persisting, done };

  /// Adds a batch of `jobs` jobs cut in chunks of `chunk_size`; `done` chunks need no routing.
  void add_batch(std::int64_t batch_id, std::int64_t graph_id, std::uint64_t jobs,
                 std::uint32_t chunk_size, const std::vector<std::uint32_t>& done = {});

  /// The next pending chunk on graph `graph_id`, leased to `worker` until now + ttl.
  std::optional<Grant> lease(const std::string& worker, std::int64_t graph_id,
                             Clock::time_point now, Clock::duration ttl);
  /// The graph of the oldest batch with pending chunks, if any.
  std::optional<std::int64_t> wanted_graph() const;

  /// A result for `ref` arrived. True when it is the first: the chunk moves to persisting and
  /// the caller persists it. False for a chunk already persisting or done (a duplicate), or
  /// unknown: drop the result.
  bool accept(const ChunkRef& ref);
  /// The job count and first seq of a chunk, to validate a result against.
  std::optional<Grant> describe(const ChunkRef& ref) const;
  /// Persisting succeeded: a persisting chunk is done. Returns true when this finished its batch.
  bool persisted(const ChunkRef& ref);
  /// Persisting failed: pending again, first in line.
  void requeue(const ChunkRef& ref);
  /// The worker holding lease `lease_id` gave up on the chunk: pending again, first in line.
  /// Ignored unless that lease is the chunk's current one.
  void give_back(const ChunkRef& ref, std::uint64_t lease_id);

  /// Every chunk leased to `worker` returns to pending (it left or died). Returns how many.
  std::size_t release_worker(const std::string& worker);
  /// Leases past their deadline return to pending. Returns how many.
  std::size_t expire(Clock::time_point now);

  std::uint32_t leased_to(const std::string& worker) const;
  bool has_batch(std::int64_t batch_id) const { return m_batches.count(batch_id) > 0; }
  std::size_t pending() const { return m_queue.size(); }
  /// Forgets a finished batch.
  void drop_batch(std::int64_t batch_id);

 private:
  struct Chunk {
    State state = State::pending;
    std::uint64_t lease_id = 0;
    std::string worker;
    Clock::time_point deadline{};
  };
  struct Batch {
    std::int64_t graph_id = 0;
    std::uint64_t jobs = 0;
    std::uint32_t chunk_size = 0;
    std::uint32_t remaining = 0;  // chunks not done
    std::vector<Chunk> chunks;
  };

  Chunk* find(const ChunkRef& ref);
  void make_pending(const ChunkRef& ref, Chunk& c, bool front);

  std::map<std::int64_t, Batch> m_batches;  // by id: older batches first
  std::deque<ChunkRef> m_queue;              // pending chunks, in lease order (may hold stale refs)
  std::uint64_t m_next_lease = 1;
};

}  // namespace waybill::dispatcher
