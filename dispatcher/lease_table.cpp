#include "dispatcher/lease_table.h"

#include <algorithm>

namespace waybill::dispatcher {

void LeaseTable::add_batch(std::int64_t batch_id, std::int64_t graph_id, std::uint64_t jobs,
                           std::uint32_t chunk_size, const std::vector<std::uint32_t>& done,
                           std::int32_t priority, bool complete) {
  Batch b;
  b.graph_id = graph_id;
  b.priority = priority;
  b.jobs = jobs;
  b.chunk_size = chunk_size;
  b.complete = complete;
  b.chunks.resize(complete ? (jobs + chunk_size - 1) / chunk_size : jobs / chunk_size);
  for (std::uint32_t c : done) {
    if (c < b.chunks.size()) b.chunks[c].state = State::done;
  }
  for (std::uint32_t c = 0; c < b.chunks.size(); ++c) {
    if (b.chunks[c].state == State::pending) {
      b.queue.push_back(c);
      ++b.remaining;
    }
  }
  m_batches[batch_id] = std::move(b);
}

bool LeaseTable::grow_batch(std::int64_t batch_id, std::uint64_t jobs, bool complete) {
  const auto it = m_batches.find(batch_id);
  if (it == m_batches.end()) return false;
  Batch& b = it->second;
  if (b.complete) return false;
  b.jobs = std::max(b.jobs, jobs);
  b.complete = complete;
  const std::size_t chunks = complete ? (b.jobs + b.chunk_size - 1) / b.chunk_size
                                      : b.jobs / b.chunk_size;
  for (auto c = static_cast<std::uint32_t>(b.chunks.size()); c < chunks; ++c) {
    b.chunks.emplace_back();
    b.queue.push_back(c);
    ++b.remaining;
  }
  return complete && b.remaining == 0;
}

bool LeaseTable::receiving(std::int64_t batch_id) const {
  const auto it = m_batches.find(batch_id);
  return it != m_batches.end() && !it->second.complete;
}

LeaseTable::Chunk* LeaseTable::find(const ChunkRef& ref) {
  const auto it = m_batches.find(ref.batch_id);
  if (it == m_batches.end() || ref.chunk >= it->second.chunks.size()) return nullptr;
  return &it->second.chunks[ref.chunk];
}

bool LeaseTable::has_pending(Batch& b) {
  while (!b.queue.empty() && b.chunks[b.queue.front()].state != State::pending) {
    b.queue.pop_front();  // a stale entry: the chunk was leased through a later one
  }
  return !b.queue.empty();
}

std::optional<Grant> LeaseTable::lease(const std::string& worker, std::int64_t graph_id,
                                       Clock::time_point now, Clock::duration ttl) {
  // The batches in turn, starting after the one leased from last; the first of the highest
  // priority with a pending chunk on this graph gives the next chunk.
  Batch* best = nullptr;
  std::int64_t best_id = 0;
  auto consider = [&](std::int64_t id, Batch& b) {
    if (b.graph_id != graph_id || (best && b.priority <= best->priority) || !has_pending(b)) return;
    best = &b;
    best_id = id;
  };
  const auto after = m_batches.upper_bound(m_turn);
  for (auto it = after; it != m_batches.end(); ++it) consider(it->first, it->second);
  for (auto it = m_batches.begin(); it != after; ++it) consider(it->first, it->second);
  if (!best) return std::nullopt;
  const std::uint32_t chunk = best->queue.front();
  best->queue.pop_front();
  m_turn = best_id;
  Chunk& c = best->chunks[chunk];
  c.state = State::leased;
  c.lease_id = m_next_lease++;
  c.worker = worker;
  c.deadline = now + ttl;
  return grant_of({best_id, chunk}, c);
}

std::optional<std::int64_t> LeaseTable::wanted_graph() {
  const Batch* best = nullptr;
  for (auto& [id, b] : m_batches) {  // oldest first: the first of the highest priority wins
    if ((!best || b.priority > best->priority) && has_pending(b)) best = &b;
  }
  if (!best) return std::nullopt;
  return best->graph_id;
}

std::size_t LeaseTable::pending() const {
  std::size_t n = 0;
  for (const auto& [id, b] : m_batches) {
    for (const std::uint32_t c : b.queue) n += b.chunks[c].state == State::pending;
  }
  return n;
}

bool LeaseTable::accept(const ChunkRef& ref) {
  Chunk* c = find(ref);
  if (c == nullptr || c->state == State::persisting || c->state == State::done) return false;
  // A pending chunk (its lease expired) or one leased to someone else: the first answer wins.
  c->state = State::persisting;
  c->worker.clear();
  return true;
}

Grant LeaseTable::grant_of(const ChunkRef& ref, const Chunk& c) const {
  const Batch& b = m_batches.at(ref.batch_id);
  const std::uint32_t first = ref.chunk * b.chunk_size;
  return Grant{c.lease_id, ref, first,
               static_cast<std::uint32_t>(std::min<std::uint64_t>(b.chunk_size, b.jobs - first))};
}

std::optional<Grant> LeaseTable::describe(const ChunkRef& ref) const {
  const auto it = m_batches.find(ref.batch_id);
  if (it == m_batches.end() || ref.chunk >= it->second.chunks.size()) return std::nullopt;
  return grant_of(ref, it->second.chunks[ref.chunk]);
}

bool LeaseTable::persisted(const ChunkRef& ref) {
  Chunk* c = find(ref);
  if (c == nullptr || c->state != State::persisting) return false;
  c->state = State::done;
  Batch& b = m_batches.at(ref.batch_id);
  return --b.remaining == 0 && b.complete;
}

void LeaseTable::make_pending(const ChunkRef& ref, Chunk& c, bool front) {
  c.state = State::pending;
  c.worker.clear();
  Batch& b = m_batches.at(ref.batch_id);
  if (front) {
    b.queue.push_front(ref.chunk);
  } else {
    b.queue.push_back(ref.chunk);
  }
}

void LeaseTable::requeue(const ChunkRef& ref) {
  Chunk* c = find(ref);
  if (c != nullptr && c->state != State::done) make_pending(ref, *c, true);
}

void LeaseTable::give_back(const ChunkRef& ref, std::uint64_t lease_id) {
  Chunk* c = find(ref);
  if (c != nullptr && c->state == State::leased && c->lease_id == lease_id) {
    make_pending(ref, *c, true);
  }
}

void LeaseTable::fail(const ChunkRef& ref, std::uint64_t lease_id, const std::string& error) {
  Chunk* c = find(ref);
  if (c == nullptr || c->state != State::leased || c->lease_id != lease_id) return;
  if (++c->failures < m_limits.max_failures) return make_pending(ref, *c, false);
  poison(ref, *c, "routing failed " + std::to_string(c->failures) +
                      " times; last error: " + error);
}

void LeaseTable::lose(const ChunkRef& ref, Chunk& c) {
  if (++c.lost < m_limits.max_lost) return make_pending(ref, c, true);
  poison(ref, c, "lost " + std::to_string(c.lost) +
                     " times with the worker routing it (the worker died, or its lease "
                     "expired)");
}

void LeaseTable::poison(const ChunkRef& ref, Chunk& c, std::string reason) {
  c.state = State::persisting;
  c.worker.clear();
  m_poisoned.push_back(Poisoned{grant_of(ref, c), std::move(reason)});
}

std::size_t LeaseTable::release_worker(const std::string& worker) {
  std::size_t n = 0;
  for (auto& [id, b] : m_batches) {
    for (std::uint32_t i = 0; i < b.chunks.size(); ++i) {
      Chunk& c = b.chunks[i];
      if (c.state == State::leased && c.worker == worker) {
        lose({id, i}, c);
        ++n;
      }
    }
  }
  return n;
}

std::size_t LeaseTable::expire(Clock::time_point now) {
  std::size_t n = 0;
  for (auto& [id, b] : m_batches) {
    for (std::uint32_t i = 0; i < b.chunks.size(); ++i) {
      Chunk& c = b.chunks[i];
      if (c.state == State::leased && c.deadline < now) {
        lose({id, i}, c);
        ++n;
      }
    }
  }
  return n;
}

std::uint32_t LeaseTable::leased_to(const std::string& worker) const {
  std::uint32_t n = 0;
  for (const auto& [id, b] : m_batches) {
    for (const Chunk& c : b.chunks) n += c.state == State::leased && c.worker == worker;
  }
  return n;
}

void LeaseTable::drop_batch(std::int64_t batch_id) { m_batches.erase(batch_id); }

LeaseTable::Summary LeaseTable::summary() const {
  Summary s;
  for (const auto& [id, batch] : m_batches) {
    bool started = false;
    for (const Chunk& c : batch.chunks) {
      if (c.state != State::pending || c.failures > 0 || c.lost > 0) started = true;
      if (c.state == State::leased) ++s.chunks_leased;
    }
    ++(started ? s.batches_routing : s.batches_queued);
  }
  return s;
}

}  // namespace waybill::dispatcher
