// The store's COPY channel: rows formatted as COPY text and sent in blocks. Included only by the
// store's .cpp files (it exposes libpqxx).
#pragma once

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "dispatcher/copy_text.h"

namespace waybill::dispatcher::detail {

// Lines of COPY text are sent in blocks of about this size.
inline constexpr std::size_t kCopyBlockBytes = 1 << 16;

// COPY <table> (<columns>) FROM STDIN, text format. Rows are formatted into one buffer and sent
// in blocks of many lines: the protocol is a byte stream, lines need not match messages.
// (libpqxx 6.4's tablewriter is deprecated for its own escaping; we use it only as the raw
// channel, which it is the sole public one of in 6.4.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class CopyIn {
 public:
  /// `fresh`: the table was created in this transaction (a partition filled before it is
  /// attached), so its rows are written frozen and all-visible (COPY ... FREEZE): nobody ever
  /// rewrites them, neither the first reader setting hint bits nor vacuum freezing them, and
  /// vacuum skips their pages. These rows are written once and never updated, so the only cost
  /// is MVCC's: a transaction whose snapshot predates the commit can see them, once committed.
  enum class Table { existing, fresh };
  CopyIn(pqxx::transaction_base& txn, const std::string& table,
         std::initializer_list<const char*> columns, Table kind = Table::existing);
  /// `columns`: the column names separated by commas, as COPY takes them.
  CopyIn(pqxx::transaction_base& txn, const std::string& table, const std::string& columns,
         Table kind = Table::existing);

  void text(std::string_view value) { append_copy_text(m_buffer, value); }
  template <typename T>
  void number(T value) {
    append_number(m_buffer, value);
  }
  void null() { m_buffer += "\\N"; }
  /// A length in millimetres as exact decimal metres: 12345 -> "12.345".
  void millimetres(std::int64_t mm) { append_millimetres(m_buffer, mm); }
  void tab() { m_buffer += '\t'; }
  /// COPY text as it is: the caller escaped it.
  void raw(std::string_view text) { m_buffer += text; }
  void end_row() {
    m_buffer += '\n';
    if (m_buffer.size() >= kCopyBlockBytes) flush();
  }
  /// Sends what is left and ends the COPY; the server reports any bad row here at the latest.
  void complete();

 private:
  void flush();

  static std::string statement_head(const std::string& table, const std::string& columns,
                                    Table kind);
  static std::string column_list(std::initializer_list<const char*> columns);
  static constexpr std::array<const char*, 0> kNoColumns{};

  pqxx::tablewriter m_writer;
  std::string m_buffer;
};
#pragma GCC diagnostic pop

/// One column of a block of rows being written as arrays (route_blocks, job_blocks): its
/// elements as an array literal ("{1,NULL,3}").
class BlockColumn {
 public:
  void null() {
    separate();
    m_text += "NULL";
  }
  template <typename T>
  void number(T value) {
    separate();
    append_number(m_text, value);
    m_any = true;
  }
  void millimetres(std::int64_t mm) {
    separate();
    append_millimetres(m_text, mm);
    m_any = true;
  }
  void text(std::string_view value) {
    separate();
    append_array_text(m_text, value);
    m_any = true;
  }
  /// Writes the column's array and starts the next block's.
  void write_array(CopyIn& copy) {
    m_text += '}';
    copy.text(m_text);
    clear();
  }
  /// Likewise, but null when every element is (a node-form batch has no snap distances).
  void write(CopyIn& copy) {
    m_any ? write_array(copy) : (copy.null(), clear());
  }
  /// Drops the elements so far.
  void clear() {
    m_text.clear();
    m_any = false;
  }

 private:
  void separate() { m_text += m_text.empty() ? '{' : ','; }

  std::string m_text;
  bool m_any = false;
};

}  // namespace waybill::dispatcher::detail
