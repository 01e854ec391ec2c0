#include "schema/messages.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>

#include "schema/detail/codec_helpers.h"
#include "schema/detail/flat_array.h"
#include "schema/detail/plan_codec.h"
#include "schema/waybill.capnp.h"

namespace waybill::wire {
namespace {

namespace gen = waybill::wire::schema;

// The wire enumerants are the domain enum values, so conversion is a cast plus, on decode, a
// range check.
template <class Wire, class Domain>
constexpr bool same(Wire w, Domain d) {
  return static_cast<std::uint16_t>(w) == static_cast<std::uint8_t>(d);
}
static_assert(same(gen::JobStatus::OK, JobStatus::ok) &&
              same(gen::JobStatus::UNREACHABLE, JobStatus::unreachable) &&
              same(gen::JobStatus::UNKNOWN_NODE, JobStatus::unknown_node) &&
              same(gen::JobStatus::FAILED, JobStatus::failed) &&
              same(gen::JobStatus::UNSNAPPABLE, JobStatus::unsnappable));
constexpr std::uint16_t kMaxJobStatus = static_cast<std::uint16_t>(gen::JobStatus::UNSNAPPABLE);

using Stage = SubmitReply::Stage;
static_assert(same(gen::SubmitReply::Stage::BEGUN, Stage::begun) &&
              same(gen::SubmitReply::Stage::PART_STORED, Stage::part_stored) &&
              same(gen::SubmitReply::Stage::DONE, Stage::done) &&
              same(gen::SubmitReply::Stage::FAILED, Stage::failed) &&
              same(gen::SubmitReply::Stage::QUEUED, Stage::queued) &&
              same(gen::SubmitReply::Stage::HASH_FIRST, Stage::hash_first));
constexpr std::uint16_t kMaxStage = static_cast<std::uint16_t>(gen::SubmitReply::Stage::HASH_FIRST);

static_assert(same(gen::ChunkError::UNSPECIFIED, ChunkError::unspecified) &&
              same(gen::ChunkError::RETRYABLE, ChunkError::retryable) &&
              same(gen::ChunkError::GRAPH_MISMATCH, ChunkError::graph_mismatch) &&
              same(gen::ChunkError::BAD_CHUNK, ChunkError::bad_chunk));

// The Envelope member ordinals are the indices of wire::Message.
static_assert(gen::Envelope::HELLO == 0 && gen::Envelope::WARM == 14 &&
              gen::Envelope::PLAN_RESULT == 18 && gen::Envelope::CANCEL_REPLY == 20);
static_assert(std::variant_size_v<Message> == 21);

// ---- encode -------------------------------------------------------------------------------------

using detail::data;
using detail::list_fits;
using detail::str;
using detail::struct_words;
using detail::text;

std::size_t text_words(const std::string& s) { return (s.size() + 8) / 8; }  // with its NUL

// Words of the encoded message, or a little more: the first segment is allocated this big so
// that even a lease of thousands of jobs is one segment, built without reallocation.
struct EstimateWords {
  template <typename M>
  std::size_t operator()(const M&) const {
    return 64;
  }
  std::size_t operator()(const ChunkResult& m) const {
    std::size_t words = 64 + text_words(m.error) + m.outcomes.size() * struct_words<gen::JobOutcome>();
    for (const JobOutcome& o : m.outcomes) {
      if (!o.polyline.empty()) words += text_words(o.polyline);
      if (!o.detail.empty()) words += text_words(o.detail);
    }
    return words;
  }
  std::size_t operator()(const GraphChunk& m) const {
    return 64 + text_words(m.graph_hash) + text_words(m.data);
  }
  std::size_t operator()(const PlanRequest& m) const { return 64 + text_words(m.fleet_csv) + text_words(m.fleet_name); }
  std::size_t operator()(const PlanLease& m) const { return detail::estimate_words(m); }
  std::size_t operator()(const PlanResult& m) const { return detail::estimate_words(m); }
  std::size_t operator()(const Lease& m) const {
    const bool points = !m.jobs.empty() && m.jobs.front().points;
    return 64 + text_words(m.graph_hash) +
           m.jobs.size() * (struct_words<gen::JobSpec>() +
                            (points ? struct_words<gen::JobPoints>() : 0));
  }
  std::size_t operator()(const Warm& m) const {
    return 64 + text_words(m.graph_hash) + m.origins.size() + m.origin_points.size();
  }
  std::size_t operator()(const SubmitBegin& m) const {
    return 64 + text_words(m.graph_name) + text_words(m.content_hash) + text_words(m.file_name) +
           text_words(m.head_hash) + m.skip_batches.size();
  }
  std::size_t operator()(const SubmitData& m) const {
    return 64 + text_words(m.data) + text_words(m.content_hash);
  }
  std::size_t operator()(const SubmitReply& m) const {
    return 64 + text_words(m.error) + text_words(m.resume_hash);
  }
  std::size_t operator()(const CancelReply& m) const { return 64 + text_words(m.error); }
  std::size_t operator()(const StatusReply& m) const {
    std::size_t words = 64 + text_words(m.error);
    for (const BatchStatus& b : m.batches) {
      words +=
          struct_words<gen::BatchStatus>() + text_words(b.file_name) + text_words(b.graph_name);
    }
    for (const WorkerStatus& w : m.workers) {
      words += struct_words<gen::WorkerStatus>() + text_words(w.worker_name);
    }
    return words + m.plans.size() * struct_words<gen::PlanStatus>();
  }
};

struct Fill {
  gen::Envelope::Builder envelope;

  void operator()(const Hello& m) {
    auto b = envelope.initHello();
    b.setWorkerName(text(m.worker_name));
    b.setGraphHash(text(m.graph_hash));
    b.setThreads(m.threads);
  }
  void operator()(const GraphRequest& m) {
    auto b = envelope.initGraphRequest();
    b.setGraphHash(text(m.graph_hash));
    b.setOffsetBytes(m.offset);
  }
  void operator()(const Credit& m) { envelope.initCredit().setCredit(m.credit); }
  void operator()(const PlanRequest& m) { detail::fill(envelope.initPlanRequest(), m); }
  void operator()(const PlanReply& m) { detail::fill(envelope.initPlanReply(), m); }
  void operator()(const PlanLease& m) { detail::fill(envelope.initPlanLease(), m); }
  void operator()(const PlanResult& m) { detail::fill(envelope.initPlanResult(), m); }
  void operator()(const ChunkResult& m) {
    auto b = envelope.initChunkResult();
    b.setLeaseId(m.lease_id);
    b.setBatchId(m.batch_id);
    b.setChunk(m.chunk);
    auto outcomes = b.initOutcomes(static_cast<unsigned>(m.outcomes.size()));
    for (unsigned i = 0; i < outcomes.size(); ++i) {
      const JobOutcome& o = m.outcomes[i];
      auto ob = outcomes[i];
      ob.setSeq(o.seq);
      ob.setStatus(static_cast<gen::JobStatus>(o.status));
      ob.setCost(o.cost);
      ob.setHops(o.hops);
      ob.setLengthMm(o.length_mm);
      ob.setOriginSnapM(o.origin_snap_m);
      ob.setDestSnapM(o.destination_snap_m);
      if (!o.polyline.empty()) ob.setPolyline(text(o.polyline));
      if (!o.detail.empty()) ob.setDetail(text(o.detail));
    }
    b.setError(text(m.error));
    b.setErrorKind(static_cast<gen::ChunkError>(m.error_kind));
    b.setMore(m.more);
  }
  void operator()(const Heartbeat&) { envelope.initHeartbeat(); }
  void operator()(const Goodbye&) { envelope.initGoodbye(); }
  void operator()(const Welcome& m) {
    auto b = envelope.initWelcome();
    b.setGraphHash(text(m.graph_hash));
    b.setGraphBytes(m.graph_bytes);
    b.setHeartbeatMs(m.heartbeat_ms);
    b.setMaxMessageBytes(m.max_message_bytes);
    b.setHierarchyHash(text(m.hierarchy_hash));
    b.setHierarchyBytes(m.hierarchy_bytes);
  }
  void operator()(const Warm& m) {
    auto b = envelope.initWarm();
    b.setGraphHash(text(m.graph_hash));
    auto origins = b.initOrigins(static_cast<unsigned>(m.origins.size()));
    for (std::size_t i = 0; i < m.origins.size(); ++i) {
      origins.set(static_cast<unsigned>(i), m.origins[i]);
    }
    auto lats = b.initOriginLatE6(static_cast<unsigned>(m.origin_points.size()));
    auto lons = b.initOriginLonE6(static_cast<unsigned>(m.origin_points.size()));
    for (std::size_t i = 0; i < m.origin_points.size(); ++i) {
      lats.set(static_cast<unsigned>(i), static_cast<std::int32_t>(std::lround(m.origin_points[i].lat * 1e6)));
      lons.set(static_cast<unsigned>(i), static_cast<std::int32_t>(std::lround(m.origin_points[i].lon * 1e6)));
    }
  }
  void operator()(const GraphChunk& m) {
    auto b = envelope.initGraphChunk();
    b.setGraphHash(text(m.graph_hash));
    b.setOffsetBytes(m.offset);
    b.setTotalBytes(m.total);
    b.setData(data(m.data));
  }
  void operator()(const Lease& m) {
    auto b = envelope.initLease();
    b.setLeaseId(m.lease_id);
    b.setBatchId(m.batch_id);
    b.setChunk(m.chunk);
    b.setDeadlineMs(m.deadline_ms);
    b.setGraphHash(text(m.graph_hash));
    auto jobs = b.initJobs(static_cast<unsigned>(m.jobs.size()));
    for (unsigned i = 0; i < jobs.size(); ++i) {
      const JobSpec& j = m.jobs[i];
      auto jb = jobs[i];
      jb.setSeq(j.seq);
      jb.setOrigin(j.origin);
      jb.setDestination(j.destination);
    }
    // A batch is in one form: the first job says which.
    if (!m.jobs.empty() && m.jobs.front().points) {
      auto points = b.initPoints(static_cast<unsigned>(m.jobs.size()));
      for (unsigned i = 0; i < points.size(); ++i) {
        const JobPoints p = m.jobs[i].points.value_or(JobPoints{});
        auto pb = points[i];
        pb.setOriginLat(p.origin.lat);
        pb.setOriginLon(p.origin.lon);
        pb.setDestLat(p.destination.lat);
        pb.setDestLon(p.destination.lon);
      }
    }
    b.setSnapRadiusM(m.snap_radius_m);
    b.setWantPaths(m.want_paths);
  }
  void operator()(const SubmitBegin& m) {
    auto b = envelope.initSubmitBegin();
    b.setGraphName(text(m.graph_name));
    b.setContentHash(text(m.content_hash));
    b.setFileName(text(m.file_name));
    b.setFileBytes(m.file_bytes);
    b.setWantPaths(m.want_paths);
    b.setDepartAt(text(m.depart_at));
    b.setSnapRadiusM(m.snap_radius_m);
    b.setPriority(m.priority);
    b.setHeadHash(text(m.head_hash));
    auto skip = b.initSkipBatches(static_cast<unsigned>(m.skip_batches.size()));
    for (unsigned i = 0; i < skip.size(); ++i) skip.set(i, m.skip_batches[i]);
  }
  void operator()(const SubmitData& m) {
    auto b = envelope.initSubmitData();
    b.setSubmitId(m.submit_id);
    b.setPart(m.part);
    b.setData(data(m.data));
    b.setLast(m.last);
    b.setContentHash(text(m.content_hash));
  }
  void operator()(const CancelRequest& m) {
    envelope.initCancelRequest().setBatchId(m.batch_id);
  }
  void operator()(const CancelReply& m) {
    auto b = envelope.initCancelReply();
    b.setBatchId(m.batch_id);
    b.setCancelled(m.cancelled);
    b.setError(text(m.error));
  }
  void operator()(const StatusRequest& m) {
    envelope.initStatusRequest().setBatchId(m.batch_id);
  }
  void operator()(const SubmitReply& m) {
    auto b = envelope.initSubmitReply();
    b.setStage(static_cast<gen::SubmitReply::Stage>(m.stage));
    b.setSubmitId(m.submit_id);
    b.setPart(m.part);
    b.setBatchId(m.batch_id);
    b.setExisting(m.existing);
    b.setAccepted(m.accepted);
    b.setRejected(m.rejected);
    b.setError(text(m.error));
    b.setPlace(m.place);
    b.setResumeLine(m.resume_line);
    b.setResumeOffset(m.resume_offset);
    b.setDurable(m.durable);
    b.setResumeHash(text(m.resume_hash));
  }
  void operator()(const StatusReply& m) {
    auto b = envelope.initStatusReply();
    auto batches = b.initBatches(static_cast<unsigned>(m.batches.size()));
    for (unsigned i = 0; i < batches.size(); ++i) {
      const BatchStatus& s = m.batches[i];
      auto sb = batches[i];
      sb.setBatchId(s.batch_id);
      sb.setFileName(text(s.file_name));
      sb.setGraphName(text(s.graph_name));
      sb.setAccepted(s.accepted);
      sb.setRejected(s.rejected);
      sb.setRouted(s.routed);
      sb.setUnreachable(s.unreachable);
      sb.setFinished(s.finished);
      sb.setElapsedSeconds(s.elapsed_s);
      sb.setReceiving(s.receiving);
    }
    auto workers = b.initWorkers(static_cast<unsigned>(m.workers.size()));
    for (unsigned i = 0; i < workers.size(); ++i) {
      const WorkerStatus& s = m.workers[i];
      auto wb = workers[i];
      wb.setWorkerName(text(s.worker_name));
      wb.setThreads(s.threads);
      wb.setLeases(s.leases);
      wb.setJobsDone(s.jobs_done);
      wb.setLastSeenSeconds(s.last_seen_s);
    }
    b.setError(text(m.error));
    auto plans = b.initPlans(static_cast<unsigned>(m.plans.size()));
    for (unsigned i = 0; i < plans.size(); ++i) {
      plans[i].setPlanId(m.plans[i].plan_id);
      plans[i].setBatchId(m.plans[i].batch_id);
      plans[i].setParts(m.plans[i].parts);
      plans[i].setPartsDone(m.plans[i].parts_done);
      plans[i].setPartsLeased(m.plans[i].parts_leased);
    }
  }
};

// ---- decode -------------------------------------------------------------------------------------

Hello read(gen::Hello::Reader r) {
  return {str(r.getWorkerName()), str(r.getGraphHash()), r.getThreads()};
}

GraphRequest read(gen::GraphRequest::Reader r) {
  return {str(r.getGraphHash()), r.getOffsetBytes()};
}

Credit read(gen::Credit::Reader r) { return {r.getCredit()}; }

// Every struct that any version of this schema sends takes at least one word, so a list with
// more elements than the frame has words is hostile: zero-sized elements that are free on the
// wire would cost memory and time here.
std::optional<ChunkResult> read(gen::ChunkResult::Reader r, std::size_t frame_words,
                                std::string& error) {
  ChunkResult m;
  m.lease_id = r.getLeaseId();
  m.batch_id = r.getBatchId();
  m.chunk = r.getChunk();
  const auto outcomes = r.getOutcomes();
  if (!list_fits(outcomes.size(), frame_words, "chunk result outcomes", error)) {
    return std::nullopt;
  }
  m.outcomes.reserve(outcomes.size());
  for (unsigned i = 0; i < outcomes.size(); ++i) {
    const auto o = outcomes[i];
    const auto status = static_cast<std::uint16_t>(o.getStatus());
    if (status > kMaxJobStatus) {
      error = "chunk result: outcome " + std::to_string(i) + ": unknown job status " +
              std::to_string(status);
      return std::nullopt;
    }
    JobOutcome& out = m.outcomes.emplace_back();
    out.seq = o.getSeq();
    out.status = static_cast<JobStatus>(status);
    out.cost = o.getCost();
    out.hops = o.getHops();
    out.length_mm = o.getLengthMm();
    out.origin_snap_m = o.getOriginSnapM();
    out.destination_snap_m = o.getDestSnapM();
    if (o.hasPolyline()) out.polyline = str(o.getPolyline());
    if (o.hasDetail()) out.detail = str(o.getDetail());
  }
  m.error = str(r.getError());
  const auto kind = static_cast<std::uint16_t>(r.getErrorKind());
  // An error kind this version does not know is counted as a failed attempt, as an old
  // worker's unspecified one is.
  m.error_kind = kind <= static_cast<std::uint16_t>(ChunkError::bad_chunk)
                     ? static_cast<ChunkError>(kind)
                     : ChunkError::unspecified;
  m.more = r.getMore();
  return m;
}

Welcome read(gen::Welcome::Reader r) {
  return {str(r.getGraphHash()), r.getGraphBytes(), r.getHeartbeatMs(), r.getMaxMessageBytes(),
          str(r.getHierarchyHash()), r.getHierarchyBytes()};
}

GraphChunk read(gen::GraphChunk::Reader r) {
  return {str(r.getGraphHash()), r.getOffsetBytes(), r.getTotalBytes(), str(r.getData())};
}

std::optional<Lease> read(gen::Lease::Reader r, std::size_t frame_words, std::string& error) {
  Lease m;
  m.lease_id = r.getLeaseId();
  m.batch_id = r.getBatchId();
  m.chunk = r.getChunk();
  m.deadline_ms = r.getDeadlineMs();
  m.graph_hash = str(r.getGraphHash());
  const auto jobs = r.getJobs();
  if (!list_fits(jobs.size(), frame_words, "lease jobs", error)) return std::nullopt;
  m.jobs.reserve(jobs.size());
  for (const auto j : jobs) m.jobs.push_back({j.getSeq(), j.getOrigin(), j.getDestination(), {}});
  const auto points = r.getPoints();
  if (points.size() != 0) {
    if (points.size() != jobs.size()) {
      error = "lease: " + std::to_string(points.size()) + " points for " +
              std::to_string(jobs.size()) + " jobs";
      return std::nullopt;
    }
    for (unsigned i = 0; i < points.size(); ++i) {
      const auto p = points[i];
      m.jobs[i].points = JobPoints{{p.getOriginLat(), p.getOriginLon()},
                                   {p.getDestLat(), p.getDestLon()}};
    }
  }
  m.snap_radius_m = r.getSnapRadiusM();
  if (!(m.snap_radius_m >= 0 && m.snap_radius_m <= 1e7)) {
    error = "lease: snap radius " + std::to_string(m.snap_radius_m) + " m is out of range";
    return std::nullopt;
  }
  m.want_paths = r.getWantPaths();
  return m;
}

std::optional<Warm> read(gen::Warm::Reader r, std::size_t frame_words, std::string& error) {
  Warm m;
  m.graph_hash = str(r.getGraphHash());
  const auto origins = r.getOrigins();
  if (!list_fits(origins.size(), frame_words, "warm origins", error)) return std::nullopt;
  m.origins.reserve(origins.size());
  for (const std::int64_t origin : origins) m.origins.push_back(origin);
  const auto lats = r.getOriginLatE6();
  const auto lons = r.getOriginLonE6();
  if (lats.size() != lons.size()) {
    error = "warm: " + std::to_string(lats.size()) + " latitudes and " +
            std::to_string(lons.size()) + " longitudes";
    return std::nullopt;
  }
  if (!list_fits(lats.size(), frame_words, "warm points", error)) return std::nullopt;
  m.origin_points.reserve(lats.size());
  for (unsigned i = 0; i < lats.size(); ++i) {
    m.origin_points.push_back({lats[i] / 1e6, lons[i] / 1e6});
  }
  return m;
}

SubmitBegin read(gen::SubmitBegin::Reader r) {
  SubmitBegin m{str(r.getGraphName()), str(r.getContentHash()), str(r.getFileName()),
                r.getFileBytes(),      r.getWantPaths(),        str(r.getDepartAt()),
                r.getSnapRadiusM(),    r.getPriority(),         str(r.getHeadHash())};
  for (const std::uint64_t id : r.getSkipBatches()) m.skip_batches.push_back(id);
  return m;
}

SubmitData read(gen::SubmitData::Reader r) {
  return {r.getSubmitId(), r.getPart(), str(r.getData()), r.getLast(), str(r.getContentHash())};
}

StatusRequest read(gen::StatusRequest::Reader r) { return {r.getBatchId()}; }

std::optional<SubmitReply> read(gen::SubmitReply::Reader r, std::string& error) {
  const auto stage = static_cast<std::uint16_t>(r.getStage());
  if (stage > kMaxStage) {
    error = "submit reply: unknown stage " + std::to_string(stage);
    return std::nullopt;
  }
  return SubmitReply{static_cast<Stage>(stage), r.getSubmitId(), r.getPart(),
                     r.getBatchId(),            r.getExisting(), r.getAccepted(),
                     r.getRejected(),           str(r.getError()), r.getPlace(),
                     r.getResumeLine(),         r.getResumeOffset(), r.getDurable(),
                     str(r.getResumeHash())};
}

std::optional<StatusReply> read(gen::StatusReply::Reader r, std::size_t frame_words,
                                std::string& error) {
  StatusReply m;
  const auto batches = r.getBatches();
  if (!list_fits(batches.size(), frame_words, "batch statuses", error)) return std::nullopt;
  m.batches.reserve(batches.size());
  for (const auto b : batches) {
    m.batches.push_back({b.getBatchId(), str(b.getFileName()), str(b.getGraphName()),
                         b.getAccepted(), b.getRejected(), b.getRouted(), b.getUnreachable(),
                         b.getFinished(), b.getElapsedSeconds(), b.getReceiving()});
  }
  const auto workers = r.getWorkers();
  if (!list_fits(workers.size(), frame_words, "worker statuses", error)) return std::nullopt;
  m.workers.reserve(workers.size());
  for (const auto w : workers) {
    m.workers.push_back({str(w.getWorkerName()), w.getThreads(), w.getLeases(), w.getJobsDone(),
                         w.getLastSeenSeconds()});
  }
  m.error = str(r.getError());
  const auto plans = r.getPlans();
  if (!list_fits(plans.size(), frame_words, "plan statuses", error)) return std::nullopt;
  for (const auto p : plans) {
    m.plans.push_back({p.getPlanId(), p.getBatchId(), p.getParts(), p.getPartsDone(), p.getPartsLeased()});
  }
  return m;
}

// Each getter below is called once: the traversal limit counts every call.
std::optional<Message> read(gen::Envelope::Reader envelope, std::size_t frame_words,
                            std::string& error) {
  switch (envelope.which()) {
    case gen::Envelope::HELLO: return read(envelope.getHello());
    case gen::Envelope::GRAPH_REQUEST: return read(envelope.getGraphRequest());
    case gen::Envelope::CREDIT: return read(envelope.getCredit());
    case gen::Envelope::CHUNK_RESULT: return read(envelope.getChunkResult(), frame_words, error);
    case gen::Envelope::HEARTBEAT: return Heartbeat{};
    case gen::Envelope::GOODBYE: return Goodbye{};
    case gen::Envelope::WELCOME: return read(envelope.getWelcome());
    case gen::Envelope::GRAPH_CHUNK: return read(envelope.getGraphChunk());
    case gen::Envelope::LEASE: return read(envelope.getLease(), frame_words, error);
    case gen::Envelope::SUBMIT_BEGIN: return read(envelope.getSubmitBegin());
    case gen::Envelope::SUBMIT_DATA: return read(envelope.getSubmitData());
    case gen::Envelope::STATUS_REQUEST: return read(envelope.getStatusRequest());
    case gen::Envelope::SUBMIT_REPLY: return read(envelope.getSubmitReply(), error);
    case gen::Envelope::STATUS_REPLY: return read(envelope.getStatusReply(), frame_words, error);
    case gen::Envelope::WARM: return read(envelope.getWarm(), frame_words, error);
    case gen::Envelope::PLAN_REQUEST: return detail::read(envelope.getPlanRequest(), error);
    case gen::Envelope::PLAN_REPLY: return detail::read(envelope.getPlanReply(), error);
    case gen::Envelope::PLAN_LEASE: return detail::read(envelope.getPlanLease(), frame_words, error);
    case gen::Envelope::PLAN_RESULT: return detail::read(envelope.getPlanResult(), frame_words, error);
    case gen::Envelope::CANCEL_REQUEST: return CancelRequest{envelope.getCancelRequest().getBatchId()};
    case gen::Envelope::CANCEL_REPLY: {
      const auto r = envelope.getCancelReply();
      return CancelReply{r.getBatchId(), r.getCancelled(), str(r.getError())};
    }
  }
  // A newer peer's message, or garbage.
  error = "unknown message type " + std::to_string(static_cast<unsigned>(envelope.which()));
  return std::nullopt;
}

}  // namespace

std::vector<ChunkResult> split_result(ChunkResult whole, std::size_t max_message_bytes) {
  // Estimates are upper bounds of the encoded words; the margin covers the envelope.
  const std::size_t budget_words = std::max<std::size_t>(max_message_bytes / 8 * 7 / 8, 8192) - 1024;
  const auto outcome_words = [](const JobOutcome& o) {
    return struct_words<gen::JobOutcome>() + (o.polyline.empty() ? 0 : text_words(o.polyline)) +
           (o.detail.empty() ? 0 : text_words(o.detail));
  };
  std::vector<ChunkResult> parts;
  const auto next_part = [&] {
    ChunkResult& part = parts.emplace_back();
    part.lease_id = whole.lease_id;
    part.batch_id = whole.batch_id;
    part.chunk = whole.chunk;
    part.error = whole.error;
    part.error_kind = whole.error_kind;
    return &part;
  };
  ChunkResult* part = next_part();
  std::size_t words = 0;
  for (JobOutcome& o : whole.outcomes) {
    if (outcome_words(o) > budget_words) {
      o.detail = "polyline of " + std::to_string(o.polyline.size()) +
                 " bytes left out: larger than a message may be (" +
                 std::to_string(max_message_bytes) + " bytes)";
      o.polyline.clear();
    }
    if (words + outcome_words(o) > budget_words && !part->outcomes.empty()) {
      part->more = true;
      part = next_part();
      words = 0;
    }
    words += outcome_words(o);
    part->outcomes.push_back(std::move(o));
  }
  return parts;
}

std::string encode(const Message& message) {
  const std::size_t words = std::visit(EstimateWords{}, message);
  capnp::MallocMessageBuilder builder(
      static_cast<unsigned>(std::min<std::size_t>(words, std::size_t{1} << 28)));
  Fill fill{builder.initRoot<gen::Envelope>()};
  std::visit(fill, message);
  return detail::to_flat_array(builder);
}

std::optional<Message> decode(std::span<const std::byte> frame, std::string& error,
                              const DecodeLimits& limits) {
  error.clear();
  if (frame.empty()) {
    error = "empty frame";
    return std::nullopt;
  }
  if (frame.size() % sizeof(capnp::word) != 0) {
    error = "frame of " + std::to_string(frame.size()) +
            " bytes is not a whole number of 8-byte words";
    return std::nullopt;
  }
  try {
    const std::size_t num_words = frame.size() / sizeof(capnp::word);
    kj::Array<capnp::word> aligned;
    const kj::ArrayPtr<const capnp::word> words = detail::as_words(frame, aligned);
    capnp::ReaderOptions options;
    options.traversalLimitInWords = limits.traversal_words;
    options.nestingLimit = limits.nesting;
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      error = "frame has " +
              std::to_string(static_cast<std::size_t>(words.end() - reader.getEnd()) *
                             sizeof(capnp::word)) +
              " bytes after the message";
      return std::nullopt;
    }
    const auto envelope = reader.getRoot<gen::Envelope>();
    std::optional<Message> message = read(envelope, num_words, error);
    if (!message && error.empty()) error = "invalid message";
    return message;
  } catch (const kj::Exception& e) {
    error = "malformed message: " + std::string(e.getDescription().cStr());
  } catch (const std::exception& e) {
    error = std::string("malformed message: ") + e.what();
  } catch (...) {
    error = "malformed message";
  }
  return std::nullopt;
}

}  // namespace waybill::wire
