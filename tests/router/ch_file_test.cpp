// Hierarchy files (save_hierarchy, load_hierarchy): a round trip, and every way a file can be
// wrong, each refused with a message that names the file and says what is wrong.
#include "router/ch_file.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "router/ch_query.h"
#include "router/contraction.h"
#include "router/graph.h"
#include "tests/router/file_test.h"

namespace waybill::router {
namespace {

constexpr std::string_view kHash =
    "5e8f0c2b9a7d41f3b6c0e1d2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6";

// A ladder of two rows of `rungs` nodes, with lengths: enough arcs for shortcuts.
RoadGraph ladder(int rungs, bool lengths = true) {
  std::vector<NodeId> ids;
  std::vector<Arc> arcs;
  const auto len = [lengths](std::int64_t mm) { return lengths ? mm : -1; };
  for (int i = 0; i < 2 * rungs; ++i) ids.push_back(NodeId{100 + i});
  for (int i = 0; i < rungs; ++i) {
    const NodeId top{100 + i}, bottom{100 + rungs + i};
    arcs.push_back({top, bottom, 3 + i % 4, len(300)});
    arcs.push_back({bottom, top, 2 + i % 3, len(300)});
    if (i + 1 < rungs) {
      arcs.push_back({top, NodeId{101 + i}, 5, len(500 + i)});
      arcs.push_back({NodeId{101 + i}, top, 6, len(500 + i)});
      arcs.push_back({bottom, NodeId{101 + rungs + i}, 4, len(400)});
    }
  }
  return RoadGraph::build(ids, arcs);
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class ChFileTest : public testing::FileTest {
 protected:
  // The message load_hierarchy() refuses `path` with; "" when it loads.
  static std::string refusal(const std::filesystem::path& path, const RoadGraph& graph,
                             std::string_view hash = kHash) {
    try {
      load_hierarchy(path, graph, hash);
      return "";
    } catch (const std::runtime_error& e) {
      return e.what();
    }
  }
};

TEST_F(ChFileTest, ASavedHierarchyReadsBackWithTheSameArraysAndAnswers) {
  for (const bool lengths : {true, false}) {
    const RoadGraph graph = ladder(30, lengths);
    const ContractionHierarchy ch = ContractionHierarchy::build(graph);
    const auto path = m_dir / "graph.ch";
    save_hierarchy(path, ch, kHash);
    // Nothing left beside it: the temporary file was renamed into place.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(m_dir), {}), 1);
    const ContractionHierarchy back = load_hierarchy(path, graph, kHash);
    EXPECT_EQ(back.bytes(), ch.bytes());
    EXPECT_EQ(back.graph_arcs(), graph.num_arcs());
    EXPECT_EQ(back.has_lengths(), lengths);
    EXPECT_FALSE(back.has_free_arcs());
    EXPECT_TRUE(std::equal(back.ranks().begin(), back.ranks().end(), ch.ranks().begin()));
    for (const auto side : {&ContractionHierarchy::up, &ContractionHierarchy::down}) {
      EXPECT_EQ((back.*side)().head, (ch.*side)().head);
      EXPECT_EQ((back.*side)().weight, (ch.*side)().weight);
      EXPECT_EQ((back.*side)().middle, (ch.*side)().middle);
      EXPECT_EQ((back.*side)().length_mm, (ch.*side)().length_mm);
    }
    ChQuery a(graph, ch), b(graph, back);
    for (NodeIndex u = 0; u < graph.num_nodes(); u += 7) {
      for (NodeIndex v = 0; v < graph.num_nodes(); v += 5) {
        const RouteResult x = a.route(u, v, true);
        const RouteResult y = b.route(u, v, true);
        EXPECT_EQ(x.cost, y.cost);
        EXPECT_EQ(x.length_mm, y.length_mm);
        EXPECT_EQ(x.path, y.path);
      }
    }
    // A graph without a hash (a file the caller names by path alone) round-trips too.
    save_hierarchy(path, ch, "");
    EXPECT_EQ(refusal(path, graph, ""), "");
  }
}

TEST_F(ChFileTest, AFileOfAnotherGraphIsRefused) {
  const RoadGraph graph = ladder(30);
  const auto path = m_dir / "graph.ch";
  save_hierarchy(path, ContractionHierarchy::build(graph), kHash);
  const std::string name = path.string() + ": ";

  EXPECT_EQ(refusal(path, graph, "0123"),
            name + "built for graph '" + std::string(kHash) + "', not '0123'");
  EXPECT_EQ(refusal(path, ladder(31)),
            name + "built for a graph of 60 nodes and 147 arcs, not 62 nodes and 152 arcs");
  // Same nodes, one arc more.
  const RoadGraph more = RoadGraph::build(
      [&] {
        std::vector<NodeId> ids;
        for (NodeIndex v = 0; v < graph.num_nodes(); ++v) ids.push_back(graph.id_of(v));
        return ids;
      }(),
      [&] {
        std::vector<Arc> arcs = graph.arcs();
        arcs.push_back({NodeId{100}, NodeId{159}, 1, 10});
        return arcs;
      }());
  EXPECT_EQ(refusal(path, more),
            name + "built for a graph of 60 nodes and 147 arcs, not 60 nodes and 148 arcs");
  EXPECT_EQ(refusal(path, ladder(30, false)),
            name + "built with arc lengths, and the graph has none");
}

TEST_F(ChFileTest, ACorruptTruncatedOrForeignFileIsRefused) {
  const RoadGraph graph = ladder(30);
  const auto path = m_dir / "graph.ch";
  save_hierarchy(path, ContractionHierarchy::build(graph), kHash);
  const std::string good = read_all(path);
  const auto refused = [&](const std::string& name, const std::string& bytes) {
    return refusal(write(name, bytes), graph);
  };
  const auto named = [&](const std::string& name, const std::string& what) {
    return (m_dir / name).string() + ": " + what;
  };

  EXPECT_EQ(refusal(m_dir / "missing.ch", graph),
            named("missing.ch", "cannot open: No such file or directory"));
  EXPECT_EQ(refused("empty.ch", ""),
            named("empty.ch", "truncated: 0 bytes, less than a header (192)"));
  EXPECT_EQ(refused("text.ch", std::string(300, 'x')),
            named("text.ch", "not a contraction hierarchy file (bad magic)"));
  std::string version = good;
  version[8] = 7;
  EXPECT_EQ(refused("version.ch", version),
            named("version.ch", "format version 7, this build reads version 1"));
  const std::string size = std::to_string(good.size());
  EXPECT_EQ(refused("short.ch", good.substr(0, good.size() - 1)),
            named("short.ch", "truncated: " + std::to_string(good.size() - 1) +
                                  " bytes, the header announces " + size));
  EXPECT_EQ(refused("long.ch", good + "x"),
            named("long.ch", "trailing data: " + std::to_string(good.size() + 1) +
                                 " bytes, the header announces " + size));
  for (const std::size_t at : {std::size_t{200}, good.size() / 2, good.size() - 1}) {
    std::string flipped = good;
    flipped[at] ^= 0x10;
    EXPECT_EQ(refused("flipped.ch", flipped),
              named("flipped.ch", "checksum mismatch: the file is corrupt"))
        << "byte " << at;
  }
  std::string counts = good;
  const std::uint64_t huge = ~std::uint64_t{0};
  std::memcpy(counts.data() + 32, &huge, sizeof huge);  // up_arcs
  EXPECT_EQ(refused("counts.ch", counts), named("counts.ch", "corrupt header (arc counts)"));
  // The good bytes still load.
  EXPECT_EQ(refused("again.ch", good), "");
}

TEST_F(ChFileTest, ArraysThatPassTheChecksumButMakeNoHierarchyAreRefused) {
  // Written by a careless program rather than damaged: the checksum fits, the contents do not.
  const RoadGraph graph = ladder(5);
  const ContractionHierarchy ch = ContractionHierarchy::build(graph);
  const auto path = m_dir / "bad.ch";
  save_hierarchy(path, ch, kHash);
  std::string bytes = read_all(path);
  // The first upward arc, made to point at rank 0: below its tail. The upward heads follow the
  // header, rank (4 bytes a node) and first_out (4 bytes a node, plus one).
  const std::size_t heads = 192 + 4 * graph.num_nodes() + 4 * (graph.num_nodes() + 1);
  const NodeIndex zero = 0;
  std::memcpy(bytes.data() + heads, &zero, sizeof zero);
  // Recompute the checksum, as the careless program did.
  const uLong crc = crc32_z(crc32_z(0, nullptr, 0),
                            reinterpret_cast<const Bytef*>(bytes.data() + 192), bytes.size() - 192);
  const std::uint64_t crc64 = crc;
  std::memcpy(bytes.data() + 184, &crc64, sizeof crc64);
  const std::string message = refusal(write("careless.ch", bytes), graph);
  EXPECT_NE(
      message.find("careless.ch: not a valid hierarchy: upward graph: arc 0 does not lead up"),
      std::string::npos)
      << message;
}

TEST_F(ChFileTest, AnUnwritablePlaceIsAnErrorNamingTheFile) {
  const RoadGraph graph = ladder(3);
  const auto path = m_dir / "not" / "there" / "graph.ch";
  try {
    save_hierarchy(path, ContractionHierarchy::build(graph), kHash);
    ADD_FAILURE() << "saved";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ": cannot create"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(save_hierarchy(m_dir / "x.ch", ContractionHierarchy::build(graph),
                              std::string(kMaxGraphHashSize + 1, 'a')),
               std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(m_dir / "x.ch"));
}

}  // namespace
}  // namespace waybill::router
