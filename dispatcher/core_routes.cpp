// The core's route side: routes and given-up chunks on their way to PostgreSQL, batches finished.
#include "dispatcher/core.h"

namespace waybill::dispatcher {

/// Chunks given up on (LeaseTable::take_poisoned) are stored like results: every job with status
/// failed and the reason in its detail, so the batch finishes and an operator sees why.
void DispatcherCore::store_poisoned(Clock::time_point now) {
  for (Poisoned& p : m_table.take_poisoned()) {
    m_metrics.chunks_failed.inc();
    m_log.error(LogFields{.batch = p.grant.ref.batch_id, .chunk = p.grant.ref.chunk}, "batch ",
                p.grant.ref.batch_id, " chunk ", p.grant.ref.chunk, ": given up, its ",
                p.grant.count, " jobs are stored as failed: ", p.reason);
    ChunkRoutes routes{p.grant.ref.batch_id, p.grant.ref.chunk, 0, {}};
    routes.outcomes.reserve(p.grant.count);
    for (std::uint32_t i = 0; i < p.grant.count; ++i) {
      wire::JobOutcome& o = routes.outcomes.emplace_back();
      o.seq = p.grant.first_seq + i;
      o.status = wire::JobStatus::failed;
      o.detail = p.reason;
    }
    m_routes.add(std::move(routes), now);
  }
}

/// Posts the next write of routes when one is due (with `force`, whenever routes wait).
void DispatcherCore::flush(Clock::time_point now, bool force) {
  if (auto write = m_routes.next(now, force)) {
    if (!m_cancelled.empty()) {  // routes of a cancelled batch are not written: it is finished
      auto kept = std::make_shared<std::vector<ChunkRoutes>>();
      for (const ChunkRoutes& c : *write->chunks) {
        if (!m_cancelled.count(c.batch_id)) kept->push_back(c);
      }
      write->chunks = std::move(kept);
    }
    m_log.debug("writing ", write->chunks->size(), " chunks of routes");
    m_actions.push_back(WriteRoutes{write->id, std::move(write->chunks)});
  }
}

void DispatcherCore::finish_batch(std::int64_t batch_id) {
  m_catalog.finish_batch(batch_id);
  m_table.drop_batch(batch_id);
  m_options.erase(batch_id);
  m_batch_graphs.erase(batch_id);
  m_metrics.batches_finished.inc();
  m_log.info(LogFields{.batch = batch_id}, "batch ", batch_id, " finished");
}

}  // namespace waybill::dispatcher
