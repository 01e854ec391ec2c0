// Test support for the OpenStreetMap data: the hand-drawn fixture of the source tree, and the
// Monaco extract of the shared data folder (data_dir(), ny_data.h). For router_test, whose build
// says where the source tree is.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#include "router/graph.h"
#include "router/landmarks.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "router/snap.h"

#include "tests/router/ny_data.h"

#ifndef WAYBILL_SOURCE_DIR
#error "WAYBILL_SOURCE_DIR must be defined by the build"
#endif

namespace waybill::router::testing {

inline std::filesystem::path source_dir() { return WAYBILL_SOURCE_DIR; }

/// tests/data/osm/tiny_town.osm: the hand-drawn town (osm_test.cpp says what it holds).
inline std::filesystem::path tiny_town() {
  return source_dir() / "tests" / "data" / "osm" / "tiny_town.osm";
}

/// The Monaco extract, with a strip of France around it.
inline std::filesystem::path monaco() {
  return data_dir() / "osm" / "monaco-2025-02-11.osm.pbf";
}

/// A test on the Monaco extract: it fails, never skips, when the file is missing.
class MonacoFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(monaco())) << missing_data_message(monaco());
  }
};

/// The Monaco graph (car profile), its snapper and landmarks, loaded once (on first use, so that
/// a missing file fails every test rather than the first alone). The snapper refers to the
/// graph: built in place, never moved.
struct MonacoCity {
  MonacoCity()
      : graph(build_road_graph(load_osm(monaco(), default_car_profile()))),
        snapper(graph),
        landmarks(Landmarks::build(graph, 8, 2)) {}
  RoadGraph graph;
  Snapper snapper;
  Landmarks landmarks;
};

inline const MonacoCity& monaco_city() {
  static const MonacoCity city;
  return city;
}

}  // namespace waybill::router::testing
