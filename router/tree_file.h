// Tree files: a ShortestPathTree saved for the other processes on this host (TreeCache's shared
// directory) and read back in place. A file is a header, then the tree's arrays as they are in
// memory (dist, pred, hops and, when the graph has lengths, length_mm), in native byte order.
#pragma once

#include <filesystem>
#include <memory>

#include "router/graph.h"
#include "router/shortest_path.h"

namespace waybill::router {

/// Writes `tree` to `path`: to a temporary file, renamed into place once whole, so that a reader
/// never sees half a tree. False when it could not be written.
bool save_tree(const ShortestPathTree& tree, const std::filesystem::path& path);

/// The tree saved at `path`, for `graph`: null when there is none, or it is not a whole and
/// intact tree of a graph of that many nodes (its size, and a CRC-32 of its arrays, are
/// checked), or its origin is not a node of the graph.
///
/// The file is mapped, not copied: its arrays are read in place from the page cache that the
/// process which saved it has just filled, so a tree another worker computed costs this one
/// neither fresh memory nor a copy. Files are only ever renamed into place and unlinked, never
/// rewritten, so a mapping stays whole (truncating a mapped file by hand would fault).
std::shared_ptr<const ShortestPathTree> load_tree(const RoadGraph& graph,
                                                  const std::filesystem::path& path);

}  // namespace waybill::router
