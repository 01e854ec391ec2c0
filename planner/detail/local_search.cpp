#include "planner/detail/local_search.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

namespace waybill::planner::detail {

LocalSearch::LocalSearch(const Model& model)
    : m_model(&model),
      m_tw(model.has_time_windows()),
      m_reversal_moves(!model.has_time_windows() && model.single_depot()),
      m_clients(model.clients()),
      m_starts(model.vehicles()),
      m_ends(model.vehicles()),
      m_routes(model.vehicles()) {
  for (int i = 0; i < model.clients(); ++i) {
    Node& n = m_clients[i];
    n.client = i;
    n.loc = model.client(i).loc;
    n.self = model.client_tw(i);
    m_neighbours.push_back(model.neighbours(i));
  }
  for (int v = 0; v < model.vehicles(); ++v) {
    Route& r = m_routes[v];
    r.index = v;
    r.start = &m_starts[v];
    r.end = &m_ends[v];
    for (Node* d : {r.start, r.end}) {
      d->depot = true;
      d->route = &r;
    }
    r.start->loc = model.vehicle(v).start;
    r.end->loc = model.vehicle(v).end;
    r.start->self = model.start_tw(v);
    r.end->self = model.end_tw(v);
  }
  m_order_nodes.resize(model.clients());
  std::iota(m_order_nodes.begin(), m_order_nodes.end(), 0);
  m_order_routes.resize(model.vehicles());
  std::iota(m_order_routes.begin(), m_order_routes.end(), 0);
  if (model.has_points()) {
    m_best_insert.resize(static_cast<std::size_t>(model.vehicles()) * model.clients());
  }
}

void LocalSearch::run(Individual& ind, const Penalties& penalties, Rng& rng) {
  m_penalties = penalties;
  load(ind);
  rng.shuffle(m_order_nodes);
  rng.shuffle(m_order_routes);
  // Each list is shuffled now and then: O(granularity x n) work overall, as in HGS.
  for (auto& list : m_neighbours) {
    if (rng.below(20) == 0) rng.shuffle(list);
  }
  m_done = false;
  for (m_loop = 0; !m_done; ++m_loop) {
    // The first loop never tries empty routes: a loop that found nothing ends the search only
    // from the second loop on, once empty routes have been tried too.
    m_done = m_loop > 0;
    for (int u : m_order_nodes) {
      Node* nu = &m_clients[u];
      const int last_tested = nu->last_tested;
      nu->last_tested = m_moves;
      for (int v : m_neighbours[u]) {
        Node* nv = &m_clients[v];
        if (m_loop > 0 && std::max(nu->route->last_modified, nv->route->last_modified) <= last_tested) {
          continue;
        }
        set_u(nu);
        set_v(nv);
        if (move1() || move2() || move3()) continue;
        if (m_u->client <= m_v->client && move4()) continue;
        if (move5()) continue;
        if (m_u->client <= m_v->client && move6()) continue;
        if (m_ru == m_rv && move7()) continue;
        if (m_ru != m_rv && (move8() || move9())) continue;
        if (nv->prev->depot) {  // U right after the depot
          set_v(nv->prev);
          if (move1() || move2() || move3()) continue;
          if (m_ru != m_rv && (move8() || move9())) continue;
        }
      }
      // Moves into an empty route, from the second loop on (not to grow the fleet at once);
      // one empty route of each vehicle type.
      if (m_loop > 0 && !m_empty_routes.empty()) {
        int tried_types[4];
        int tried = 0;
        for (int r : m_empty_routes) {
          const int type = m_model->vehicle(r).type;
          if (std::find(tried_types, tried_types + tried, type) != tried_types + tried) continue;
          tried_types[tried++] = type;
          set_u(nu);
          set_v(m_routes[r].start);
          if (move1() || move2() || move3() || move9()) break;
          if (tried == 4) break;
        }
      }
    }
    if (m_model->has_points()) {
      for (int a : m_order_routes) {
        Route* ra = &m_routes[a];
        const int last_tested = ra->last_tested_swap_star;
        ra->last_tested_swap_star = m_moves;
        for (int b : m_order_routes) {
          Route* rb = &m_routes[b];
          if (ra->size == 0 || rb->size == 0 || ra->index >= rb->index) continue;
          if (m_loop > 0 && std::max(ra->last_modified, rb->last_modified) <= last_tested) continue;
          if (!CircleSector::overlap(ra->sector, rb->sector)) continue;
          m_ru = ra;
          m_rv = rb;
          swap_star();
        }
      }
    }
  }
  store(ind);
}

void LocalSearch::load(const Individual& ind) {
  m_empty_routes.clear();
  m_moves = 0;
  for (Route& r : m_routes) {
    Node* prev = r.start;
    for (int c : ind.routes[r.index]) {
      Node* n = &m_clients[c];
      n->route = &r;
      n->prev = prev;
      prev->next = n;
      prev = n;
    }
    prev->next = r.end;
    r.end->prev = prev;
    r.end->next = r.start;  // as in HGS: the ends close a circle
    r.start->prev = r.end;
    update_route(&r);
    r.last_tested_swap_star = -1;
  }
  for (ThreeBest& b : m_best_insert) b.when = -1;
  for (Node& n : m_clients) n.last_tested = -1;
}

void LocalSearch::store(Individual& ind) {
  std::vector<std::pair<double, int>> order;
  for (const Route& r : m_routes) {
    order.emplace_back(r.size == 0 ? 1e30 : (m_model->has_points() ? r.angle : r.index), r.index);
  }
  std::sort(order.begin(), order.end());
  std::vector<int> vehicles;
  for (Route& r : m_routes) {
    std::vector<int>& route = ind.routes[r.index];
    route.clear();
    for (Node* n = r.start->next; !n->depot; n = n->next) route.push_back(n->client);
  }
  for (const auto& [angle, v] : order) vehicles.push_back(v);
  ind.giant_from_routes(vehicles);
  ind.evaluate(*m_model, m_penalties);
}

void LocalSearch::update_route(Route* r) {
  Node* n = r->start;
  int position = 0;
  Load load;
  double cost = 0, reversal = 0, sx = 0, sy = 0;
  n->position = 0;
  n->cum_load = load;
  n->cum_cost = 0;
  n->cum_reversal = 0;
  n->fwd = n->self;
  bool first = true;
  while (n != r->end) {
    Node* next = n->next;
    next->position = ++position;
    cost += c(n, next);
    reversal += c(next, n) - c(n, next);
    next->cum_cost = cost;
    next->cum_reversal = reversal;
    if (!next->depot) {
      const Client& client = m_model->client(next->client);
      load += client.amount;
      sx += client.x;
      sy += client.y;
      if (first) r->sector = CircleSector{client.angle, client.angle};
      else r->sector.extend(client.angle);
      first = false;
    }
    next->cum_load = load;
    if (m_tw) next->fwd = join(n->fwd, next->self);
    n = next;
  }
  if (m_tw) {
    r->end->bwd = r->end->self;
    for (Node* m = r->end->prev;; m = m->prev) {
      m->bwd = join(m->self, m->next->bwd);
      if (m == r->start) break;
    }
  }
  r->size = position - 1;
  r->load = load;
  r->cost = cost;
  r->reversal = reversal;
  r->time_warp = m_tw ? r->end->fwd.time_warp : 0;
  r->penalty = penalty(r, load, r->time_warp);
  r->last_modified = m_moves;
  if (r->size == 0) {
    r->angle = 1e30;
    m_empty_routes.insert(r->index);
  } else {
    r->angle = std::atan2(sy / r->size - m_model->centre_y(), sx / r->size - m_model->centre_x());
    m_empty_routes.erase(r->index);
  }
}

void LocalSearch::set_u(Node* u) {
  m_u = u;
  m_x = u->next;
  m_ru = u->route;
}

void LocalSearch::set_v(Node* v) {
  m_v = v;
  m_y = v->next;
  m_rv = v->route;
}

void LocalSearch::applied(Route* a, Route* b) {
  ++m_moves;
  m_done = false;
  update_route(a);
  if (b != a) update_route(b);
}

void LocalSearch::insert_after(Node* u, Node* v) {
  u->prev->next = u->next;
  u->next->prev = u->prev;
  v->next->prev = u;
  u->prev = v;
  u->next = v->next;
  v->next = u;
  u->route = v->route;
}

void LocalSearch::swap_nodes(Node* u, Node* v) {
  Node* vp = v->prev;
  Node* vn = v->next;
  Node* up = u->prev;
  Node* un = u->next;
  Route* ru = u->route;
  Route* rv = v->route;
  up->next = v;
  un->prev = v;
  vp->next = u;
  vn->prev = u;
  u->prev = vp;
  u->next = vn;
  v->prev = up;
  v->next = un;
  u->route = rv;
  v->route = ru;
}

void LocalSearch::relink(Route* r, const std::vector<Node*>& clients) {
  Node* prev = r->start;
  for (Node* n : clients) {
    prev->next = n;
    n->prev = prev;
    n->route = r;
    prev = n;
  }
  prev->next = r->end;
  r->end->prev = prev;
}

TwSeg LocalSearch::range(const Node* from, const Node* to) const {
  TwSeg seg = from->self;
  for (const Node* n = from; n != to;) {
    n = n->next;
    seg = join(seg, n->self);
  }
  return seg;
}

}  // namespace waybill::planner::detail
