// Validates the lines of a batch file: CSV with a header naming its columns. Pure logic: no I/O,
// so every rule is tested directly (tests/dispatcher/batch_parser_test.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "dispatcher/rows.h"

namespace waybill::dispatcher {

/// Why a line was rejected. The text of each reason is part of the interface: operators grep
/// for it in the rejects table.
///   "wrong column count: expected N, got M"
///   "bad origin: not an integer: 'x'"     (likewise destination, priority)
///   "bad origin: out of range: '...'"
///   "unknown origin node 123"              (likewise destination)
///   "empty order_id"
///   "duplicate order_id 'J7' (first on line 9)"   (the line number may be omitted)
///   "line longer than 1048576 bytes"
///   "invalid UTF-8"
///   "NUL byte in line"
///   "bad weight_kg: ..."  (not a finite non-negative number)
///   "bad due_at: ..."     (not an ISO 8601 timestamp: common/iso8601.h)
///   "bad origin_lat: not a number: 'x'"   (likewise origin_lon, dest_lat, dest_lon)
///   "bad origin_lat: out of range: '91' (-90..90)"  (longitudes: -180..180)
///   "bad CSV: unterminated quote"
///   "batch full: at most 4294967295 jobs in one batch (split the file)"

/// A batch file's header line, read by the rules BatchParser reads it with. `waybill submit`
/// checks a file with it before sending a byte, so that client and dispatcher agree on what a
/// batch file is.
struct BatchHeader {
  std::vector<int> columns;      ///< field position -> column kind (-1: an unknown column)
  bool coordinate_form = false;  ///< it names a coordinate column (origin_lat, ...)
  /// Empty when the header names the columns of one form and no others; else "bad header: "
  /// and the first five problems ("missing column 'origin'", "unknown column 'x'", ...), the
  /// reason BatchParser rejects every line of such a file with.
  std::string problem;
};

/// Reads `line`, a header line without its line end (a UTF-8 byte order mark is skipped).
/// `too_long`: the line was longer than BatchParser::kMaxLineBytes and `line` is its start.
BatchHeader read_batch_header(std::string_view line, bool too_long = false);

struct LineVerdict {
  bool accepted = false;
  JobRow job;          ///< when accepted (seq is assigned by the parser, dense from 0)
  RejectRow reject;    ///< when rejected
};

/// Parses a batch file streamed in pieces of whole lines (the header first). One instance per
/// batch; remembers the order ids seen (as 64-bit hashes in an open-addressing set: 9 to 18 bytes a
/// job).
class BatchParser {
 public:
  static constexpr std::size_t kMaxLineBytes = 1 << 20;
  static constexpr std::size_t kMaxRawBytes = 1024;  ///< of a rejected line, kept in rejects

  /// A job's seq is 32 bits on the wire and in the dispatcher (jobs.seq is bigint): a batch holds
  /// at most 2^32 - 1 jobs, and the lines past them are rejected with "batch full: ...".
  static constexpr std::uint64_t kMaxJobs = 0xFFFF'FFFF;

  /// `has_node` answers whether the batch's graph has a node id; `max_jobs` (at most kMaxJobs)
  /// lowers the limit, for tests.
  explicit BatchParser(std::function<bool(std::int64_t)> has_node, std::uint64_t max_jobs = kMaxJobs);

  /// Feeds bytes of the file in order (any split: lines may straddle pieces). Complete lines are
  /// parsed and appended to `jobs` / `rejects`. The header line must come first and decides the
  /// form: node ids (order_id, origin, destination) or coordinates (order_id, origin_lat,
  /// origin_lon, dest_lat, dest_lon). A header that lacks a column of its form, mixes the two
  /// forms or names an unknown column makes every line a reject with reason "bad header: ...".
  void feed(std::string_view bytes, std::vector<JobRow>& jobs, std::vector<RejectRow>& rejects);
  /// A submit that resumes a batch: the file's lines up to `line` (the header is line 1) are
  /// stored already, with `accepted` jobs and `rejected` rejects. Call before feeding; then
  /// feed the header line, then the file after line `line`: numbering goes on from there.
  void resume_after(std::uint64_t line, std::uint64_t accepted, std::uint64_t rejected);
  /// An order id of the batch stored already: a line with it again is a duplicate.
  void remember_order_id(std::string_view order_id);
  /// Ends the file: parses a last line without a newline.
  void finish(std::vector<JobRow>& jobs, std::vector<RejectRow>& rejects);

  std::uint64_t accepted() const { return m_accepted; }
  std::uint64_t rejected() const { return m_rejected; }
  std::uint64_t lines() const { return m_line; }
  /// The share of the accepted jobs whose origin has fewer than kTreeJobs jobs in their stretch
  /// of kStretchJobs jobs: those a worker routes one by one (A*), not from their origin's tree.
  /// Final once the file is finished.
  double lone_share() const;

  /// The origins with kTreeJobs jobs or more in the first stretch: a batch's depots, known
  /// early (empty until that stretch is complete). At most kMaxDepots of them: node ids, or in
  /// coordinate form points (rounded to microdegrees).
  const std::vector<std::int64_t>& depots() const { return m_depots; }
  const std::vector<wire::LatLon>& depot_points() const { return m_depot_points; }
  /// The header named coordinate columns (origin_lat, origin_lon, dest_lat, dest_lon): jobs
  /// carry points, not node ids.
  bool coordinate_form() const { return m_header.coordinate_form; }
  /// Why the header makes this no batch file ("bad header: ..."); empty while it is good or not
  /// read yet.
  const std::string& header_problem() const { return m_header.problem; }
  bool header_read() const { return m_header_done; }
  /// No part of a line is carried over: every byte fed so far belongs to a parsed line.
  bool at_line_start() const { return m_pending.empty() && !m_pending_too_long; }
  bool depots_known() const { return m_depots_known; }

  static constexpr std::size_t kMaxDepots = 4096;
  static constexpr std::uint64_t kStretchJobs = 4096;  ///< the default chunk size
  static constexpr std::uint32_t kTreeJobs = 8;        ///< worker::ChunkRouter::kTreeThreshold

 private:
  void line(std::string_view text, std::vector<JobRow>& jobs, std::vector<RejectRow>& rejects);
  void close_stretch();

  std::function<bool(std::int64_t)> m_has_node;
  std::uint64_t m_max_jobs;
  BatchHeader m_header;
  bool m_header_done = false;
  std::string m_pending;  ///< an unfinished line carried to the next feed()
  bool m_pending_too_long = false;
  std::uint64_t m_line = 0;
  struct Resume {
    std::uint64_t line, accepted, rejected;
  };
  std::optional<Resume> m_resume;  ///< applied once the header is read
  std::uint64_t m_accepted = 0;
  std::uint64_t m_rejected = 0;
  // The hashes of the order ids, in 256 open-addressing sets picked by the hash's top byte: each
  // grows on its own, so growing never holds the old and the new table of the whole set at once.
  std::array<absl::flat_hash_set<std::uint64_t>, 256> m_order_ids;
  absl::flat_hash_map<std::int64_t, std::uint32_t> m_stretch_origins;  ///< jobs per origin
  std::uint64_t m_tree_jobs = 0;  ///< accepted jobs of origins with kTreeJobs in their stretch
  std::vector<std::int64_t> m_depots;
  std::vector<wire::LatLon> m_depot_points;
  bool m_depots_known = false;
};

}  // namespace waybill::dispatcher
