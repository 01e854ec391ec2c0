// Reading a batch file's lines (see detail/batch_parser_csv.h).
#include "dispatcher/detail/batch_parser_csv.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "common/utf8.h"
#include "dispatcher/batch_parser.h"

namespace waybill::dispatcher::detail {
namespace {

constexpr unsigned char kCsvOptions = CSV_STRICT | CSV_STRICT_FINI;

int no_terminator(unsigned char) { return 0; }

}  // namespace

// ---- CSV ------------------------------------------------------------------------------------

CsvLine::CsvLine() {
  csv_init(&m_parser, kCsvOptions);  // fails only on a null pointer
  // Grow the field buffer in big steps: libcsv's default of 128 bytes would mean thousands of
  // reallocs for a long field.
  csv_set_blk_size(&m_parser, 64 * 1024);
}

CsvLine::~CsvLine() { csv_free(&m_parser); }

CsvLine::Result CsvLine::split(std::string_view line) {
  m_text.clear();
  m_spans.clear();
  // Lines are split already and csv_fini() ends each one, so no byte may end a row: a '\r'
  // inside a line is data. libcsv's default ends a row at '\r' (or '\n', absent here), and
  // its term function costs a call per byte (+50% time), so it is set for such lines only.
  csv_set_term_func(&m_parser,
                    std::memchr(line.data(), '\r', line.size()) ? no_terminator : nullptr);
  const std::size_t used = csv_parse(&m_parser, line.data(), line.size(), on_field, nullptr, this);
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

void CsvLine::on_field(void* data, std::size_t len, void* self) {
  auto& line = *static_cast<CsvLine*>(self);
  line.m_spans.emplace_back(line.m_text.size(), len);
  if (len != 0) line.m_text.append(static_cast<const char*>(data), len);
}

void CsvLine::reset() {
  csv_set_opts(&m_parser, CSV_STRICT);
  csv_fini(&m_parser, nullptr, nullptr, nullptr);
  csv_set_opts(&m_parser, kCsvOptions);
}

CsvLine& line_scratch() {
  thread_local CsvLine scratch;
  return scratch;
}

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

// ---- carried lines --------------------------------------------------------------------------

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

}  // namespace waybill::dispatcher::detail
