// The core's client side: the submit protocol (a batch file streamed in parts, stored in
// segments, a transaction each, on a receiving slot's connection; up to config.max_receiving at
// once, more clients queued and told their place) and status requests.
//
// A segment closes every config.segment_lines lines, or once it is old enough with a chunk of
// jobs in it (the first: as soon as it has a chunk of jobs; the second: config.segment_ms; each
// later one twice the one before, up to 64 times), and at the file's end. Once
// committed its chunks are leased: routing overlaps receiving. An interrupted submit leaves its
// durable segments (the batch stays receiving); the same file submitted again resumes after them.
#include <algorithm>

#include "common/hex.h"
#include "common/utf8.h"
#include "dispatcher/core.h"

namespace waybill::dispatcher {

using std::chrono::milliseconds;
using Stage = wire::SubmitReply::Stage;

namespace {

// The parts of a submit being written at once, beyond which the client's next parts wait for
// their replies (each is about 1 MiB of the file, parsed).
constexpr std::size_t kPartsInFlight = 2;

// A submit silent this long gives way to a client sending a file with the same start (a live
// client sends a part or gets a reply every few hundred milliseconds).
constexpr auto kTakeOverSilence = std::chrono::seconds(5);

// A segment closed by age may be twice as old as the one before it, up to 2^6 = 64 times
// segment_ms (a minute by default): a slow client, a chunk of lines a second, makes about 60
// segments an hour rather than 3,600, each a sub-partition that every query over its batch plans
// and locks. A client sending faster fills segments by their lines, whatever their age.
constexpr unsigned kSegmentAgeDoublings = 6;

milliseconds segment_age_limit(int segment_ms, std::uint32_t segments_before) {
  const unsigned doublings = std::min(segments_before > 0 ? segments_before - 1 : 0,
                                      kSegmentAgeDoublings);
  return milliseconds(static_cast<std::int64_t>(segment_ms) << doublings);
}

// A queued client that has not asked again for this long has gone: its place is given up.
constexpr auto kQueueSilence = std::chrono::seconds(15);

// Tags of the submit connections' tasks: the submit and the part a task belongs to.
constexpr std::uint32_t kBeginPart = ~0u - 1;
constexpr std::uint32_t kAbortPart = ~0u;
constexpr std::uint64_t submit_tag(std::uint64_t submit_id, std::uint32_t part) {
  return submit_id << 32 | part;
}

/// `list` started at part `k` of `parts` equal parts.
template <class T>
std::vector<T> rotated(std::vector<T> list, std::size_t k, std::size_t parts) {
  const auto first = static_cast<std::ptrdiff_t>(k * list.size() / parts);
  std::rotate(list.begin(), list.begin() + first, list.end());
  return list;
}

}  // namespace

void DispatcherCore::on_client(const std::string& peer, wire::Message& message,
                               Clock::time_point now) {
  if (auto* begin = std::get_if<wire::SubmitBegin>(&message)) {
    on_submit_begin(peer, *begin, now);
  } else if (auto* data = std::get_if<wire::SubmitData>(&message)) {
    on_submit_data(peer, *data, now);
  } else if (auto* status = std::get_if<wire::StatusRequest>(&message)) {
    on_status(peer, *status, now);
  } else if (auto* plan = std::get_if<wire::PlanRequest>(&message)) {
    on_plan_request(peer, *plan, now);
  } else if (auto* cancel = std::get_if<wire::CancelRequest>(&message)) {
    on_cancel(peer, *cancel, now);
  } else {
    m_metrics.messages_dropped.inc();
    m_log.warn("client ", hex_lower(peer), ": dropped an unexpected message type");
  }
}

void DispatcherCore::on_submit_begin(const std::string& peer, const wire::SubmitBegin& request,
                                     Clock::time_point now) {
  const auto reply = [&](wire::Message m) { send(Side::clients, peer, std::move(m), now); };
  // Without the whole content's hash, the client hashes the content as it sends it: its first
  // MiB's hash finds the batches it may be, its last part names it.
  const bool streamed = request.content_hash.empty();
  // A begin with the content's hash may lack the head's (a client from before 0015): its batch
  // is then headless, as the batches stored before were.
  if (!is_hex_lower(request.head_hash, 64) && (streamed || !request.head_hash.empty())) {
    return reply(failed(0, "head hash (of the content's first MiB) must be 64 lower-case hex digits"));
  }
  if (!streamed && !is_hex_lower(request.content_hash, 64)) {
    return reply(failed(0, "content hash must be 64 lower-case hex digits, or empty"));
  }
  for (auto& [id, open] : m_open) {
    if (open->client != peer) continue;
    if (open->hash == request.content_hash && open->head == request.head_hash &&
        open->skip == request.skip_batches && open->next_part == 0) {
      // Asked again before a part came: while its begin is under way (a resume reads the stored
      // order ids back, seconds for millions) the client waits as a queued one does, at place
      // 0; once begun, it is told again.
      open->last = now;
      if (open->begun) return reply(*open->begun);
      wire::SubmitReply r;
      r.stage = Stage::queued;
      return reply(r);
    }
    abort_submit(*open, "the client started over");
    break;
  }
  // Another client's submit of a file that starts as this one does, and may be it: which file
  // it is shows when it ends. This one waits, at place 0, till then, or takes over from it once
  // its client has been silent while nothing of its was being stored (a client that died, most
  // likely): the batch is then resumed only if this file is the same up to its durable end
  // (the client checks), and its client, if alive, is told to start over and finds out then
  // which batch is its file's.
  for (auto& [id, open] : m_open) {
    if (!open->head.empty() && open->head == request.head_hash &&
        (streamed || open->hash.empty())) {
      if (!open->waiting_on_us() && now - open->last >= kTakeOverSilence) {
        abort_submit(*open, "silent, and a client submitted a file starting as its file does");
        break;
      }
      wire::SubmitReply r;
      r.stage = Stage::queued;
      return reply(r);
    }
  }
  const auto skipped = [&](std::int64_t id) {
    return std::find(request.skip_batches.begin(), request.skip_batches.end(),
                     static_cast<std::uint64_t>(id)) != request.skip_batches.end();
  };
  std::optional<BatchRef> existing;
  if (!streamed) {
    existing = m_catalog.find_batch(request.content_hash);
    if (existing && skipped(existing->id)) {
      return reply(failed(0, "batch " + std::to_string(existing->id) +
                                 " has this file's hash, but its stored content is not this "
                                 "file's (the file changed while it was sent?)"));
    }
  }
  // A batch still receiving, not named yet, that starts as this file does: resumed if the
  // client's content hashes, up to where its segments end, as stored (the client checks
  // SubmitReply::resume_hash, and begins again skipping it if not). A batch with its whole hash
  // is told apart by that hash (the client's, first: hash_first), and so is one that may be
  // this file without saying (headless: stored before 0015). One cancelled before its file's
  // end is named by nothing: never this file.
  if (!existing && !request.head_hash.empty()) {
    bool hash_first = false;
    for (const HeadMatch& m : m_catalog.batches_by_head(request.head_hash)) {
      if (m.headless || m.hashed) {
        hash_first = true;
      } else if (!m.batch.received && !m.segment_hash.empty() && !skipped(m.batch.id)) {
        existing = m.batch;
        break;
      }
    }
    if (!existing && hash_first && streamed) {
      wire::SubmitReply r;
      r.stage = Stage::hash_first;
      return reply(r);
    }
  }
  if (existing && existing->received) {
    return reply(existing_batch(static_cast<std::uint64_t>(existing->id)));
  }
  if (existing) {
    // Receiving: this submit resumes it. A submit of it still open is of a client that died
    // (or of another one sending the same file): the newest takes over.
    for (auto& [id, open] : m_open) {
      if (open->batch_id == existing->id || open->resume == existing->id) {
        abort_submit(*open, "a client submitted the same file again and takes over");
        break;
      }
    }
  }
  if (!(request.snap_radius_m > 0 && request.snap_radius_m <= 100'000)) {
    return reply(failed(0, "snap radius must be more than 0 and at most 100000 m"));
  }
  // A resumed batch keeps the graph and options it was first submitted with.
  const std::string graph_name = utf8_prefix(request.graph_name, 200);
  const auto info = existing ? m_catalog.graph_by_id(existing->graph_id) : m_catalog.find_graph(graph_name);
  if (!info) {
    return reply(failed(0, "no graph named '" + graph_name +
                               "'; import it with 'waybill graph import'"));
  }
  const auto slot = take_slot(peer, now);
  if (slot.index() == 1) {
    wire::SubmitReply r;
    r.stage = Stage::queued;
    r.place = std::get<1>(slot);
    return reply(r);
  }
  const GraphEntry& g = load_graph(*info);
  auto submit = std::make_unique<OpenSubmit>();
  submit->submit_id = m_next_submit++;
  submit->slot = std::get<0>(slot);
  m_slot_used[submit->slot] = true;
  submit->client = peer;
  submit->graph_id = info->id;
  submit->file_name = utf8_prefix(request.file_name, 500);
  submit->hash = request.content_hash;
  submit->head = request.head_hash;
  submit->skip = request.skip_batches;
  submit->parser = std::make_shared<BatchParser>([&graph = g.graph](std::int64_t id) {
    return graph.index_of(router::NodeId{id}).has_value();
  });
  submit->options = {request.want_paths, request.depart_at, request.snap_radius_m, request.priority};
  if (existing) {
    submit->resume = existing->id;
    if (const auto it = m_options.find(existing->id); it != m_options.end()) {
      submit->options = it->second;
    }
  }
  submit->last = now;
  // Answered once the segment's transaction is open (submit_written): until then the slot's
  // connection may still be rolling back a submit given up on.
  post_submit(*submit, BeginBatch{submit_tag(submit->submit_id, kBeginPart), submit->slot,
                                  request.content_hash, request.head_hash, info->id,
                                  submit->file_name,
                                  m_config.chunk_size, submit->options, submit->resume,
                                  existing ? submit->parser : nullptr});
  m_log.info(existing ? "resuming '" : "receiving '", submit->file_name, "' (",
             request.file_bytes, " bytes) on graph '", info->name, "', slot ", submit->slot);
  const auto id = submit->submit_id;
  m_open.emplace(id, std::move(submit));
  if (existing) {  // the client asks again until it is begun
    wire::SubmitReply r;
    r.stage = Stage::queued;
    reply(r);
  }
}

/// The answer to a submit of a file stored before: its batch, as it stands.
wire::SubmitReply DispatcherCore::existing_batch(std::uint64_t batch_id) {
  wire::SubmitReply r;
  r.stage = Stage::done;
  r.batch_id = batch_id;
  r.existing = true;
  for (const auto& s : m_catalog.batch_status(batch_id)) {
    r.accepted = s.accepted;
    r.rejected = s.rejected;
    r.durable = s.accepted;
  }
  return r;
}

std::variant<std::uint32_t, std::uint32_t> DispatcherCore::take_slot(const std::string& peer,
                                                                     Clock::time_point now) {
  auto queued = std::find_if(m_waiting.begin(), m_waiting.end(),
                             [&](const Waiting& w) { return w.peer == peer; });
  if (queued == m_waiting.end()) {
    m_waiting.push_back({peer, now});
    queued = std::prev(m_waiting.end());
  }
  queued->last = now;
  // The free slots go to the first clients of the queue, one each.
  const auto place = static_cast<std::uint32_t>(queued - m_waiting.begin());
  std::uint32_t free = 0, first_free = 0;
  for (std::uint32_t i = m_slot_used.size(); i-- > 0;) {
    if (!m_slot_used[i]) {
      ++free;
      first_free = i;
    }
  }
  if (place >= free) return std::variant<std::uint32_t, std::uint32_t>(std::in_place_index<1>, place - free + 1);
  m_waiting.erase(queued);
  return std::variant<std::uint32_t, std::uint32_t>(std::in_place_index<0>, first_free);
}

void DispatcherCore::begun(OpenSubmit& s, std::int64_t batch_id, const SegmentMark& resumed,
                           Clock::time_point now) {
  s.batch_id = batch_id;
  s.last = now;
  m_last_graph = s.graph_id;
  wire::SubmitReply r;
  r.stage = Stage::begun;
  r.submit_id = s.submit_id;
  r.batch_id = static_cast<std::uint64_t>(batch_id);
  if (s.resume != 0) {
    // The parser has the stored order ids (BeginBatch); its numbering goes on after them.
    s.parser->resume_after(resumed.last_line, resumed.accepted, resumed.rejected);
    s.bytes = resumed.bytes;
    s.durable_jobs = resumed.accepted;
    s.chunk_size = resumed.chunk_size;
    s.segment_lines = resumed.last_line;
    s.segment_jobs = resumed.accepted;
    s.segments = resumed.segments;
    r.resume_line = resumed.last_line;
    r.resume_offset = resumed.bytes;
    r.durable = resumed.accepted;
    r.accepted = resumed.accepted;
    r.rejected = resumed.rejected;
    r.resume_hash = resumed.content_hash;
    m_log.info("batch ", batch_id, ": resuming '", s.file_name, "' after line ", resumed.last_line,
               " (", resumed.segments, " segments, ", resumed.accepted, " jobs durable)");
  } else {
    m_log.info("batch ", batch_id, ": receiving '", s.file_name, "'");
  }
  s.begun = r;
  // A resume was answered `queued`: its client asks again until it is begun and is told then,
  // once (told now as well, it would take this answer for the one to its next request).
  if (s.resume == 0) send(Side::clients, s.client, r, now);
}

void DispatcherCore::on_submit_data(const std::string& peer, const wire::SubmitData& data,
                                    Clock::time_point now) {
  const auto it = m_open.find(data.submit_id);
  if (it == m_open.end() || it->second->client != peer || it->second->batch_id == 0) {
    return send(Side::clients, peer,
                failed(data.submit_id, "unknown submit (the dispatcher restarted?); start over"),
                now);
  }
  OpenSubmit& s = *it->second;
  if (data.part != s.next_part) {
    const auto expected = s.next_part;
    abort_submit(s, "part " + std::to_string(data.part) + " out of order");
    return send(Side::clients, peer,
                failed(data.submit_id, "part " + std::to_string(data.part) + " arrived, expected " +
                                           std::to_string(expected)),
                now);
  }
  // The content's hash up to this part's end: kept with a segment that ends here, and at the
  // end the batch's name (or, when it was begun with one, checked against it).
  std::string bad_hash;
  if (!data.content_hash.empty() && !is_hex_lower(data.content_hash, 64)) {
    bad_hash = "content hash must be 64 lower-case hex digits, or empty";
  } else if (data.last && s.hash.empty() && data.content_hash.empty()) {
    bad_hash = "the last part carries no content hash (the begin had none)";
  } else if (data.last && !s.hash.empty() && !data.content_hash.empty() &&
             data.content_hash != s.hash) {
    bad_hash = "the content sent hashes to " + data.content_hash + ", not to " + s.hash +
               " (the file changed while it was sent?)";
  }
  if (!bad_hash.empty()) {
    const auto submit_id = s.submit_id;
    abort_submit(s, "part " + std::to_string(data.part) + ": " + bad_hash);
    return send(Side::clients, peer,
                failed(submit_id, "part " + std::to_string(data.part) + ": " + bad_hash +
                                      "; start over"),
                now);
  }
  // Parsed here; written (COPY) by the submit connection's thread while the next part is parsed.
  auto jobs = std::make_shared<std::vector<JobRow>>();
  auto rejects = std::make_shared<std::vector<RejectRow>>();
  s.parser->feed(data.data, *jobs, *rejects);
  if (data.last) s.parser->finish(*jobs, *rejects);
  if (s.resume == 0 || data.part > 0) s.bytes += data.data.size();  // a resumed part 0: the header
  // Not a batch file: nothing is stored, and the client is told why (waybill submit checks this
  // before sending; another client may not).
  std::string refusal;
  if (!s.parser->header_problem().empty()) {
    refusal = s.parser->header_problem();
  } else if (data.last && s.parser->accepted() + s.parser->rejected() == 0) {
    refusal = s.parser->header_read() ? "no line after the header" : "the file is empty";
  }
  if (!refusal.empty()) {
    const auto submit_id = s.submit_id;
    abort_submit(s, "not a batch file: " + refusal);
    return send(Side::clients, peer, failed(submit_id, "refused: not a batch file: " + refusal), now);
  }
  if (!s.warmed && s.parser->depots_known()) {
    s.warmed = true;
    warm_workers(s.graph_id, s.parser->depots(), s.parser->depot_points(), now);
  }
  // The batch's first segment is open: none committed or being committed, none stored before.
  const bool first = s.durable_jobs == 0 && s.closing.empty() && s.resume == 0;
  // Jobs routed one by one cost a thousand times a job read off a tree: when most are, smaller
  // chunks spread them evenly over the workers' threads and stay well within a lease. Chosen
  // until the first segment closes, fixed from then on.
  if (first) {
    s.chunk_size = s.parser->lone_share() > 0.5 ? m_config.lone_chunk_size : m_config.chunk_size;
  }
  if (!s.segment_since) s.segment_since = now;
  const std::uint64_t segment_jobs = s.parser->accepted() - s.segment_jobs;
  // The first segment closes with the first part that completes a chunk: the batch's first
  // routes wait for it. (Before, it waited a quarter of segment_ms: W1's first 250,000 jobs,
  // and a second more to its first route.)
  const bool close =
      data.last ||
      (s.parser->at_line_start() &&
       (s.parser->lines() - s.segment_lines >= m_config.segment_lines ||
        (segment_jobs >= s.chunk_size &&
         (first || now - *s.segment_since >= segment_age_limit(m_config.segment_ms,
                                                                s.segments)))));
  std::optional<SegmentEnd> end;
  if (close) {
    end = SegmentEnd{s.parser->accepted(), s.parser->rejected(), s.chunk_size,
                     s.parser->lines(), s.bytes, data.last, data.content_hash};
    s.closing.emplace_back(data.part, *end);
    s.segment_since.reset();
    ++s.segments;
    s.segment_lines = s.parser->lines();
    s.segment_jobs = s.parser->accepted();
  }
  post_submit(s, StoreRows{submit_tag(s.submit_id, data.part), s.slot, s.batch_id,
                           std::move(jobs), std::move(rejects), end});
  ++s.next_part;
  s.last = now;
  const wire::SubmitReply r = progress(s, Stage::part_stored, data.part);
  if (data.last) {
    s.committing = true;  // answered once committed
  } else if (close) {
    // Answered once the segment is committed, with its jobs counted as durable.
  } else if (s.tasks <= kPartsInFlight) {
    send(Side::clients, peer, r, now);
  } else {
    s.held = r;
  }
}

void DispatcherCore::submit_written(std::uint64_t tag, const StoreOutcome& outcome,
                                    std::int64_t batch_id, Clock::time_point now,
                                    const SegmentMark& resumed) {
  m_now = now;
  const auto part = static_cast<std::uint32_t>(tag);
  const auto it = m_open.find(tag >> 32);
  if (it == m_open.end()) return given_up_written(tag >> 32, part, outcome);
  OpenSubmit& s = *it->second;
  --s.tasks;
  if (!outcome.ok()) {
    const auto id = part == kBeginPart ? 0 : s.submit_id;
    const auto peer = s.client;
    abort_submit(s, outcome.what);
    if (outcome.kind == StoreOutcome::Kind::internal) {
      m_log.error("internal error storing a batch (a bug, not the database): ", outcome.what);
    }
    std::string error = part == kBeginPart && outcome.retryable
                            ? "database unavailable; retry"
                            : "database: " + outcome.what + "; start over";
    send(Side::clients, peer, failed(id, std::move(error)), now);
    if (part == kBeginPart && outcome.retryable) database_lost(outcome.what);
    return;
  }
  if (part == kBeginPart) return begun(s, batch_id, resumed, now);
  if (!s.closing.empty() && s.closing.front().first == part) {
    const SegmentEnd end = s.closing.front().second;
    s.closing.pop_front();
    s.durable_jobs = end.accepted;
    const bool finished = segment_durable(s.batch_id, s.graph_id, s.options, end);
    if (end.last) return committed(s, finished, now);
    send(Side::clients, s.client, progress(s, Stage::part_stored, part), now);
    s.last = now;
  }
  if (s.held && s.tasks <= kPartsInFlight) {
    send(Side::clients, s.client, *std::exchange(s.held, std::nullopt), now);
    s.last = now;
  }
}

/// A segment of batch `batch_id` is durable: its whole chunks (with the file's end, all of them)
/// are leased from now on. Returns true when this finished the batch (nothing left to route).
bool DispatcherCore::segment_durable(std::int64_t batch_id, std::int64_t graph_id,
                                     const BatchOptions& options, const SegmentEnd& end) {
  if (m_cancelled.count(batch_id)) return false;
  if (!m_table.has_batch(batch_id)) {
    m_log.info("batch ", batch_id, ": first segment durable (", end.accepted,
               end.last ? " jobs, the whole file)" : " jobs); routing while the rest arrives");
    m_table.add_batch(batch_id, graph_id, end.accepted, end.chunk_size, {}, options.priority,
                      end.last);
    m_options[batch_id] = options;
    m_batch_graphs[batch_id] = graph_id;
    return end.last && end.accepted == 0;
  }
  return m_table.grow_batch(batch_id, end.accepted, end.last);
}

/// The outcome of a task of a submit given up on: its segment commits still count.
void DispatcherCore::given_up_written(std::uint64_t submit_id, std::uint32_t part,
                                      const StoreOutcome& outcome) {
  const auto it = m_given_up.find(submit_id);
  if (it == m_given_up.end()) return;
  GivenUp& g = it->second;
  if (part == kAbortPart || !outcome.ok()) {
    m_given_up.erase(it);
    return;
  }
  if (g.closing.empty() || g.closing.front().first != part) return;
  const SegmentEnd end = g.closing.front().second;
  g.closing.pop_front();
  if (segment_durable(g.batch_id, g.graph_id, g.options, end)) finish_quietly(g.batch_id);
}

/// The last segment is durable: the batch is received, and the client told.
void DispatcherCore::committed(OpenSubmit& s, bool finished, Clock::time_point now) {
  m_log.info("batch ", s.batch_id, ": received, ", s.parser->accepted(), " jobs accepted, ",
             s.parser->rejected(), " lines rejected");
  m_metrics.jobs("accepted", graph_label(s.batch_id), s.parser->accepted());
  m_metrics.jobs("rejected", graph_label(s.batch_id), s.parser->rejected());
  const wire::SubmitReply r = progress(s, Stage::done, s.next_part - 1);
  const auto peer = s.client;
  const auto batch_id = s.batch_id;
  m_slot_used[s.slot] = false;
  m_open.erase(s.submit_id);
  send(Side::clients, peer, r, now);
  if (finished) finish_quietly(batch_id);
}

/// finish_batch, a lost database noted (the batch is resumed as an open batch with nothing
/// left, and finished then).
void DispatcherCore::finish_quietly(std::int64_t batch_id) {
  try {
    finish_batch(batch_id);
  } catch (const StoreError& e) {
    database_lost(e.what());
  }
}

/// Rolls `s` back on its slot's connection and frees the slot (a submit begun there next runs
/// after the rollback, in order). `s` is gone afterwards.
void DispatcherCore::abort_submit(OpenSubmit& s, const std::string& why) {
  if (s.durable_jobs > 0 || s.resume != 0) {
    m_log.warn("batch ", s.batch_id, ": submit interrupted (", why, "); its open segment rolled "
               "back, its durable segments kept and routed: the batch stays receiving until the "
               "same file is submitted again");
  } else {
    m_log.warn("batch ", s.batch_id, ": submit abandoned (", why, "); rolled back");
  }
  if (!s.closing.empty()) {
    m_given_up[s.submit_id] = GivenUp{s.batch_id, s.graph_id, s.options, std::move(s.closing)};
  }
  post_submit(s, AbortBatch{submit_tag(s.submit_id, kAbortPart), s.slot});
  m_slot_used[s.slot] = false;
  m_open.erase(s.submit_id);
}

void DispatcherCore::abort_submits(const std::string& why) {
  while (!m_open.empty()) abort_submit(*m_open.begin()->second, why);
  m_waiting.clear();
}

template <class Task>
void DispatcherCore::post_submit(OpenSubmit& s, Task task) {
  ++s.tasks;
  m_actions.emplace_back(std::in_place_type<Task>, std::move(task));
}

/// Silence counts only while the client owes the next part; a long commit keeps it waiting.
/// Queued clients that stopped asking lose their place.
void DispatcherCore::check_submits(Clock::time_point now) {
  std::erase_if(m_waiting, [&](const Waiting& w) { return now - w.last > kQueueSilence; });
  for (auto it = m_open.begin(); it != m_open.end();) {
    OpenSubmit& s = *(it++)->second;  // abort_submit erases s
    if (s.waiting_on_us()) {
      if (now - s.last > std::chrono::seconds(10)) {
        s.last = now;
        // "Still working": a part already acknowledged, so the client's wait starts over.
        if (s.batch_id != 0) send(Side::clients, s.client, progress(s, Stage::part_stored, 0), now);
      }
    } else if (now - s.last > milliseconds(m_config.submit_idle_ms)) {
      abort_submit(s, "client silent for " + std::to_string(m_config.submit_idle_ms) + " ms");
    }
  }
}

/// A reply on the open submit `s` at `stage`, acknowledging `part`, with the counts so far.
wire::SubmitReply DispatcherCore::progress(const OpenSubmit& s, Stage stage,
                                           std::uint32_t part) const {
  wire::SubmitReply r;
  r.stage = stage;
  r.submit_id = s.submit_id;
  r.part = part;
  r.batch_id = static_cast<std::uint64_t>(s.batch_id);
  r.accepted = s.parser->accepted();
  r.rejected = s.parser->rejected();
  r.durable = s.durable_jobs;
  return r;
}

/// Tells the workers on `graph_id` which origins the batch being submitted leaves from in
/// numbers: they compute those trees while the rest streams in, instead of on their first leases
/// after the commit.
void DispatcherCore::warm_workers(std::int64_t graph_id, const std::vector<std::int64_t>& depots,
                                  const std::vector<wire::LatLon>& depot_points,
                                  Clock::time_point now) {
  if (depots.empty() && depot_points.empty()) return;
  std::vector<std::string> peers;
  for (const auto& [peer, conn] : m_conns) {
    if (conn.ready && !conn.leaving && conn.graph_id == graph_id) peers.push_back(peer);
  }
  // Each worker starts at its own place in the list: workers sharing a host share their trees
  // (TreeCache::share_through), so each computes its part and reads the others' parts.
  const std::string& hash = graph(graph_id).info.hash;
  for (std::size_t k = 0; k < peers.size(); ++k) {
    send(Side::workers, peers[k],
         wire::Warm{hash, rotated(depots, k, peers.size()), rotated(depot_points, k, peers.size())},
         now);
  }
}

void DispatcherCore::on_status(const std::string& peer, const wire::StatusRequest& request,
                               Clock::time_point now) {
  wire::StatusReply r;
  if (request.batch_id > static_cast<std::uint64_t>(INT64_MAX)) {
    r.error = "batch id out of range";
    return send(Side::clients, peer, r, now);
  }
  r.batches = m_catalog.batch_status(request.batch_id);
  for (const auto& [id, conn] : m_conns) {
    r.workers.push_back(wire::WorkerStatus{
        conn.name, conn.threads, conn.inflight, conn.jobs_done,
        std::chrono::duration<double>(now - conn.last_recv).count()});
  }
  for (const auto& [id, plan] : m_plans) {
    r.plans.push_back(wire::PlanStatus{static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(plan.batch_id),
                                       plan.parts, plan.done,
                                       static_cast<std::uint32_t>(m_plan_board.leased_parts(id))});
  }
  send(Side::clients, peer, r, now);
}

/// `waybill cancel`: the batch leaves the lease table at once (results still coming for it are
/// dropped, routes of it not yet written are not written), then its jobs without a route are
/// stored as cancelled, after the route writes already posted.
void DispatcherCore::on_cancel(const std::string& peer, const wire::CancelRequest& request,
                               Clock::time_point now) {
  const auto refuse = [&](std::string error) {
    send(Side::clients, peer, wire::CancelReply{request.batch_id, 0, std::move(error)}, now);
  };
  if (request.batch_id == 0 || request.batch_id > static_cast<std::uint64_t>(INT64_MAX)) {
    return refuse("batch id out of range");
  }
  const auto id = static_cast<std::int64_t>(request.batch_id);
  // A batch still being received: its submit ends here (its open segment is rolled back; a
  // segment commit under way is refused by the store once the batch is cancelled).
  for (const auto& [submit_id, s] : m_open) {
    if (s->batch_id == id || s->resume == id) {
      if (!m_table.has_batch(id)) {
        return refuse("batch " + std::to_string(id) + " has no line stored yet; stop its submit instead");
      }
      abort_submit(*s, "the batch was cancelled");
      break;
    }
  }
  if (m_cancelling.count(id)) return refuse("batch " + std::to_string(id) + " is being cancelled");
  if (!m_table.has_batch(id)) {
    const auto status = m_catalog.batch_status(request.batch_id);
    return refuse(status.empty() ? "no batch " + std::to_string(id)
                                 : "batch " + std::to_string(id) + " is finished already");
  }
  m_table.drop_batch(id);
  m_options.erase(id);
  m_batch_graphs.erase(id);
  m_cancelled.insert(id);
  m_cancelling[id] = peer;
  m_log.info("batch ", id, ": cancelled by a client; storing its unrouted jobs as cancelled");
  m_actions.push_back(CancelBatch{id});
}

void DispatcherCore::cancel_written(std::int64_t batch_id, const StoreOutcome& outcome,
                                    std::uint64_t cancelled, Clock::time_point now) {
  m_now = now;
  const auto it = m_cancelling.find(batch_id);
  if (it == m_cancelling.end()) return;
  const std::string peer = it->second;
  m_cancelling.erase(it);
  if (!outcome.ok()) {
    // Not stored: the batch is resumed from PostgreSQL (it is still open there) when the
    // database is back, and the client may ask again.
    m_cancelled.erase(batch_id);
    send(Side::clients, peer,
         wire::CancelReply{static_cast<std::uint64_t>(batch_id), 0, "database: " + outcome.what + "; retry"}, now);
    return store_failed("cancelling a batch", outcome);
  }
  m_metrics.batches_finished.inc();
  m_log.info("batch ", batch_id, ": cancelled, ", cancelled, " jobs were not routed");
  send(Side::clients, peer, wire::CancelReply{static_cast<std::uint64_t>(batch_id), cancelled, {}}, now);
}

}  // namespace waybill::dispatcher
