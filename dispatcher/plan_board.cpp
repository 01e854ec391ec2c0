#include "dispatcher/plan_board.h"

#include <algorithm>

namespace waybill::dispatcher {

void PlanBoard::add(PlanPart part) {
  const PlanPartKey key = part.key;
  Entry entry;
  entry.part = std::move(part);
  if (!m_parts.emplace(key, std::move(entry)).second) return;
  m_queue.push_back(key);
}

std::optional<std::pair<std::uint64_t, const PlanPart*>> PlanBoard::lease(
    const std::string& peer, Clock::time_point now, Clock::duration grace) {
  while (!m_queue.empty()) {
    const PlanPartKey key = m_queue.front();
    m_queue.pop_front();
    const auto it = m_parts.find(key);
    if (it == m_parts.end() || it->second.leased) continue;  // closed, or queued twice
    Entry& e = it->second;
    e.leased = true;
    e.lease_id = m_next_lease++;
    e.peer = peer;
    e.deadline = now + grace +
                 std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(e.part.time_limit_s));
    return std::make_pair(e.lease_id, &e.part);
  }
  return std::nullopt;
}

const PlanPart* PlanBoard::find(const PlanPartKey& key) const {
  const auto it = m_parts.find(key);
  return it == m_parts.end() ? nullptr : &it->second.part;
}

bool PlanBoard::accept(const PlanPartKey& key) { return m_parts.erase(key) > 0; }

void PlanBoard::requeue(Entry& e) {
  e.leased = false;
  e.peer.clear();
  m_queue.push_back(e.part.key);
}

bool PlanBoard::fail(const PlanPartKey& key, std::uint64_t lease_id) {
  const auto it = m_parts.find(key);
  if (it == m_parts.end() || !it->second.leased || it->second.lease_id != lease_id) return false;
  if (++it->second.failures >= m_max_attempts) return true;
  requeue(it->second);
  return false;
}

std::size_t PlanBoard::release_worker(const std::string& peer) {
  std::size_t released = 0;
  for (auto& [key, e] : m_parts) {
    if (e.leased && e.peer == peer) {
      requeue(e);
      ++released;
    }
  }
  return released;
}

std::size_t PlanBoard::expire(Clock::time_point now) {
  std::size_t expired = 0;
  for (auto& [key, e] : m_parts) {
    if (e.leased && now >= e.deadline) {
      requeue(e);
      ++expired;
    }
  }
  return expired;
}

std::size_t PlanBoard::held_by(const std::string& peer) const {
  return static_cast<std::size_t>(std::count_if(m_parts.begin(), m_parts.end(), [&](const auto& p) {
    return p.second.leased && p.second.peer == peer;
  }));
}

std::size_t PlanBoard::open_parts(std::int64_t plan_id) const {
  return static_cast<std::size_t>(std::count_if(m_parts.begin(), m_parts.end(), [&](const auto& p) {
    return p.first.plan_id == plan_id;
  }));
}

std::size_t PlanBoard::leased_parts(std::int64_t plan_id) const {
  return static_cast<std::size_t>(std::count_if(m_parts.begin(), m_parts.end(), [&](const auto& p) {
    return p.first.plan_id == plan_id && p.second.leased;
  }));
}

}  // namespace waybill::dispatcher
