// Partitions filled before they are attached (see detail/store_partitions.h).
#include "dispatcher/detail/store_partitions.h"

#include <string>

namespace waybill::dispatcher::detail {

std::string partition_name(const Partitioned& table, std::int64_t id) {
  return std::string(table.parent) + "_" + table.suffix + std::to_string(id);
}

void create_detached_partition(pqxx::transaction_base& txn, const Partitioned& table,
                               std::int64_t id) {
  const std::string name = partition_name(table, id);
  txn.exec("create table " + name + " (like " + table.parent +
           " including defaults including constraints, constraint " + name + "_key check (" +
           table.column + " = " + std::to_string(id) + "))");
}

void attach_partition(pqxx::transaction_base& txn, const Partitioned& table, std::int64_t id) {
  const std::string name = partition_name(table, id);
  txn.exec("alter table " + name + " add primary key (" + table.primary_key + ")");
  txn.exec("alter table " + std::string(table.parent) + " attach partition " + name +
           " for values in (" + std::to_string(id) + ")");
}

}  // namespace waybill::dispatcher::detail
