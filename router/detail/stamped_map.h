// A Boost property map over a per-node array that "clears" in O(1): each slot carries the stamp
// of the query that wrote it, and a slot with an old stamp reads as the default. This lets one
// scratch buffer serve query after query without touching all of the graph each time.
#pragma once

#include <boost/property_map/property_map.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "router/types.h"

namespace waybill::router::detail {

template <class T>
class StampedArray {
 public:
  StampedArray(std::size_t size, T default_value)
      : m_values(size), m_stamps(size, 0), m_default(default_value) {}

  /// Makes every slot read as the default again.
  void clear() {
    if (++m_stamp == 0) {  // wrapped: old stamps could match again
      std::fill(m_stamps.begin(), m_stamps.end(), 0);
      m_stamp = 1;
    }
  }
  bool written(NodeIndex v) const { return m_stamps[v] == m_stamp; }
  T get(NodeIndex v) const { return written(v) ? m_values[v] : m_default; }
  void put(NodeIndex v, T value) {
    m_stamps[v] = m_stamp;
    m_values[v] = value;
  }

 private:
  std::vector<T> m_values;
  std::vector<std::uint32_t> m_stamps;
  std::uint32_t m_stamp = 1;
  T m_default;
};

/// The read/write property map view of a StampedArray, as the BGL algorithms take it.
template <class T>
struct StampedMap {
  using key_type = NodeIndex;
  using value_type = T;
  using reference = T;
  using category = boost::read_write_property_map_tag;

  StampedArray<T>* array;

  friend T get(const StampedMap& m, NodeIndex v) { return m.array->get(v); }
  friend void put(const StampedMap& m, NodeIndex v, T value) { m.array->put(v, value); }
};

}  // namespace waybill::router::detail
