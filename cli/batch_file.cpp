#include "cli/batch_file.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "cli/content_reader.h"
#include "common/sha256.h"
#include "common/utf8.h"
#include "dispatcher/batch_parser.h"

namespace waybill::cli {
namespace fs = std::filesystem;
using dispatcher::BatchParser;

namespace {

constexpr std::size_t kPiece = 1 << 20;

/// The start of a file's content, read on demand, and a cursor over its lines.
class Head {
 public:
  explicit Head(const fs::path& file) : m_reader(file), m_lines(m_reader) {}

  /// The next line (without its line end, nor the '\r' of a CRLF) into `text`; false at the end.
  /// A line longer than BatchParser::kMaxLineBytes (and its '\r') comes cut, with `too_long`.
  bool next_line(std::string_view& text, bool& too_long) {
    if (!m_peeked && !m_lines.next(m_line_text, BatchParser::kMaxLineBytes + 1, &m_too_long)) {
      return false;
    }
    m_peeked = false;
    ++m_line;
    too_long = m_too_long;
    text = m_line_text;
    if (too_long) {
      text = text.substr(0, BatchParser::kMaxRawBytes);
    } else if (text.ends_with('\r')) {
      text.remove_suffix(1);
    }
    return true;
  }

  /// Whether a line follows that the parser does not skip as blank ("" or "\r"), reading at
  /// most kMaxLineBytes of it.
  bool another_line() {
    for (;; m_peeked = false) {
      if (!m_peeked && !m_lines.next(m_line_text, BatchParser::kMaxLineBytes + 1, &m_too_long)) {
        return false;
      }
      m_peeked = true;
      if (m_too_long || (!m_line_text.empty() && m_line_text != "\r")) return true;
    }
  }

  std::uint64_t line() const { return m_line; }
  /// No content at all (not even a blank line).
  bool empty() {
    if (m_peeked || m_line > 0) return false;
    m_peeked = m_lines.next(m_line_text, BatchParser::kMaxLineBytes + 1, &m_too_long);
    return !m_peeked && m_lines.consumed() == 0;
  }
  Compression compression() const { return m_reader.compression(); }

 private:
  ContentReader m_reader;
  LineReader m_lines;
  std::string m_line_text;
  bool m_too_long = false;
  bool m_peeked = false;  // m_line_text holds the next line already
  std::uint64_t m_line = 0;
};

/// What to do about a header that is not one, when the header itself suggests it.
std::string header_hint(std::string_view header, const dispatcher::BatchHeader& read) {
  if (header.find(',') == std::string_view::npos) {
    if (header.find(';') != std::string_view::npos) {
      return " (its fields are separated by ';'; a batch file's by ',')";
    }
    if (header.find('\t') != std::string_view::npos) {
      return " (its fields are separated by tabs; a batch file's by ',')";
    }
  }
  if (read.columns.empty()) return "";  // not even split into fields
  for (const int column : read.columns) {
    if (column >= 0) return "";
  }
  return " (the first line must name the columns, e.g. order_id,origin,destination or "
         "order_id,origin_lat,origin_lon,dest_lat,dest_lon)";
}


}  // namespace

std::optional<std::string> batch_file_problem(const fs::path& file) {
  Head head(file);
  const std::string content = head.compression() == Compression::gzip   ? "its gzip content "
                              : head.compression() == Compression::zstd ? "its zstd content "
                                                                        : "it ";
  if (head.empty()) return content + "is empty";
  std::string_view header;
  bool too_long = false;
  do {
    if (!head.next_line(header, too_long)) return content + "holds only blank lines";
  } while (header.empty() && !too_long);
  const std::string where = "line " + std::to_string(head.line()) + ": ";
  if (header.starts_with("\xFF\xFE") || header.starts_with("\xFE\xFF")) {
    return content + "is UTF-16 text: a batch file is UTF-8";
  }
  if (header.find('\0') != std::string_view::npos) {
    return content + "is binary data, not CSV text (" + where + "a NUL byte)";
  }
  if (!valid_utf8(header)) return content + "is binary data, not CSV text (" + where + "not UTF-8)";
  const dispatcher::BatchHeader read = dispatcher::read_batch_header(header, too_long);
  if (!read.problem.empty()) return where + read.problem + header_hint(header, read);
  if (!head.another_line()) return content + "holds a header and no jobs";
  return std::nullopt;
}

namespace {

/// Hashes the content up to `limit` bytes (past its first kHeadBytes, the head's hash is kept).
ContentDigest hash_content(const fs::path& file, std::uint64_t limit) {
  ContentReader reader(file);
  Sha256 digest;
  ContentDigest d;
  std::string piece(kPiece, '\0');
  while (reader.position() < limit) {
    const std::uint64_t to_head = kHeadBytes - std::min(kHeadBytes, reader.position());
    const std::size_t want = to_head > 0 ? std::min<std::uint64_t>(to_head, kPiece) : kPiece;
    const std::size_t got = reader.read(piece.data(), want);
    if (got == 0) break;
    digest.update(piece.data(), got);
    if (reader.position() == kHeadBytes) d.head_hex = digest.hex_so_far();
  }
  d.bytes = reader.position();
  const bool whole = reader.position() < kHeadBytes || reader.read(piece.data(), 1) == 0;
  if (reader.position() < kHeadBytes) d.head_hex = digest.hex_so_far();
  if (whole || limit > kHeadBytes) d.sha256_hex = digest.hex();
  return d;
}

}  // namespace

ContentDigest content_digest(const fs::path& file) {
  return hash_content(file, std::numeric_limits<std::uint64_t>::max());
}

ContentDigest content_head(const fs::path& file) { return hash_content(file, kHeadBytes); }

std::vector<RejectExample> reject_examples(const fs::path& file, std::size_t max,
                                           std::uint64_t max_lines) {
  ContentReader reader(file);
  BatchParser parser([](std::int64_t) { return true; });  // whether a node exists: not known here
  std::vector<dispatcher::JobRow> jobs;
  std::vector<dispatcher::RejectRow> rejects;
  std::string piece(kPiece, '\0');
  while (rejects.size() < max && parser.lines() < max_lines) {
    const std::size_t got = reader.read(piece.data(), piece.size());
    if (got == 0) {
      parser.finish(jobs, rejects);
      break;
    }
    parser.feed(std::string_view(piece.data(), got), jobs, rejects);
    jobs.clear();
  }
  std::vector<RejectExample> examples;
  for (auto& r : rejects) {
    if (examples.size() == max || r.line > max_lines) break;
    examples.push_back({r.line, std::move(r.reason)});
  }
  return examples;
}

}  // namespace waybill::cli
