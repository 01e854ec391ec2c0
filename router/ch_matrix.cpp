// ChQuery's matrices (ch_query.h), by buckets (Knopp, Sanders, Schultes, Schulz, Wagner 2007):
// the backward search of each target leaves an entry (target, cost) in the bucket of every rank
// it settles; the forward search of a source then meets every target at once, scanning the
// buckets of the ranks it settles. Both searches stall on demand, and a stalled rank neither
// leaves nor scans entries: it is on no shortest up-down path.
#include "router/ch_query.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <optional>
#include <tuple>
#include <utility>

#include "router/detail/ch_search.h"

namespace waybill::router {

using detail::ChScratch;
using detail::ChSearch;

/// The targets' bucket entries, grouped by rank into runs, and the targets that lie on arcs.
struct detail::MatrixBuckets {
  std::vector<NodeIndex> run_rank;       // the rank of each run
  std::vector<std::uint32_t> run_first;  // each run's first entry, then the end
  std::vector<std::uint32_t> column;     // per entry
  std::vector<Cost> dist;                // per entry: from the rank to the target
  std::vector<std::int64_t> length_mm;   // per entry, with lengths
  std::vector<std::uint32_t> hops;       // per entry, with hops
  // A target on an arc, by the arc (tail, head): for the direct drives from sources on it.
  struct OnArc {
    NodeIndex tail;
    NodeIndex head;
    std::uint32_t column;
    std::uint32_t end;  // index in `ends`
  };
  std::vector<OnArc> on_arc;  // sorted by (tail, head)
  std::vector<Endpoint> ends;
};

MatrixTargets::MatrixTargets() = default;
MatrixTargets::MatrixTargets(std::size_t size, MatrixOptions options,
                             std::unique_ptr<const detail::MatrixBuckets> buckets)
    : m_size(size), m_options(options), m_buckets(std::move(buckets)) {}
MatrixTargets::MatrixTargets(MatrixTargets&&) noexcept = default;
MatrixTargets& MatrixTargets::operator=(MatrixTargets&&) noexcept = default;
MatrixTargets::~MatrixTargets() = default;

std::size_t MatrixTargets::entries() const { return m_buckets ? m_buckets->column.size() : 0; }

namespace {

using Buckets = detail::MatrixBuckets;

// The seeds of a node, or of an endpoint; and the endpoint, when it may lie on an arc.
struct Seeds {
  std::array<Endpoint::Seed, 2> seeds{};
  std::uint8_t count = 0;
  std::span<const Endpoint::Seed> span() const { return {seeds.data(), count}; }
};
Seeds seeds_of(NodeIndex node) { return {{Endpoint::Seed{node, 0, 0}}, 1}; }
Seeds seeds_of(const Endpoint& e) { return {e.seeds, e.num_seeds}; }
const Endpoint* on_arc(NodeIndex) { return nullptr; }
const Endpoint* on_arc(const Endpoint& e) { return e.on_arc ? &e : nullptr; }

// Runs `search` up from `seeds` to its end, calling visit(rank) on every rank settled and not
// stalled, with s.length_mm and s.hops of the rank written when `sums` (read back from its
// predecessor, settled before it).
template <class Visit>
void search_up(const ContractionHierarchy& ch, ChScratch& s, ChSearch& search,
               const ContractionHierarchy::Arcs& arcs, std::span<const Endpoint::Seed> seeds,
               bool sums, Visit visit) {
  search.clear();
  for (const Endpoint::Seed& seed : seeds) search.seed(ch.rank(seed.node), seed.cost);
  while (const std::optional<NodeIndex> r = search.pop()) {
    if (search.stalled(*r)) continue;
    if (sums) {
      const NodeIndex p = search.pred(*r);
      if (p == *r) {
        s.length_mm[*r] = detail::seed_at(ch, seeds, *r, search.dist(*r)).length_mm;
        s.hops[*r] = 0;
      } else {
        const std::uint32_t a = search.pred_arc(*r);
        s.length_mm[*r] = s.length_mm[p] + (arcs.length_mm.empty() ? 0 : arcs.length_mm[a]);
        s.hops[*r] = s.hops[p] + arcs.hops[a];
      }
    }
    visit(*r);
    search.relax(*r);
  }
}

// The row of one source: `cost`, `length` and `hops` point at its cells (the last two null
// unless wanted), filled with "unreachable" by the caller.
template <class Source>
void fill_row(const ContractionHierarchy& ch, ChScratch& s, const Buckets& b, const Source& source,
              Cost* cost, std::int64_t* length, std::uint32_t* hops) {
  const Seeds seeds = seeds_of(source);
  search_up(ch, s, s.forward, ch.up(), seeds.span(), length || hops, [&](NodeIndex r) {
    if (!s.mark.written(r)) return;
    const std::uint32_t run = s.mark.get(r);
    const Cost d = s.forward.dist(r);
    for (std::uint32_t k = b.run_first[run]; k < b.run_first[run + 1]; ++k) {
      const std::uint32_t column = b.column[k];
      const Cost c = d + b.dist[k];
      if (c >= cost[column]) continue;
      cost[column] = c;
      if (length) length[column] = s.length_mm[r] + b.length_mm[k];
      if (hops) hops[column] = s.hops[r] + b.hops[k];
    }
  });
  // The direct drives along one arc, which win ties as in RouteQuery::between.
  const Endpoint* from = on_arc(source);
  if (!from || b.on_arc.empty()) return;
  for (const auto& snap : {from->on_arc, from->on_reverse_arc}) {
    if (!snap) continue;
    const Buckets::OnArc key{snap->tail, snap->head, 0, 0};
    const auto [lo, hi] =
        std::equal_range(b.on_arc.begin(), b.on_arc.end(), key,
                         [](const Buckets::OnArc& x, const Buckets::OnArc& y) {
                           return std::tie(x.tail, x.head) < std::tie(y.tail, y.head);
                         });
    for (auto it = lo; it != hi; ++it) {
      const std::optional<RouteResult> drive = same_arc_drive(*from, b.ends[it->end]);
      if (!drive || drive->cost > cost[it->column]) continue;
      cost[it->column] = drive->cost;
      if (length) length[it->column] = drive->length_mm;
      if (hops) hops[it->column] = 0;
    }
  }
}

// The buckets of `targets`: one backward search each.
template <class Target>
Buckets make_buckets(const ContractionHierarchy& ch, ChScratch& s, std::span<const Target> targets,
                     const MatrixOptions& options) {
  struct Entry {
    NodeIndex rank;
    std::uint32_t column;
    Cost dist;
    std::int64_t length_mm;
    std::uint32_t hops;
  };
  const bool lengths = options.lengths && ch.has_lengths();
  std::vector<Entry> entries;
  Buckets b;
  for (std::uint32_t column = 0; column < targets.size(); ++column) {
    const Seeds seeds = seeds_of(targets[column]);
    search_up(ch, s, s.backward, ch.down(), seeds.span(), lengths || options.hops,
              [&](NodeIndex r) {
                entries.push_back({r, column, s.backward.dist(r), s.length_mm[r], s.hops[r]});
              });
    if (const Endpoint* e = on_arc(targets[column])) {
      const auto end = static_cast<std::uint32_t>(b.ends.size());
      b.ends.push_back(*e);
      for (const auto& snap : {e->on_arc, e->on_reverse_arc}) {
        if (snap) b.on_arc.push_back({snap->tail, snap->head, column, end});
      }
    }
  }
  std::sort(b.on_arc.begin(), b.on_arc.end(), [](const auto& x, const auto& y) {
    return std::tie(x.tail, x.head, x.column) < std::tie(y.tail, y.head, y.column);
  });

  // Group the entries by rank, in the order the ranks first appear (a counting sort: the
  // runs need not be in rank order, as rows() looks them up by rank), columns ascending within
  // a run. The scratch's rank -> run map serves while grouping.
  s.mark.clear();
  std::vector<std::uint32_t> count;
  for (const Entry& e : entries) {
    if (!s.mark.written(e.rank)) {
      s.mark.put(e.rank, static_cast<std::uint32_t>(b.run_rank.size()));
      b.run_rank.push_back(e.rank);
      count.push_back(0);
    }
    ++count[s.mark.get(e.rank)];
  }
  b.run_first.assign(b.run_rank.size() + 1, 0);
  for (std::size_t i = 0; i < count.size(); ++i) b.run_first[i + 1] = b.run_first[i] + count[i];
  std::vector<std::uint32_t> next(b.run_first.begin(), b.run_first.end() - 1);
  b.column.resize(entries.size());
  b.dist.resize(entries.size());
  if (lengths) b.length_mm.resize(entries.size());
  if (options.hops) b.hops.resize(entries.size());
  for (const Entry& e : entries) {
    const std::uint32_t k = next[s.mark.get(e.rank)]++;
    b.column[k] = e.column;
    b.dist[k] = e.dist;
    if (lengths) b.length_mm[k] = e.length_mm;
    if (options.hops) b.hops[k] = e.hops;
  }
  s.mark.clear();
  return b;
}

// Sizes `out` for `rows` rows of `columns` cells, every cell unreachable.
void reset(MatrixCells& out, std::size_t rows, std::size_t columns, const MatrixOptions& options) {
  out.rows = rows;
  out.columns = columns;
  out.cost.assign(rows * columns, kInfiniteCost);
  if (options.lengths) {
    out.length_mm.assign(rows * columns, -1);
  } else {
    out.length_mm.clear();
  }
  if (options.hops) {
    out.hops.assign(rows * columns, 0);
  } else {
    out.hops.clear();
  }
}

// Points the scratch's rank -> run map at the runs of `b`, for the rows to come.
void load_runs(ChScratch& s, const Buckets& b) {
  s.mark.clear();
  for (std::uint32_t run = 0; run < b.run_rank.size(); ++run) s.mark.put(b.run_rank[run], run);
}

// Row `i` of `out` (columns wide, sized by reset()): the source's cells, from the loaded runs.
template <class Source>
void fill_row_of(const ContractionHierarchy& ch, ChScratch& s, const Buckets& b,
                 const Source& source, MatrixCells& out, std::size_t i) {
  const std::size_t at = i * out.columns;
  fill_row(ch, s, b, source, out.cost.data() + at,
           out.length_mm.empty() || !ch.has_lengths() ? nullptr : out.length_mm.data() + at,
           out.hops.empty() ? nullptr : out.hops.data() + at);
}

// Every row of `sources` against `t`, in `out`.
template <class Source>
void fill_rows(const ContractionHierarchy& ch, ChScratch& s, const MatrixTargets& t,
               const Buckets* b, std::span<const Source> sources, MatrixCells& out) {
  reset(out, sources.size(), t.size(), t.options());
  if (!b || t.size() == 0) return;
  load_runs(s, *b);
  for (std::size_t i = 0; i < sources.size(); ++i) fill_row_of(ch, s, *b, sources[i], out, i);
}

// The pairs of a sparse matrix: by buckets over the targets the pairs name when they are many
// for their endpoints, else pair by pair with `route(source, target)`.
template <class End, class Route>
MatrixCells sparse(const ContractionHierarchy& ch, ChScratch& s, std::span<const End> sources,
                   std::span<const End> targets, std::span<const MatrixPair> pairs,
                   const MatrixOptions& options, Route route) {
  MatrixCells out;
  reset(out, pairs.size(), 1, options);
  // The targets the pairs name, renumbered as the columns of their buckets.
  constexpr std::uint32_t kUnused = 0xffffffffu;
  std::vector<std::uint32_t> column(targets.size(), kUnused);
  std::vector<End> named;
  std::vector<bool> source_named(sources.size(), false);
  std::size_t named_sources = 0;
  for (const MatrixPair& p : pairs) {
    assert(p.source < sources.size() && p.target < targets.size());
    if (column[p.target] == kUnused) {
      column[p.target] = static_cast<std::uint32_t>(named.size());
      named.push_back(targets[p.target]);
    }
    if (!source_named[p.source]) {
      source_named[p.source] = true;
      ++named_sources;
    }
  }
  if (2 * pairs.size() <= named_sources + named.size()) {
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const RouteResult r = route(sources[pairs[i].source], targets[pairs[i].target]);
      out.cost[i] = r.cost;
      if (options.lengths) out.length_mm[i] = r.length_mm;
      if (options.hops) out.hops[i] = r.hops;
    }
    return out;
  }
  const Buckets b = make_buckets(ch, s, std::span<const End>(named), options);
  load_runs(s, b);
  // One row per source, in the order of the sources, serving all its pairs.
  std::vector<std::uint32_t> order(pairs.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    return pairs[x].source < pairs[y].source;
  });
  MatrixCells row;
  for (std::size_t i = 0; i < order.size();) {
    const std::uint32_t source = pairs[order[i]].source;
    reset(row, 1, named.size(), options);
    fill_row_of(ch, s, b, sources[source], row, 0);
    for (; i < order.size() && pairs[order[i]].source == source; ++i) {
      const std::size_t cell = order[i];
      const std::size_t at = column[pairs[cell].target];
      out.cost[cell] = row.cost[at];
      if (options.lengths) out.length_mm[cell] = row.length_mm[at];
      if (options.hops) out.hops[cell] = row.hops[at];
    }
  }
  return out;
}

}  // namespace

MatrixTargets ChQuery::targets(std::span<const NodeIndex> nodes, MatrixOptions options) {
  return {nodes.size(), options,
          std::make_unique<const Buckets>(make_buckets(*m_ch, *m_scratch, nodes, options))};
}

MatrixTargets ChQuery::targets(std::span<const Endpoint> ends, MatrixOptions options) {
  return {ends.size(), options,
          std::make_unique<const Buckets>(make_buckets(*m_ch, *m_scratch, ends, options))};
}

void ChQuery::rows(const MatrixTargets& targets, std::span<const NodeIndex> sources,
                   MatrixCells& out) {
  fill_rows(*m_ch, *m_scratch, targets, targets.m_buckets.get(), sources, out);
}

void ChQuery::rows(const MatrixTargets& targets, std::span<const Endpoint> sources,
                   MatrixCells& out) {
  fill_rows(*m_ch, *m_scratch, targets, targets.m_buckets.get(), sources, out);
}

MatrixCells ChQuery::pairs(std::span<const NodeIndex> sources, std::span<const NodeIndex> targets,
                           std::span<const MatrixPair> pairs, MatrixOptions options) {
  return sparse(*m_ch, *m_scratch, sources, targets, pairs, options,
                [this](NodeIndex a, NodeIndex b) { return route(a, b); });
}

MatrixCells ChQuery::pairs(std::span<const Endpoint> sources, std::span<const Endpoint> targets,
                           std::span<const MatrixPair> pairs, MatrixOptions options) {
  return sparse(*m_ch, *m_scratch, sources, targets, pairs, options,
                [this](const Endpoint& a, const Endpoint& b) { return between(a, b); });
}

}  // namespace waybill::router
