// ContractionHierarchy's arrays: checked once when the hierarchy is made from them (a file may
// hold anything), so that the queries can trust every index they follow.
#include "router/contraction.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace waybill::router {
namespace {

[[noreturn]] void invalid(const std::string& what) { throw std::invalid_argument(what); }

// Checks one graph of the hierarchy: `name` says which in a message.
void check_arcs(const ContractionHierarchy::Arcs& a, std::size_t n, bool has_lengths,
                const char* name) {
  const std::string side(name);
  if (a.first_out.size() != n + 1) invalid(side + " graph: first_out has the wrong size");
  const std::size_t m = a.head.size();
  if (a.first_out.front() != 0 || a.first_out.back() != m) {
    invalid(side + " graph: first_out does not span its arcs");
  }
  if (a.weight.size() != m || a.middle.size() != m || a.hops.size() != m ||
      a.length_mm.size() != (has_lengths ? m : 0)) {
    invalid(side + " graph: its arrays differ in size");
  }
  for (NodeIndex r = 0; r < n; ++r) {
    const std::uint32_t begin = a.first_out[r];
    const std::uint32_t end = a.first_out[r + 1];
    if (end < begin || end > m) invalid(side + " graph: first_out is not ascending");
    for (std::uint32_t i = begin; i < end; ++i) {
      const NodeIndex h = a.head[i];
      if (h <= r || h >= n) {
        invalid(side + " graph: arc " + std::to_string(i) + " does not lead up");
      }
      if (i > begin && a.head[i - 1] >= h) {
        invalid(side + " graph: the arcs at rank " + std::to_string(r) + " are not sorted");
      }
      if (a.weight[i] < 0 || a.hops[i] == 0 || (has_lengths && a.length_mm[i] < 0)) {
        invalid(side + " graph: arc " + std::to_string(i) + " has a negative cost or length");
      }
      const NodeIndex mid = a.middle[i];
      if (mid != ContractionHierarchy::kNoMiddle && (mid >= r || a.hops[i] < 2)) {
        invalid(side + " graph: shortcut " + std::to_string(i) + " has a bad middle node");
      }
    }
  }
}

template <class T>
std::size_t bytes_of(const std::vector<T>& v) {
  return v.size() * sizeof(T);
}

std::size_t bytes_of(const ContractionHierarchy::Arcs& a) {
  return bytes_of(a.first_out) + bytes_of(a.head) + bytes_of(a.weight) + bytes_of(a.middle) +
         bytes_of(a.hops) + bytes_of(a.length_mm);
}

}  // namespace

ContractionHierarchy::ContractionHierarchy(std::vector<NodeIndex> rank, Arcs up, Arcs down,
                                           bool has_lengths, std::size_t graph_arcs)
    : m_rank(std::move(rank)),
      m_node(m_rank.size(), 0),
      m_up(std::move(up)),
      m_down(std::move(down)),
      m_has_lengths(has_lengths),
      m_graph_arcs(graph_arcs) {
  const std::size_t n = m_rank.size();
  std::vector<bool> seen(n, false);
  for (NodeIndex v = 0; v < n; ++v) {
    const NodeIndex r = m_rank[v];
    if (r >= n || seen[r]) invalid("the ranks are not a permutation of the nodes");
    seen[r] = true;
    m_node[r] = v;
  }
  check_arcs(m_up, n, has_lengths, "upward");
  check_arcs(m_down, n, has_lengths, "downward");
  for (const Arcs* a : {&m_up, &m_down}) {
    m_has_free_arcs =
        m_has_free_arcs || std::find(a->weight.begin(), a->weight.end(), 0) != a->weight.end();
  }
  // A shortcut's halves are arcs at its middle node (ch_query.cpp unpacks them): check that
  // they are there, so that unpacking never looks in vain.
  for (const Arcs* a : {&m_up, &m_down}) {
    for (NodeIndex r = 0; r < n; ++r) {
      for (std::uint32_t i = a->first_out[r]; i < a->first_out[r + 1]; ++i) {
        const NodeIndex mid = a->middle[i];
        if (mid == kNoMiddle) continue;
        // The shortcut joins r and head[i]; its halves join each of them to mid, one in each
        // graph of mid: the half towards the middle is a downward arc of it, the other upward.
        const NodeIndex from = a == &m_up ? r : a->head[i];
        const NodeIndex to = a == &m_up ? a->head[i] : r;
        const auto has = [mid](const Arcs& at, NodeIndex head) {
          const auto begin = at.head.begin() + at.first_out[mid];
          const auto end = at.head.begin() + at.first_out[mid + 1];
          return std::binary_search(begin, end, head);
        };
        if (!has(m_down, from) || !has(m_up, to)) {
          invalid("shortcut " + std::to_string(i) + " at rank " + std::to_string(r) +
                  " has no halves at its middle node");
        }
      }
    }
  }
}

std::size_t ContractionHierarchy::num_shortcuts() const {
  std::size_t count = 0;
  for (const Arcs* a : {&m_up, &m_down}) {
    count += static_cast<std::size_t>(std::count_if(a->middle.begin(), a->middle.end(),
                                                    [](NodeIndex m) { return m != kNoMiddle; }));
  }
  return count;
}

std::size_t ContractionHierarchy::bytes() const {
  return sizeof(*this) + bytes_of(m_rank) + bytes_of(m_node) + bytes_of(m_up) + bytes_of(m_down);
}

}  // namespace waybill::router
