// Regions: which dispatcher serves which road graph. A region is one graph with its own
// dispatcher and its own PostgreSQL (docs/operations.md, "Regions"); `regions.conf` lists them,
// one line a region:
//
//   # graph   dispatcher endpoint          dispatcher's public key (file or Z85), or - for none
//   ny        tcp://ny-dispatch:7410       /etc/waybill/keys/ny-dispatcher.pub
//
// `waybill submit --graph NAME`, and `status`, `cancel` and `plan` with `--graph`, take the
// endpoint and key from the graph's line when no --dispatcher is given.
#pragma once

#include <boost/program_options.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace waybill::cli {

struct Region {
  std::string graph;
  std::string endpoint;        ///< the dispatcher's client endpoint: tcp://HOST:PORT or ipc://PATH
  std::string dispatcher_key;  ///< a .pub/.key file or 40 Z85 characters; empty: plain TCP
  int line = 0;                ///< where in the file, for errors
};

/// A regions file that cannot be read or used; the message names the file (and line).
struct RegionsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The regions of a file's text. `file` names it in errors. A comment begins with a '#' at the
/// start of a line or after a blank (a Z85 key may hold '#'). Refuses a line without the three
/// fields or with more, an endpoint that is not tcp:// or ipc://, and a graph listed twice.
std::vector<Region> parse_regions(std::string_view text, const std::string& file);

/// The regions of `file`; RegionsError when it cannot be read or is malformed.
std::vector<Region> read_regions(const std::filesystem::path& file);

/// The region of `graph`. RegionsError naming the file and the graphs it lists when it has none,
/// and naming the line when its key is neither readable nor a Z85 key.
Region find_region(const std::vector<Region>& regions, std::string_view graph, const std::string& file);

/// The regions file a command reads: $WAYBILL_REGIONS, else /etc/waybill/regions.conf.
std::string default_regions_file();

/// --regions FILE, for the commands that talk to a dispatcher.
void add_regions_option(boost::program_options::options_description& options, std::string& file);

/// Where a command finds its dispatcher. `--dispatcher` given on the command line wins, and the
/// regions file is not read. Otherwise, with a graph, its line in the regions file gives the
/// endpoint and, unless --dispatcher-key was given, the key. A regions file that does not exist
/// is skipped (the default endpoint stays) unless it was named by --regions or $WAYBILL_REGIONS;
/// one whose existence cannot be told (a folder that cannot be read) is an error.
/// Fills `endpoint` and `server_key`; RegionsError when the regions file is wrong or has no line
/// for the graph.
void choose_dispatcher(const boost::program_options::variables_map& vm, const std::string& graph,
                       const std::string& regions_file, std::string& endpoint,
                       std::string& server_key);

/// choose_dispatcher for `waybill COMMAND`: on a RegionsError, says it on stderr and gives the
/// exit status (2).
std::optional<int> use_region(const boost::program_options::variables_map& vm,
                              const std::string& graph, const std::string& regions_file,
                              std::string& endpoint, std::string& server_key, const char* command);

}  // namespace waybill::cli
