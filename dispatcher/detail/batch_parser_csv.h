// Reading a batch file's lines: libcsv splits a line into fields, and a line cut between two
// pieces of the file is carried to the next. Included only by the batch parser's .cpp files.
#pragma once

#include <csv.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace waybill::dispatcher::detail {

/// libcsv's parser and the fields of the current line, reused from line to line so that a line
/// costs no allocation once the buffers have grown. libcsv trims spaces and tabs around
/// unquoted fields and outside quotes, and keeps them inside quotes.
///
/// One per thread (see line_scratch()): BatchParser's header has no member for it. Not
/// re-entrant: has_node must not feed a BatchParser on the same thread.
class CsvLine {
 public:
  enum class Result { ok, unterminated_quote, unexpected_quote, text_after_quote };

  CsvLine();
  ~CsvLine();
  CsvLine(const CsvLine&) = delete;
  CsvLine& operator=(const CsvLine&) = delete;

  Result split(std::string_view line);

  std::size_t size() const { return m_spans.size(); }
  std::string_view field(std::size_t i) const {
    return std::string_view(m_text).substr(m_spans[i].first, m_spans[i].second);
  }

 private:
  static void on_field(void* data, std::size_t len, void* self);

  /// After a strict-mode error libcsv keeps its state; csv_fini() without CSV_STRICT_FINI and
  /// without callbacks discards the unfinished row.
  void reset();

  csv_parser m_parser{};
  std::string m_text;                                        ///< every field, concatenated
  std::vector<std::pair<std::size_t, std::size_t>> m_spans;  ///< offset, length in m_text
};

/// This thread's CsvLine.
CsvLine& line_scratch();

/// The checks every line gets, the header too: a reason, or nullptr when the line splits into
/// fields (then in `csv`).
const char* split_line(std::string_view text, bool too_long, CsvLine& csv);

/// Appends a piece of an unfinished line to `pending`. Keeps at most kMaxLineBytes + 1 bytes
/// (the one extra byte may be the '\r' of a CRLF line of exactly kMaxLineBytes); beyond that the
/// line is marked too long and only its first kMaxRawBytes are kept, for RejectRow::raw.
void carry(std::string& pending, bool& too_long, std::string_view piece);

}  // namespace waybill::dispatcher::detail
