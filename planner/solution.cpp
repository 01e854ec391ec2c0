#include "planner/solution.h"

namespace waybill::planner {

std::string_view describe(UnassignedReason reason) {
  switch (reason) {
    case UnassignedReason::too_heavy: return "too heavy for every vehicle";
    case UnassignedReason::unreachable: return "no vehicle can reach its location and return";
    case UnassignedReason::unsnappable: return "its address is on no road";
    case UnassignedReason::window_unreachable:
      return "no vehicle can reach it within its time windows and shift";
    case UnassignedReason::no_vehicle_left: return "no vehicle left with room for it";
  }
  return "unknown";
}

std::string_view name(UnassignedReason reason) {
  switch (reason) {
    case UnassignedReason::too_heavy: return "too_heavy";
    case UnassignedReason::unreachable: return "unreachable";
    case UnassignedReason::unsnappable: return "unsnappable";
    case UnassignedReason::window_unreachable: return "window_unreachable";
    case UnassignedReason::no_vehicle_left: return "no_vehicle_left";
  }
  return "unknown";
}

}  // namespace waybill::planner
