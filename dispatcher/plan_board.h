// The planning work of open plans, without I/O: which depot parts wait, which are leased to
// which worker until when, which are stored. Like LeaseTable for chunks: a part is leased to
// one worker at a time, goes back to the queue when its worker is lost or its lease expires, and
// is stored once (accept() says yes to the first answer only). A part whose planning failed
// `max_attempts` times is given up (the core stores its jobs as misses).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "dispatcher/plan_rows.h"

namespace waybill::dispatcher {

struct PlanPartKey {
  std::int64_t plan_id = 0;
  std::int64_t depot = 0;  ///< DepotKey::id()
  std::uint32_t part = 0;
  friend auto operator<=>(const PlanPartKey&, const PlanPartKey&) = default;
};

/// One part to plan: what the lease needs besides the jobs (read when it is leased).
struct PlanPart {
  PlanPartKey key;
  std::int64_t batch_id = 0;
  std::int64_t graph_id = 0;
  DepotFleetRow depot;         ///< the whole depot's fleet and job count
  std::uint32_t parts = 1;     ///< of this depot
  double time_limit_s = 10;
  std::int32_t service_s = 120;
  double snap_radius_m = 500;
};

class PlanBoard {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PlanBoard(int max_attempts = 3) : m_max_attempts(max_attempts) {}

  void add(PlanPart part);
  bool empty() const { return m_parts.empty(); }
  /// The next waiting part for `peer`, leased until now + the part's time limit + `grace`.
  std::optional<std::pair<std::uint64_t, const PlanPart*>> lease(const std::string& peer,
                                                                   Clock::time_point now,
                                                                   Clock::duration grace);
  /// The part a lease is for, if the part is still open.
  const PlanPart* find(const PlanPartKey& key) const;
  /// The first answer for an open part: true, and the part is closed. Later ones: false.
  bool accept(const PlanPartKey& key);
  /// The lease failed: the part waits again, or, after max_attempts failures, true (give up:
  /// the caller stores the part as failed and accept()s it).
  bool fail(const PlanPartKey& key, std::uint64_t lease_id);
  /// Parts leased to `peer` go back to the queue; returns how many.
  std::size_t release_worker(const std::string& peer);
  /// Expired leases go back to the queue; returns how many.
  std::size_t expire(Clock::time_point now);
  /// Leases `peer` holds now.
  std::size_t held_by(const std::string& peer) const;
  /// Open parts of a plan.
  std::size_t open_parts(std::int64_t plan_id) const;
  /// Parts of a plan being planned now.
  std::size_t leased_parts(std::int64_t plan_id) const;

 private:
  struct Entry {
    PlanPart part;
    bool leased = false;
    std::uint64_t lease_id = 0;
    std::string peer;
    Clock::time_point deadline;
    int failures = 0;
  };
  void requeue(Entry& e);

  int m_max_attempts;
  std::map<PlanPartKey, Entry> m_parts;  // open parts
  std::deque<PlanPartKey> m_queue;       // waiting, oldest first
  std::uint64_t m_next_lease = 1;
};

}  // namespace waybill::dispatcher
