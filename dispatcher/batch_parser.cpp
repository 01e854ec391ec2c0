#include "dispatcher/batch_parser.h"

#include <boost/algorithm/hex.hpp>
#include <csv.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "common/iso8601.h"
#include "common/utf8.h"

namespace waybill::dispatcher {
namespace {

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
  kColumnCount
};

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "order_id", "origin",     "destination", "weight_kg", "due_at",
    "priority", "origin_lat", "origin_lon",  "dest_lat",  "dest_lon"};
// The columns each form needs; the header decides the form: any coordinate column makes it the
// coordinate form.
constexpr std::array<Column, 3> kNodeForm = {kOrderId, kOrigin, kDestination};
constexpr std::array<Column, 5> kCoordinateForm = {kOrderId, kOriginLat, kOriginLon, kDestLat,
                                                   kDestLon};

// ---- rejected lines -------------------------------------------------------------------------

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/// The first kMaxRawBytes bytes of a rejected line, made safe for a PostgreSQL text column:
/// a NUL byte becomes the two characters "\0" and each byte of an ill-formed UTF-8 sequence
/// becomes the four characters "\xNN" (upper-case hex), so the operator still sees the byte
/// values (U+FFFD would hide them). When the line is cut (`truncated`: it was cut before it got
/// here), a character that the cut splits is dropped rather than escaped. The result is at most
/// 4 * kMaxRawBytes bytes.
std::string safe_raw(std::string_view line, bool truncated) {
  std::size_t cut = std::min(line.size(), BatchParser::kMaxRawBytes);
  if (truncated || cut < line.size()) {
    std::size_t lead = cut;
    for (int back = 0; back < 3 && lead > 0 && is_continuation(line[lead - 1]); ++back) --lead;
    if (lead > 0) {
      --lead;
      const auto c = static_cast<unsigned char>(line[lead]);
      const std::size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (need > cut - lead) cut = lead;
    }
  }
  const auto* p = reinterpret_cast<const unsigned char*>(line.data());
  std::string out;
  out.reserve(cut);
  for (std::size_t i = 0; i < cut;) {
    if (p[i] == 0) {
      out += "\\0";
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(std::string_view(line.data() + i, cut - i));
    if (len == 0) {
      out += "\\x";
      boost::algorithm::hex(line.begin() + i, line.begin() + i + 1, std::back_inserter(out));
      ++i;
      continue;
    }
    out.append(line.data() + i, len);
    i += len;
  }
  return out;
}

/// A field value quoted in a reason: at most 40 bytes (cut at a character boundary; the line is
/// valid UTF-8 by then), then "..." when it was longer.
std::string quoted(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  if (value.size() <= kMax) {
    out += value;
  } else {
    std::size_t cut = kMax;
    while (cut > 0 && is_continuation(value[cut])) --cut;
    out += value.substr(0, cut);
    out += "...";
  }
  out += '\'';
  return out;
}

// ---- field values ---------------------------------------------------------------------------

/// Parses a whole field as an integer; a reason ("bad origin: ...") when it is not one.
template <typename Int>
std::optional<std::string> parse_integer(std::string_view name, std::string_view text, Int& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    return "bad " + std::string(name) + ": out of range: " + quoted(text);
  }
  if (ec != std::errc() || ptr != end || text.empty()) {
    return "bad " + std::string(name) + ": not an integer: " + quoted(text);
  }
  return std::nullopt;
}

/// A finite, non-negative decimal number (std::from_chars: no leading '+', no hex).
std::optional<double> parse_weight(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) return std::nullopt;
  return value == 0 ? 0.0 : value;  // "-0" is stored as 0
}

/// A latitude (limit 90) or longitude (limit 180) in degrees; a reason when it is not one.
std::optional<std::string> parse_degrees(std::string_view name, std::string_view text,
                                         double limit, double& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || ptr != end || text.empty() || !std::isfinite(out)) {
    return "bad " + std::string(name) + ": not a number: " + quoted(text);
  }
  if (out < -limit || out > limit) {
    return "bad " + std::string(name) + ": out of range: " + quoted(text) + " (-" +
           std::to_string(static_cast<int>(limit)) + ".." + std::to_string(static_cast<int>(limit)) +
           ")";
  }
  out = from_degrees_e7(degrees_e7(out));  // what the jobs table keeps; "-0" becomes 0
  return std::nullopt;
}

/// A coordinate as one 64-bit key (microdegrees, latitude high), to count a depot's jobs.
std::int64_t point_key(const wire::LatLon& p) {
  const auto lat = static_cast<std::int64_t>(std::lround(p.lat * 1e6));
  const auto lon = static_cast<std::uint32_t>(static_cast<std::int32_t>(std::lround(p.lon * 1e6)));
  return lat * (std::int64_t{1} << 32) + lon;
}

wire::LatLon point_of(std::int64_t key) {
  const auto lon = static_cast<std::int32_t>(static_cast<std::uint32_t>(key & 0xFFFFFFFF));
  const std::int64_t lat = (key - static_cast<std::uint32_t>(lon)) / (std::int64_t{1} << 32);
  return {static_cast<double>(lat) / 1e6, static_cast<double>(lon) / 1e6};
}

// ---- CSV ------------------------------------------------------------------------------------

constexpr unsigned char kCsvOptions = CSV_STRICT | CSV_STRICT_FINI;

int no_terminator(unsigned char) { return 0; }

/// libcsv's parser and the fields of the current line, reused from line to line so that a line
/// costs no allocation once the buffers have grown. libcsv trims spaces and tabs around
/// unquoted fields and outside quotes, and keeps them inside quotes.
///
/// One per thread (see line_scratch()): BatchParser's header has no member for it. Not
/// re-entrant: has_node must not feed a BatchParser on the same thread.
class CsvLine {
 public:
  enum class Result { ok, unterminated_quote, unexpected_quote, text_after_quote };

  CsvLine() {
    csv_init(&m_parser, kCsvOptions);  // fails only on a null pointer
    // Grow the field buffer in big steps: libcsv's default of 128 bytes would mean thousands of
    // reallocs for a long field.
    csv_set_blk_size(&m_parser, 64 * 1024);
  }
  ~CsvLine() { csv_free(&m_parser); }
  CsvLine(const CsvLine&) = delete;
  CsvLine& operator=(const CsvLine&) = delete;

  Result split(std::string_view line) {
    m_text.clear();
    m_spans.clear();
    // Lines are split already and csv_fini() ends each one, so no byte may end a row: a '\r'
    // inside a line is data. libcsv's default ends a row at '\r' (or '\n', absent here), and
    // its term function costs a call per byte (+50% time), so it is set for such lines only.
    csv_set_term_func(&m_parser,
                      std::memchr(line.data(), '\r', line.size()) ? no_terminator : nullptr);
    const std::size_t used =
        csv_parse(&m_parser, line.data(), line.size(), on_field, nullptr, this);
    if (used != line.size()) {
      if (csv_error(&m_parser) != CSV_EPARSE) throw std::bad_alloc();  // ENOMEM or ETOOBIG
      reset();
      return line[used] == '"' ? Result::unexpected_quote : Result::text_after_quote;
    }
    if (csv_fini(&m_parser, on_field, nullptr, this) != 0) {
      reset();
      return Result::unterminated_quote;
    }
    return Result::ok;
  }

  std::size_t size() const { return m_spans.size(); }
  std::string_view field(std::size_t i) const {
    return std::string_view(m_text).substr(m_spans[i].first, m_spans[i].second);
  }

 private:
  static void on_field(void* data, std::size_t len, void* self) {
    auto& line = *static_cast<CsvLine*>(self);
    line.m_spans.emplace_back(line.m_text.size(), len);
    if (len != 0) line.m_text.append(static_cast<const char*>(data), len);
  }

  /// After a strict-mode error libcsv keeps its state; csv_fini() without CSV_STRICT_FINI and
  /// without callbacks discards the unfinished row.
  void reset() {
    csv_set_opts(&m_parser, CSV_STRICT);
    csv_fini(&m_parser, nullptr, nullptr, nullptr);
    csv_set_opts(&m_parser, kCsvOptions);
  }

  csv_parser m_parser{};
  std::string m_text;                                        ///< every field, concatenated
  std::vector<std::pair<std::size_t, std::size_t>> m_spans;  ///< offset, length in m_text
};

CsvLine& line_scratch() {
  thread_local CsvLine scratch;
  return scratch;
}

/// The checks every line gets, the header too: a reason, or nullptr when the line splits into
/// fields (then in `csv`).
const char* split_line(std::string_view text, bool too_long, CsvLine& csv) {
  static_assert(BatchParser::kMaxLineBytes == 1048576, "the reason below names the limit");
  if (too_long || text.size() > BatchParser::kMaxLineBytes) {
    return "line longer than 1048576 bytes";
  }
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return "NUL byte in line";
  if (!valid_utf8(text)) return "invalid UTF-8";
  switch (csv.split(text)) {
    case CsvLine::Result::ok:
      return nullptr;
    case CsvLine::Result::unterminated_quote:
      return "bad CSV: unterminated quote";
    case CsvLine::Result::unexpected_quote:
      return "bad CSV: unexpected quote";
    case CsvLine::Result::text_after_quote:
      return "bad CSV: text after closing quote";
  }
  return "bad CSV";
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

/// Appends a piece of an unfinished line to `pending`. Keeps at most kMaxLineBytes + 1 bytes
/// (the one extra byte may be the '\r' of a CRLF line of exactly kMaxLineBytes); beyond that the
/// line is marked too long and only its first kMaxRawBytes are kept, for RejectRow::raw.
void carry(std::string& pending, bool& too_long, std::string_view piece) {
  if (too_long) return;
  if (pending.size() + piece.size() <= BatchParser::kMaxLineBytes + 1) {
    pending.append(piece);
    return;
  }
  too_long = true;
  if (pending.size() < BatchParser::kMaxRawBytes) {
    pending.append(piece.substr(0, BatchParser::kMaxRawBytes - pending.size()));
  }
  pending.resize(std::min(pending.size(), BatchParser::kMaxRawBytes));
}

}  // namespace

BatchParser::BatchParser(std::function<bool(std::int64_t)> has_node)
    : m_has_node(std::move(has_node)) {
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

void BatchParser::finish(std::vector<JobRow>& jobs, std::vector<RejectRow>& rejects) {
  if (!m_pending.empty() || m_pending_too_long) {
    line(m_pending, jobs, rejects);
    m_pending.clear();
  }
  close_stretch();
}

void BatchParser::close_stretch() {
  for (const auto& [origin, count] : m_stretch_origins) {
    if (count < kTreeJobs) continue;
    m_tree_jobs += count;
    if (!m_depots_known && m_depots.size() + m_depot_points.size() < kMaxDepots) {
      if (m_coordinates) {
        m_depot_points.push_back(point_of(origin));
      } else {
        m_depots.push_back(origin);
      }
    }
  }
  m_depots_known = true;
  m_stretch_origins.clear();
}

double BatchParser::lone_share() const {
  if (m_accepted == 0) return 0;
  return 1.0 - static_cast<double>(m_tree_jobs) / static_cast<double>(m_accepted);
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

  if (!m_header_done) {
    // The first non-blank line is the header. A UTF-8 byte order mark (spreadsheet exports)
    // is dropped.
    m_header_done = true;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (const char* problem = split_line(text, too_long, csv)) {
      m_header_error = std::string("bad header: ") + problem;
      return;
    }
    // Every later line carries this reason: name the first few problems, count the rest.
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
        m_columns.push_back(-1);
        continue;
      }
      const int kind = static_cast<int>(it - kColumnNames.begin());
      if (seen[kind]) add("duplicate column " + quoted(name));
      seen[kind] = true;
      m_columns.push_back(kind);
    }
    m_coordinates = seen[kOriginLat] || seen[kOriginLon] || seen[kDestLat] || seen[kDestLon];
    if (m_coordinates && (seen[kOrigin] || seen[kDestination])) {
      add("node columns (origin, destination) and coordinate columns (origin_lat, ...) "
          "together: a file is in one form");
    }
    for (const Column kind : m_coordinates ? std::span<const Column>(kCoordinateForm)
                                           : std::span<const Column>(kNodeForm)) {
      if (!seen[kind]) add("missing column " + quoted(kColumnNames[kind]));
    }
    if (unlisted > 0) problems += "; and " + std::to_string(unlisted) + " more";
    m_header_error = std::move(problems);
    return;
  }

  if (!m_header_error.empty()) return reject(m_header_error);
  if (const char* problem = split_line(text, too_long, csv)) return reject(problem);
  if (csv.size() != m_columns.size()) {
    return reject("wrong column count: expected " + std::to_string(m_columns.size()) + ", got " +
                  std::to_string(csv.size()));
  }
  std::array<std::string_view, kColumnCount> field{};
  for (std::size_t i = 0; i < csv.size(); ++i) field[m_columns[i]] = csv.field(i);

  JobRow job;
  if (field[kOrderId].empty()) return reject("empty order_id");
  std::int64_t origin_key = 0;
  if (m_coordinates) {
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
  if (!field[kPriority].empty()) {
    std::int32_t priority = 0;
    if (auto bad = parse_integer("priority", field[kPriority], priority)) return reject(*bad);
    job.priority = priority;
  }
  // Last, so that only a line that passes every other check claims its order id. A 64-bit hash
  // stands for the id; a false duplicate needs a collision, about 3e-8 for a million ids.
  const std::uint64_t id_hash = std::hash<std::string_view>{}(field[kOrderId]);
  if (!m_order_ids[id_hash >> 56].insert(id_hash).second) {
    return reject("duplicate order_id " + quoted(field[kOrderId]));
  }
  if (m_accepted > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("batch file has more than 4294967296 jobs");
  }
  job.seq = static_cast<std::uint32_t>(m_accepted);
  job.line = m_line;
  job.order_id = std::string(field[kOrderId]);
  ++m_stretch_origins[origin_key];
  jobs.push_back(std::move(job));
  if (++m_accepted % kStretchJobs == 0) close_stretch();
}

}  // namespace waybill::dispatcher
