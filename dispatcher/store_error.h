// The store's one exception type, and (for the store's own .cpp files) the mapping of libpqxx's
// exceptions to it. No libpqxx types here: callers of the store include this header.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace waybill::dispatcher {

/// A database failure, classified by what the caller should do (STYLE.md, errors).
class StoreError : public std::runtime_error {
 public:
  enum class Kind { retryable, permanent };
  StoreError(Kind kind, const std::string& what) : std::runtime_error(what), m_kind(kind) {}
  Kind kind() const { return m_kind; }

 private:
  Kind m_kind;
};

namespace detail {

/// The one place that classifies libpqxx's exceptions (STYLE.md 11). Call it from a catch block;
/// `operation` names what failed ("record_routes").
[[noreturn]] void rethrow_as_store_error(std::string_view operation);

/// SQLSTATEs after which the same call may succeed: connection exceptions (08), transaction
/// rollbacks such as serialization failures and deadlocks (40), insufficient resources (53),
/// and the server shutting down or starting up (57P01..57P03).
bool retryable_sqlstate(const std::string& state);

/// A server or libpq message on one line, for one-line logs.
std::string trimmed(std::string text);

}  // namespace detail
}  // namespace waybill::dispatcher
