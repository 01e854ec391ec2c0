// The education step of HGS (Vidal 2022): first-improvement local search over granular
// neighbourhoods, under penalties for load excess and time warp. Moves, for each client U and
// each V among U's closest: relocate U, (U,X) or (X,U) after V; swap U or (U,X) with V or (V,Y);
// 2-opt inside a route; 2-opt* between routes (both variants); moves into an empty route; then
// SWAP* (swap two clients between routes, each reinserted at its best place) between routes
// whose polar sectors overlap. Routes keep prefix and suffix data (load, cost, time-window
// segments) so that most moves are evaluated in O(1); moves inside one route with time windows
// walk the stretch between the two positions.
//
// One instance per thread; it owns its scratch and its copy of the neighbour lists.
#pragma once

#include <array>
#include <set>
#include <vector>

#include "planner/detail/individual.h"
#include "planner/detail/random.h"

namespace waybill::planner::detail {

/// An arc of the circle of polar angles [0, 65536), grown to cover a route's clients.
struct CircleSector {
  int start = 0;
  int end = 0;
  static int mod(int i) { return ((i % 65536) + 65536) % 65536; }
  bool encloses(int a) const { return mod(a - start) <= mod(end - start); }
  void extend(int a) {
    if (encloses(a)) return;
    if (mod(a - end) <= mod(start - a)) end = a;
    else start = a;
  }
  static bool overlap(const CircleSector& a, const CircleSector& b) {
    return mod(b.start - a.start) <= mod(a.end - a.start) ||
           mod(a.start - b.start) <= mod(b.end - b.start);
  }
};

class LocalSearch {
 public:
  explicit LocalSearch(const Model& model);

  /// Improves `ind` until no move improves it under `penalties`, then re-evaluates it.
  void run(Individual& ind, const Penalties& penalties, Rng& rng);

 private:
  struct Route;
  struct Node {
    int client = -1;  // -1: a depot
    int loc = 0;
    bool depot = false;
    int position = 0;
    int last_tested = -1;
    Node* prev = nullptr;
    Node* next = nullptr;
    Route* route = nullptr;
    Load cum_load;            // start .. this, inclusive
    double cum_cost = 0;      // start .. this
    double cum_reversal = 0;  // Σ (reverse - forward) arc costs, start .. this
    double delta_removal = 0;
    TwSeg self, fwd, bwd;     // this alone; start .. this; this .. end
  };
  struct Route {
    int index = 0;  // also the vehicle
    Node* start = nullptr;
    Node* end = nullptr;
    int size = 0;
    int last_modified = -1;
    int last_tested_swap_star = -1;
    Load load;
    double cost = 0;
    double reversal = 0;
    Time time_warp = 0;
    double penalty = 0;
    double angle = 1e30;  // of the barycentre; empty routes sort last
    CircleSector sector;
  };
  struct ThreeBest {
    int when = -1;
    std::array<double, 3> cost{};
    std::array<Node*, 3> at{};
    void reset() {
      cost.fill(1e30);
      at.fill(nullptr);
    }
    void add(double c, Node* n) {
      if (c >= cost[2]) return;
      if (c >= cost[1]) {
        cost[2] = c, at[2] = n;
      } else if (c >= cost[0]) {
        cost[2] = cost[1], at[2] = at[1], cost[1] = c, at[1] = n;
      } else {
        cost[2] = cost[1], at[2] = at[1], cost[1] = cost[0], at[1] = at[0];
        cost[0] = c, at[0] = n;
      }
    }
  };

  // local_search.cpp
  void load(const Individual& ind);
  void store(Individual& ind);
  void update_route(Route* r);
  void set_u(Node* u);
  void set_v(Node* v);
  void applied(Route* a, Route* b);
  void insert_after(Node* u, Node* v);
  void swap_nodes(Node* u, Node* v);
  void relink(Route* r, const std::vector<Node*>& clients);
  double c(const Node* a, const Node* b) const { return m_model->cost(a->loc, b->loc); }
  TwSeg join(const TwSeg& a, const TwSeg& b) const {
    return merge(a, b, m_model->time(a.last, b.first));
  }
  TwSeg range(const Node* from, const Node* to) const;  // from .. to, forward
  double penalty(const Route* r, const Load& load, Time warp) const {
    return m_penalties.load * m_model->excess(load, m_model->vehicle(r->index).capacity) +
           m_penalties.time_warp * static_cast<double>(warp);
  }
  /// Δ of the routes' penalties when route U gets `load_u`, `warp_u` and route V the others.
  double penalty_delta(const Load& load_u, Time warp_u, const Load& load_v, Time warp_v) const {
    return penalty(m_ru, load_u, warp_u) - m_ru->penalty + penalty(m_rv, load_v, warp_v) -
           m_rv->penalty;
  }
  /// Δ of route U's time-warp penalty when its whole sequence becomes `seg`.
  double warp_delta(const TwSeg& seg) const {
    return m_penalties.time_warp * static_cast<double>(seg.time_warp - m_ru->time_warp);
  }

  // moves.cpp: relocate and swap
  bool move1();
  bool move2();
  bool move3();
  bool move4();
  bool move5();
  bool move6();
  // two_opt.cpp
  bool move7();
  bool move8();
  bool move9();
  double tail_cost(const Node* from, const Node* first, const Route* into) const;
  TwSeg tail_tw(const Node* first, const Route* into) const;
  // swap_star.cpp
  bool swap_star();
  void preprocess_insertions(Route* r1, Route* r2);
  double cheapest_insert_removing(Node* u, Node* v, Node*& best);
  double exact_delta(Node* u, Node* after_u, Node* v, Node* after_v);
  double figures_after(Route* r, Node* remove, Node* insert, Node* after, Load& load,
                       Time& warp);

  const Model* m_model;
  bool m_tw = false;
  bool m_reversal_moves = false;  // move8: one depot, no time windows
  Penalties m_penalties;
  std::vector<Node> m_clients;
  std::vector<Node> m_starts, m_ends;
  std::vector<Route> m_routes;
  std::vector<std::vector<int>> m_neighbours;
  std::vector<int> m_order_nodes, m_order_routes;
  std::set<int> m_empty_routes;
  std::vector<ThreeBest> m_best_insert;  // [route * clients + client]
  std::vector<Node*> m_seq_a, m_seq_b;
  int m_moves = 0;
  int m_loop = 0;
  bool m_done = false;

  // The move under evaluation (as in HGS: U, X = U.next, V, Y = V.next).
  Node *m_u = nullptr, *m_x = nullptr, *m_v = nullptr, *m_y = nullptr;
  Route *m_ru = nullptr, *m_rv = nullptr;
};

}  // namespace waybill::planner::detail
