// plan_depot on the Monaco extract: a depot day of 60 deliveries with weights, windows and
// service times, checked against the road itself (each leg's travel time from an early-exit
// Dijkstra, not the hierarchy's matrix) and against the fleet's limits; and the jobs no van can
// take, each reported with its reason.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "router/contraction.h"
#include "router/shortest_path.h"
#include "tests/router/osm_data.h"
#include "worker/depot_planner.h"

namespace waybill::worker {
namespace {

using router::testing::monaco_city;

constexpr std::int64_t kDay = 1'800'000'000 / 86400 * 86400;  // a midnight, UTC
constexpr std::int64_t kShiftStart = kDay + 8 * 3600;
constexpr std::int64_t kShiftEnd = kDay + 16 * 3600;

class DepotPlannerTest : public router::testing::MonacoFixture {
 protected:
  static const router::ContractionHierarchy& ch() {
    static const router::ContractionHierarchy built =
        router::ContractionHierarchy::build(monaco_city().graph);
    return built;
  }
  /// Seconds from node a to node b, as the planner converts an OSM graph's milliseconds.
  static std::int64_t seconds(router::NodeIndex a, router::NodeIndex b) {
    router::RouteQuery query(monaco_city().graph);
    const auto& g = monaco_city().graph;
    const router::RouteResult r = query.one_to_one(g.id_of(a), g.id_of(b));
    EXPECT_EQ(r.status, router::RouteStatus::ok);
    return std::llround(static_cast<double>(r.cost) / 1000);
  }
};

TEST_F(DepotPlannerTest, PlansADepotDayWithinEveryLimit) {
  const auto& graph = monaco_city().graph;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<router::NodeIndex> node(0, static_cast<router::NodeIndex>(graph.num_nodes() - 1));
  DepotTask task;
  const router::NodeIndex depot = node(rng);
  task.depot = router::node_endpoint(depot);
  std::map<std::uint32_t, router::NodeIndex> where;
  std::map<std::uint32_t, DepotJob> jobs;
  for (std::uint32_t i = 0; i < 60; ++i) {
    DepotJob j;
    j.seq = 1000 + i;
    const router::NodeIndex at = node(rng);
    j.destination = router::node_endpoint(at);
    j.weight_kg = 1 + static_cast<double>(rng() % 200) / 10;
    j.service_s = 120;
    if (i % 3 == 0) j.due_at = kShiftStart + 3 * 3600;        // before 11:00
    if (i % 5 == 0) j.ready_at = kShiftStart + 4 * 3600;      // after noon
    if (i % 15 == 0) j.due_at = kShiftStart + 6 * 3600;       // both: noon to 14:00
    where[j.seq] = at;
    jobs[j.seq] = j;
    task.jobs.push_back(j);
  }
  task.fleet = DepotFleet{4, 150.0, 20, kShiftStart, kShiftEnd, 18, 1};
  task.time_limit_s = 2;
  task.threads = 2;
  const DepotPlan plan = plan_depot(graph, ch(), task);

  std::map<std::uint32_t, int> seen;
  for (const PlannedTour& tour : plan.tours) {
    EXPECT_GE(tour.vehicle, 1);
    EXPECT_LE(tour.vehicle, 4);
    EXPECT_LE(tour.load_kg, 150.0 + 1e-9);
    EXPECT_LE(tour.load_parcels, 20);
    EXPECT_LE(static_cast<int>(tour.stops.size()), 18);
    EXPECT_GE(tour.departure, kShiftStart);
    double kg = 0;
    for (const PlannedStop& s : tour.stops) kg += jobs.at(s.seq).weight_kg;
    EXPECT_NEAR(tour.load_kg, kg, 1e-6);
    router::NodeIndex at = depot;
    std::int64_t clock = tour.departure;
    for (const PlannedStop& s : tour.stops) {
      ++seen[s.seq];
      const DepotJob& j = jobs.at(s.seq);
      EXPECT_EQ(s.arrival, clock + seconds(at, where.at(s.seq))) << s.seq;
      const std::int64_t start = s.arrival + s.waiting_s;
      EXPECT_GE(start, j.ready_at.value_or(kShiftStart)) << s.seq;
      if (j.due_at) {
        EXPECT_LE(start, *j.due_at) << s.seq;
      }
      EXPECT_EQ(s.lateness_s, 0);
      EXPECT_EQ(s.departure, start + j.service_s);
      kg -= j.weight_kg;
      EXPECT_NEAR(s.load_kg, kg, 1e-6);
      clock = s.departure;
      at = where.at(s.seq);
    }
    EXPECT_EQ(tour.arrival, clock + seconds(at, depot));
    EXPECT_LE(tour.arrival, kShiftEnd);
  }
  for (const UnplannedJob& u : plan.unassigned) ++seen[u.seq];
  EXPECT_EQ(seen.size(), 60u);
  for (const auto& [seq, times] : seen) EXPECT_EQ(times, 1) << seq;
  // 60 parcels, 80 places: every one fits.
  EXPECT_TRUE(plan.unassigned.empty());
}

TEST_F(DepotPlannerTest, ReportsWhatNoVanCanTakeWithItsReason) {
  const auto& graph = monaco_city().graph;
  DepotTask task;
  task.depot = router::node_endpoint(0);
  auto job = [&](std::uint32_t seq) {
    DepotJob j;
    j.seq = seq;
    j.destination = router::node_endpoint(static_cast<router::NodeIndex>(seq % graph.num_nodes()));
    j.weight_kg = 5;
    return j;
  };
  task.jobs.push_back(job(1));                 // fine
  task.jobs.push_back(job(2));
  task.jobs.back().weight_kg = 400;            // heavier than a van
  task.jobs.push_back(job(3));
  task.jobs.back().destination.reset();        // an address on no road
  task.jobs.push_back(job(4));
  task.jobs.back().due_at = kShiftStart - 3600;  // due before the shift begins
  task.fleet = DepotFleet{2, 100.0, 10, kShiftStart, kShiftEnd, std::nullopt, 1};
  task.time_limit_s = 0.5;
  const DepotPlan plan = plan_depot(graph, ch(), task);
  std::map<std::uint32_t, std::string> reasons;
  for (const UnplannedJob& u : plan.unassigned) reasons[u.seq] = u.reason;
  EXPECT_EQ(reasons, (std::map<std::uint32_t, std::string>{
                         {2, "too_heavy"}, {3, "unsnappable"}, {4, "window_unreachable"}}));
  ASSERT_EQ(plan.tours.size(), 1u);
  ASSERT_EQ(plan.tours[0].stops.size(), 1u);
  EXPECT_EQ(plan.tours[0].stops[0].seq, 1u);
}

}  // namespace
}  // namespace waybill::worker
