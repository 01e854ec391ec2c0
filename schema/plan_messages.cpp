// The plan messages on the wire (detail/plan_codec.h).
#include <cmath>

#include "schema/detail/codec_helpers.h"
#include "schema/detail/plan_codec.h"

namespace waybill::wire::detail {
namespace {

namespace gen = waybill::wire::schema;

bool finite(double v, const char* what, std::string& error) {
  if (std::isfinite(v)) return true;
  error = std::string(what) + " is not a finite number";
  return false;
}

}  // namespace

std::size_t estimate_words(const PlanLease& m) {
  return 64 + (m.graph_hash.size() + 8) / 8 + m.jobs.size() * struct_words<gen::PlanJob>();
}

std::size_t estimate_words(const PlanResult& m) {
  std::size_t words = 64 + (m.error.size() + 8) / 8;
  for (const PlanTour& t : m.tours) words += struct_words<gen::PlanTour>() + t.stops.size() * struct_words<gen::PlanStop>();
  for (const PlanMiss& x : m.misses) words += struct_words<gen::PlanMiss>() + (x.reason.size() + 8) / 8;
  return words;
}

void fill(gen::PlanRequest::Builder b, const PlanRequest& m) {
  b.setBatchId(m.batch_id);
  b.setFleetCsv(text(m.fleet_csv));
  b.setFleetName(text(m.fleet_name));
  b.setTimeLimitS(m.time_limit_s);
  b.setServiceS(m.service_s);
}

void fill(gen::PlanReply::Builder b, const PlanReply& m) {
  b.setPlanId(m.plan_id);
  b.setExisting(m.existing);
  b.setParts(m.parts);
  b.setPartsDone(m.parts_done);
  b.setFinished(m.finished);
  b.setError(text(m.error));
}

void fill(gen::PlanLease::Builder b, const PlanLease& m) {
  b.setLeaseId(m.lease_id);
  b.setPlanId(m.plan_id);
  b.setDepot(m.depot);
  b.setPart(m.part);
  b.setDeadlineMs(m.deadline_ms);
  b.setGraphHash(text(m.graph_hash));
  b.setPoints(m.points);
  b.setDepotLat(m.depot_lat);
  b.setDepotLon(m.depot_lon);
  auto f = b.initFleet();
  f.setVehicles(m.fleet.vehicles);
  f.setCapacityKg(m.fleet.capacity_kg);
  f.setCapacityParcels(m.fleet.capacity_parcels);
  f.setShiftStart(m.fleet.shift_start);
  f.setShiftEnd(m.fleet.shift_end);
  f.setMaxStops(m.fleet.max_stops);
  f.setFirstVehicle(m.fleet.first_vehicle);
  auto jobs = b.initJobs(static_cast<unsigned>(m.jobs.size()));
  for (unsigned i = 0; i < jobs.size(); ++i) {
    const PlanJob& j = m.jobs[i];
    auto jb = jobs[i];
    jb.setSeq(j.seq);
    jb.setDestination(j.destination);
    jb.setDestLat(j.dest_lat);
    jb.setDestLon(j.dest_lon);
    jb.setWeightKg(j.weight_kg);
    jb.setReadyAt(j.ready_at);
    jb.setDueAt(j.due_at);
    jb.setServiceS(j.service_s);
    jb.setPriority(j.priority);
  }
  b.setTimeLimitS(m.time_limit_s);
  b.setSnapRadiusM(m.snap_radius_m);
}

void fill(gen::PlanResult::Builder b, const PlanResult& m) {
  b.setLeaseId(m.lease_id);
  b.setPlanId(m.plan_id);
  b.setDepot(m.depot);
  b.setPart(m.part);
  auto tours = b.initTours(static_cast<unsigned>(m.tours.size()));
  for (unsigned i = 0; i < tours.size(); ++i) {
    const PlanTour& t = m.tours[i];
    auto tb = tours[i];
    tb.setVehicle(t.vehicle);
    tb.setDistanceM(t.distance_m);
    tb.setDurationS(t.duration_s);
    tb.setLoadKg(t.load_kg);
    tb.setLoadParcels(t.load_parcels);
    tb.setDeparture(t.departure);
    tb.setArrival(t.arrival);
    auto stops = tb.initStops(static_cast<unsigned>(t.stops.size()));
    for (unsigned k = 0; k < stops.size(); ++k) {
      const PlanStop& s = t.stops[k];
      auto sb = stops[k];
      sb.setSeq(s.seq);
      sb.setArrival(s.arrival);
      sb.setDeparture(s.departure);
      sb.setWaitingS(s.waiting_s);
      sb.setLatenessS(s.lateness_s);
      sb.setLoadKg(s.load_kg);
      sb.setLoadParcels(s.load_parcels);
    }
  }
  auto misses = b.initMisses(static_cast<unsigned>(m.misses.size()));
  for (unsigned i = 0; i < misses.size(); ++i) {
    misses[i].setSeq(m.misses[i].seq);
    misses[i].setReason(text(m.misses[i].reason));
  }
  b.setError(text(m.error));
  b.setSolveS(m.solve_s);
}

std::optional<PlanRequest> read(gen::PlanRequest::Reader r, std::string& error) {
  PlanRequest m{r.getBatchId(), str(r.getFleetCsv()), str(r.getFleetName()), r.getTimeLimitS(),
                r.getServiceS()};
  if (!finite(m.time_limit_s, "plan request: time limit", error)) return std::nullopt;
  return m;
}

std::optional<PlanReply> read(gen::PlanReply::Reader r, std::string&) {
  return PlanReply{r.getPlanId(), r.getExisting(), r.getParts(), r.getPartsDone(), r.getFinished(),
                   str(r.getError())};
}

std::optional<PlanLease> read(gen::PlanLease::Reader r, std::size_t frame_words, std::string& error) {
  PlanLease m;
  m.lease_id = r.getLeaseId();
  m.plan_id = r.getPlanId();
  m.depot = r.getDepot();
  m.part = r.getPart();
  m.deadline_ms = r.getDeadlineMs();
  m.graph_hash = str(r.getGraphHash());
  m.points = r.getPoints();
  m.depot_lat = r.getDepotLat();
  m.depot_lon = r.getDepotLon();
  const auto f = r.getFleet();
  m.fleet = PlanFleet{f.getVehicles(),  f.getCapacityKg(), f.getCapacityParcels(), f.getShiftStart(),
                      f.getShiftEnd(),  f.getMaxStops(),   f.getFirstVehicle()};
  const auto jobs = r.getJobs();
  if (!list_fits(jobs.size(), frame_words, "plan jobs", error)) return std::nullopt;
  m.jobs.reserve(jobs.size());
  for (const auto j : jobs) {
    m.jobs.push_back(PlanJob{j.getSeq(), j.getDestination(), j.getDestLat(), j.getDestLon(), j.getWeightKg(),
                             j.getReadyAt(), j.getDueAt(), j.getServiceS(), j.getPriority()});
    if (!finite(m.jobs.back().weight_kg, "plan lease: a job's weight", error) ||
        !finite(m.jobs.back().dest_lat, "plan lease: a job's latitude", error) ||
        !finite(m.jobs.back().dest_lon, "plan lease: a job's longitude", error)) {
      return std::nullopt;
    }
  }
  m.time_limit_s = r.getTimeLimitS();
  m.snap_radius_m = r.getSnapRadiusM();
  if (!finite(m.time_limit_s, "plan lease: time limit", error) ||
      !finite(m.fleet.capacity_kg, "plan lease: capacity", error) ||
      !finite(m.snap_radius_m, "plan lease: snap radius", error) ||
      !finite(m.depot_lat, "plan lease: the depot's latitude", error) ||
      !finite(m.depot_lon, "plan lease: the depot's longitude", error)) {
    return std::nullopt;
  }
  if (m.fleet.vehicles > 100000) {
    error = "plan lease: " + std::to_string(m.fleet.vehicles) + " vehicles";
    return std::nullopt;
  }
  return m;
}

std::optional<PlanResult> read(gen::PlanResult::Reader r, std::size_t frame_words, std::string& error) {
  PlanResult m;
  m.lease_id = r.getLeaseId();
  m.plan_id = r.getPlanId();
  m.depot = r.getDepot();
  m.part = r.getPart();
  const auto tours = r.getTours();
  if (!list_fits(tours.size(), frame_words, "plan tours", error)) return std::nullopt;
  std::size_t stops_seen = 0;
  for (const auto t : tours) {
    PlanTour tour{t.getVehicle(), t.getDistanceM(), t.getDurationS(), t.getLoadKg(), t.getLoadParcels(),
                  t.getDeparture(), t.getArrival(), {}};
    const auto stops = t.getStops();
    stops_seen += stops.size();
    if (!list_fits(stops_seen, frame_words, "plan stops", error)) return std::nullopt;
    for (const auto s : stops) {
      tour.stops.push_back(PlanStop{s.getSeq(), s.getArrival(), s.getDeparture(), s.getWaitingS(),
                                    s.getLatenessS(), s.getLoadKg(), s.getLoadParcels()});
      if (!finite(tour.stops.back().load_kg, "plan result: a stop's load", error)) return std::nullopt;
    }
    if (!finite(tour.distance_m, "plan result: a tour's distance", error) ||
        !finite(tour.load_kg, "plan result: a tour's load", error)) {
      return std::nullopt;
    }
    m.tours.push_back(std::move(tour));
  }
  const auto misses = r.getMisses();
  if (!list_fits(misses.size(), frame_words, "plan misses", error)) return std::nullopt;
  for (const auto x : misses) {
    m.misses.push_back(PlanMiss{x.getSeq(), str(x.getReason())});
    if (m.misses.back().reason.size() > 200) {
      error = "plan result: a miss's reason of " + std::to_string(m.misses.back().reason.size()) + " bytes";
      return std::nullopt;
    }
  }
  m.error = str(r.getError());
  m.solve_s = r.getSolveS();
  if (!finite(m.solve_s, "plan result: solve time", error)) return std::nullopt;
  return m;
}

}  // namespace waybill::wire::detail
