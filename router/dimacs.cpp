#include "router/dimacs.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "router/geo.h"

namespace waybill::router {
namespace {

// Arc costs above this are refused, so that a path sum cannot overflow a Cost.
constexpr Cost kMaxArcCost = Cost{1} << 40;

/// Reads a plain or gzip file line by line (zlib reads both), naming the file and the line
/// number in every error.
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path) : m_path(path.string()) {
    m_file = gzopen(m_path.c_str(), "rb");
    if (m_file == nullptr) {
      throw LoadError(m_path + ": cannot open: " + std::strerror(errno));
    }
    gzbuffer(m_file, 1 << 18);
    m_buffer.resize(1 << 18);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader() { gzclose(m_file); }

  /// The next line without its newline, or false at the end of the file.
  bool next(std::string_view& line) {
    for (;;) {
      const char* begin = m_buffer.data() + m_pos;
      const char* newline =
          static_cast<const char*>(std::memchr(begin, '\n', m_end - m_pos));
      if (newline != nullptr) {
        line = std::string_view(begin, static_cast<std::size_t>(newline - begin));
        m_pos = static_cast<std::size_t>(newline - m_buffer.data()) + 1;
        ++m_line;
        return true;
      }
      if (m_eof) {
        if (m_pos == m_end) return false;
        line = std::string_view(begin, m_end - m_pos);  // last line without a newline
        m_pos = m_end;
        ++m_line;
        return true;
      }
      refill();
    }
  }

  std::size_t line_number() const { return m_line; }

  [[noreturn]] void fail(std::string_view what) const {
    throw LoadError(m_path + ":" + std::to_string(m_line) + ": " + std::string(what));
  }

 private:
  void refill() {
    // Keep the unfinished line, grow when one line does not fit.
    const std::size_t rest = m_end - m_pos;
    if (m_pos == 0 && m_end == m_buffer.size()) {
      if (m_buffer.size() >= kMaxLine) fail("line longer than 1 MiB");
      m_buffer.resize(m_buffer.size() * 2);
    } else {
      std::memmove(m_buffer.data(), m_buffer.data() + m_pos, rest);
    }
    m_pos = 0;
    m_end = rest;
    const int got = gzread(m_file, m_buffer.data() + m_end,
                           static_cast<unsigned>(m_buffer.size() - m_end));
    int code = Z_OK;
    const char* message = gzerror(m_file, &code);
    if (got < 0 || (code != Z_OK && code != Z_STREAM_END)) {
      throw LoadError(m_path + ":" + std::to_string(m_line + 1) + ": read error: " + message);
    }
    if (got == 0) m_eof = true;
    m_end += static_cast<std::size_t>(got);
  }

  static constexpr std::size_t kMaxLine = 1 << 20;
  std::string m_path;
  gzFile m_file = nullptr;
  std::vector<char> m_buffer;
  std::size_t m_pos = 0;
  std::size_t m_end = 0;
  std::size_t m_line = 0;
  bool m_eof = false;
};

/// Splits a line into whitespace-separated fields; returns their count, or max + 1 when there
/// are more than `max`.
std::size_t split(std::string_view line, std::string_view* fields, std::size_t max) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (n == max) return max + 1;
    fields[n++] = line.substr(i, j - i);
    i = j;
  }
  return n;
}

template <class Int>
Int parse_int(const LineReader& in, std::string_view field, const char* what) {
  Int value{};
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec == std::errc::result_out_of_range) {
    in.fail(std::string(what) + " '" + std::string(field) + "' is out of range");
  }
  if (ec != std::errc() || end != field.data() + field.size()) {
    in.fail(std::string(what) + " '" + std::string(field) + "' is not an integer");
  }
  return value;
}

NodeId parse_node(const LineReader& in, std::string_view field, const char* what,
                  std::int64_t num_nodes) {
  const auto id = parse_int<std::int64_t>(in, field, what);
  if (id < 1 || id > num_nodes) {
    in.fail(std::string(what) + " " + std::to_string(id) + " is outside 1.." +
            std::to_string(num_nodes));
  }
  return NodeId{id};
}

bool skippable(std::string_view line) {
  return line.empty() || line[0] == 'c' || line.find_first_not_of(" \t\r") == line.npos;
}

/// The next line of `in` that is not a comment or blank, split into `fields` (`n` as split()
/// counts them, up to `max`); false at the end of the file.
bool next_record(LineReader& in, std::string_view* fields, std::size_t max, std::size_t& n) {
  std::string_view line;
  while (in.next(line)) {
    if (skippable(line)) continue;
    n = split(line, fields, max);
    return true;
  }
  return false;
}

std::vector<Coordinate> load_coordinates(const std::filesystem::path& co, std::int64_t num_nodes) {
  LineReader in(co);
  std::vector<Coordinate> coords;
  std::vector<bool> seen;
  std::int64_t count = 0;
  bool have_problem = false;
  std::string_view f[6];
  for (std::size_t n = 0; next_record(in, f, 5, n);) {
    if (f[0] == "p") {
      if (have_problem) in.fail("second 'p' line");
      if (n != 5 || f[1] != "aux" || f[2] != "sp" || f[3] != "co") {
        in.fail("expected 'p aux sp co NODES'");
      }
      const auto nodes = parse_int<std::int64_t>(in, f[4], "node count");
      if (nodes != num_nodes) {
        in.fail("node count " + std::to_string(nodes) + " differs from the graph's " +
                std::to_string(num_nodes));
      }
      have_problem = true;
      coords.resize(static_cast<std::size_t>(num_nodes));
      seen.resize(static_cast<std::size_t>(num_nodes));
    } else if (f[0] == "v") {
      if (!have_problem) in.fail("'v' line before the 'p' line");
      if (n != 4) in.fail("expected 'v ID LONGITUDE LATITUDE'");
      const auto id = parse_node(in, f[1], "node", num_nodes);
      const auto index = static_cast<std::size_t>(to_int(id) - 1);
      if (seen[index]) in.fail("node " + std::to_string(to_int(id)) + " appears twice");
      seen[index] = true;
      coords[index] = {parse_int<std::int32_t>(in, f[2], "longitude"),
                       parse_int<std::int32_t>(in, f[3], "latitude")};
      ++count;
    } else {
      in.fail("unknown line type '" + std::string(f[0]) + "'");
    }
  }
  if (!have_problem) in.fail("no 'p aux sp co NODES' line");
  if (count != num_nodes) {
    in.fail("has coordinates for " + std::to_string(count) + " of " + std::to_string(num_nodes) +
            " nodes");
  }
  return coords;
}

/// The great-circle length of the straight arc tail -> head, rounded to the millimetre; ids
/// are 1..n, as parse_node() checked.
std::int64_t straight_length_mm(const std::vector<Coordinate>& coords, NodeId tail, NodeId head) {
  const Coordinate a = coords[static_cast<std::size_t>(to_int(tail) - 1)];
  const Coordinate b = coords[static_cast<std::size_t>(to_int(head) - 1)];
  return std::llround(1000 * haversine_m(a.lon_e6 / 1e6, a.lat_e6 / 1e6, b.lon_e6 / 1e6,
                                         b.lat_e6 / 1e6));
}

}  // namespace

RoadGraph load_dimacs(const std::filesystem::path& gr, const std::filesystem::path& co,
                      BuildReport* report) {
  LineReader in(gr);
  std::int64_t num_nodes = -1;
  std::int64_t num_arcs = 0;
  std::vector<Arc> arcs;
  std::string_view f[5];
  for (std::size_t n = 0; next_record(in, f, 4, n);) {
    if (f[0] == "a") {
      if (num_nodes < 0) in.fail("'a' line before the 'p' line");
      if (n != 4) in.fail("expected 'a TAIL HEAD WEIGHT'");
      const NodeId tail = parse_node(in, f[1], "arc tail", num_nodes);
      const NodeId head = parse_node(in, f[2], "arc head", num_nodes);
      const auto cost = parse_int<Cost>(in, f[3], "arc weight");
      if (cost < 0) in.fail("arc weight " + std::to_string(cost) + " is negative");
      if (cost > kMaxArcCost) in.fail("arc weight " + std::to_string(cost) + " is too large");
      if (static_cast<std::int64_t>(arcs.size()) == num_arcs) {
        in.fail("more arcs than the " + std::to_string(num_arcs) + " the 'p' line announced");
      }
      arcs.push_back({tail, head, cost});
    } else if (f[0] == "p") {
      if (num_nodes >= 0) in.fail("second 'p' line");
      if (n != 4 || f[1] != "sp") in.fail("expected 'p sp NODES ARCS'");
      num_nodes = parse_int<std::int64_t>(in, f[2], "node count");
      num_arcs = parse_int<std::int64_t>(in, f[3], "arc count");
      // 2^28 nodes is ten times the whole USA graph; a larger count is a corrupt file, and
      // must end as a LoadError rather than an allocation that kills the process.
      if (num_nodes < 0 || num_nodes > std::int64_t{1} << 28 || num_arcs < 0 ||
          num_arcs > std::int64_t{1} << 32) {
        in.fail("node or arc count out of range");
      }
      // Trust the count only so far: a corrupt one must end as a LoadError, not a bad_alloc.
      arcs.reserve(static_cast<std::size_t>(std::min<std::int64_t>(num_arcs, 1 << 24)));
    } else {
      in.fail("unknown line type '" + std::string(f[0]) + "'");
    }
  }
  if (num_nodes < 0) in.fail("no 'p sp NODES ARCS' line");
  if (static_cast<std::int64_t>(arcs.size()) != num_arcs) {
    in.fail("has " + std::to_string(arcs.size()) + " arcs, the 'p' line announced " +
            std::to_string(num_arcs));
  }
  std::vector<Coordinate> coords;
  if (!co.empty()) {
    coords = load_coordinates(co, num_nodes);
    for (Arc& a : arcs) a.length_mm = straight_length_mm(coords, a.tail, a.head);
  }
  std::vector<NodeId> ids(static_cast<std::size_t>(num_nodes));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = NodeId{static_cast<std::int64_t>(i + 1)};
  return RoadGraph::build(std::move(ids), std::move(arcs), std::move(coords), report);
}

}  // namespace waybill::router
