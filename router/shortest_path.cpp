#include "router/shortest_path.h"

#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <thread>

#include "router/detail/csr.h"
#include "router/detail/query_scratch.h"
#include "router/detail/search.h"
#include "router/detail/stamped_map.h"
#include "router/endpoint.h"
#include "router/landmarks.h"

namespace waybill::router {

using detail::CsrGraph;
using detail::QueryScratch;
using detail::StampedArray;
using detail::StampedMap;

const char* to_string(RouteStatus status) {
  switch (status) {
    case RouteStatus::ok: return "ok";
    case RouteStatus::unreachable: return "unreachable";
    case RouteStatus::unknown_node: return "unknown_node";
  }
  return "?";
}

namespace {

auto weights(const CsrGraph& g) { return boost::get(&detail::ArcProps::cost, g); }
auto indices(const CsrGraph& g) { return boost::get(boost::vertex_index, g); }
auto combine() { return boost::closed_plus<Cost>(kInfiniteCost); }

// Thrown by the visitors below to stop a search early; caught in the same function.
struct SearchDone {};

RouteResult unknown() { return RouteResult{}; }
RouteResult unreachable() {
  RouteResult r;
  r.status = RouteStatus::unreachable;
  return r;
}

}  // namespace

namespace {

// Keeps a node's length in step with its predecessor: the relaxation that makes u the
// predecessor of v sets length(v) = length(u) + length(u -> v). u's length is that of u's
// current path when its arcs are relaxed, so a settled node's length is its path's, without a
// walk along the path. A no-op on a graph without lengths.
class LengthRecorder {
 public:
  LengthRecorder(StampedArray<std::int64_t>& length, std::span<const std::int64_t> arc_lengths)
      : m_length(&length), m_arc_lengths(arc_lengths) {}
  template <class E, class G>
  void operator()(const E& e, const G& g) const {
    if (m_arc_lengths.empty()) return;
    m_length->put(boost::target(e, g), m_length->get(boost::source(e, g)) +
                                           m_arc_lengths[boost::get(boost::edge_index, g, e)]);
  }

 private:
  StampedArray<std::int64_t>* m_length;
  std::span<const std::int64_t> m_arc_lengths;
};

// Settles nodes in Dijkstra order, recording hop counts and lengths, until `remaining` targets
// are settled (never, when remaining is 0: a full tree).
class TreeVisitor : public boost::default_dijkstra_visitor {
 public:
  TreeVisitor(QueryScratch& s, NodeIndex source, std::size_t remaining,
              std::span<const std::int64_t> arc_lengths)
      : m_s(&s), m_source(source), m_remaining(remaining), m_lengths(s.length, arc_lengths) {}
  template <class G>
  void examine_vertex(NodeIndex v, const G&) {
    ++m_s->settled;
    m_s->hops.put(v, v == m_source ? 0 : m_s->hops.get(m_s->pred.get(v)) + 1);
    if (m_remaining == 0) return;
    const std::uint32_t wanted = m_s->target.get(v);
    if (wanted > 0 && (m_remaining -= wanted) == 0) throw SearchDone{};
  }
  template <class E, class G>
  void edge_relaxed(const E& e, const G& g) {
    m_lengths(e, g);
  }

 private:
  QueryScratch* m_s;
  NodeIndex m_source;
  std::size_t m_remaining;
  LengthRecorder m_lengths;
};

// Runs Dijkstra from `source` over the scratch arrays, stopping once `targets` nodes counted in
// scratch.target are settled, or never when targets == 0.
void run_dijkstra(const RoadGraph& graph, QueryScratch& s, NodeIndex source,
                  std::size_t targets) {
  const CsrGraph& g = graph.forward().g;
  s.dist.put(source, 0);
  s.pred.put(source, source);
  s.length.put(source, 0);
  try {
    boost::dijkstra_shortest_paths_no_color_map_no_init(
        g, source, StampedMap<NodeIndex>{&s.pred}, StampedMap<Cost>{&s.dist}, weights(g),
        indices(g), std::less<Cost>(), combine(), kInfiniteCost, Cost{0},
        TreeVisitor(s, source, targets, graph.lengths_mm()));
  } catch (const SearchDone&) {
  }
}

// The answer for a settled `to`, read from the scratch arrays; with the path, rebuilt from the
// predecessors.
RouteResult read_result(const RoadGraph& graph, const QueryScratch& s, NodeIndex from,
                        NodeIndex to, bool want_path) {
  if (!s.dist.written(to) || s.dist.get(to) == kInfiniteCost) return unreachable();
  RouteResult r;
  r.status = RouteStatus::ok;
  r.cost = s.dist.get(to);
  if (graph.has_lengths()) r.length_mm = s.length.get(to);
  if (!want_path && s.hops.written(to)) {  // Dijkstra recorded it when `to` was settled
    r.hops = s.hops.get(to);
    return r;
  }
  std::uint32_t hops = 0;
  for (NodeIndex v = to; v != from; v = s.pred.get(v)) {
    if (want_path) r.path.push_back(graph.id_of(v));
    ++hops;
  }
  r.hops = hops;
  if (want_path) {
    r.path.push_back(graph.id_of(from));
    std::reverse(r.path.begin(), r.path.end());
  }
  return r;
}

}  // namespace

namespace detail {

namespace {
// Records hop counts in settle order (a node's predecessor is settled, and final, before it),
// and lengths as LengthRecorder does, on plain arrays. A root is its own predecessor.
class HopsVisitor : public boost::default_dijkstra_visitor {
 public:
  HopsVisitor(std::vector<std::uint32_t>* hops, std::vector<std::int64_t>* length_mm,
              std::span<const std::int64_t> arc_lengths, const std::vector<NodeIndex>& pred,
              std::size_t& settled)
      : m_hops(hops),
        m_length(length_mm),
        m_arc_lengths(arc_lengths),
        m_pred(&pred),
        m_settled(&settled) {}
  template <class G>
  void examine_vertex(NodeIndex v, const G&) {
    ++*m_settled;
    if (m_hops) {
      const NodeIndex p = (*m_pred)[v];
      (*m_hops)[v] = p == v ? 0 : (*m_hops)[p] + 1;
    }
  }
  template <class E, class G>
  void edge_relaxed(const E& e, const G& g) {
    if (!m_length) return;
    (*m_length)[boost::target(e, g)] =
        (*m_length)[boost::source(e, g)] + m_arc_lengths[boost::get(boost::edge_index, g, e)];
  }

 private:
  std::vector<std::uint32_t>* m_hops;
  std::vector<std::int64_t>* m_length;
  std::span<const std::int64_t> m_arc_lengths;
  const std::vector<NodeIndex>* m_pred;
  std::size_t* m_settled;
};

}  // namespace

std::size_t full_tree(const CsrGraph& g, std::span<const TreeRoot> roots, std::vector<Cost>& dist,
                      std::vector<NodeIndex>& pred, std::vector<std::uint32_t>* hops,
                      std::span<const std::int64_t> arc_lengths,
                      std::vector<std::int64_t>* length_mm) {
  // Plain arrays, written in place: a full tree touches every node anyway.
  const std::size_t n = boost::num_vertices(g);
  dist.assign(n, kInfiniteCost);
  pred.resize(n);
  if (hops) hops->assign(n, 0);
  if (length_mm) length_mm->assign(n, -1);
  std::size_t settled = 0;
  if (roots.empty()) return settled;
  for (const TreeRoot& r : roots) {
    if (r.cost >= dist[r.node]) continue;  // the same node twice: the cheaper start
    dist[r.node] = r.cost;
    pred[r.node] = r.node;
    if (length_mm) (*length_mm)[r.node] = r.length_mm;
  }
  const auto pred_map = boost::make_iterator_property_map(pred.begin(), indices(g));
  const auto dist_map = boost::make_iterator_property_map(dist.begin(), indices(g));
  const HopsVisitor visitor(hops, length_mm, arc_lengths, pred, settled);
  if (roots.size() == 1) {
    // The common case, a node's own tree: the variant without a colour map is the fastest.
    boost::dijkstra_shortest_paths_no_color_map_no_init(
        g, roots.front().node, pred_map, dist_map, weights(g), indices(g), std::less<Cost>(),
        combine(), kInfiniteCost, Cost{0}, visitor);
  } else {
    // Every root enters the queue at the distance set above (breadth_first_visit pushes them
    // as they are; only the single-source wrappers reset a distance).
    // (A plain loop, not std::views::transform: clang 14, which builds the fuzzers, cannot
    // compile libstdc++ 12's ranges.)
    std::vector<NodeIndex> sources;
    sources.reserve(roots.size());
    for (const TreeRoot& r : roots) sources.push_back(r.node);
    boost::dijkstra_shortest_paths_no_init(g, sources.begin(), sources.end(), pred_map, dist_map,
                                           weights(g), indices(g), std::less<Cost>(), combine(),
                                           Cost{0}, visitor);
  }
  return settled;
}

void full_distances(const CsrGraph& g, NodeIndex source, std::vector<Cost>& dist) {
  std::vector<NodeIndex> pred;
  const TreeRoot root{source};
  full_tree(g, std::span(&root, 1), dist, pred, nullptr);
}

}  // namespace detail

namespace {

// A computed tree's arrays, owned by the tree.
struct TreeArrays {
  std::vector<Cost> dist;
  std::vector<NodeIndex> pred;
  std::vector<std::uint32_t> hops;
  std::vector<std::int64_t> length_mm;
};

}  // namespace

ShortestPathTree::ShortestPathTree(const RoadGraph& graph, NodeIndex origin,
                                   std::vector<Cost> dist, std::vector<NodeIndex> pred,
                                   std::vector<std::uint32_t> hops,
                                   std::vector<std::int64_t> length_mm)
    : ShortestPathTree(graph, origin,
                       std::make_shared<const TreeArrays>(TreeArrays{
                           std::move(dist), std::move(pred), std::move(hops),
                           std::move(length_mm)}),
                       {}, {}, {}, {}) {
  const auto& arrays = *static_cast<const TreeArrays*>(m_storage.get());
  m_dist = arrays.dist;
  m_pred = arrays.pred;
  m_hops = arrays.hops;
  m_length_mm = arrays.length_mm;
  assert(m_dist.size() == graph.num_nodes() && m_pred.size() == m_dist.size() &&
         m_hops.size() == m_dist.size());
  assert(m_length_mm.empty() || m_length_mm.size() == m_dist.size());
}

ShortestPathTree::ShortestPathTree(const RoadGraph& graph, NodeIndex origin,
                                   std::shared_ptr<const void> storage,
                                   std::span<const Cost> dist, std::span<const NodeIndex> pred,
                                   std::span<const std::uint32_t> hops,
                                   std::span<const std::int64_t> length_mm)
    : m_graph(&graph),
      m_origin(origin),
      m_storage(std::move(storage)),
      m_dist(dist),
      m_pred(pred),
      m_hops(hops),
      m_length_mm(length_mm) {}

RouteResult ShortestPathTree::route_to(NodeId destination, bool want_path) const {
  const auto to = m_graph->index_of(destination);
  if (!to) return unknown();
  return route_to(*to, want_path);
}

RouteResult ShortestPathTree::route_to(NodeIndex destination, bool want_path) const {
  assert(destination < m_dist.size());
  if (m_dist[destination] == kInfiniteCost) return unreachable();
  RouteResult r;
  r.status = RouteStatus::ok;
  r.cost = m_dist[destination];
  r.hops = m_hops[destination];
  if (!m_length_mm.empty()) r.length_mm = m_length_mm[destination];
  if (want_path) {
    r.path.reserve(r.hops + 1);
    // A root (the origin, or any seed of an endpoint's tree) is its own predecessor.
    NodeIndex v = destination;
    for (; m_pred[v] != v; v = m_pred[v]) r.path.push_back(m_graph->id_of(v));
    r.path.push_back(m_graph->id_of(v));
    std::reverse(r.path.begin(), r.path.end());
  }
  return r;
}

std::size_t ShortestPathTree::bytes() const {
  return sizeof(*this) + m_dist.size_bytes() + m_pred.size_bytes() + m_hops.size_bytes() +
         m_length_mm.size_bytes();
}

// ---- tree files ----
// A header, then the arrays as they are in memory: dist, pred, hops and, when the graph has
// lengths, length_mm.
namespace {

struct TreeFileHeader {
  char magic[8];
  std::uint64_t nodes;
  std::uint64_t origin;
  std::uint64_t with_lengths;
  std::uint64_t crc;  // CRC-32 of the arrays, in order
};
constexpr char kTreeMagic[8] = {'W', 'B', 'T', 'R', 'E', 'E', '0', '1'};

template <class T>
uLong crc_of(uLong crc, std::span<const T> v) {
  if (v.empty()) return crc;
  return crc32_z(crc, reinterpret_cast<const Bytef*>(v.data()), v.size_bytes());
}

// The CRC-32 a tree file carries: of its arrays, in file order.
uLong arrays_crc(std::span<const Cost> dist, std::span<const NodeIndex> pred,
                 std::span<const std::uint32_t> hops, std::span<const std::int64_t> length_mm) {
  return crc_of(crc_of(crc_of(crc_of(crc32_z(0, nullptr, 0), dist), pred), hops), length_mm);
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// (An empty array's data() may be null, which fwrite must not be given.)
template <class T>
bool write_array(std::FILE* f, std::span<const T> v) {
  return v.empty() || std::fwrite(v.data(), sizeof(T), v.size(), f) == v.size();
}

// A file mapped read-only, unmapped with its last owner.
class Mapping {
 public:
  Mapping(void* address, std::size_t size) : m_address(address), m_size(size) {}
  ~Mapping() { ::munmap(m_address, m_size); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const std::byte* data() const { return static_cast<const std::byte*>(m_address); }

 private:
  void* m_address;
  std::size_t m_size;
};

// The `n` elements of type T at `offset` in `file` (the file's layout keeps them aligned).
template <class T>
std::span<const T> array_at(const Mapping& file, std::size_t offset, std::size_t n) {
  return {reinterpret_cast<const T*>(file.data() + offset), n};
}

}  // namespace

bool ShortestPathTree::save(const std::filesystem::path& path) const {
  TreeFileHeader header{};
  std::memcpy(header.magic, kTreeMagic, sizeof kTreeMagic);
  header.nodes = m_dist.size();
  header.origin = m_origin;
  header.with_lengths = m_length_mm.empty() ? 0 : 1;
  header.crc = arrays_crc(m_dist, m_pred, m_hops, m_length_mm);
  // Unique to this process and thread: two writers of one tree each rename a whole file.
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  bool ok = false;
  if (File f{std::fopen(tmp.c_str(), "wb")}) {
    ok = std::fwrite(&header, sizeof header, 1, f.get()) == 1 && write_array(f.get(), m_dist) &&
         write_array(f.get(), m_pred) && write_array(f.get(), m_hops) &&
         write_array(f.get(), m_length_mm);
    ok = std::fclose(f.release()) == 0 && ok;
  }
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) std::filesystem::remove(tmp, ec);
  return ok && !ec;
}

std::shared_ptr<const ShortestPathTree> ShortestPathTree::load(const RoadGraph& graph,
                                                               const std::filesystem::path& path) {
  const std::size_t n = graph.num_nodes();
  const std::size_t lengths = graph.has_lengths() ? n : 0;
  // The layout: the header, then dist, pred, hops and length_mm back to back.
  const std::size_t pred_at = sizeof(TreeFileHeader) + n * sizeof(Cost);
  const std::size_t hops_at = pred_at + n * sizeof(NodeIndex);
  const std::size_t lengths_at = hops_at + n * sizeof(std::uint32_t);
  const std::size_t size = lengths_at + lengths * sizeof(std::int64_t);
  // Every array starts aligned: the mapping is page-aligned, the header 8-byte sized, and pred
  // and hops together take 8 bytes a node.
  static_assert(sizeof(TreeFileHeader) % alignof(std::int64_t) == 0 &&
                sizeof(NodeIndex) + sizeof(std::uint32_t) == 8 && alignof(Cost) <= 8);

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  void* address = MAP_FAILED;
  // A file of any other size is short, or longer than a tree of this graph.
  if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) == size) {
    address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  }
  ::close(fd);  // the mapping keeps the file
  if (address == MAP_FAILED) return nullptr;
  auto file = std::make_shared<const Mapping>(address, size);

  TreeFileHeader header{};
  std::memcpy(&header, file->data(), sizeof header);
  if (std::memcmp(header.magic, kTreeMagic, sizeof kTreeMagic) != 0 || header.nodes != n ||
      header.origin >= n || header.with_lengths != (lengths > 0 ? 1u : 0u)) {
    return nullptr;
  }
  const auto dist = array_at<Cost>(*file, sizeof header, n);
  const auto pred = array_at<NodeIndex>(*file, pred_at, n);
  const auto hops = array_at<std::uint32_t>(*file, hops_at, n);
  const auto length_mm = array_at<std::int64_t>(*file, lengths_at, lengths);
  if (arrays_crc(dist, pred, hops, length_mm) != header.crc) return nullptr;
  // Paths are read by following pred: every link must stay in the graph.
  if (std::any_of(pred.begin(), pred.end(), [n](NodeIndex p) { return p >= n; })) return nullptr;
  return std::shared_ptr<const ShortestPathTree>(
      new ShortestPathTree(graph, static_cast<NodeIndex>(header.origin), std::move(file), dist,
                           pred, hops, length_mm));
}

RouteQuery::RouteQuery(const RoadGraph& graph, const Landmarks* landmarks)
    : m_graph(&graph),
      m_landmarks(landmarks),
      m_scratch(std::make_unique<detail::QueryScratch>(graph.num_nodes())) {}
RouteQuery::RouteQuery(RouteQuery&&) noexcept = default;
RouteQuery::~RouteQuery() = default;

std::size_t RouteQuery::settled() const { return m_scratch->settled; }

RouteResult RouteQuery::one_to_one(NodeId origin, NodeId destination, bool want_path) {
  const auto from = m_graph->index_of(origin);
  const auto to = m_graph->index_of(destination);
  if (!from || !to) return unknown();
  if (!m_landmarks || m_landmarks->count() == 0) {
    auto results = one_to_many(origin, std::span(&destination, 1), want_path);
    return std::move(results.front());
  }
  // The lazy-heap A* of the endpoint queries, between two nodes. Boost's astar_search was 15%
  // slower on NY's lone pairs: its heap's position map is allocated (2 MB on NY) and cleared
  // for every query, and it asks for a node's bound again each time the node improves.
  return between(node_endpoint(*from), node_endpoint(*to), want_path);
}

std::vector<RouteResult> RouteQuery::one_to_many(NodeId origin,
                                                 std::span<const NodeId> destinations,
                                                 bool want_path) {
  std::vector<RouteResult> results(destinations.size());
  const auto from = m_graph->index_of(origin);
  if (!from) return results;  // all unknown_node
  QueryScratch& s = *m_scratch;
  s.clear();
  std::vector<std::optional<NodeIndex>> to(destinations.size());
  std::size_t wanted = 0;
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    to[i] = m_graph->index_of(destinations[i]);
    if (!to[i]) continue;
    s.target.put(*to[i], s.target.get(*to[i]) + 1);
    ++wanted;
  }
  if (wanted > 0) run_dijkstra(*m_graph, s, *from, wanted);
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    if (to[i]) results[i] = read_result(*m_graph, s, *from, *to[i], want_path);
  }
  return results;
}

std::shared_ptr<const ShortestPathTree> RouteQuery::tree(NodeId origin) {
  const auto from = m_graph->index_of(origin);
  if (!from) return nullptr;
  std::vector<Cost> dist;
  std::vector<NodeIndex> pred;
  std::vector<std::uint32_t> hops;
  std::vector<std::int64_t> length_mm;
  const detail::TreeRoot root{*from};
  m_scratch->settled = detail::full_tree(m_graph->forward().g, std::span(&root, 1), dist, pred,
                                         &hops,
                                         m_graph->lengths_mm(),
                                         m_graph->has_lengths() ? &length_mm : nullptr);
  return std::make_shared<const ShortestPathTree>(*m_graph, *from, std::move(dist),
                                                  std::move(pred), std::move(hops),
                                                  std::move(length_mm));
}

}  // namespace waybill::router
