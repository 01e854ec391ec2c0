// The two quantities a route carries along its sequence and that moves combine in O(1): the load
// (per capacity dimension) and the time-window data of Vidal et al. (2013), which concatenates
// sub-sequences of a route into the time warp of the whole (the lateness a plan would need
// to be punctual; 0 means every window and the shift are met).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "planner/problem.h"

namespace waybill::planner::detail {

/// Capacity dimensions inside the search: the problem's, plus one for max_stops.
inline constexpr int kDims = kMaxDimensions + 1;

/// Amounts per dimension; unused dimensions stay 0.
struct Load {
  std::array<std::int64_t, kDims> q{};

  Load& operator+=(const Load& o) {
    for (int d = 0; d < kDims; ++d) q[d] += o.q[d];
    return *this;
  }
  Load& operator-=(const Load& o) {
    for (int d = 0; d < kDims; ++d) q[d] -= o.q[d];
    return *this;
  }
  friend Load operator+(Load a, const Load& b) { return a += b; }
  friend Load operator-(Load a, const Load& b) { return a -= b; }
  friend bool operator==(const Load&, const Load&) = default;
};

/// Time-window data of a sequence of stops (Vidal et al. 2013, "A hybrid genetic algorithm with
/// adaptive diversity management for a large class of vehicle routing problems with
/// time-windows"): its minimal duration, its time warp, and the earliest and latest times at
/// which it can start with that duration. `first` and `last` are its end locations.
struct TwSeg {
  int first = 0;
  int last = 0;
  Time duration = 0;
  Time time_warp = 0;
  Time early = 0;
  Time late = kTimeMax;

  /// One stop at `location`: service starts in [early, late] and lasts `service`.
  static TwSeg stop(int location, Time service, Time early, Time late) {
    return TwSeg{location, location, service, 0, early, late};
  }
};

/// `a` followed by `b`, with `travel` from a.last to b.first.
inline TwSeg merge(const TwSeg& a, const TwSeg& b, Time travel) {
  const Time delta = a.duration - a.time_warp + travel;
  const Time wait = std::max<Time>(b.early - delta - a.late, 0);
  const Time warp = std::max<Time>(a.early + delta - b.late, 0);
  TwSeg r;
  r.first = a.first;
  r.last = b.last;
  r.duration = a.duration + b.duration + travel + wait;
  r.time_warp = a.time_warp + b.time_warp + warp;
  r.early = std::max(b.early - delta, a.early) - wait;
  r.late = std::min(b.late - delta, a.late) + warp;
  return r;
}

}  // namespace waybill::planner::detail
