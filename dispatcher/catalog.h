// What the dispatcher's core asks of PostgreSQL directly: short queries on the loop's own
// connection, answered in milliseconds. The bulk work (storing a batch, writing routes, reading
// the jobs of leases) goes out as actions to store threads instead (core.h). The driver hands the
// core a Catalog over the real Store; tests hand it a fake that fails where they say.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/plan_rows.h"
#include "dispatcher/rows.h"
#include "dispatcher/store_error.h"
#include "schema/messages.h"

namespace waybill::dispatcher {

/// Every call may throw StoreError: retryable when PostgreSQL is away (the core backs off and
/// tries again), permanent when it refused the request.
class Catalog {
 public:
  virtual ~Catalog() = default;

  /// The batches not finished yet, to resume.
  virtual std::vector<OpenBatch> open_batches() = 0;
  virtual std::optional<GraphInfo> find_graph(const std::string& name) = 0;
  virtual std::optional<GraphInfo> graph_by_id(std::int64_t id) = 0;
  /// The graph imported last, if any.
  virtual std::optional<GraphInfo> latest_graph() = 0;
  /// The serialized graph (schema/graph_codec.h).
  virtual std::string graph_bytes(std::int64_t graph_id) = 0;
  /// The graph's contraction hierarchy, if `waybill graph import` built one.
  virtual std::optional<HierarchyBlob> hierarchy(std::int64_t graph_id) = 0;
  /// The batch of that file's sha256, if one was stored already.
  virtual std::optional<BatchRef> find_batch(const std::string& hash) = 0;
  /// The batches whose content's first MiB hashes to `head_hash`, newest first (Store's).
  virtual std::vector<HeadMatch> batches_by_head(const std::string& head_hash) = 0;
  virtual std::vector<wire::BatchStatus> batch_status(std::uint64_t batch_id) = 0;
  /// Registers a worker connection; returns its id (workers.id).
  virtual std::int64_t add_worker(const std::string& name, std::uint32_t threads) = 0;
  /// Last-seen time and jobs done of workers, by id.
  virtual void touch_workers(const std::vector<std::pair<std::int64_t, std::uint64_t>>& rows) = 0;
  virtual void finish_batch(std::int64_t batch_id) = 0;

  // ---- plans: as Store's functions of the same names (store.h) ----
  virtual std::optional<PlanBatch> plan_batch(std::int64_t batch_id) = 0;
  virtual std::vector<std::pair<DepotKey, std::uint32_t>> batch_depots(std::int64_t batch_id,
                                                                       bool points) = 0;
  virtual std::optional<PlanRecord> find_plan(std::int64_t batch_id, const std::string& fleet_hash,
                                              const std::string& options) = 0;
  virtual std::int64_t create_plan(const PlanSpec& spec) = 0;
  virtual std::vector<OpenPlan> open_plans() = 0;
  virtual std::vector<wire::PlanJob> depot_jobs(std::int64_t batch_id, const DepotKey& depot,
                                                std::int32_t default_service_s) = 0;
  virtual bool store_plan_part(const PlanPartRows& part) = 0;
  virtual void finish_plan(std::int64_t plan_id) = 0;
};

}  // namespace waybill::dispatcher
