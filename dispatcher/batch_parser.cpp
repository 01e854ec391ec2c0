// The batch parser: the header decides the columns and the form, each line after it becomes a job
// or a reject. Its field rules are in batch_parser_fields.cpp, line splitting and carrying in
// batch_parser_csv.cpp, the depot statistics in batch_parser_depots.cpp.
#include "dispatcher/batch_parser.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/iso8601.h"
#include "dispatcher/detail/batch_parser_csv.h"
#include "dispatcher/detail/batch_parser_depots.h"
#include "dispatcher/detail/batch_parser_fields.h"

namespace waybill::dispatcher {
namespace {

using detail::carry;
using detail::CsvLine;
using detail::line_scratch;
using detail::parse_degrees;
using detail::parse_integer;
using detail::parse_weight;
using detail::point_key;
using detail::quoted;
using detail::safe_raw;
using detail::split_line;

// ---- columns --------------------------------------------------------------------------------

enum Column : int {
  kOrderId,
  kOrigin,
  kDestination,
  kWeightKg,
  kDueAt,
  kPriority,
  kOriginLat,
  kOriginLon,
  kDestLat,
  kDestLon,
  kReadyAt,
  kServiceS,
  kColumnCount
};

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "order_id", "origin",     "destination", "weight_kg", "due_at",
    "priority", "origin_lat", "origin_lon",  "dest_lat",  "dest_lon", "ready_at", "service_s"};
// The columns each form needs; the header decides the form: any coordinate column makes it the
// coordinate form.
constexpr std::array<Column, 3> kNodeForm = {kOrderId, kOrigin, kDestination};
constexpr std::array<Column, 5> kCoordinateForm = {kOrderId, kOriginLat, kOriginLon, kDestLat,
                                                   kDestLon};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

BatchHeader read_batch_header(std::string_view text, bool too_long) {
  BatchHeader header;
  // A UTF-8 byte order mark (spreadsheet exports) is dropped.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvLine& csv = line_scratch();
  if (const char* problem = split_line(text, too_long, csv)) {
    header.problem = std::string("bad header: ") + problem;
    return header;
  }
  // Every line of a file with a bad header carries this reason: name the first few problems,
  // count the rest.
  constexpr std::size_t kMaxListed = 5;
  std::string problems;
  std::size_t listed = 0;
  std::size_t unlisted = 0;
  const auto add = [&](std::string problem) {
    if (listed == kMaxListed) {
      ++unlisted;
      return;
    }
    problems += problems.empty() ? "bad header: " : "; ";
    problems += problem;
    ++listed;
  };
  std::array<bool, kColumnCount> seen{};
  for (std::size_t i = 0; i < csv.size(); ++i) {
    const std::string_view name = trim(csv.field(i));
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
    const auto it = std::find(kColumnNames.begin(), kColumnNames.end(), lower);
    if (it == kColumnNames.end()) {
      add("unknown column " + quoted(name));
      header.columns.push_back(-1);
      continue;
    }
    const int kind = static_cast<int>(it - kColumnNames.begin());
    if (seen[kind]) add("duplicate column " + quoted(name));
    seen[kind] = true;
    header.columns.push_back(kind);
  }
  header.coordinate_form =
      seen[kOriginLat] || seen[kOriginLon] || seen[kDestLat] || seen[kDestLon];
  if (header.coordinate_form && (seen[kOrigin] || seen[kDestination])) {
    add("node columns (origin, destination) and coordinate columns (origin_lat, ...) "
        "together: a file is in one form");
  }
  for (const Column kind : header.coordinate_form ? std::span<const Column>(kCoordinateForm)
                                                  : std::span<const Column>(kNodeForm)) {
    if (!seen[kind]) add("missing column " + quoted(kColumnNames[kind]));
  }
  if (unlisted > 0) problems += "; and " + std::to_string(unlisted) + " more";
  header.problem = std::move(problems);
  return header;
}

BatchParser::BatchParser(std::function<bool(std::int64_t)> has_node, std::uint64_t max_jobs)
    : m_has_node(std::move(has_node)), m_max_jobs(std::min(max_jobs, kMaxJobs)) {
  assert(m_has_node);
}

void BatchParser::feed(std::string_view bytes, std::vector<JobRow>& jobs,
                       std::vector<RejectRow>& rejects) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const void* newline = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
    if (newline == nullptr) {
      carry(m_pending, m_pending_too_long, bytes.substr(pos));
      return;
    }
    const std::size_t end = static_cast<const char*>(newline) - bytes.data();
    if (m_pending.empty() && !m_pending_too_long) {
      line(bytes.substr(pos, end - pos), jobs, rejects);  // the common case: no copy
    } else {
      carry(m_pending, m_pending_too_long, bytes.substr(pos, end - pos));
      line(m_pending, jobs, rejects);
      m_pending.clear();
    }
    pos = end + 1;
  }
}

void BatchParser::resume_after(std::uint64_t line, std::uint64_t accepted,
                               std::uint64_t rejected) {
  m_resume = Resume{line, accepted, rejected};
}

void BatchParser::remember_order_id(std::string_view order_id) {
  const std::uint64_t id_hash = std::hash<std::string_view>{}(order_id);
  m_order_ids[id_hash >> 56].insert(id_hash);
}

void BatchParser::finish(std::vector<JobRow>& jobs, std::vector<RejectRow>& rejects) {
  if (!m_pending.empty() || m_pending_too_long) {
    line(m_pending, jobs, rejects);
    m_pending.clear();
  }
  close_stretch();
}

void BatchParser::line(std::string_view text, std::vector<JobRow>& jobs,
                       std::vector<RejectRow>& rejects) {
  ++m_line;
  // When too long, `text` is the first kMaxRawBytes of the line only: keep it as it is.
  const bool too_long = std::exchange(m_pending_too_long, false);
  if (!too_long && !text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (!too_long && text.empty()) return;  // blank lines are skipped, but counted

  const auto reject = [&](std::string reason) {
    rejects.push_back(RejectRow{m_line, safe_raw(text, too_long), std::move(reason)});
    ++m_rejected;
  };
  CsvLine& csv = line_scratch();

  if (!m_header_done) {  // the first non-blank line is the header
    m_header_done = true;
    m_header = read_batch_header(text, too_long);
    if (m_resume) {
      m_line = m_resume->line;
      m_accepted = m_resume->accepted;
      m_rejected = m_resume->rejected;
    }
    return;
  }

  if (!m_header.problem.empty()) return reject(m_header.problem);
  if (const char* problem = split_line(text, too_long, csv)) return reject(problem);
  if (csv.size() != m_header.columns.size()) {
    return reject("wrong column count: expected " + std::to_string(m_header.columns.size()) +
                  ", got " + std::to_string(csv.size()));
  }
  std::array<std::string_view, kColumnCount> field{};
  for (std::size_t i = 0; i < csv.size(); ++i) field[m_header.columns[i]] = csv.field(i);

  JobRow job;
  if (field[kOrderId].empty()) return reject("empty order_id");
  std::int64_t origin_key = 0;
  if (m_header.coordinate_form) {
    // Whether a point is near a road is the worker's to say (status unsnappable): the line
    // is accepted when its coordinates are coordinates.
    wire::JobPoints points;
    if (auto bad = parse_degrees("origin_lat", field[kOriginLat], 90, points.origin.lat)) {
      return reject(*bad);
    }
    if (auto bad = parse_degrees("origin_lon", field[kOriginLon], 180, points.origin.lon)) {
      return reject(*bad);
    }
    if (auto bad = parse_degrees("dest_lat", field[kDestLat], 90, points.destination.lat)) {
      return reject(*bad);
    }
    if (auto bad = parse_degrees("dest_lon", field[kDestLon], 180, points.destination.lon)) {
      return reject(*bad);
    }
    origin_key = point_key(points.origin);
    job.points = points;
  } else {
    if (auto bad = parse_integer("origin", field[kOrigin], job.origin)) return reject(*bad);
    if (auto bad = parse_integer("destination", field[kDestination], job.destination)) {
      return reject(*bad);
    }
    if (!m_has_node(job.origin)) {
      return reject("unknown origin node " + std::to_string(job.origin));
    }
    if (!m_has_node(job.destination)) {
      return reject("unknown destination node " + std::to_string(job.destination));
    }
    origin_key = job.origin;
  }
  if (!field[kWeightKg].empty()) {
    job.weight_kg = parse_weight(field[kWeightKg]);
    if (!job.weight_kg) {
      return reject("bad weight_kg: not a finite non-negative number: " + quoted(field[kWeightKg]));
    }
  }
  if (!field[kDueAt].empty()) {
    if (!valid_iso8601(field[kDueAt])) {
      return reject("bad due_at: not an ISO 8601 timestamp: " + quoted(field[kDueAt]));
    }
    job.due_at = std::string(field[kDueAt]);
  }
  if (!field[kReadyAt].empty()) {
    if (!valid_iso8601(field[kReadyAt])) {
      return reject("bad ready_at: not an ISO 8601 timestamp: " + quoted(field[kReadyAt]));
    }
    job.ready_at = std::string(field[kReadyAt]);
  }
  if (!field[kServiceS].empty()) {
    std::int32_t service = 0;
    if (auto bad = parse_integer("service_s", field[kServiceS], service)) return reject(*bad);
    if (service < 0) return reject("bad service_s: negative: " + quoted(field[kServiceS]));
    job.service_s = service;
  }
  if (!field[kPriority].empty()) {
    std::int32_t priority = 0;
    if (auto bad = parse_integer("priority", field[kPriority], priority)) return reject(*bad);
    job.priority = priority;
  }
  if (m_accepted >= m_max_jobs) {
    return reject("batch full: at most " + std::to_string(m_max_jobs) +
                  " jobs in one batch (split the file)");
  }
  // Last, so that only a line that passes every other check claims its order id. A 64-bit hash
  // stands for the id; a false duplicate needs a collision, about 3e-8 for a million ids.
  const std::uint64_t id_hash = std::hash<std::string_view>{}(field[kOrderId]);  // as remember_order_id
  if (!m_order_ids[id_hash >> 56].insert(id_hash).second) {
    return reject("duplicate order_id " + quoted(field[kOrderId]));
  }
  job.seq = static_cast<std::uint32_t>(m_accepted);
  job.line = m_line;
  job.order_id = std::string(field[kOrderId]);
  ++m_stretch_origins[origin_key];
  jobs.push_back(std::move(job));
  if (++m_accepted % kStretchJobs == 0) close_stretch();
}

}  // namespace waybill::dispatcher
