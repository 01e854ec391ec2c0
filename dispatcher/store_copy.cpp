// Bulk rows go in with COPY ... FROM STDIN in text format: the rows are formatted by CopyIn into
// blocks of lines (no per-field strings) and each block is one PQputCopyData call.
#include "dispatcher/detail/store_copy.h"

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace waybill::dispatcher::detail {

// ---- COPY text ------------------------------------------------------------------------------

void append_copy_text(std::string& out, std::string_view field) {
  for (const char c : field) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': throw std::invalid_argument("NUL byte in a text field");
      default: out += c;
    }
  }
}

void append_array_text(std::string& out, std::string_view element) {
  out += '"';
  for (const char c : element) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void append_millimetres(std::string& out, std::int64_t mm) {
  if (mm < 0) {
    out += '-';
    mm = -mm;
  }
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, mm / 1000);
  out.append(digits, end);
  const auto rest = static_cast<int>(mm % 1000);
  out += '.';
  out += static_cast<char>('0' + rest / 100);
  out += static_cast<char>('0' + rest / 10 % 10);
  out += static_cast<char>('0' + rest % 10);
}

// ---- COPY -----------------------------------------------------------------------------------

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
CopyIn::CopyIn(pqxx::transaction_base& txn, const std::string& table,
               std::initializer_list<const char*> columns, Table kind)
    : CopyIn(txn, table, column_list(columns), kind) {}

CopyIn::CopyIn(pqxx::transaction_base& txn, const std::string& table, const std::string& columns,
               Table kind)
    : m_writer(txn, statement_head(table, columns, kind), kNoColumns.begin(), kNoColumns.end()) {
  m_buffer.reserve(kCopyBlockBytes + 4096);
}

void CopyIn::complete() {
  flush();
  m_writer.complete();
}

void CopyIn::flush() {
  if (m_buffer.empty()) return;
  m_buffer.pop_back();  // write_raw_line appends the last '\n' itself
  m_writer.write_raw_line(m_buffer);
  m_buffer.clear();
}

// tablewriter sends "COPY " + <its table argument> + " FROM STDIN" and has no place for
// options, so the table argument carries the columns, and for FREEZE the whole statement,
// ending in a comment that swallows tablewriter's own " FROM STDIN". The store tests check
// that fresh partitions come out frozen, so a libpqxx that builds the statement otherwise
// fails them rather than going unnoticed.
std::string CopyIn::statement_head(const std::string& table, const std::string& columns,
                                   Table kind) {
  std::string head = table + " (" + columns + ')';
  if (kind == Table::fresh) head += " from stdin (freeze) --";
  return head;
}

std::string CopyIn::column_list(std::initializer_list<const char*> columns) {
  std::string list;
  for (const char* column : columns) {
    if (!list.empty()) list += ", ";
    list += column;
  }
  return list;
}
#pragma GCC diagnostic pop

}  // namespace waybill::dispatcher::detail
