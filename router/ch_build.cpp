// ContractionHierarchy::build: contracts the nodes of a RoadGraph an independent set at a time.
//
// Each round picks the nodes whose priority is below that of all their remaining neighbours (an
// independent set: no two of them are joined by an arc), marks them contracted, and finds their
// shortcuts in parallel: for each pair x -> v -> y, a shortcut x -> y unless a witness search
// from x finds a path to y no dearer that avoids v. Witness searches avoid every node of the
// set, not only v: then the shortcuts of one node never count on a path through another node
// of the same round, which that node's own contraction might take away, and contracting the set
// at once keeps every distance between the nodes left. The shortcuts are then inserted, one
// thread, in a fixed order, and the priorities of the contracted nodes' neighbours computed
// again, in parallel: the counterpart, for a round of many nodes, of the lazy updates of a
// one-node-at-a-time contraction. The graph is read-only while threads search it, so the result
// does not depend on how many threads there are.
//
// Witness searches are bounded in settled nodes: a search that gives up only adds a shortcut
// that was not needed, never loses a distance.
#include "router/contraction.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <memory>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/range/iterator_range.hpp>

#include "router/detail/ch_build.h"
#include "router/detail/csr.h"

namespace waybill::router {
namespace {

using detail::ArcLists;
using detail::DynArc;
using detail::WitnessSearch;

constexpr NodeIndex kNoMiddle = ContractionHierarchy::kNoMiddle;

// Settled nodes a witness search may take: while estimating a node's priority (run often, for
// every neighbour of every contracted node) and while contracting it (run once per node).
constexpr std::size_t kSimulationLimit = 250;
constexpr std::size_t kContractionLimit = 1000;

struct Shortcut {
  NodeIndex from;
  NodeIndex to;
  NodeIndex middle;
  std::uint32_t hops;
  Cost weight;
  std::int64_t length_mm;
};

bool shortcut_order(const Shortcut& a, const Shortcut& b) {
  return std::tie(a.from, a.to, a.weight, a.middle) < std::tie(b.from, b.to, b.weight, b.middle);
}

// Runs body(thread, i) for i in 0 .. count-1 on up to `threads` threads, the calling one among
// them, handing out items in small chunks so that a thread that drew cheap nodes takes more.
template <class Body>
void parallel_for(std::size_t count, unsigned threads, Body body) {
  constexpr std::size_t kChunk = 16;
  if (threads <= 1 || count < 4 * kChunk) {
    for (std::size_t i = 0; i < count; ++i) body(0u, i);
    return;
  }
  std::atomic<std::size_t> next{0};
  const auto work = [&](unsigned thread) {
    for (;;) {
      const std::size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= count) return;
      for (std::size_t i = begin; i < std::min(begin + kChunk, count); ++i) body(thread, i);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& t : pool) t.join();
}

// A tie-break between equal priorities that does not follow the node numbering (which follows
// the map), so that the nodes of a round are spread out: the murmur3 finaliser.
std::uint32_t scramble(NodeIndex v) {
  std::uint32_t h = v;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// The graph as it is being contracted, and the contraction's bookkeeping.
class Contractor {
 public:
  Contractor(const RoadGraph& graph, unsigned threads)
      : m_n(graph.num_nodes()),
        m_threads(std::max(1u, threads)),
        m_out(m_n),
        m_in(m_n),
        m_contracted(m_n, 0),
        m_priority(m_n, 0),
        m_level(m_n, 0),
        m_deleted(m_n, 0),
        m_rank(m_n, 0) {
    const detail::CsrGraph& g = graph.forward().g;
    const std::span<const std::int64_t> lengths = graph.lengths_mm();
    for (NodeIndex v = 0; v < m_n; ++v) {
      for (const auto e : boost::make_iterator_range(boost::out_edges(v, g))) {
        const NodeIndex w = boost::target(e, g);
        const std::int64_t length =
            lengths.empty() ? 0 : lengths[boost::get(boost::edge_index, g, e)];
        m_out[v].push_back({w, kNoMiddle, 1, g[e].cost, length});
        m_in[w].push_back({v, kNoMiddle, 1, g[e].cost, length});
      }
    }
    for (unsigned t = 0; t < m_threads; ++t) {
      m_searches.push_back(std::make_unique<WitnessSearch>(m_n));
    }
  }

  const ArcLists& out_lists() const { return m_out; }
  const ArcLists& in_lists() const { return m_in; }

  // Contracts every node; returns the order they were contracted in (node -> position), leaving
  // each node's arcs to the nodes contracted after it in out_lists() and in_lists().
  std::vector<NodeIndex> contract(ChBuildReport& report);

 private:
  // Calls emit(in, out) for each pair of arcs x -> v -> y (x != y) that needs a shortcut: no
  // path from x to y found by a search bounded by `limit` avoids v and costs no more.
  template <class Emit>
  void shortcuts_of(NodeIndex v, WitnessSearch& search, std::size_t limit, Emit emit) const {
    const std::vector<DynArc>& outs = m_out[v];
    for (const DynArc& in : m_in[v]) {
      search.reset();
      for (const DynArc& out : outs) {
        if (out.other != in.other) search.add_target(out.other, in.weight + out.weight);
      }
      search.run(m_out, m_contracted, in.other, v, limit);
      for (const DynArc& out : outs) {
        if (out.other != in.other && !search.witnessed(out.other)) emit(in, out);
      }
    }
  }

  // The priority of contracting v now: lower first. The quotients of arcs and of graph arcs
  // (hops) added over those removed keep the hierarchy sparse; the level (one above the highest
  // contracted neighbour) and the contracted neighbours spread the contraction evenly over the
  // map, which keeps the searches of the hierarchy small. The weights are OSRM's (2, 4 and 1
  // for the level) with a light touch of contracted neighbours: on NY, 0.1 of them settles 5%
  // fewer nodes per query than none, while 0.5 makes a third more shortcuts and slower queries.
  float priority_of(NodeIndex v, WitnessSearch& search) const {
    std::size_t added = 0;
    std::size_t added_hops = 0;
    shortcuts_of(v, search, kSimulationLimit, [&](const DynArc& in, const DynArc& out) {
      ++added;
      added_hops += in.hops + out.hops;
    });
    std::size_t removed = 0;
    std::size_t removed_hops = 0;
    for (const auto* list : {&m_in[v], &m_out[v]}) {
      for (const DynArc& a : *list) {
        ++removed;
        removed_hops += a.hops;
      }
    }
    if (removed == 0) return 0;
    return 2.0f * static_cast<float>(added) / static_cast<float>(removed) +
           4.0f * static_cast<float>(added_hops) / static_cast<float>(removed_hops) +
           0.1f * static_cast<float>(m_deleted[v]) + static_cast<float>(m_level[v]);
  }

  // Whether v comes before u: lower priority, then the scrambled index.
  bool before(NodeIndex v, NodeIndex u) const {
    return std::tuple(m_priority[v], scramble(v), v) < std::tuple(m_priority[u], scramble(u), u);
  }

  // Whether v comes before each of its remaining neighbours.
  bool is_local_minimum(NodeIndex v) const {
    for (const auto* list : {&m_in[v], &m_out[v]}) {
      for (const DynArc& a : *list) {
        if (!before(v, a.other)) return false;
      }
    }
    return true;
  }

  void remove_arc(std::vector<DynArc>& list, NodeIndex other) {
    const auto it = std::find_if(list.begin(), list.end(),
                                 [other](const DynArc& a) { return a.other == other; });
    assert(it != list.end());
    *it = list.back();
    list.pop_back();
  }

  // Adds the shortcut, or makes the arc from -> to it already has cheaper.
  void insert(const Shortcut& s) {
    const DynArc forward{s.to, s.middle, s.hops, s.weight, s.length_mm};
    const DynArc backward{s.from, s.middle, s.hops, s.weight, s.length_mm};
    std::vector<DynArc>& outs = m_out[s.from];
    const auto it =
        std::find_if(outs.begin(), outs.end(), [&](const DynArc& a) { return a.other == s.to; });
    if (it == outs.end()) {
      outs.push_back(forward);
      m_in[s.to].push_back(backward);
      ++m_shortcuts;
      return;
    }
    if (s.weight >= it->weight) return;
    if (it->middle == kNoMiddle) ++m_shortcuts;  // an arc of the graph gives way to a shortcut
    *it = forward;
    std::vector<DynArc>& ins = m_in[s.to];
    *std::find_if(ins.begin(), ins.end(), [&](const DynArc& a) { return a.other == s.from; }) =
        backward;
  }

  std::size_t m_n;
  unsigned m_threads;
  ArcLists m_out;
  ArcLists m_in;
  std::vector<std::uint8_t> m_contracted;  // written only between the parallel phases
  std::vector<float> m_priority;
  std::vector<std::uint32_t> m_level;
  std::vector<std::uint32_t> m_deleted;  // neighbours contracted so far
  std::vector<NodeIndex> m_rank;
  std::vector<std::unique_ptr<WitnessSearch>> m_searches;  // one per thread
  std::size_t m_shortcuts = 0;
};

std::vector<NodeIndex> Contractor::contract(ChBuildReport& report) {
  std::vector<NodeIndex> remaining(m_n);
  for (NodeIndex v = 0; v < m_n; ++v) remaining[v] = v;
  parallel_for(m_n, m_threads, [&](unsigned t, std::size_t i) {
    m_priority[i] = priority_of(static_cast<NodeIndex>(i), *m_searches[t]);
  });

  std::vector<std::uint8_t> chosen(m_n, 0);
  std::vector<std::uint8_t> touched(m_n, 0);
  std::vector<NodeIndex> set;
  std::vector<NodeIndex> neighbours;
  std::vector<std::vector<Shortcut>> found(m_threads);
  NodeIndex next_rank = 0;
  while (!remaining.empty()) {
    ++report.rounds;
    parallel_for(remaining.size(), m_threads, [&](unsigned, std::size_t i) {
      chosen[remaining[i]] = is_local_minimum(remaining[i]) ? 1 : 0;
    });
    set.clear();
    for (const NodeIndex v : remaining) {
      if (chosen[v]) set.push_back(v);
    }
    assert(!set.empty());  // the node before all others is a local minimum
    for (const NodeIndex v : set) m_contracted[v] = 1;

    for (auto& f : found) f.clear();
    parallel_for(set.size(), m_threads, [&](unsigned t, std::size_t i) {
      const NodeIndex v = set[i];
      shortcuts_of(v, *m_searches[t], kContractionLimit, [&](const DynArc& in, const DynArc& out) {
        found[t].push_back({in.other, out.other, v, in.hops + out.hops, in.weight + out.weight,
                            in.length_mm + out.length_mm});
      });
    });

    // Take the set out of the graph, in a fixed order, then add the shortcuts, sorted: which
    // thread found what does not matter.
    neighbours.clear();
    for (const NodeIndex v : set) {
      m_rank[v] = next_rank++;
      for (const DynArc& a : m_out[v]) remove_arc(m_in[a.other], v);
      for (const DynArc& a : m_in[v]) remove_arc(m_out[a.other], v);
      for (const auto* list : {&m_out[v], &m_in[v]}) {
        for (const DynArc& a : *list) {
          m_level[a.other] = std::max(m_level[a.other], m_level[v] + 1);
          ++m_deleted[a.other];
          if (!touched[a.other]) {
            touched[a.other] = 1;
            neighbours.push_back(a.other);
          }
        }
      }
    }
    std::vector<Shortcut>& all = found[0];
    for (unsigned t = 1; t < m_threads; ++t)
      all.insert(all.end(), found[t].begin(), found[t].end());
    std::sort(all.begin(), all.end(), shortcut_order);
    for (const Shortcut& s : all) insert(s);

    std::sort(neighbours.begin(), neighbours.end());
    parallel_for(neighbours.size(), m_threads, [&](unsigned t, std::size_t i) {
      m_priority[neighbours[i]] = priority_of(neighbours[i], *m_searches[t]);
    });
    for (const NodeIndex v : neighbours) touched[v] = 0;
    std::erase_if(remaining, [&](NodeIndex v) { return m_contracted[v] != 0; });
  }
  report.shortcuts = m_shortcuts;
  return std::move(m_rank);
}

}  // namespace

ContractionHierarchy ContractionHierarchy::build(const RoadGraph& graph, unsigned threads,
                                                 ChBuildReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  ChBuildReport local;
  Contractor contractor(graph, threads);
  std::vector<NodeIndex> rank = detail::cache_friendly_ranks(
      contractor.contract(local), contractor.out_lists(), contractor.in_lists());
  std::vector<NodeIndex> node_at(rank.size());
  for (NodeIndex v = 0; v < rank.size(); ++v) node_at[rank[v]] = v;
  Arcs up = detail::ranked_arcs(rank, node_at, contractor.out_lists(), graph.has_lengths());
  Arcs down = detail::ranked_arcs(rank, node_at, contractor.in_lists(), graph.has_lengths());
  ContractionHierarchy ch(std::move(rank), std::move(up), std::move(down), graph.has_lengths(),
                          graph.num_arcs());
  local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (report) *report = local;
  return ch;
}

}  // namespace waybill::router
