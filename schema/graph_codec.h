// The serialized road graph: what `waybill graph import` stores, what the dispatcher streams to
// workers, and what a worker keeps in its cache. Its sha256 (common/sha256.h) is the graph's identity.
#pragma once

#include <string>
#include <string_view>

#include "router/graph.h"

namespace waybill::wire {

/// Serializes every node (id and coordinate, if any), every arc (with its length, if any) and
/// the cost unit of `graph` as one Cap'n Proto message. Deterministic: the same graph gives the
/// same bytes.
std::string encode_graph(const router::RoadGraph& graph);

/// Rebuilds a graph from encode_graph()'s bytes. Throws std::runtime_error naming what is wrong
/// when the bytes are not a valid graph.
router::RoadGraph decode_graph(std::string_view bytes);

}  // namespace waybill::wire
