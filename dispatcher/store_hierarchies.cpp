// Store: the contraction hierarchy of a graph, kept beside it (graph_hierarchies), built once by
// `waybill graph import` and shipped to workers by the dispatcher.
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include "common/sha256.h"
#include "dispatcher/detail/store_impl.h"

namespace waybill::dispatcher {

void Store::store_hierarchy(std::int64_t graph_id, const std::string& bytes,
                            std::size_t shortcuts, double build_s) {
  m_impl->guarded("store_hierarchy", [&] {
    pqxx::work txn(m_impl->main(), "store_hierarchy");
    txn.exec_params(
        "insert into graph_hierarchies (graph_id, hash, bytes, shortcuts, build_s)"
        " values ($1, $2, $3, $4, $5)"
        " on conflict (graph_id) do update set hash = excluded.hash, bytes = excluded.bytes,"
        "   shortcuts = excluded.shortcuts, build_s = excluded.build_s, built_at = now()",
        graph_id, sha256_hex(bytes), pqxx::binarystring(bytes),
        static_cast<std::int64_t>(shortcuts), build_s);
    txn.commit();
  });
}

std::optional<HierarchyBlob> Store::hierarchy(std::int64_t graph_id) {
  return m_impl->lookup<HierarchyBlob>(
      "hierarchy",
      [](const pqxx::row& row) {
        const pqxx::binarystring bytes(row[1]);
        return HierarchyBlob{row[0].as<std::string>(), std::string(bytes.get(), bytes.size())};
      },
      "select hash, bytes from graph_hierarchies where graph_id = $1", graph_id);
}

bool Store::has_hierarchy(std::int64_t graph_id) {
  return m_impl
      ->lookup<bool>(
          "has_hierarchy", [](const pqxx::row&) { return true; },
          "select 1 from graph_hierarchies where graph_id = $1", graph_id)
      .value_or(false);
}

}  // namespace waybill::dispatcher
