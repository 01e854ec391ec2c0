// The corner of Monaco that snap_test and endpoint_test work on, measured (80 m by 111 m, 0.001
// degrees each way):
//
//   northwest (4)            northeast (3)
//        |                        |  oneway, north to south only: nothing leads to northeast
//        |                        v
//   southwest (1) ---------- southeast (2)
//
// The south side is two-way (80 eastwards, 90 westwards), the west side too (111 each way);
// northwest has no other road. lonely (5), when there, has none at all.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "router/geo.h"
#include "router/graph.h"
#include "router/snap.h"

namespace waybill::router::testing {

inline constexpr NodeId southwest{1};
inline constexpr NodeId southeast{2};
inline constexpr NodeId northeast{3};
inline constexpr NodeId northwest{4};
inline constexpr NodeId lonely{5};

/// The corner; with lengths, each arc as long as its side.
inline RoadGraph corner(bool with_lengths, bool with_lonely = false) {
  const auto len = [&](std::int64_t metres) { return with_lengths ? metres * 1000 : -1; };
  std::vector<NodeId> ids = {southwest, southeast, northeast, northwest};
  std::vector<Coordinate> coords = {{7'420'000, 43'730'000},
                                    {7'421'000, 43'730'000},
                                    {7'421'000, 43'731'000},
                                    {7'420'000, 43'731'000}};
  if (with_lonely) {
    ids.push_back(lonely);
    coords.push_back({7'430'000, 43'740'000});
  }
  return RoadGraph::build(std::move(ids),
                          {{southwest, southeast, 80, len(80)},
                           {southeast, southwest, 90, len(80)},
                           {northeast, southeast, 50, len(111)},
                           {southwest, northwest, 111, len(111)},
                           {northwest, southwest, 111, len(111)}},
                          std::move(coords));
}

/// Degrees north per metre, on the haversine sphere.
inline constexpr double kDegPerM = 180 / (3.14159265358979323846 * kEarthRadiusM);

/// A test on a corner graph and its snapper.
class CornerFixture : public ::testing::Test {
 protected:
  explicit CornerFixture(RoadGraph graph) : m_graph(std::move(graph)), m_snapper(m_graph) {}
  NodeIndex index(NodeId id) const { return *m_graph.index_of(id); }

  RoadGraph m_graph;
  Snapper m_snapper;  // refers to m_graph: the fixture is never moved
};

}  // namespace waybill::router::testing
