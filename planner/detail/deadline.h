// A point in time after which the search stops, or none.
#pragma once

#include <algorithm>
#include <chrono>

namespace waybill::planner::detail {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  /// Never expires.
  Deadline() = default;
  explicit Deadline(Clock::time_point at) : m_at(at), m_set(true) {}

  bool expired() const { return m_set && Clock::now() >= m_at; }
  bool is_set() const { return m_set; }
  /// Seconds left (a large number when unset), never negative.
  double seconds_left() const {
    if (!m_set) return 1e18;
    return std::max(0.0, std::chrono::duration<double>(m_at - Clock::now()).count());
  }
  /// This deadline or `seconds` from now, whichever comes first.
  Deadline within(double seconds) const {
    const auto at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds));
    return Deadline(m_set ? std::min(at, m_at) : at);
  }

 private:
  Clock::time_point m_at{};
  bool m_set = false;
};

}  // namespace waybill::planner::detail
