#include "router/dimacs.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "router/geo.h"
#include "router/graph.h"
#include "router/shortest_path.h"
#include "tests/router/file_test.h"

namespace waybill::router {
namespace {

namespace fs = std::filesystem;

// Three crossroads on a triangle (1 -> 2 -> 3 -> 1) and a fourth one nobody drives to.
constexpr std::string_view kTriangle =
    "c a triangle and a lone node\n"
    "p sp 4 3\n"
    "a 1 2 5\n"
    "a 2 3 7\n"
    "a 3 1 2\n";
constexpr std::string_view kTriangleCoordinates =
    "c longitude first, in microdegrees\n"
    "p aux sp co 4\n"
    "v 1 -73999999 40700000\n"
    "v 2 -73990000 40710000\n"
    "v 3 -73980000 40720000\n"
    "v 4 -73970000 40730000\n";

constexpr int kAnyLine = -1;  // the message must have a line number, whichever it is
constexpr int kNoLine = 0;    // the message need not have one

class DimacsTest : public testing::FileTest {
 protected:
  /// The graph of the .gr file `text`, written as `name`, and what building it dropped and
  /// merged.
  struct Loaded {
    RoadGraph graph;
    BuildReport report;
  };
  Loaded load_gr(const std::string& name, std::string_view text) const {
    BuildReport report;
    RoadGraph graph = load_dimacs(write(name, text), {}, &report);
    return {std::move(graph), report};
  }
  fs::path write_gz(const std::string& name, std::string_view text) const {
    const fs::path path = m_dir / name;
    gzFile out = gzopen(path.c_str(), "wb");
    EXPECT_NE(out, nullptr) << path;
    EXPECT_EQ(gzwrite(out, text.data(), static_cast<unsigned>(text.size())),
              static_cast<int>(text.size()));
    EXPECT_EQ(gzclose(out), Z_OK);
    return path;
  }
};

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Loading must throw a LoadError that names `culprit`, has the line number `line` as `:N:`
// (or any line, or none) and mentions one of `keywords`, case-insensitively.
::testing::AssertionResult fails_to_load(const fs::path& gr, const fs::path& co,
                                         const fs::path& culprit, int line,
                                         const std::vector<std::string_view>& keywords) {
  std::string what;
  try {
    load_dimacs(gr, co);
    return ::testing::AssertionFailure() << "loaded without an error";
  } catch (const LoadError& e) {
    what = e.what();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw something other than LoadError: " << e.what();
  }
  if (what.find(culprit.filename().string()) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message does not name " << culprit.filename() << ": " << what;
  }
  if (line > 0 && what.find(":" + std::to_string(line) + ":") == std::string::npos) {
    return ::testing::AssertionFailure() << "message has no \":" << line << ":\": " << what;
  }
  if (line == kAnyLine && !std::regex_search(what, std::regex(":[0-9]+:"))) {
    return ::testing::AssertionFailure() << "message has no line number: " << what;
  }
  // Look for the keywords in the message without the paths, whose names would match them.
  std::string rest = what;
  for (const std::string& name : {culprit.parent_path().string(), culprit.filename().string()}) {
    for (auto at = rest.find(name); !name.empty() && at != std::string::npos;
         at = rest.find(name)) {
      rest.erase(at, name.size());
    }
  }
  const std::string lower = lowercase(rest);
  if (std::none_of(keywords.begin(), keywords.end(), [&](std::string_view k) {
        return lower.find(lowercase(std::string(k))) != std::string::npos;
      })) {
    return ::testing::AssertionFailure() << "message says nothing of what is wrong: " << what;
  }
  return ::testing::AssertionSuccess() << what;
}

TEST_F(DimacsTest, TinyGraphLoads) {
  const auto [graph, report] = load_gr("triangle.gr", kTriangle);
  EXPECT_EQ(graph.num_nodes(), 4u);
  EXPECT_EQ(graph.num_arcs(), 3u);
  EXPECT_EQ(report.parallel_arcs, 0u);
  EXPECT_EQ(report.self_loops, 0u);
  EXPECT_FALSE(graph.has_coordinates());
  RouteQuery query(graph);
  EXPECT_EQ(query.one_to_one(NodeId{1}, NodeId{3}).cost, 12);
  EXPECT_EQ(query.one_to_one(NodeId{3}, NodeId{2}).cost, 7);
}

TEST_F(DimacsTest, GzipLoadsLikePlain) {
  const RoadGraph graph = load_dimacs(write_gz("triangle.gr.gz", kTriangle),
                                      write_gz("triangle.co.gz", kTriangleCoordinates));
  EXPECT_EQ(graph.num_nodes(), 4u);
  EXPECT_EQ(graph.num_arcs(), 3u);
  ASSERT_TRUE(graph.has_coordinates());
  EXPECT_EQ(graph.coordinate(*graph.index_of(NodeId{1})), (Coordinate{-73999999, 40700000}));
  RouteQuery query(graph);
  EXPECT_EQ(query.one_to_one(NodeId{1}, NodeId{3}).cost, 12);
}

TEST_F(DimacsTest, CoordinatesAreLongitudeFirst) {
  const RoadGraph graph =
      load_dimacs(write("triangle.gr", kTriangle), write("triangle.co", kTriangleCoordinates));
  ASSERT_TRUE(graph.has_coordinates());
  EXPECT_EQ(graph.coordinate(*graph.index_of(NodeId{4})), (Coordinate{-73970000, 40730000}));
  EXPECT_EQ(graph.coordinate(*graph.index_of(NodeId{2})).lat_e6, 40710000);
}

TEST_F(DimacsTest, CoordinatesGiveGreatCircleLengths) {
  const RoadGraph graph =
      load_dimacs(write("triangle.gr", kTriangle), write("triangle.co", kTriangleCoordinates));
  EXPECT_EQ(graph.cost_unit(), CostUnit::native);
  ASSERT_TRUE(graph.has_lengths());
  for (const Arc& a : graph.arcs()) {
    const Coordinate t = graph.coordinate(*graph.index_of(a.tail));
    const Coordinate h = graph.coordinate(*graph.index_of(a.head));
    const double m = haversine_m(t.lon_e6 / 1e6, t.lat_e6 / 1e6, h.lon_e6 / 1e6, h.lat_e6 / 1e6);
    EXPECT_EQ(a.length_mm, std::llround(m * 1000)) << to_int(a.tail) << " -> " << to_int(a.head);
  }
  // 1 -> 2: 0.009999 degrees east (843 m at 40.7 N) and 0.01 north (1112 m): about 1.4 km.
  const auto one_two = graph.find_arc(*graph.index_of(NodeId{1}), *graph.index_of(NodeId{2}));
  ASSERT_TRUE(one_two);
  EXPECT_NEAR(graph.length_mm(*one_two), 1'395'000, 5'000);
  EXPECT_EQ(RouteQuery(graph).one_to_one(NodeId{1}, NodeId{3}).length_mm,
            graph.arcs()[0].length_mm + graph.arcs()[1].length_mm);
}

TEST_F(DimacsTest, WithoutCoordinatesThereAreNoLengths) {
  const RoadGraph graph = load_dimacs(write("triangle.gr", kTriangle));
  EXPECT_FALSE(graph.has_lengths());
  for (const Arc& a : graph.arcs()) EXPECT_EQ(a.length_mm, -1);
  const RouteResult r = RouteQuery(graph).one_to_one(NodeId{1}, NodeId{3});
  EXPECT_EQ(r.cost, 12);
  EXPECT_EQ(r.length_mm, -1);
}

TEST_F(DimacsTest, ParallelArcsKeepTheCheapest) {
  const auto [graph, report] = load_gr("parallel.gr", "p sp 2 3\na 1 2 9\na 1 2 4\na 1 2 6\n");
  EXPECT_EQ(graph.num_arcs(), 1u);
  EXPECT_EQ(report.parallel_arcs, 2u);
  EXPECT_EQ(RouteQuery(graph).one_to_one(NodeId{1}, NodeId{2}).cost, 4);
}

TEST_F(DimacsTest, SelfLoopsAreDroppedAndCounted) {
  const auto [graph, report] = load_gr("loops.gr", "p sp 2 3\na 1 1 3\na 1 2 4\na 2 2 0\n");
  EXPECT_EQ(graph.num_arcs(), 1u);
  EXPECT_EQ(report.self_loops, 2u);
}

TEST_F(DimacsTest, NodesWithoutArcsExist) {
  const RoadGraph graph = load_dimacs(write("lonely.gr", "p sp 5 1\na 1 2 4\n"));
  EXPECT_EQ(graph.num_nodes(), 5u);
  for (std::int64_t id = 1; id <= 5; ++id) EXPECT_TRUE(graph.index_of(NodeId{id})) << id;
  RouteQuery query(graph);
  EXPECT_EQ(query.one_to_one(NodeId{3}, NodeId{5}).status, RouteStatus::unreachable);
  EXPECT_EQ(query.one_to_one(NodeId{4}, NodeId{4}).status, RouteStatus::ok);
  EXPECT_EQ(query.one_to_one(NodeId{6}, NodeId{1}).status, RouteStatus::unknown_node);
}

TEST(RoadGraphIds, DenseAndSparseIdsAreFoundAndOthersAreNot) {
  // Dense ids (DIMACS: 1..n, here from -1) are answered by a subtraction, the others by a search.
  const RoadGraph dense = RoadGraph::build({NodeId{1}, NodeId{-1}, NodeId{0}, NodeId{2}},
                                           {{NodeId{-1}, NodeId{2}, 5}});
  for (std::int64_t id = -1; id <= 2; ++id) {
    ASSERT_TRUE(dense.index_of(NodeId{id})) << id;
    EXPECT_EQ(dense.id_of(*dense.index_of(NodeId{id})), NodeId{id});
  }
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (const std::int64_t id : {std::int64_t{-2}, std::int64_t{3}, kMin, kMax}) {
    EXPECT_FALSE(dense.index_of(NodeId{id})) << id;
  }
  const RoadGraph sparse = RoadGraph::build({NodeId{kMax}, NodeId{kMin}, NodeId{7}, NodeId{5}},
                                            {{NodeId{5}, NodeId{kMax}, 1}});
  for (const std::int64_t id : {kMin, std::int64_t{5}, std::int64_t{7}, kMax}) {
    ASSERT_TRUE(sparse.index_of(NodeId{id})) << id;
    EXPECT_EQ(sparse.id_of(*sparse.index_of(NodeId{id})), NodeId{id});
  }
  for (const std::int64_t id : {kMin + 1, std::int64_t{6}, std::int64_t{8}, kMax - 1}) {
    EXPECT_FALSE(sparse.index_of(NodeId{id})) << id;
  }
}

TEST_F(DimacsTest, ZeroCostArcsAreFine) {
  const RoadGraph graph = load_dimacs(write("free.gr", "p sp 3 2\na 1 2 0\na 2 3 0\n"));
  const RouteResult r = RouteQuery(graph).one_to_one(NodeId{1}, NodeId{3}, true);
  EXPECT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, 0);
  EXPECT_EQ(r.hops, 2u);
}

TEST_F(DimacsTest, EmptyLinesAndCommentsAreFine) {
  const RoadGraph graph =
      load_dimacs(write("airy.gr", "\nc head\n\np sp 2 1\n\nc middle\na 1 2 3\n\nc tail\n"));
  EXPECT_EQ(graph.num_nodes(), 2u);
  EXPECT_EQ(graph.num_arcs(), 1u);
}

TEST_F(DimacsTest, EmptyGraphLoadsAndKnowsNoNode) {
  const RoadGraph graph = load_dimacs(write("empty.gr", "p sp 0 0\n"));
  EXPECT_EQ(graph.num_nodes(), 0u);
  EXPECT_EQ(graph.num_arcs(), 0u);
  RouteQuery query(graph);
  EXPECT_EQ(query.one_to_one(NodeId{1}, NodeId{1}).status, RouteStatus::unknown_node);
}

TEST_F(DimacsTest, MissingFileIsNamed) {
  EXPECT_TRUE(fails_to_load(m_dir / "absent.gr", {}, m_dir / "absent.gr", kNoLine,
                            {"open", "not found", "no such", "exist", "read"}));
  const fs::path gr = write("triangle.gr", kTriangle);
  EXPECT_TRUE(fails_to_load(gr, m_dir / "absent.co", m_dir / "absent.co", kNoLine,
                            {"open", "not found", "no such", "exist", "read"}));
}

TEST_F(DimacsTest, ProblemLineErrors) {
  const std::vector<std::string_view> problem{"problem", "p line", "p sp", "header", "'p'", "`p`"};
  fs::path f = write("no_p.gr", "c only comments\n\nc here\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, kAnyLine, problem));
  f = write("arc_first.gr", "c\na 1 2 3\np sp 3 1\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, 2, {"before", "problem", "p line", "p sp"}));
  f = write("two_p.gr", "p sp 3 1\np sp 3 1\na 1 2 3\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, 2,
                            {"second", "duplicate", "twice", "more than one", "again", "problem"}));
  f = write("p_format.gr", "p xx 3 2\na 1 2 3\na 2 3 4\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, 1, {"p sp", "problem", "format", "expected"}));
  f = write("p_number.gr", "p sp three 1\na 1 2 3\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, 1, {"number", "numeric", "integer", "invalid"}));
}

TEST_F(DimacsTest, ArcLineErrors) {
  struct Case {
    const char* name;
    const char* text;
    std::vector<std::string_view> keywords;
  };
  const Case cases[] = {
      {"non_numeric.gr", "p sp 3 1\na 1 x 3\n", {"number", "numeric", "integer", "invalid"}},
      {"few_fields.gr", "p sp 3 1\na 1 2\n", {"field", "missing", "expected", "few"}},
      {"many_fields.gr",
       "p sp 3 1\na 1 2 3 4\n",
       {"field", "extra", "trailing", "expected", "many"}},
      {"node_zero.gr", "p sp 3 1\na 0 2 3\n", {"outside", "range", "1..3"}},
      {"node_above.gr", "p sp 3 1\na 1 4 3\n", {"outside", "range", "1..3"}},
      {"negative.gr", "p sp 3 1\na 1 2 -5\n", {"negative"}},
      {"overflow.gr",
       "p sp 3 1\na 1 2 99999999999999999999\n",
       {"overflow", "range", "large", "too big"}},
      {"line_type.gr",
       "p sp 3 1\nx 1 2 3\na 1 2 3\n",
       {"unknown", "unexpected", "unrecognized", "line type", "invalid"}},
  };
  for (const Case& c : cases) {
    const fs::path f = write(c.name, c.text);
    EXPECT_TRUE(fails_to_load(f, {}, f, 2, c.keywords)) << c.name;
  }
}

TEST_F(DimacsTest, ArcCountMustMatchTheProblemLine) {
  fs::path f = write("fewer.gr", "p sp 3 2\na 1 2 3\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, kAnyLine, {"arc", "count", "expected"}));
  f = write("more.gr", "p sp 3 1\na 1 2 3\na 2 3 4\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, kAnyLine, {"arc", "count", "expected"}));
}

// A corrupt arc count in the `p` line is a LoadError like any other, not a std::bad_alloc from
// reserving room for it up front.
TEST_F(DimacsTest, HugeArcCountIsALoadErrorNotAnAllocation) {
  const fs::path f = write("huge_count.gr", "p sp 3 4000000000\na 1 2 3\n");
  EXPECT_TRUE(fails_to_load(f, {}, f, kAnyLine, {"arc", "count", "expected", "range"}));
}

TEST_F(DimacsTest, CoordinateFileErrors) {
  const fs::path gr = write("triangle.gr", kTriangle);
  fs::path co = write("outside.co", "p aux sp co 4\nv 1 1 1\nv 2 1 1\nv 3 1 1\nv 5 1 1\n");
  EXPECT_TRUE(fails_to_load(gr, co, co, 5, {"outside", "range", "1..4"}));
  co = write("count.co", "p aux sp co 3\nv 1 1 1\nv 2 1 1\nv 3 1 1\n");
  EXPECT_TRUE(
      fails_to_load(gr, co, co, kAnyLine, {"count", "differ", "mismatch", "expected", "nodes"}));
  co = write("missing.co", "p aux sp co 4\nv 1 1 1\nv 2 1 1\nv 4 1 1\n");
  EXPECT_TRUE(fails_to_load(gr, co, co, kAnyLine,
                            {"missing", "no coordinate", "without", "coordinates for"}));
  co = write("fields.co", "p aux sp co 4\nv 1 1 1\nv 2 1\nv 3 1 1\nv 4 1 1\n");
  EXPECT_TRUE(fails_to_load(gr, co, co, 3, {"field", "missing", "expected", "few"}));
}

TEST_F(DimacsTest, TruncatedGzipIsAnError) {
  std::string text = "p sp 3000 3000\n";
  for (int i = 1; i <= 3000; ++i) {
    text += "a " + std::to_string(i) + " " + std::to_string(i % 3000 + 1) + " " +
            std::to_string(i * 7919 % 10007) + "\n";
  }
  const fs::path whole = write_gz("whole.gr.gz", text);
  ASSERT_EQ(load_dimacs(whole).num_arcs(), 3000u);
  std::ifstream in(whole, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const fs::path cut = write("cut.gr.gz", std::string_view(bytes).substr(0, bytes.size() / 2));
  EXPECT_TRUE(fails_to_load(cut, {}, cut, kAnyLine,
                            {"truncat", "gzip", "unexpected end", "corrupt", "compress", "zlib",
                             "end of file", "incomplete"}));
}

}  // namespace
}  // namespace waybill::router
