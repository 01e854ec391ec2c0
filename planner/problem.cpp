#include "planner/problem.h"

#include <map>
#include <sstream>

namespace waybill::planner {
namespace {

/// Above this many jobs, a problem without a dense matrix needs points or neighbour lists.
constexpr std::size_t kLargeProblem = 2500;

class Problems {
 public:
  template <class... Parts>
  void add(const Parts&... parts) {
    std::ostringstream line;
    (line << ... << parts);
    m_list.push_back(line.str());
  }
  std::vector<std::string> take() { return std::move(m_list); }

 private:
  std::vector<std::string> m_list;
};

void check_window(Problems& out, const std::string& where, const TimeWindow& w) {
  if (w.start > w.end) out.add(where, ": starts at ", w.start, " after its end ", w.end);
  if (w.start < 0) out.add(where, ": starts at ", w.start, ", before 0");
  if (w.end > kTimeMax) out.add(where, ": ends at ", w.end, ", beyond ", kTimeMax);
}

}  // namespace

std::vector<std::string> Problem::validate() const {
  Problems out;
  const std::size_t size = durations.size();
  const int dims = dimensions();
  auto outside = [&](const std::string& where, std::size_t index) {
    out.add(where, ": ", index, " is outside the ", size, " x ", size, " matrix");
  };
  if (costs && costs->size() != size) {
    out.add("costs: ", costs->size(), " x ", costs->size(), ", not ", size, " x ", size, " as the durations");
  }
  if (distances && distances->size() != size) {
    out.add("distances: ", distances->size(), " x ", distances->size(), ", not ", size, " x ", size,
            " as the durations");
  }
  if (!points.empty() && points.size() != size) {
    out.add("points: ", points.size(), " for a ", size, " x ", size, " matrix");
  }
  if (dims > kMaxDimensions) out.add("vehicles[0].capacity: ", dims, " dimensions, at most ", kMaxDimensions);
  std::map<std::int64_t, std::size_t> ids;
  for (std::size_t i = 0; i < vehicles.size(); ++i) {
    const Vehicle& v = vehicles[i];
    const std::string where = "vehicles[" + std::to_string(i) + "]";
    if (!ids.emplace(v.id, i).second) out.add(where, ".id: ", v.id, " is also vehicles[", ids[v.id], "]'s");
    if (v.start && *v.start >= size) outside(where + ".start", *v.start);
    if (v.end && *v.end >= size) outside(where + ".end", *v.end);
    if (static_cast<int>(v.capacity.size()) != dims) {
      out.add(where, ".capacity: ", v.capacity.size(), " dimensions, but vehicles[0] has ", dims);
    }
    for (std::size_t d = 0; d < v.capacity.size(); ++d) {
      if (v.capacity[d] < 0) out.add(where, ".capacity[", d, "]: ", v.capacity[d], " is negative");
    }
    check_window(out, where + ".time_window", v.shift);
    if (v.max_stops && *v.max_stops < 0) out.add(where, ".max_tasks: ", *v.max_stops, " is negative");
  }
  ids.clear();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Job& job = jobs[i];
    const std::string where = "jobs[" + std::to_string(i) + "]";
    if (!ids.emplace(job.id, i).second) out.add(where, ".id: ", job.id, " is also jobs[", ids[job.id], "]'s");
    if (job.location >= size) outside(where + ".location", job.location);
    bool carries = false;
    for (std::size_t d = 0; d < job.amounts.size(); ++d) {
      if (job.amounts[d] < 0) out.add(where, ".delivery[", d, "]: ", job.amounts[d], " is negative");
      carries = carries || job.amounts[d] != 0;
    }
    if (!job.amounts.empty() && static_cast<int>(job.amounts.size()) < dims) {
      out.add(where, ".delivery: ", job.amounts.size(), " dimensions, but the vehicles have ", dims);
    }
    if (static_cast<int>(job.amounts.size()) > dims && (carries || dims > 0)) {
      if (vehicles.empty() || dims == 0) {
        out.add(where, ".delivery: amounts, but the vehicles have no capacity");
      } else {
        out.add(where, ".delivery: ", job.amounts.size(), " dimensions, but the vehicles have ", dims);
      }
    }
    if (job.service < 0) out.add(where, ".service: ", job.service, " is negative");
    for (std::size_t w = 0; w < job.windows.size(); ++w) {
      check_window(out, where + ".time_windows[" + std::to_string(w) + "]", job.windows[w]);
    }
    if (job.priority < 0 || job.priority > 100) {
      out.add(where, ".priority: ", job.priority, " is outside 0..100");
    }
  }
  if (!neighbours.empty() && neighbours.size() != jobs.size()) {
    out.add("neighbours: ", neighbours.size(), " lists for ", jobs.size(), " jobs");
  }
  for (std::size_t i = 0; i < neighbours.size(); ++i) {
    for (std::size_t k : neighbours[i]) {
      if (k >= jobs.size()) out.add("neighbours[", i, "]: job ", k, " of ", jobs.size());
    }
  }
  const bool has_points = !points.empty() || (costs ? costs->points() : durations.points());
  const bool dense = (costs ? costs->is_dense() : true) && durations.is_dense();
  if (jobs.size() > kLargeProblem && !dense && !has_points && neighbours.empty()) {
    out.add("neighbours: ", jobs.size(), " jobs on a matrix computed on demand need points or ",
            "neighbour lists (a large problem never scans all pairs)");
  }
  return out.take();
}

}  // namespace waybill::planner
