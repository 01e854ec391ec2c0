// The numbered migrations of sql/, embedded in the binary at build time by embed_migrations.cmake
// (the generated migrations.cpp defines the array). Store::migrate() applies them in order.
#pragma once

#include <cstddef>
#include <cstdint>

namespace waybill::dispatcher::detail {

/// One migration file: its name without the .sql suffix (e.g. "0001_graphs", the key in the
/// schema_migrations table) and its whole text, which may hold several statements.
struct Migration {
  const char* name;
  const char* sql;
};

/// In file-name order, which is the order they must run in.
extern const Migration kMigrations[];
extern const std::size_t kMigrationCount;

/// The advisory lock each migration's transaction holds: migrations run one at a time in a
/// database, whatever its schemas (advisory locks are per database; 0017 alters the database).
inline constexpr std::int64_t kMigrateLockKey = 0x5761796269'6c6c;  // "Waybill"

}  // namespace waybill::dispatcher::detail
