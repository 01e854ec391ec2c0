// 2-opt inside a route and 2-opt* between routes (HGS moves 7 to 9). Tails keep the end of the
// route they join: with mixed vehicles, a tail's cost and time-window data are recomputed for
// its new end when the two ends differ.
#include "planner/detail/local_search.h"

namespace waybill::planner::detail {
namespace {
constexpr double kEps = 1e-5;
}

double LocalSearch::tail_cost(const Node* from, const Node* first, const Route* into) const {
  if (first->depot) return c(from, into->end);
  const Node* last = first->route->end->prev;
  return c(from, first) + (last->cum_cost - first->cum_cost) + c(last, into->end);
}

TwSeg LocalSearch::tail_tw(const Node* first, const Route* into) const {
  if (first->depot) return into->end->self;
  if (m_model->same_end(first->route->index, into->index)) return first->bwd;
  return join(range(first, first->route->end->prev), into->end->self);
}

// 2-opt: U before V in one route; (U,X), (V,Y) become (U,V), (X,Y), reversing X..V.
bool LocalSearch::move7() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y;
  if (u->position > v->position || u->next == v) return false;
  double delta = c(u, v) + c(x, y) - c(u, x) - c(v, y) + v->cum_reversal - x->cum_reversal;
  if (m_tw) {
    if (delta >= m_penalties.time_warp * static_cast<double>(m_ru->time_warp)) return false;
    TwSeg seg = u->fwd;
    for (Node* n = v;; n = n->prev) {
      seg = join(seg, n->self);
      if (n == x) break;
    }
    delta += warp_delta(join(seg, y->bwd));
  }
  if (delta > -kEps) return false;
  m_seq_a.clear();
  for (Node* n = m_ru->start->next; n != x; n = n->next) m_seq_a.push_back(n);
  for (Node* n = v;; n = n->prev) {
    m_seq_a.push_back(n);
    if (n == x) break;
  }
  for (Node* n = y; !n->depot; n = n->next) m_seq_a.push_back(n);
  relink(m_ru, m_seq_a);
  applied(m_ru, m_ru);
  return true;
}

// 2-opt* with reversal: (U,X), (V,Y) become (U,V), (X,Y). Only with one depot and no windows.
bool LocalSearch::move8() {
  if (!m_reversal_moves) return false;
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y;
  double delta = c(u, v) + c(x, y) - c(u, x) - c(v, y) + v->cum_reversal + m_ru->reversal -
                 x->cum_reversal;
  if (delta >= m_ru->penalty + m_rv->penalty) return false;
  delta += penalty_delta(u->cum_load + v->cum_load, 0,
                         m_ru->load - u->cum_load + m_rv->load - v->cum_load, 0);
  if (delta > -kEps) return false;
  m_seq_a.clear();
  m_seq_b.clear();
  for (Node* n = m_ru->start->next; n != x; n = n->next) m_seq_a.push_back(n);
  for (Node* n = v; !n->depot; n = n->prev) m_seq_a.push_back(n);
  for (Node* n = m_ru->end->prev; n != u; n = n->prev) m_seq_b.push_back(n);
  for (Node* n = y; !n->depot; n = n->next) m_seq_b.push_back(n);
  relink(m_ru, m_seq_a);
  relink(m_rv, m_seq_b);
  applied(m_ru, m_rv);
  return true;
}

// 2-opt*: (U,X), (V,Y) become (U,Y), (V,X): the routes swap their tails.
bool LocalSearch::move9() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y;
  double delta = u->cum_cost + tail_cost(u, y, m_ru) + v->cum_cost + tail_cost(v, x, m_rv) -
                 m_ru->cost - m_rv->cost;
  if (delta >= m_ru->penalty + m_rv->penalty) return false;
  Time wu = 0, wv = 0;
  if (m_tw) {
    wu = join(u->fwd, tail_tw(y, m_ru)).time_warp;
    wv = join(v->fwd, tail_tw(x, m_rv)).time_warp;
  }
  delta += penalty_delta(u->cum_load + m_rv->load - v->cum_load, wu,
                         v->cum_load + m_ru->load - u->cum_load, wv);
  if (delta > -kEps) return false;
  m_seq_a.clear();
  m_seq_b.clear();
  for (Node* n = m_ru->start->next; n != x; n = n->next) m_seq_a.push_back(n);
  for (Node* n = y; !n->depot; n = n->next) m_seq_a.push_back(n);
  for (Node* n = m_rv->start->next; n != y; n = n->next) m_seq_b.push_back(n);
  for (Node* n = x; !n->depot; n = n->next) m_seq_b.push_back(n);
  relink(m_ru, m_seq_a);
  relink(m_rv, m_seq_b);
  applied(m_ru, m_rv);
  return true;
}

}  // namespace waybill::planner::detail
