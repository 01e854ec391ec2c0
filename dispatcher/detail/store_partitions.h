// The partitions of the store's bulk tables. Included only by the store's .cpp files.
//
// Bulk tables get one partition per graph or batch, which is filled before it is attached:
// created as a plain table shaped like its parent (no indexes, no foreign keys), loaded with
// COPY, given its primary key (one sorted index build instead of a B-tree insert per row) and
// attached. ATTACH PARTITION checks a foreign key with one query for the whole partition, skips
// scanning the rows thanks to the CHECK constraint, and locks the parent only in SHARE UPDATE
// EXCLUSIVE mode, which blocks neither readers nor writers of other partitions (CREATE TABLE
// ... PARTITION OF would lock the parent ACCESS EXCLUSIVE until the commit).
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <string>

namespace waybill::dispatcher::detail {

/// A bulk table partitioned by graph or batch.
struct Partitioned {
  const char* parent;
  const char* suffix;       // partition name: <parent>_<suffix><id>
  const char* column;       // the partition key
  const char* primary_key;  // the parent's primary key columns; nullptr: none
  const char* storage = nullptr;  // a partition's storage parameters, if any
  // Rows of arrays (blocks of 64): ANALYZE of a partition skips its arrays, whose element
  // statistics no query uses and which cost most of an ANALYZE (sql/0018_block_statistics.sql).
  bool blocks = false;
};

inline constexpr Partitioned kGraphNodes{"graph_nodes", "g", "graph_id", "graph_id, node_id"};
inline constexpr Partitioned kGraphEdges{"graph_edges", "g", "graph_id", "graph_id, id"};
inline constexpr Partitioned kBatchTables[] = {
    // No key: a job's key row is found by the BRIN index of order id, built on a segment when
    // it is attached (sql/0017_job_blocks.sql). A batch's keys and blocks are partitioned in
    // turn by segment (kSegmented).
    {"job_keys", "b", "batch_id", nullptr},
    // Compressed in the row, four blocks to a page (sql/0017): a partition takes its parent's
    // compression with LIKE ... INCLUDING COMPRESSION.
    {"job_blocks", "b", "batch_id", "batch_id, first_seq", nullptr, true},
    // A block of 64 routes with distances and snap distances is 2.1 kB: kept plain (not
    // compressed, which every read of one route would undo) up to a page (sql/0013).
    {"route_blocks", "b", "batch_id", "batch_id, first_seq", "toast_tuple_target = 8160", true},
    {"rejects", "b", "batch_id", "batch_id, line"},
};
inline constexpr const Partitioned& kJobKeys = kBatchTables[0];
inline constexpr const Partitioned& kJobBlocks = kBatchTables[1];
inline constexpr const Partitioned& kRouteBlocks = kBatchTables[2];
inline constexpr const Partitioned& kRejects = kBatchTables[3];

/// job_keys.seq: a seq less 2^31, which keeps the 2^32 seqs of a batch in 4 bytes.
inline constexpr std::int64_t kKeySeqOffset = std::int64_t{1} << 31;

/// The batch tables partitioned by segment, with each one's range column and what it stores
/// less than the seq: job_keys by its seq (less 2^31), job_blocks by first seq.
struct Segmented {
  const Partitioned& table;
  const char* range_column;
  std::int64_t offset;

  /// The bound of a segment's range at `seq`.
  std::string bound(std::uint64_t seq) const {
    return std::to_string(static_cast<std::int64_t>(seq) - offset);
  }
};
inline constexpr Segmented kSegmented[] = {{kJobKeys, "seq", kKeySeqOffset},
                                           {kJobBlocks, "first_seq", 0}};

std::string partition_name(const Partitioned& table, std::int64_t id);

/// Creates the partition, detached. `partition_by` (e.g. "range (seq)") makes it partitioned in
/// turn (its partitions bring their indexes when attached).
void create_detached_partition(pqxx::transaction_base& txn, const Partitioned& table,
                               std::int64_t id, const std::string& partition_by = {});

/// Leaves the arrays of `name`, a new table of `table`'s rows, out of its statistics if they are
/// blocks (Partitioned::blocks). A partition does not take its parent's per-column settings.
void skip_array_statistics(pqxx::transaction_base& txn, const Partitioned& table,
                           const std::string& name);

/// Gives the partition its primary key (if the table has one) and attaches it; ATTACH builds
/// the parent's other indexes on it.
void attach_partition(pqxx::transaction_base& txn, const Partitioned& table, std::int64_t id);

/// The name of segment `segment`'s sub-partition of a batch's partition of `table`:
/// job_keys_b<ID>_s<segment>, job_blocks_b<ID>_s<segment>.
std::string segment_name(const Partitioned& table, std::int64_t batch_id, std::uint32_t segment);

}  // namespace waybill::dispatcher::detail
