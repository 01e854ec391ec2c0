#include "schema/graph_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "router/graph.h"
#include "schema/waybill.capnp.h"

namespace waybill::wire {
namespace {

using router::Arc;
using router::Coordinate;
using router::NodeId;
using router::RoadGraph;

// A small town with DIMACS-style ids 1..5, costs in decimetres, coordinates in microdegrees:
//
//   depot(1) --4--> market(2) --3--> bridge(3) <--0--> harbour(4)
//        \-----------------8-----------^     harbour --2--> depot
//   island(5) has no arcs.
constexpr NodeId depot{1};
constexpr NodeId market{2};
constexpr NodeId bridge{3};
constexpr NodeId harbour{4};
constexpr NodeId island{5};

RoadGraph town(bool with_coordinates) {
  std::vector<Coordinate> coords;
  if (with_coordinates) {
    coords = {{-74016000, 40705000}, {-73990000, 40710000}, {-73996000, 40706000},
              {-74002000, 40700000}, {-74044500, 40689250}};
  }
  return RoadGraph::build({depot, market, bridge, harbour, island},
                          {{depot, market, 4},
                           {market, bridge, 3},
                           {depot, bridge, 8},
                           {bridge, harbour, 0},
                           {harbour, bridge, 0},
                           {harbour, depot, 2}},
                          std::move(coords));
}

// The same town measured, in milliseconds: lengths in millimetres (a zero-cost arc may still be
// long, and a long one cheap), and a parallel arc whose length must not leak into the kept one.
RoadGraph timed_town() {
  return RoadGraph::build({depot, market, bridge, harbour, island},
                          {{depot, market, 4, 2'500'000},
                           {depot, market, 5, 1'000},
                           {market, bridge, 3, 0},
                           {depot, bridge, 8, 7'000'000'000},
                           {bridge, harbour, 0, 12},
                           {harbour, bridge, 0, 12},
                           {harbour, depot, 2, 99}},
                          {}, nullptr, router::CostUnit::duration_ms);
}

// Sparse OpenStreetMap-style ids, given out of order, no coordinates.
RoadGraph sparse() {
  const NodeId a{7'000'000'001};
  const NodeId b{-3};
  const NodeId c{42};
  return RoadGraph::build({a, b, c, NodeId{9}}, {{a, b, 10}, {b, c, 20}, {c, a, 30}, {a, c, 1}});
}

void expect_same(const RoadGraph& actual, const RoadGraph& expected) {
  ASSERT_EQ(actual.num_nodes(), expected.num_nodes());
  ASSERT_EQ(actual.has_coordinates(), expected.has_coordinates());
  ASSERT_EQ(actual.has_lengths(), expected.has_lengths());
  EXPECT_EQ(actual.cost_unit(), expected.cost_unit());
  for (router::NodeIndex i = 0; i < expected.num_nodes(); ++i) {
    EXPECT_EQ(actual.id_of(i), expected.id_of(i));
    if (expected.has_coordinates()) {
      EXPECT_EQ(actual.coordinate(i), expected.coordinate(i));
    }
  }
  const std::vector<Arc> a = actual.arcs();
  const std::vector<Arc> e = expected.arcs();
  ASSERT_EQ(a.size(), e.size());
  for (std::size_t j = 0; j < e.size(); ++j) {
    EXPECT_EQ(a[j].tail, e[j].tail) << "arc " << j;
    EXPECT_EQ(a[j].head, e[j].head) << "arc " << j;
    EXPECT_EQ(a[j].cost, e[j].cost) << "arc " << j;
    EXPECT_EQ(a[j].length_mm, e[j].length_mm) << "arc " << j;
  }
}

TEST(GraphCodec, RoundTripWithCoordinates) {
  const RoadGraph graph = town(true);
  expect_same(decode_graph(encode_graph(graph)), graph);
}

TEST(GraphCodec, RoundTripWithoutCoordinates) {
  const RoadGraph graph = town(false);
  const RoadGraph decoded = decode_graph(encode_graph(graph));
  EXPECT_FALSE(decoded.has_coordinates());
  expect_same(decoded, graph);
}

TEST(GraphCodec, RoundTripWithLengthsAndCostUnit) {
  const RoadGraph graph = timed_town();
  ASSERT_TRUE(graph.has_lengths());
  const RoadGraph decoded = decode_graph(encode_graph(graph));
  EXPECT_TRUE(decoded.has_lengths());
  EXPECT_EQ(decoded.cost_unit(), router::CostUnit::duration_ms);
  expect_same(decoded, graph);
  EXPECT_EQ(decoded.arcs().front().length_mm, 2'500'000);  // depot -> market, the cheaper one
  // Lengths and the unit are part of the graph's identity.
  EXPECT_NE(encode_graph(graph), encode_graph(town(false)));
}

TEST(GraphCodec, RoundTripSparseIds) {
  const RoadGraph graph = sparse();
  expect_same(decode_graph(encode_graph(graph)), graph);
}

TEST(GraphCodec, RoundTripEmptyGraph) {
  const RoadGraph graph = RoadGraph::build({}, {});
  EXPECT_EQ(decode_graph(encode_graph(graph)).num_nodes(), 0u);
}

TEST(GraphCodec, BytesAreDeterministic) {
  const std::string bytes = encode_graph(town(true));
  EXPECT_EQ(encode_graph(town(true)), bytes);
  EXPECT_EQ(encode_graph(decode_graph(bytes)), bytes);
  EXPECT_EQ(sha256_hex(encode_graph(town(true))), sha256_hex(bytes));
  EXPECT_NE(encode_graph(town(false)), bytes);
}

TEST(GraphCodec, WholeGraphIsOneSegment) {
  // The stream header's first word is the segment count minus one: the encoder sized its one
  // segment for exactly the graph, lists of lengths included.
  for (const std::string& bytes : {encode_graph(town(true)), encode_graph(timed_town())}) {
    ASSERT_GE(bytes.size(), 8u);
    EXPECT_EQ(bytes.substr(0, 4), std::string(4, '\0'));
  }
}

TEST(GraphCodec, UnalignedBytesDecode) {
  const std::string bytes = encode_graph(town(true));
  const std::string shifted = "x" + bytes;
  expect_same(decode_graph(std::string_view(shifted).substr(1)), town(true));
}

// Throws std::runtime_error whose message contains `what`.
void expect_rejected(std::string_view bytes, const std::string& what) {
  try {
    decode_graph(bytes);
    ADD_FAILURE() << "accepted; expected an error containing \"" << what << "\"";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(GraphCodec, FramingErrors) {
  const std::string bytes = encode_graph(town(true));
  expect_rejected("", "graph bytes: empty");
  expect_rejected(std::string_view(bytes).substr(0, 12), "not a whole number of 8-byte words");
  expect_rejected(std::string_view(bytes).substr(0, bytes.size() - 8), "malformed message");
  expect_rejected(bytes + std::string(8, '\0'), "trailing bytes");
}

TEST(GraphCodec, CorruptBytesThrowNeverCrash) {
  // Every truncation and random corruption: a graph or std::runtime_error, nothing else.
  const std::string bytes = encode_graph(town(true));
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_THROW(decode_graph(std::string_view(bytes).substr(0, size)), std::runtime_error);
  }
  std::mt19937 rng(20201111);
  for (int t = 0; t < 2000; ++t) {
    std::string corrupt = bytes;
    corrupt[rng() % corrupt.size()] ^= static_cast<char>(1 + rng() % 255);
    try {
      decode_graph(corrupt);
    } catch (const std::runtime_error&) {
    }
  }
}

// GraphData messages built by hand, to reach each validation.
std::string graph_data(const std::function<void(schema::GraphData::Builder)>& fill) {
  capnp::MallocMessageBuilder builder;
  fill(builder.initRoot<schema::GraphData>());
  const auto words = capnp::messageToFlatArray(builder);
  const auto bytes = words.asBytes();
  return {reinterpret_cast<const char*>(bytes.begin()), bytes.size()};
}

template <typename List, typename T>
void set_all(List list, std::initializer_list<T> values) {
  unsigned i = 0;
  for (const T v : values) list.set(i++, v);
}

TEST(GraphCodec, ValidationErrors) {
  // A valid base: nodes 10, 20, 30; arcs 0->1 and 1->2.
  const auto base = [](schema::GraphData::Builder g) {
    set_all(g.initNodeIds(3), {std::int64_t{10}, std::int64_t{20}, std::int64_t{30}});
    set_all(g.initTails(2), {0u, 1u});
    set_all(g.initHeads(2), {1u, 2u});
    set_all(g.initCosts(2), {std::int64_t{5}, std::int64_t{6}});
  };
  EXPECT_EQ(decode_graph(graph_data(base)).num_arcs(), 2u);
  // Lengths: none, or one per arc, each in 0 .. 2^40 mm; the unit: one the router knows.
  const auto measured = [&](schema::GraphData::Builder g) {
    base(g);
    set_all(g.initLengthsMm(2), {std::int64_t{0}, std::int64_t{1} << 40});
    g.setCostUnit(1);
  };
  const RoadGraph graph = decode_graph(graph_data(measured));
  EXPECT_TRUE(graph.has_lengths());
  EXPECT_EQ(graph.cost_unit(), router::CostUnit::duration_ms);
  EXPECT_FALSE(decode_graph(graph_data(base)).has_lengths());

  // Each a valid graph, broken by one change.
  using Fill = std::function<void(schema::GraphData::Builder)>;
  struct Broken {
    Fill valid;
    Fill change;
    std::string error;
  };
  const Broken broken[] = {
      {base,
       [](auto g) {
         set_all(g.initNodeIds(3), {std::int64_t{10}, std::int64_t{30}, std::int64_t{10}});
       },
       "graph bytes: duplicate node id 10"},
      {base, [](auto g) { g.initHeads(2).set(1, 3); },
       "graph bytes: arc 1: node index 3 out of range (3 nodes)"},
      {base, [](auto g) { g.initCosts(2).set(0, -1); }, "graph bytes: arc 0: invalid cost -1"},
      {base, [](auto g) { g.initCosts(1); }, "graph bytes: 2 tails, 2 heads and 1 costs"},
      {base,
       [](auto g) {
         g.initLonE6(3);
         g.initLatE6(2);
       },
       "graph bytes: 3 nodes but 3 longitudes and 2 latitudes"},
      {base,
       [](auto g) {
         g.initLonE6(2);
         g.initLatE6(2);
       },
       "graph bytes: 3 nodes but 2 longitudes and 2 latitudes"},
      {measured, [](auto g) { g.initLengthsMm(1); }, "graph bytes: 2 costs but 1 lengths"},
      {measured, [](auto g) { g.getLengthsMm().set(1, -1); },
       "graph bytes: arc 1: invalid length -1"},
      {measured, [](auto g) { g.getLengthsMm().set(0, (std::int64_t{1} << 40) + 1); },
       "graph bytes: arc 0: invalid length 1099511627777"},
      {measured, [](auto g) { g.setCostUnit(2); }, "graph bytes: unknown cost unit 2"},
  };
  for (const Broken& b : broken) {
    SCOPED_TRACE(b.error);
    expect_rejected(graph_data([&](auto g) {
                      b.valid(g);
                      b.change(g);
                    }),
                    b.error);
  }
}

}  // namespace
}  // namespace waybill::wire
