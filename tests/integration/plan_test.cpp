// `waybill plan` end to end: real processes over TCP and the real PostgreSQL. Every depot of a
// routed batch planned once, the stored plan checked in SQL against the fleet's limits (each job
// once, vans, parcels, kilograms, shifts, due times); the same fleet twice is the same plan; a
// worker killed mid-plan and the dispatcher killed and restarted lose nothing and double
// nothing; fleet files with errors are refused naming line and field; a depot whose parcels fit
// no van is reported, not looped on.
#include <set>

#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

class PlanTest : public PipelineTest {
 protected:
  /// The batch's depots (origins of the D lines), in order of appearance.
  static std::vector<std::string> depots_of(const Batch& batch) {
    std::vector<std::string> out;
    std::istringstream in(batch.text);
    std::string line;
    while (std::getline(in, line)) {
      // The depots' own lines: an S...-D... id and 1.5 kg (the duplicate-id reject weighs 1).
      if (line.find("-D") == std::string::npos || line.rfind('S', 0) != 0 || !line.ends_with(",1.5")) {
        continue;
      }
      const auto a = line.find(','), b = line.find(',', a + 1);
      const std::string depot = line.substr(a + 1, b - a - 1);
      if (std::find(out.begin(), out.end(), depot) == out.end()) out.push_back(depot);
    }
    return out;
  }
  fs::path fleet(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
    return m_dir / name;
  }
  /// `waybill plan`; returns its exit status and output.
  std::pair<int, std::string> plan(const fs::path& fleet_file, std::vector<std::string> extra = {},
                                   const std::string& time_limit_s = "1") {
    const auto log = m_dir / (fleet_file.filename().string() + ".plan.log");
    std::vector<std::string> args{"plan", "--dispatcher", m_clients, "--batch", "1", "--fleet",
                                  fleet_file.string(), "--time-limit", time_limit_s};
    args.insert(args.end(), extra.begin(), extra.end());
    Process p(WAYBILL_CLI, args, log.string());
    return {p.wait_for(180s), slurp(log)};
  }
  std::size_t count(const std::string& sql) { return query(sql)[0][0].as<std::size_t>(); }
  bool ready(const std::string& worker) {
    return slurp(m_dir / (worker + ".log")).find(" ready: ") != std::string::npos;
  }

  /// The stored plan 1 holds every job of batch 1 once and keeps every limit of the fleet.
  void expect_valid_plan(std::size_t accepted) {
    EXPECT_EQ(count("select count(*) from (select job_seq from tour_stops where plan_id = 1"
                    " union all select job_seq from plan_misses where plan_id = 1) x"),
              accepted);
    EXPECT_EQ(count("select count(distinct job_seq) from (select job_seq from tour_stops where plan_id = 1"
                    " union all select job_seq from plan_misses where plan_id = 1) x"),
              accepted);
    // Capacities, stops in order, shifts, due times, and each tour's load the sum of its stops'.
    EXPECT_EQ(count("select count(*) from tours t join plan_fleets f using (plan_id, depot)"
                    " where t.load_parcels > f.capacity_parcels or t.load_kg > f.capacity_kg + 1e-6"
                    " or t.departure < f.shift_start or t.arrival > f.shift_end"
                    " or t.vehicle < 1 or t.vehicle > f.vehicles"),
              0u);
    EXPECT_EQ(count("select count(*) from (select plan_id, depot, vehicle, count(*) n, max(seq) m,"
                    " sum(1) filter (where lateness_s > 0) late from tour_stops group by 1, 2, 3) s"
                    " where n <> m or late > 0"),
              0u);
    EXPECT_EQ(count("select count(*) from tours t join lateral (select count(*) n, sum(j.weight_kg) kg"
                    " from tour_stops s join jobs j on j.batch_id = s.batch_id and j.seq = s.job_seq"
                    " where s.plan_id = t.plan_id and s.depot = t.depot and s.vehicle = t.vehicle) x on true"
                    " where x.n <> t.load_parcels or abs(x.kg - t.load_kg) > 1e-3"),
              0u);
    EXPECT_EQ(count("select count(*) from tour_stops s join jobs j on j.batch_id = s.batch_id and"
                    " j.seq = s.job_seq where j.due_at is not null and s.arrival + s.waiting_s * interval"
                    " '1 second' > j.due_at"),
              0u);
    EXPECT_EQ(count("select count(*) from tour_stops s join tours t using (plan_id, depot, vehicle)"
                    " where s.arrival < t.departure or s.departure > t.arrival"),
              0u);
  }
};

TEST_F(PlanTest, PlansEveryDepotOnceWithinItsFleetAndTheSameFleetIsTheSamePlan) {
  start_dispatcher();
  start_worker("w1");
  start_worker("w2");
  const Batch batch = make_batch(3, 300, 200, 31);
  submit(batch, "batch.csv", {"--depart-at", "2026-12-07T06:00:00Z"});
  const auto depots = depots_of(batch);
  ASSERT_EQ(depots.size(), 3u);
  std::string text = "depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end,max_stops\n";
  text += depots[0] + ",8,200,60,06:00,22:00,50\n";
  text += depots[1] + ",8,200,60,2026-12-07T07:00:00Z,2026-12-07T19:00:00Z,\n";
  text += depots[2] + ",3,1,60,06:00,22:00,\n";  // 1 kg vans: every 1.5 kg parcel is too heavy
  const fs::path fleet_file = fleet("fleet.csv", text);
  const auto [status, output] = plan(fleet_file, {"--wait"});
  ASSERT_EQ(status, 0) << output << "\n--- dispatcher:\n" << slurp(m_dir / "dispatcher.log");
  EXPECT_NE(output.find("plan 1: 3 parts"), std::string::npos) << output;
  EXPECT_EQ(count("select count(*) from plans where finished_at is not null"), 1u);
  EXPECT_EQ(count("select count(*) from plan_parts"), 3u);
  expect_valid_plan(batch.accepted);
  // What no van takes, and why: the 1 kg depot's jobs, and the lone origins without a fleet.
  EXPECT_EQ(count("select count(*) from plan_unassigned where reason = 'too_heavy'"), 300u);
  EXPECT_EQ(count("select count(*) from plan_unassigned where reason = 'no_fleet'"), 200u);
  EXPECT_EQ(count("select count(*) from tour_stops where depot = " + depots[0]), 300u);
  EXPECT_GT(count("select count(*) from plan_summary where plan_id = 1 and vehicles_used > 0"), 0u);
  EXPECT_EQ(count("select count(*) from tour_plan where plan_id = 1"), 600u);

  // The picture reads the stored plan: a depot it does not have is named; this grid has no
  // coordinates, which render says once it has read the plan and its batch.
  const std::string png = (m_dir / "tours.png").string(), render_log = (m_dir / "render.log").string();
  EXPECT_EQ(run(WAYBILL_CLI, {"render", "--db", m_db, "--plan", "1", "--depot", "999999", "--out", png},
                render_log),
            1);
  EXPECT_NE(slurp(render_log).find("plan 1 has no depot 999999"), std::string::npos) << slurp(render_log);
  EXPECT_EQ(run(WAYBILL_CLI, {"render", "--db", m_db, "--plan", "1", "--depot", depots[0], "--out", png},
                render_log),
            1);
  EXPECT_NE(slurp(render_log).find("graph 'grid' has no coordinates"), std::string::npos)
      << slurp(render_log);
  EXPECT_EQ(run(WAYBILL_CLI, {"render", "--db", m_db, "--plan", "7", "--out", png}, render_log), 1);
  EXPECT_NE(slurp(render_log).find("no plan 7"), std::string::npos) << slurp(render_log);

  const auto [again, again_output] = plan(fleet_file);
  EXPECT_EQ(again, 0) << again_output;
  EXPECT_NE(again_output.find("plan 1 (asked before)"), std::string::npos) << again_output;
  EXPECT_EQ(count("select count(*) from plans"), 1u);
}

TEST_F(PlanTest, AWorkerKilledMidPlanAndARestartedDispatcherLoseAndDoubleNothing) {
  start_dispatcher();
  Process& doomed = start_worker("doomed");
  ASSERT_TRUE(eventually([&] { return ready("doomed"); }, 30s));
  const Batch batch = make_batch(4, 300, 0, 32);
  submit(batch, "batch.csv", {"--depart-at", "2026-12-07T06:00:00Z"});
  std::string text = "depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end\n";
  for (const auto& d : depots_of(batch)) text += d + ",10,500,50,06:00,22:00\n";
  const fs::path fleet_file = fleet("fleet.csv", text);
  const auto [asked, asked_output] = plan(fleet_file, {}, "3");
  ASSERT_EQ(asked, 0) << asked_output;

  // The worker dies while it plans a part, and the dispatcher with it.
  ASSERT_TRUE(eventually([&] { return slurp(m_dir / "doomed.log").find("planning plan 1") != std::string::npos; }, 30s));
  doomed.signal(SIGKILL);
  doomed.wait();
  Process& old_dispatcher = *m_procs.front();
  old_dispatcher.signal(SIGKILL);
  old_dispatcher.wait();
  start_dispatcher();
  start_worker("fresh");
  ASSERT_TRUE(eventually([&] { return count("select count(*) from plans where finished_at is not null") == 1; }, 120s))
      << slurp(m_dir / "dispatcher.log");
  EXPECT_EQ(count("select count(*) from plan_parts"), 4u);
  expect_valid_plan(batch.accepted);
  EXPECT_EQ(count("select count(*) from plan_misses"), 0u);
}

TEST_F(PlanTest, RefusesFleetFilesWithErrorsNamingLineAndField) {
  start_dispatcher();
  start_worker("w1");
  const Batch batch = make_batch(1, 200, 0, 33);  // make_batch needs 150 lines and more
  submit(batch, "batch.csv", {"--depart-at", "2026-12-07T06:00:00Z"});
  const std::string depot = depots_of(batch).at(0);
  const std::string header = "depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {header + "999999,2,100,10,06:00,22:00\n", "fleet1.csv line 2: depot 999999 has no jobs in batch 1"},
      {header + depot + ",2,-100,10,06:00,22:00\n", "fleet2.csv line 2: capacity_kg: -100 is negative"},
      {header + depot + ",2,100,10,22:00,06:00\n", "fleet3.csv line 2: shift_end: 06:00 is not after shift_start 22:00"},
      {"depot,vehicles,capacity_kg,shift_start,shift_end\n" + depot + ",2,100,06:00,22:00\n",
       "fleet4.csv line 1: missing column capacity_parcels"},
      {header + depot + ",2,100,10,6 o'clock,22:00\n", "fleet5.csv line 2: shift_start: '6 o'clock'"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const fs::path file = fleet("fleet" + std::to_string(i + 1) + ".csv", cases[i].first);
    const auto [status, output] = plan(file);
    EXPECT_EQ(status, 2) << output;
    EXPECT_NE(output.find(cases[i].second), std::string::npos) << output;
  }
  EXPECT_EQ(count("select count(*) from plans"), 0u);
  const auto [missing, missing_output] = plan(m_dir / "nowhere.csv");
  EXPECT_EQ(missing, 2);
  EXPECT_NE(missing_output.find("nowhere.csv: cannot open"), std::string::npos) << missing_output;
}

}  // namespace
}  // namespace waybill::test
