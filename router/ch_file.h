// Hierarchy files: a ContractionHierarchy kept beside its graph, so that it is built once per
// graph rather than at every start. A file is a header (magic, format version, the graph's hash
// and node and arc counts, the arrays' sizes, a CRC-32 of all that follows), then the arrays as
// they are in memory, in native byte order (little-endian on every host we run).
#pragma once

#include <filesystem>
#include <string_view>

#include "router/contraction.h"
#include "router/graph.h"

namespace waybill::router {

/// The longest graph hash a file holds (a sha256 in hex is 64 characters).
inline constexpr std::size_t kMaxGraphHashSize = 128;

/// Writes `ch`, the hierarchy of the graph whose content hash is `graph_hash`, to `path`: to a
/// temporary file beside it, renamed into place once whole, so that a reader never sees half a
/// hierarchy. Throws std::runtime_error naming the file when it cannot be written, and
/// std::invalid_argument when graph_hash is longer than kMaxGraphHashSize.
void save_hierarchy(const std::filesystem::path& path, const ContractionHierarchy& ch,
                    std::string_view graph_hash);

/// The hierarchy saved at `path` for `graph`, whose content hash is `graph_hash`. Throws
/// std::runtime_error, whose message names the file and says what is wrong, when the file
/// cannot be read, is not a hierarchy file, has another format version, was saved for another
/// graph (another hash, or other node or arc counts, or with lengths where the graph has none
/// or the reverse), is truncated or longer than its header says, fails its checksum, or holds
/// arrays that do not make a hierarchy. The caller then builds the hierarchy afresh.
ContractionHierarchy load_hierarchy(const std::filesystem::path& path, const RoadGraph& graph,
                                    std::string_view graph_hash);

}  // namespace waybill::router
