// Loaders for the 9th DIMACS Challenge formats: `.gr` arcs and `.co` coordinates, plain or gzip.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "router/graph.h"

namespace waybill::router {

/// A file that could not be read or parsed. The message names the file and, for a parse error,
/// the line number and what was wrong: `NY.gr.gz:17: arc head 0 is outside 1..264346`.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Loads a DIMACS `.gr` file (`p sp N M`, then `a TAIL HEAD WEIGHT` lines), optionally with a
/// `.co` file of the same nodes. Either file may be gzip-compressed. Costs are the file's
/// weights (CostUnit::native). With coordinates, each arc's length is the great-circle distance
/// between its nodes, rounded to the millimetre (DIMACS arcs are straight segments); without,
/// the graph has no lengths. Throws LoadError.
RoadGraph load_dimacs(const std::filesystem::path& gr, const std::filesystem::path& co = {},
                      BuildReport* report = nullptr);

}  // namespace waybill::router
