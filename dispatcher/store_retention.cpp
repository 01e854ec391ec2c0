// Store: retention of finished batches (waybill batch drop). The batch's partitions are detached
// and dropped, its row deleted; chunks_done and its plans go with it (on delete cascade).
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include <cstdint>
#include <string>

#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_partitions.h"

namespace waybill::dispatcher {

using Kind = StoreError::Kind;

void Store::drop_batch(std::int64_t batch_id) {
  m_impl->guarded("drop_batch", [&] {
    pqxx::work txn(m_impl->main(), "drop_batch");
    const std::string id = std::to_string(batch_id);
    // The row lock keeps a cancel or a plan of this batch from starting while it is dropped.
    const auto batch = txn.exec_params("select finished_at is not null from batches where id = $1"
                                       " for update",
                                       batch_id);
    if (batch.empty()) throw StoreError(Kind::permanent, "no batch " + id);
    if (!batch[0][0].as<bool>()) {
      throw StoreError(Kind::permanent, "batch " + id + " is not finished (cancel it first)");
    }
    if (!txn.exec_params("select 1 from plans where batch_id = $1 and finished_at is null",
                         batch_id)
             .empty()) {
      throw StoreError(Kind::permanent, "batch " + id + " has a plan in progress");
    }
    for (const detail::Partitioned& table : detail::kBatchTables) {
      const std::string name = detail::partition_name(table, batch_id);
      txn.exec("alter table " + std::string(table.parent) + " detach partition " + name);
      txn.exec("drop table " + name);
    }
    txn.exec_params("delete from batches where id = $1", batch_id);
    txn.commit();
  });
}

}  // namespace waybill::dispatcher
