// The routes answered and not yet durable: they wait in memory until enough rows or enough time
// gathered, then go to PostgreSQL in one write (one transaction, COPY), at most `in_flight` writes
// posted at once. Pure bookkeeping; the core posts the writes and reports their outcomes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "dispatcher/rows.h"

namespace waybill::dispatcher {

class RouteWrites {
 public:
  using Clock = std::chrono::steady_clock;
  using Chunks = std::shared_ptr<const std::vector<ChunkRoutes>>;

  /// One write to post: its id (for written()) and its chunks, whole.
  struct Write {
    std::uint64_t id = 0;
    Chunks chunks;
  };

  /// A write is due once `flush_rows` routes wait, or the oldest waited `flush_after`. Two writes
  /// in flight let the writer's backend go from one commit straight to the next COPY instead of
  /// waiting for the loop to notice the commit (with one it idled a quarter of the time).
  RouteWrites(std::size_t flush_rows, Clock::duration flush_after, std::size_t in_flight = 2)
      : m_flush_rows(flush_rows), m_flush_after(flush_after), m_in_flight(in_flight) {}

  /// Routes of one chunk, answered at `now`.
  void add(ChunkRoutes routes, Clock::time_point now);
  /// The next write, when one is due (or, with `force`, whenever routes wait) and fewer than
  /// `in_flight` are posted.
  std::optional<Write> next(Clock::time_point now, bool force);
  /// The outcome of write `id`: its chunks when `ok`; otherwise its routes wait again and nothing
  /// is returned. An unknown id returns nothing.
  std::optional<Chunks> written(std::uint64_t id, bool ok, Clock::time_point now);

  /// Routes held: waiting, or in writes not answered yet.
  std::size_t rows_held() const { return m_waiting_rows + m_writing_rows; }
  bool empty() const { return m_waiting.empty() && m_writing.empty(); }
  /// When the routes waiting are due by age; nothing when none wait or no write can be posted.
  std::optional<Clock::time_point> due() const;

 private:
  struct Posted {
    std::uint64_t id = 0;
    Chunks chunks;
    std::size_t rows = 0;
  };

  std::size_t m_flush_rows;
  Clock::duration m_flush_after;
  std::size_t m_in_flight;
  std::vector<ChunkRoutes> m_waiting;
  std::size_t m_waiting_rows = 0;
  Clock::time_point m_waiting_since;
  std::deque<Posted> m_writing;  // oldest first
  std::size_t m_writing_rows = 0;
  std::uint64_t m_next_id = 1;
};

}  // namespace waybill::dispatcher
