#include "dispatcher/route_writes.h"

#include <algorithm>
#include <utility>

namespace waybill::dispatcher {

void RouteWrites::add(ChunkRoutes routes, Clock::time_point now) {
  if (m_waiting.empty()) m_waiting_since = now;
  m_waiting_rows += routes.outcomes.size();
  m_waiting.push_back(std::move(routes));
}

std::optional<RouteWrites::Write> RouteWrites::next(Clock::time_point now, bool force) {
  if (m_waiting.empty() || m_writing.size() >= m_in_flight) return std::nullopt;
  if (!force && m_waiting_rows < m_flush_rows && now - m_waiting_since < m_flush_after) {
    return std::nullopt;
  }
  Posted posted{m_next_id++,
                std::make_shared<const std::vector<ChunkRoutes>>(std::exchange(m_waiting, {})),
                std::exchange(m_waiting_rows, 0)};
  m_writing_rows += posted.rows;
  m_writing.push_back(posted);
  return Write{posted.id, std::move(posted.chunks)};
}

std::optional<RouteWrites::Chunks> RouteWrites::written(std::uint64_t id, bool ok,
                                                        Clock::time_point now) {
  const auto it = std::find_if(m_writing.begin(), m_writing.end(),
                               [&](const Posted& p) { return p.id == id; });
  if (it == m_writing.end()) return std::nullopt;
  Posted posted = std::move(*it);
  m_writing.erase(it);
  m_writing_rows -= posted.rows;
  if (ok) return std::move(posted.chunks);
  // The database failed: the routes wait again, for the next write.
  if (m_waiting.empty()) m_waiting_since = now;
  m_waiting_rows += posted.rows;
  m_waiting.insert(m_waiting.end(), posted.chunks->begin(), posted.chunks->end());
  return std::nullopt;
}

std::optional<RouteWrites::Clock::time_point> RouteWrites::due() const {
  // With every write slot taken, the next is posted when one is answered, not by the clock.
  if (m_waiting.empty() || m_writing.size() >= m_in_flight) return std::nullopt;
  return m_waiting_since + m_flush_after;
}

}  // namespace waybill::dispatcher
