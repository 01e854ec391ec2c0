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
#include <utility>
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

/// A chunk given up on: its jobs are stored as failed, with `reason`.
struct Poisoned {
  Grant grant;
  std::string reason;
};

class LeaseTable {
 public:
  enum class State : std::uint8_t { pending, leased, persisting, done };

  /// How often a chunk may fail before it is given up on.
  struct Limits {
    std::uint32_t max_failures = 3;  ///< failures its workers reported (fail())
    std::uint32_t max_lost = 10;     ///< leases lost with their worker, or expired
  };

  LeaseTable() = default;
  explicit LeaseTable(Limits limits) : m_limits(limits) {}

  /// Adds a batch of `jobs` jobs cut in chunks of `chunk_size`; `done` chunks need no routing.
  /// Batches of a higher `priority` are leased first. A batch not `complete` is still being
  /// received: only its whole chunks are leased, and it is not finished until grow_batch says
  /// it is complete.
  void add_batch(std::int64_t batch_id, std::int64_t graph_id, std::uint64_t jobs,
                 std::uint32_t chunk_size, const std::vector<std::uint32_t>& done = {},
                 std::int32_t priority = 0, bool complete = true);
  /// A batch being received has `jobs` durable jobs now (no fewer than before), and with
  /// `complete` all of them: the new whole chunks (and then the last, partial one) are pending.
  /// Returns true when this finished the batch (complete, every chunk done).
  bool grow_batch(std::int64_t batch_id, std::uint64_t jobs, bool complete);
  /// Whether the batch is still being received (unknown batches are not).
  bool receiving(std::int64_t batch_id) const;

  /// The next pending chunk on graph `graph_id`, leased to `worker` until now + ttl: from the
  /// batches of the highest priority with pending chunks, each in turn (round-robin), so that
  /// every open batch advances at once.
  std::optional<Grant> lease(const std::string& worker, std::int64_t graph_id,
                             Clock::time_point now, Clock::duration ttl);
  /// The graph of the oldest batch of the highest priority with pending chunks, if any.
  std::optional<std::int64_t> wanted_graph();

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
  /// The worker holding lease `lease_id` gave up on the chunk through no fault of the chunk's
  /// (it does not hold the graph): pending again, first in line, not counted. Ignored unless
  /// that lease is the chunk's current one.
  void give_back(const ChunkRef& ref, std::uint64_t lease_id);
  /// The worker holding lease `lease_id` could not route the chunk (`error`): counted, and
  /// pending again, or given up on at the limit (take_poisoned). Ignored unless that lease is the
  /// chunk's current one.
  void fail(const ChunkRef& ref, std::uint64_t lease_id, const std::string& error);

  /// Every chunk leased to `worker` returns to pending (it left or died), each loss counted.
  /// Returns how many.
  std::size_t release_worker(const std::string& worker);
  /// Leases past their deadline return to pending, each counted as lost. Returns how many.
  std::size_t expire(Clock::time_point now);
  /// The chunks given up on since the last call. They are persisting: the caller stores their
  /// jobs as failed and calls persisted(), as for a result.
  std::vector<Poisoned> take_poisoned() { return std::exchange(m_poisoned, {}); }

  std::uint32_t leased_to(const std::string& worker) const;
  bool has_batch(std::int64_t batch_id) const { return m_batches.count(batch_id) > 0; }
  /// Chunks waiting for a lease.
  std::size_t pending() const;
  /// Forgets a finished batch.
  void drop_batch(std::int64_t batch_id);

  /// What an operator watches: batches waiting for their first lease and batches being routed,
  /// chunks out on lease. Walks every chunk: for a gauge, not for every event.
  struct Summary {
    std::size_t batches_queued = 0;   ///< no chunk leased or routed yet
    std::size_t batches_routing = 0;  ///< some chunk leased or routed, not every one done
    std::size_t chunks_leased = 0;
  };
  Summary summary() const;

 private:
  struct Chunk {
    State state = State::pending;
    std::uint64_t lease_id = 0;
    std::string worker;
    Clock::time_point deadline{};
    std::uint16_t failures = 0;  // reported by workers
    std::uint16_t lost = 0;      // leases lost with their worker, or expired
  };
  struct Batch {
    std::int64_t graph_id = 0;
    std::uint64_t jobs = 0;
    std::uint32_t chunk_size = 0;
    std::uint32_t remaining = 0;  // chunks not done
    bool complete = true;         // every job is known (false: the file is still arriving)
    std::int32_t priority = 0;    // higher first
    std::vector<Chunk> chunks;
    std::deque<std::uint32_t> queue;  // its pending chunks, in lease order (may hold stale ones)
  };
  /// Whether `b` has a pending chunk, dropping stale entries from the front of its queue.
  static bool has_pending(Batch& b);

  Chunk* find(const ChunkRef& ref);
  Grant grant_of(const ChunkRef& ref, const Chunk& c) const;
  void make_pending(const ChunkRef& ref, Chunk& c, bool front);
  /// A lease of `c` lost with its worker: pending again, or given up on at the limit.
  void lose(const ChunkRef& ref, Chunk& c);
  void poison(const ChunkRef& ref, Chunk& c, std::string reason);

  std::map<std::int64_t, Batch> m_batches;  // by id: older batches first
  std::int64_t m_turn = 0;                   // the batch leased from last
  std::uint64_t m_next_lease = 1;
  Limits m_limits{};
  std::vector<Poisoned> m_poisoned;
};

}  // namespace waybill::dispatcher
