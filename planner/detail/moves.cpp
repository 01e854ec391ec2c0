// Relocate and swap moves of the local search (HGS moves 1 to 6). Each computes the change of
// travel cost first and rejects at once when even zero penalties after the move could not pay
// for it; only then the loads and time-window segments of the new routes. Between routes those
// come from prefix and suffix data in O(1); inside one route with time windows, the stretch
// between the two positions is walked.
#include "planner/detail/local_search.h"

namespace waybill::planner::detail {
namespace {
constexpr double kEps = 1e-5;
}

// Relocate U after V.
bool LocalSearch::move1() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y, *pu = u->prev;
  if (u == y) return false;
  double delta = c(pu, x) - c(pu, u) - c(u, x) + c(v, u) + c(u, y) - c(v, y);
  if (m_ru != m_rv) {
    if (delta >= m_ru->penalty + m_rv->penalty) return false;
    const Load& a = m_model->client(u->client).amount;
    Time wu = 0, wv = 0;
    if (m_tw) {
      wu = join(pu->fwd, x->bwd).time_warp;
      wv = join(join(v->fwd, u->self), y->bwd).time_warp;
    }
    delta += penalty_delta(m_ru->load - a, wu, m_rv->load + a, wv);
  } else if (m_tw) {
    if (delta >= m_penalties.time_warp * static_cast<double>(m_ru->time_warp)) return false;
    const TwSeg seg = u->position < v->position
                          ? join(join(join(pu->fwd, range(x, v)), u->self), y->bwd)
                          : join(join(join(v->fwd, u->self), range(y, pu)), x->bwd);
    delta += warp_delta(seg);
  }
  if (delta > -kEps) return false;
  insert_after(u, v);
  applied(m_ru, m_rv);
  return true;
}

// Relocate (U, X) after V.
bool LocalSearch::move2() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y, *pu = u->prev;
  if (u == y || v == x || x->depot) return false;
  Node* xx = x->next;
  double delta = c(pu, xx) - c(pu, u) - c(x, xx) + c(v, u) + c(x, y) - c(v, y);
  if (m_ru != m_rv) {
    if (delta >= m_ru->penalty + m_rv->penalty) return false;
    const Load a = m_model->client(u->client).amount + m_model->client(x->client).amount;
    Time wu = 0, wv = 0;
    if (m_tw) {
      wu = join(pu->fwd, xx->bwd).time_warp;
      wv = join(join(join(v->fwd, u->self), x->self), y->bwd).time_warp;
    }
    delta += penalty_delta(m_ru->load - a, wu, m_rv->load + a, wv);
  } else if (m_tw) {
    if (delta >= m_penalties.time_warp * static_cast<double>(m_ru->time_warp)) return false;
    const TwSeg seg =
        u->position < v->position
            ? join(join(join(join(pu->fwd, range(xx, v)), u->self), x->self), y->bwd)
            : join(join(join(join(v->fwd, u->self), x->self), range(y, pu)), xx->bwd);
    delta += warp_delta(seg);
  }
  if (delta > -kEps) return false;
  insert_after(u, v);
  insert_after(x, u);
  applied(m_ru, m_rv);
  return true;
}

// Relocate (U, X) after V as (X, U).
bool LocalSearch::move3() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y, *pu = u->prev;
  if (u == y || x == v || x->depot) return false;
  Node* xx = x->next;
  double delta = c(pu, xx) - c(pu, u) - c(u, x) - c(x, xx) + c(v, x) + c(x, u) + c(u, y) - c(v, y);
  if (m_ru != m_rv) {
    if (delta >= m_ru->penalty + m_rv->penalty) return false;
    const Load a = m_model->client(u->client).amount + m_model->client(x->client).amount;
    Time wu = 0, wv = 0;
    if (m_tw) {
      wu = join(pu->fwd, xx->bwd).time_warp;
      wv = join(join(join(v->fwd, x->self), u->self), y->bwd).time_warp;
    }
    delta += penalty_delta(m_ru->load - a, wu, m_rv->load + a, wv);
  } else if (m_tw) {
    if (delta >= m_penalties.time_warp * static_cast<double>(m_ru->time_warp)) return false;
    const TwSeg seg =
        u->position < v->position
            ? join(join(join(join(pu->fwd, range(xx, v)), x->self), u->self), y->bwd)
            : join(join(join(join(v->fwd, x->self), u->self), range(y, pu)), xx->bwd);
    delta += warp_delta(seg);
  }
  if (delta > -kEps) return false;
  insert_after(x, v);
  insert_after(u, x);
  applied(m_ru, m_rv);
  return true;
}

// Swap U and V.
bool LocalSearch::move4() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y, *pu = u->prev, *pv = v->prev;
  if (v->depot || u == pv || u == y) return false;
  double delta = c(pu, v) + c(v, x) - c(pu, u) - c(u, x) + c(pv, u) + c(u, y) - c(pv, v) - c(v, y);
  if (m_ru != m_rv) {
    if (delta >= m_ru->penalty + m_rv->penalty) return false;
    const Load& a = m_model->client(u->client).amount;
    const Load& b = m_model->client(v->client).amount;
    Time wu = 0, wv = 0;
    if (m_tw) {
      wu = join(join(pu->fwd, v->self), x->bwd).time_warp;
      wv = join(join(pv->fwd, u->self), y->bwd).time_warp;
    }
    delta += penalty_delta(m_ru->load - a + b, wu, m_rv->load + a - b, wv);
  } else if (m_tw) {
    if (delta >= m_penalties.time_warp * static_cast<double>(m_ru->time_warp)) return false;
    const TwSeg seg =
        u->position < v->position
            ? join(join(join(join(pu->fwd, v->self), range(x, pv)), u->self), y->bwd)
            : join(join(join(join(pv->fwd, u->self), range(y, pu)), v->self), x->bwd);
    delta += warp_delta(seg);
  }
  if (delta > -kEps) return false;
  swap_nodes(u, v);
  applied(m_ru, m_rv);
  return true;
}

// Swap (U, X) and V.
bool LocalSearch::move5() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y, *pu = u->prev, *pv = v->prev;
  if (v->depot || x->depot || u == pv || x == pv || u == y) return false;
  Node* xx = x->next;
  double delta =
      c(pu, v) + c(v, xx) - c(pu, u) - c(x, xx) + c(pv, u) + c(x, y) - c(pv, v) - c(v, y);
  if (m_ru != m_rv) {
    if (delta >= m_ru->penalty + m_rv->penalty) return false;
    const Load a = m_model->client(u->client).amount + m_model->client(x->client).amount;
    const Load& b = m_model->client(v->client).amount;
    Time wu = 0, wv = 0;
    if (m_tw) {
      wu = join(join(pu->fwd, v->self), xx->bwd).time_warp;
      wv = join(join(join(pv->fwd, u->self), x->self), y->bwd).time_warp;
    }
    delta += penalty_delta(m_ru->load - a + b, wu, m_rv->load + a - b, wv);
  } else if (m_tw) {
    if (delta >= m_penalties.time_warp * static_cast<double>(m_ru->time_warp)) return false;
    const TwSeg seg =
        u->position < v->position
            ? join(join(join(join(join(pu->fwd, v->self), range(xx, pv)), u->self), x->self),
                   y->bwd)
            : join(join(join(join(join(pv->fwd, u->self), x->self), range(y, pu)), v->self),
                   xx->bwd);
    delta += warp_delta(seg);
  }
  if (delta > -kEps) return false;
  swap_nodes(u, v);
  insert_after(x, u);
  applied(m_ru, m_rv);
  return true;
}

// Swap (U, X) and (V, Y).
bool LocalSearch::move6() {
  Node *u = m_u, *x = m_x, *v = m_v, *y = m_y, *pu = u->prev, *pv = v->prev;
  if (v->depot || x->depot || y->depot || y == pu || u == y || x == v || v == x->next) {
    return false;
  }
  Node *xx = x->next, *yy = y->next;
  double delta =
      c(pu, v) + c(y, xx) - c(pu, u) - c(x, xx) + c(pv, u) + c(x, yy) - c(pv, v) - c(y, yy);
  if (m_ru != m_rv) {
    if (delta >= m_ru->penalty + m_rv->penalty) return false;
    const Load a = m_model->client(u->client).amount + m_model->client(x->client).amount;
    const Load b = m_model->client(v->client).amount + m_model->client(y->client).amount;
    Time wu = 0, wv = 0;
    if (m_tw) {
      wu = join(join(join(pu->fwd, v->self), y->self), xx->bwd).time_warp;
      wv = join(join(join(pv->fwd, u->self), x->self), yy->bwd).time_warp;
    }
    delta += penalty_delta(m_ru->load - a + b, wu, m_rv->load + a - b, wv);
  } else if (m_tw) {
    if (delta >= m_penalties.time_warp * static_cast<double>(m_ru->time_warp)) return false;
    const TwSeg seg =
        u->position < v->position
            ? join(join(join(join(join(join(pu->fwd, v->self), y->self), range(xx, pv)), u->self),
                        x->self),
                   yy->bwd)
            : join(join(join(join(join(join(pv->fwd, u->self), x->self), range(yy, pu)), v->self),
                        y->self),
                   xx->bwd);
    delta += warp_delta(seg);
  }
  if (delta > -kEps) return false;
  swap_nodes(u, v);
  swap_nodes(x, y);
  applied(m_ru, m_rv);
  return true;
}

}  // namespace waybill::planner::detail
