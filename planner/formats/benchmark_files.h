// The standard benchmark files of vehicle routing, read into a Problem: CVRPLIB's `.vrp` (TSPLIB
// format, EUC_2D: the X, A and P sets) and Solomon's VRPTW `.txt`. Each keeps the distance
// convention the set's best-known values assume.
#pragma once

#include <istream>
#include <stdexcept>
#include <string>

#include "planner/problem.h"

namespace waybill::planner::formats {

/// A file that cannot be read as its format: what() names the file, the line and the field
/// ("X-n101-k25.vrp:9: NODE_COORD_SECTION: 'a' is not a number").
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A CVRPLIB instance: one vehicle type with the file's CAPACITY, as many vehicles as a plan
/// can need, start and end at the depot, no windows. Distances are Euclidean rounded to the
/// nearest integer (TSPLIB's nint), computed on demand; durations are the same numbers. A job's id
/// is its node number in the file; the depot is not a job. With DISTANCE (a route-length limit,
/// CMT) the vehicles' shift is [0, DISTANCE] and SERVICE_TIME is every job's service time.
/// `vehicles` > 0 fixes the fleet size. `name` is used in error messages.
Problem read_cvrplib(std::istream& in, const std::string& name, int vehicles = 0);

/// A Solomon instance: the file's fleet (NUMBER, CAPACITY), or `vehicles` of them when > 0, from
/// and back to customer 0 within its window; each customer with its demand, window and service
/// time. Distances are Euclidean truncated to one decimal, as the set's best-known values are
/// computed: every distance and time is in tenths (C101's 827.3 is 8273). Travel times equal
/// distances. A job's id is its customer number.
Problem read_solomon(std::istream& in, const std::string& name, int vehicles = 0);

/// The unit the costs of a problem read by read_solomon are in: tenths.
inline constexpr double kSolomonScale = 10;

}  // namespace waybill::planner::formats
