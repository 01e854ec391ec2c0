// A whole run of BatchParser over a batch file fed in pieces: the rows and the counts it ends
// with. Shared by batch_parser_test.cpp and tests/fuzz/batch_parser_fuzz.cpp, on the same graph.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "dispatcher/batch_parser.h"

namespace waybill::dispatcher::testing {

/// The graph of the parser's tests: node ids 1..kNodes.
constexpr std::int64_t kNodes = 1000;
inline bool has_node(std::int64_t id) { return id >= 1 && id <= kNodes; }

struct ParsedBatch {
  std::vector<JobRow> jobs;
  std::vector<RejectRow> rejects;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t lines = 0;
};

/// Feeds `pieces` in order to a new parser on the graph of has_node(), then finishes.
inline ParsedBatch parse_pieces(const std::vector<std::string_view>& pieces) {
  BatchParser parser(has_node);
  ParsedBatch out;
  for (const std::string_view piece : pieces) parser.feed(piece, out.jobs, out.rejects);
  parser.finish(out.jobs, out.rejects);
  out.accepted = parser.accepted();
  out.rejected = parser.rejected();
  out.lines = parser.lines();
  return out;
}

}  // namespace waybill::dispatcher::testing
