// Error mapping: libpqxx's exceptions become StoreErrors, retryable or permanent.
#include "dispatcher/store_error.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>

namespace waybill::dispatcher::detail {
namespace {

using Kind = StoreError::Kind;

std::string excerpt(const std::string& query) {
  constexpr std::size_t kMax = 200;
  std::string one_line = query.substr(0, kMax);
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  return query.size() > kMax ? one_line + "..." : one_line;
}

}  // namespace

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

bool retryable_sqlstate(const std::string& state) {
  return state.rfind("08", 0) == 0 || state.rfind("40", 0) == 0 || state.rfind("53", 0) == 0 ||
         state == "57P01" || state == "57P02" || state == "57P03";
}

void rethrow_as_store_error(std::string_view operation) {
  const std::string prefix = "store: " + std::string(operation) + ": ";
  try {
    throw;
  } catch (const StoreError&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw StoreError(Kind::retryable,
                     prefix + "connection to PostgreSQL failed: " + trimmed(e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    throw StoreError(Kind::retryable,
                     prefix + "connection lost during commit, outcome unknown (re-read the "
                              "state before retrying): " + trimmed(e.what()));
  } catch (const pqxx::transaction_rollback& e) {  // serialization_failure, deadlock_detected
    throw StoreError(Kind::retryable, prefix + "transaction rolled back: " + trimmed(e.what()));
  } catch (const pqxx::sql_error& e) {
    const Kind kind = retryable_sqlstate(e.sqlstate()) ? Kind::retryable : Kind::permanent;
    throw StoreError(kind, prefix + trimmed(e.what()) + " [SQLSTATE " + e.sqlstate() +
                               "] in query: " + excerpt(e.query()));
  } catch (const std::exception& e) {  // other pqxx::failure, usage_error, conversion_error, ...
    throw StoreError(Kind::permanent, prefix + trimmed(e.what()));
  }
}

}  // namespace waybill::dispatcher::detail
