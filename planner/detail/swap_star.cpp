// SWAP* (Vidal 2022): exchange U of route A and V of route B, each reinserted at its best
// place in the other route (not necessarily where the other was), found in O(1) per pair from
// the three best insertion places of every client in every route, kept while the route is
// unchanged. Relocations of one client into the other route come for free and are included.
// The insertion places are chosen on cost and load; with time windows the chosen move is then
// evaluated exactly (time warp included) before it is applied.
#include "planner/detail/local_search.h"

namespace waybill::planner::detail {
namespace {
constexpr double kEps = 1e-5;
}

void LocalSearch::preprocess_insertions(Route* r1, Route* r2) {
  const std::size_t n = m_clients.size();
  for (Node* u = r1->start->next; !u->depot; u = u->next) {
    u->delta_removal = c(u->prev, u->next) - c(u->prev, u) - c(u, u->next);
    ThreeBest& best = m_best_insert[r2->index * n + u->client];
    if (r2->last_modified <= best.when) continue;
    best.reset();
    best.when = m_moves;
    Node* first = r2->start->next;
    best.add(c(r2->start, u) + c(u, first) - c(r2->start, first), r2->start);
    for (Node* v = first; !v->depot; v = v->next) {
      best.add(c(v, u) + c(u, v->next) - c(v, v->next), v);
    }
  }
}

double LocalSearch::cheapest_insert_removing(Node* u, Node* v, Node*& best) {
  const ThreeBest& b = m_best_insert[v->route->index * m_clients.size() + u->client];
  best = b.at[0];
  double cost = b.cost[0];
  bool found = best != v && best->next != v;
  if (!found && b.at[1]) {
    best = b.at[1];
    cost = b.cost[1];
    found = best != v && best->next != v;
    if (!found && b.at[2]) {
      best = b.at[2];
      cost = b.cost[2];
      found = true;
    }
  }
  const double in_place = c(v->prev, u) + c(u, v->next) - c(v->prev, v->next);
  if (!found || in_place < cost) {
    best = v->prev;
    cost = in_place;
  }
  return cost;
}

double LocalSearch::figures_after(Route* r, Node* remove, Node* insert, Node* after, Load& load,
                                  Time& warp) {
  double cost = 0;
  load = Load{};
  TwSeg seg = r->start->self;
  const Node* prev = r->start;
  auto visit = [&](const Node* n) {
    cost += c(prev, n);
    load += m_model->client(n->client).amount;
    if (m_tw) seg = join(seg, n->self);
    prev = n;
  };
  if (insert && after == r->start) visit(insert);
  for (Node* n = r->start->next; !n->depot; n = n->next) {
    if (n != remove) visit(n);
    if (insert && n == after) visit(insert);
  }
  cost += c(prev, r->end);
  if (m_tw) seg = join(seg, r->end->self);
  warp = m_tw ? seg.time_warp : 0;
  return cost;
}

double LocalSearch::exact_delta(Node* u, Node* after_u, Node* v, Node* after_v) {
  Load load_a, load_b;
  Time warp_a = 0, warp_b = 0;
  const double cost_a = figures_after(m_ru, u, v, after_v, load_a, warp_a);
  const double cost_b = figures_after(m_rv, v, u, after_u, load_b, warp_b);
  return cost_a + penalty(m_ru, load_a, warp_a) + cost_b + penalty(m_rv, load_b, warp_b) -
         m_ru->cost - m_ru->penalty - m_rv->cost - m_rv->penalty;
}

bool LocalSearch::swap_star() {
  struct Candidate {
    double cost = 1e30;
    Node* u = nullptr;
    Node* after_u = nullptr;  // U goes after it, in route V
    Node* v = nullptr;
    Node* after_v = nullptr;  // V goes after it, in route U
  } best;
  preprocess_insertions(m_ru, m_rv);
  preprocess_insertions(m_rv, m_ru);
  const double pen_load = m_penalties.load;
  const Load& cap_u = m_model->vehicle(m_ru->index).capacity;
  const Load& cap_v = m_model->vehicle(m_rv->index).capacity;
  const double base_u = pen_load * m_model->excess(m_ru->load, cap_u);
  const double base_v = pen_load * m_model->excess(m_rv->load, cap_v);
  auto load_delta_u = [&](const Load& l) { return pen_load * m_model->excess(l, cap_u) - base_u; };
  auto load_delta_v = [&](const Load& l) { return pen_load * m_model->excess(l, cap_v) - base_v; };

  for (Node* u = m_ru->start->next; !u->depot; u = u->next) {
    const Load& a = m_model->client(u->client).amount;
    for (Node* v = m_rv->start->next; !v->depot; v = v->next) {
      const Load& b = m_model->client(v->client).amount;
      const double pu = load_delta_u(m_ru->load + b - a);
      const double pv = load_delta_v(m_rv->load + a - b);
      if (pu + u->delta_removal + pv + v->delta_removal > 0) continue;
      Candidate cand{0, u, nullptr, v, nullptr};
      const double extra_v = cheapest_insert_removing(u, v, cand.after_u);
      const double extra_u = cheapest_insert_removing(v, u, cand.after_v);
      cand.cost = pu + u->delta_removal + extra_u + pv + v->delta_removal + extra_v;
      if (cand.cost < best.cost) best = cand;
    }
  }
  const std::size_t n = m_clients.size();
  for (Node* u = m_ru->start->next; !u->depot; u = u->next) {
    const ThreeBest& ins = m_best_insert[m_rv->index * n + u->client];
    const Load& a = m_model->client(u->client).amount;
    const double cost = u->delta_removal + ins.cost[0] + load_delta_u(m_ru->load - a) +
                        load_delta_v(m_rv->load + a);
    if (cost < best.cost) best = Candidate{cost, u, ins.at[0], nullptr, nullptr};
  }
  for (Node* v = m_rv->start->next; !v->depot; v = v->next) {
    const ThreeBest& ins = m_best_insert[m_ru->index * n + v->client];
    const Load& b = m_model->client(v->client).amount;
    const double cost = v->delta_removal + ins.cost[0] + load_delta_u(m_ru->load + b) +
                        load_delta_v(m_rv->load - b);
    if (cost < best.cost) best = Candidate{cost, nullptr, nullptr, v, ins.at[0]};
  }
  if (best.cost > -kEps) return false;
  if (m_tw && exact_delta(best.u, best.after_u, best.v, best.after_v) > -kEps) return false;
  if (best.u) insert_after(best.u, best.after_u);
  if (best.v) insert_after(best.v, best.after_v);
  applied(m_ru, m_rv);
  return true;
}

}  // namespace waybill::planner::detail
