#include "schema/graph_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <vector>

#include "schema/detail/flat_array.h"
#include "schema/waybill.capnp.h"

namespace waybill::wire {
namespace {

namespace gen = waybill::wire::schema;
using router::Arc;
using router::Coordinate;
using router::NodeId;
using router::NodeIndex;

// Cap'n Proto lists hold at most 2^29 - 1 elements.
constexpr std::size_t kMaxListElements = (std::size_t{1} << 29) - 1;

// An arc longer than this (1.1 million km) is no road: refusing it keeps every path's sum of
// lengths far from overflowing.
constexpr std::int64_t kMaxArcLengthMm = std::int64_t{1} << 40;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("graph bytes: " + what);
}

std::size_t words_for(std::size_t elements, std::size_t element_bytes) {
  return (elements * element_bytes + sizeof(capnp::word) - 1) / sizeof(capnp::word);
}

// Node ids must be unique (RoadGraph::build asserts it). encode_graph() writes them ascending,
// so the common case is one linear pass; otherwise a sorted copy finds the duplicate.
void check_unique(const std::vector<NodeId>& ids) {
  if (std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end()) return;
  std::vector<NodeId> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) fail("duplicate node id " + std::to_string(router::to_int(*dup)));
}

}  // namespace

std::string encode_graph(const router::RoadGraph& graph) {
  const std::size_t n = graph.num_nodes();
  const std::vector<Arc> arcs = graph.arcs();
  const std::size_t m = arcs.size();
  if (n > kMaxListElements || m > kMaxListElements) {
    throw std::runtime_error("encode_graph: graph of " + std::to_string(n) + " nodes and " +
                             std::to_string(m) + " arcs is too big for one message");
  }
  const bool coords = graph.has_coordinates();
  const std::size_t nc = coords ? n : 0;
  const std::size_t ml = graph.has_lengths() ? m : 0;

  // Exactly the words needed (root pointer, struct of 1 data word and 7 pointers, the lists),
  // so the whole graph is one segment.
  const std::size_t words = 1 + 1 + 7 + words_for(n, 8) + 2 * words_for(nc, 4) +
                            2 * words_for(m, 4) + words_for(m, 8) + words_for(ml, 8);
  capnp::MallocMessageBuilder builder(
      static_cast<unsigned>(std::min<std::size_t>(words, kMaxListElements)),
      capnp::AllocationStrategy::FIXED_SIZE);
  auto root = builder.initRoot<gen::GraphData>();

  auto ids = root.initNodeIds(static_cast<unsigned>(n));
  for (NodeIndex i = 0; i < n; ++i) ids.set(i, router::to_int(graph.id_of(i)));
  auto lon = root.initLonE6(static_cast<unsigned>(nc));
  auto lat = root.initLatE6(static_cast<unsigned>(nc));
  for (NodeIndex i = 0; i < nc; ++i) {
    const Coordinate c = graph.coordinate(i);
    lon.set(i, c.lon_e6);
    lat.set(i, c.lat_e6);
  }
  auto tails = root.initTails(static_cast<unsigned>(m));
  auto heads = root.initHeads(static_cast<unsigned>(m));
  auto costs = root.initCosts(static_cast<unsigned>(m));
  for (unsigned j = 0; j < m; ++j) {
    // index_of() is O(1) for contiguous (DIMACS) ids, a binary search otherwise.
    tails.set(j, *graph.index_of(arcs[j].tail));
    heads.set(j, *graph.index_of(arcs[j].head));
    costs.set(j, arcs[j].cost);
  }
  // Left unset (a null list) without lengths, like the coordinates.
  if (ml != 0) {
    auto lengths = root.initLengthsMm(static_cast<unsigned>(ml));
    for (unsigned j = 0; j < ml; ++j) lengths.set(j, arcs[j].length_mm);
  }
  root.setCostUnit(static_cast<std::uint8_t>(graph.cost_unit()));

  return detail::to_flat_array(builder);
}

router::RoadGraph decode_graph(std::string_view bytes) {
  if (bytes.empty()) fail("empty");
  if (bytes.size() % sizeof(capnp::word) != 0) {
    fail(std::to_string(bytes.size()) + " bytes is not a whole number of 8-byte words");
  }
  const std::size_t num_words = bytes.size() / sizeof(capnp::word);
  kj::Array<capnp::word> aligned;
  const kj::ArrayPtr<const capnp::word> words =
      detail::as_words(std::as_bytes(std::span(bytes)), aligned);

  std::vector<NodeId> ids;
  std::vector<Coordinate> coords;
  std::vector<Arc> arcs;
  router::CostUnit unit = router::CostUnit::native;
  try {
    capnp::ReaderOptions options;
    // Every list is read once; the slack covers the pointers.
    options.traversalLimitInWords = num_words * 2 + 1024;
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) fail("trailing bytes after the message");
    const auto root = reader.getRoot<gen::GraphData>();
    const auto id_list = root.getNodeIds();
    const auto lon = root.getLonE6();
    const auto lat = root.getLatE6();
    const auto tails = root.getTails();
    const auto heads = root.getHeads();
    const auto costs = root.getCosts();
    const auto lengths = root.getLengthsMm();

    const std::size_t n = id_list.size();
    if (lon.size() != lat.size() || (lon.size() != 0 && lon.size() != n)) {
      fail(std::to_string(n) + " nodes but " + std::to_string(lon.size()) + " longitudes and " +
           std::to_string(lat.size()) + " latitudes");
    }
    if (tails.size() != heads.size() || tails.size() != costs.size()) {
      fail(std::to_string(tails.size()) + " tails, " + std::to_string(heads.size()) +
           " heads and " + std::to_string(costs.size()) + " costs");
    }
    if (lengths.size() != 0 && lengths.size() != costs.size()) {
      fail(std::to_string(costs.size()) + " costs but " + std::to_string(lengths.size()) +
           " lengths");
    }
    switch (const std::uint8_t u = root.getCostUnit()) {
      case static_cast<std::uint8_t>(router::CostUnit::native):
      case static_cast<std::uint8_t>(router::CostUnit::duration_ms):
        unit = static_cast<router::CostUnit>(u);
        break;
      default: fail("unknown cost unit " + std::to_string(u));
    }

    ids.reserve(n);
    for (const std::int64_t id : id_list) ids.push_back(NodeId{id});
    check_unique(ids);
    if (lon.size() != 0) {
      coords.reserve(n);
      for (unsigned i = 0; i < n; ++i) coords.push_back({lon[i], lat[i]});
    }

    const std::size_t m = tails.size();
    arcs.reserve(m);
    for (unsigned j = 0; j < m; ++j) {
      const NodeIndex tail = tails[j];
      const NodeIndex head = heads[j];
      const router::Cost cost = costs[j];
      if (tail >= n || head >= n) {
        fail("arc " + std::to_string(j) + ": node index " + std::to_string(std::max(tail, head)) +
             " out of range (" + std::to_string(n) + " nodes)");
      }
      if (cost < 0 || cost == router::kInfiniteCost) {
        fail("arc " + std::to_string(j) + ": invalid cost " + std::to_string(cost));
      }
      const std::int64_t length = lengths.size() != 0 ? lengths[j] : -1;
      if (lengths.size() != 0 && (length < 0 || length > kMaxArcLengthMm)) {
        fail("arc " + std::to_string(j) + ": invalid length " + std::to_string(length));
      }
      arcs.push_back({ids[tail], ids[head], cost, length});
    }
  } catch (const kj::Exception& e) {
    fail("malformed message: " + std::string(e.getDescription().cStr()));
  }
  return router::RoadGraph::build(std::move(ids), std::move(arcs), std::move(coords), nullptr,
                                  unit);
}

}  // namespace waybill::wire
