// Store: road graphs, kept whole (graphs.bytes) and as pgRouting-shaped node and edge tables, one
// partition of each per graph.
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "dispatcher/detail/store_copy.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_partitions.h"

namespace waybill::dispatcher {
namespace {

using Kind = StoreError::Kind;
using detail::CopyIn;

std::string graph_name_error(const std::string& name, const std::string& stored,
                             const std::string& hash) {
  return "store: import_graph: graph '" + name + "' exists with hash " + stored +
         "; refusing to replace it with hash " + hash + " (import it under another name)";
}

GraphInfo graph_info(const pqxx::row& row) {
  GraphInfo info;
  info.id = row["id"].as<std::int64_t>();
  info.name = row["name"].as<std::string>();
  info.hash = row["hash"].as<std::string>();
  info.num_nodes = row["num_nodes"].as<std::int64_t>();
  info.num_arcs = row["num_arcs"].as<std::int64_t>();
  return info;
}

}  // namespace

// ---- graphs ---------------------------------------------------------------------------------

GraphInfo Store::import_graph(
    const std::string& name, const std::string& hash, const std::string& bytes,
    const std::vector<std::int64_t>& node_ids,
    const std::vector<std::pair<std::int32_t, std::int32_t>>& lon_lat_e6,
    const std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>& arcs,
    const GraphExtras& extras) {
  return m_impl->guarded("import_graph", [&] {
    if (!lon_lat_e6.empty() && lon_lat_e6.size() != node_ids.size()) {
      throw StoreError(Kind::permanent,
                       "store: import_graph: " + std::to_string(lon_lat_e6.size()) +
                           " coordinates for " + std::to_string(node_ids.size()) + " nodes");
    }
    if (!extras.lengths_mm.empty() && extras.lengths_mm.size() != arcs.size()) {
      throw StoreError(Kind::permanent,
                       "store: import_graph: " + std::to_string(extras.lengths_mm.size()) +
                           " lengths for " + std::to_string(arcs.size()) + " arcs");
    }
    if (extras.cost_unit != "native" && extras.cost_unit != "duration_ms") {
      throw StoreError(Kind::permanent,
                       "store: import_graph: unknown cost unit '" + extras.cost_unit + "'");
    }
    const auto existing = [&](pqxx::transaction_base& txn) -> std::optional<GraphInfo> {
      const auto r = txn.exec_params(
          "select id, name, hash, num_nodes, num_arcs from graphs where name = $1", name);
      if (r.empty()) return std::nullopt;
      GraphInfo info = graph_info(r[0]);
      if (info.hash != hash) {
        throw StoreError(Kind::permanent, graph_name_error(name, info.hash, hash));
      }
      return info;
    };

    pqxx::work txn(m_impl->main(), "import_graph");
    if (auto info = existing(txn)) return *info;
    const auto inserted = txn.exec_params(
        "insert into graphs (name, hash, num_nodes, num_arcs, bytes, cost_unit)"
        " values ($1, $2, $3, $4, $5, $6) on conflict (name) do nothing returning id",
        name, hash, static_cast<std::int64_t>(node_ids.size()),
        static_cast<std::int64_t>(arcs.size()), pqxx::binarystring(bytes), extras.cost_unit);
    if (inserted.empty()) {  // imported concurrently since our first look
      if (auto info = existing(txn)) return *info;
      throw StoreError(Kind::retryable, "store: import_graph: graph '" + name +
                                            "' was imported and removed concurrently");
    }
    const auto graph_id = inserted[0][0].as<std::int64_t>();

    detail::create_detached_partition(txn, detail::kGraphNodes, graph_id);
    detail::create_detached_partition(txn, detail::kGraphEdges, graph_id);
    {
      CopyIn nodes(txn, detail::partition_name(detail::kGraphNodes, graph_id),
                   {"graph_id", "node_id", "lon", "lat"}, CopyIn::Table::fresh);
      for (std::size_t i = 0; i < node_ids.size(); ++i) {
        nodes.number(graph_id);
        nodes.tab();
        nodes.number(node_ids[i]);
        nodes.tab();
        if (lon_lat_e6.empty()) {
          nodes.null();
          nodes.tab();
          nodes.null();
        } else {
          nodes.number(lon_lat_e6[i].first / 1e6);
          nodes.tab();
          nodes.number(lon_lat_e6[i].second / 1e6);
        }
        nodes.end_row();
      }
      nodes.complete();
    }
    {
      CopyIn edges(txn, detail::partition_name(detail::kGraphEdges, graph_id),
                   {"graph_id", "id", "source", "target", "cost", "length_m"},
                   CopyIn::Table::fresh);
      std::int64_t edge_id = 0;
      for (const auto& [source, target, cost] : arcs) {
        edges.number(graph_id);
        edges.tab();
        edges.number(++edge_id);
        edges.tab();
        edges.number(source);
        edges.tab();
        edges.number(target);
        edges.tab();
        edges.number(cost);
        edges.tab();
        if (extras.lengths_mm.empty()) {
          edges.null();
        } else {
          edges.millimetres(extras.lengths_mm[static_cast<std::size_t>(edge_id - 1)]);
        }
        edges.end_row();
      }
      edges.complete();
    }
    detail::attach_partition(txn, detail::kGraphNodes, graph_id);
    detail::attach_partition(txn, detail::kGraphEdges, graph_id);
    txn.commit();
    return GraphInfo{graph_id, name, hash, static_cast<std::int64_t>(node_ids.size()),
                     static_cast<std::int64_t>(arcs.size())};
  });
}

std::optional<GraphInfo> Store::find_graph(const std::string& name) {
  return m_impl->lookup<GraphInfo>(
      "find_graph", graph_info,
      "select id, name, hash, num_nodes, num_arcs from graphs where name = $1", name);
}

std::optional<GraphInfo> Store::graph_by_id(std::int64_t id) {
  return m_impl->lookup<GraphInfo>(
      "graph_by_id", graph_info,
      "select id, name, hash, num_nodes, num_arcs from graphs where id = $1", id);
}

std::optional<GraphInfo> Store::latest_graph() {
  return m_impl->lookup<GraphInfo>(
      "latest_graph", graph_info,
      "select id, name, hash, num_nodes, num_arcs from graphs order by id desc limit 1");
}

std::string Store::graph_bytes(std::int64_t graph_id) {
  return m_impl->guarded("graph_bytes", [&] {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params("select bytes from graphs where id = $1", graph_id);
    if (r.empty()) {
      throw StoreError(Kind::permanent,
                       "store: graph_bytes: no graph with id " + std::to_string(graph_id));
    }
    const pqxx::binarystring bytes(r[0][0]);
    return std::string(bytes.get(), bytes.size());
  });
}

}  // namespace waybill::dispatcher
