// Partitions filled before they are attached (see detail/store_partitions.h).
#include "dispatcher/detail/store_partitions.h"

#include <string>

namespace waybill::dispatcher::detail {

std::string partition_name(const Partitioned& table, std::int64_t id) {
  return std::string(table.parent) + "_" + table.suffix + std::to_string(id);
}

void create_detached_partition(pqxx::transaction_base& txn, const Partitioned& table,
                               std::int64_t id, const std::string& partition_by) {
  const std::string name = partition_name(table, id);
  std::string sql = "create table " + name;
  sql += " (like ";
  sql += table.parent;
  sql += " including defaults including constraints including compression, constraint " + name + "_key check (";
  sql += table.column;
  sql += " = " + std::to_string(id) + "))";
  // A partitioned table stores nothing: its partitions take the storage parameters.
  if (!partition_by.empty()) {
    sql += " partition by " + partition_by;
  } else if (table.storage) {
    sql += std::string(" with (") + table.storage + ")";
  }
  txn.exec(sql);
  skip_array_statistics(txn, table, name);
}

void skip_array_statistics(pqxx::transaction_base& txn, const Partitioned& table,
                           const std::string& name) {
  if (table.blocks) txn.exec("select no_array_statistics('" + name + "')");
}

std::string segment_name(const Partitioned& table, std::int64_t batch_id, std::uint32_t segment) {
  std::string name = partition_name(table, batch_id);
  name += "_s";
  name += std::to_string(segment);
  return name;
}

void attach_partition(pqxx::transaction_base& txn, const Partitioned& table, std::int64_t id) {
  const std::string name = partition_name(table, id);
  if (table.primary_key) {
    txn.exec("alter table " + name + " add primary key (" + table.primary_key + ")");
  }
  txn.exec("alter table " + std::string(table.parent) + " attach partition " + name +
           " for values in (" + std::to_string(id) + ")");
}

}  // namespace waybill::dispatcher::detail
