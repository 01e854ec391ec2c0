#include "cli/regions.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/text_fields.h"
#include "transport/curve.h"

namespace waybill::cli {
namespace po = boost::program_options;

namespace {

std::vector<std::string_view> blank_separated(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (true) {
    i = line.find_first_not_of(" \t", i);
    if (i == std::string_view::npos) return fields;
    const std::size_t end = std::min(line.find_first_of(" \t", i), line.size());
    fields.push_back(line.substr(i, end - i));
    i = end;
  }
}

/// Where a line's comment begins: a '#' at the start or after a blank. Z85 keys hold '#' too.
std::size_t comment_start(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return i;
  }
  return line.size();
}

bool valid_endpoint(std::string_view e) {
  for (std::string_view scheme : {"tcp://", "ipc://"}) {
    if (e.starts_with(scheme) && e.size() > scheme.size()) return true;
  }
  return false;
}

}  // namespace

std::vector<Region> parse_regions(std::string_view text, const std::string& file) {
  std::vector<Region> regions;
  int number = 0;
  while (!text.empty()) {
    const std::size_t eol = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(std::min(eol + 1, text.size()));
    ++number;
    line = trim(line.substr(0, comment_start(line)));
    if (line.empty()) continue;
    const std::string where = file + " line " + std::to_string(number) + ": ";
    const auto fields = blank_separated(line);
    if (fields.size() != 3) {
      throw RegionsError(where + "expected 3 fields (graph, dispatcher endpoint, dispatcher key or -), found " +
                         std::to_string(fields.size()));
    }
    Region r{std::string(fields[0]), std::string(fields[1]),
             fields[2] == "-" ? std::string() : std::string(fields[2]), number};
    if (!valid_endpoint(r.endpoint)) {
      throw RegionsError(where + "the endpoint '" + r.endpoint + "' is not tcp://HOST:PORT or ipc://PATH");
    }
    for (const Region& before : regions) {
      if (before.graph == r.graph) {
        throw RegionsError(where + "graph '" + r.graph + "' is listed already, on line " +
                           std::to_string(before.line));
      }
    }
    regions.push_back(std::move(r));
  }
  return regions;
}

std::vector<Region> read_regions(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw RegionsError(file.string() + ": cannot read the regions file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw RegionsError(file.string() + ": error reading the regions file");
  return parse_regions(text.str(), file.string());
}

Region find_region(const std::vector<Region>& regions, std::string_view graph, const std::string& file) {
  for (const Region& r : regions) {
    if (r.graph != graph) continue;
    Region found = r;
    if (!found.dispatcher_key.empty()) {
      try {
        found.dispatcher_key = transport::read_public_key(r.dispatcher_key);
      } catch (const std::exception& e) {
        throw RegionsError(file + " line " + std::to_string(r.line) + ": the dispatcher key of '" +
                           r.graph + "': " + e.what());
      }
    }
    return found;
  }
  std::string listed;
  for (const Region& r : regions) listed += (listed.empty() ? "" : ", ") + r.graph;
  throw RegionsError(file + " has no region for graph '" + std::string(graph) + "' (it lists " +
                     (listed.empty() ? "none" : listed) + "); give --dispatcher, or add its line");
}

std::string default_regions_file() {
  const char* env = std::getenv("WAYBILL_REGIONS");
  return env && *env ? env : "/etc/waybill/regions.conf";
}

void add_regions_option(po::options_description& options, std::string& file) {
  file = default_regions_file();
  options.add_options()("regions", po::value(&file)->default_value(file),
                        "the regions file ($WAYBILL_REGIONS): with --graph and no --dispatcher, "
                        "the graph's line gives the dispatcher's endpoint and key");
}

void choose_dispatcher(const po::variables_map& vm, const std::string& graph,
                       const std::string& regions_file, std::string& endpoint, std::string& server_key) {
  if (graph.empty() || (vm.count("dispatcher") && !vm["dispatcher"].defaulted())) return;
  const char* env = std::getenv("WAYBILL_REGIONS");
  const bool named = (vm.count("regions") && !vm["regions"].defaulted()) || (env && *env);
  if (!named) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(regions_file, ec);
    if (ec) throw RegionsError(regions_file + ": cannot tell whether the regions file exists: " + ec.message());
    if (!exists) return;
  }
  const Region region = find_region(read_regions(regions_file), graph, regions_file);
  endpoint = region.endpoint;
  if (!(vm.count("dispatcher-key") && !vm["dispatcher-key"].defaulted())) {
    server_key = region.dispatcher_key;
  }
}

std::optional<int> use_region(const po::variables_map& vm, const std::string& graph,
                              const std::string& regions_file, std::string& endpoint,
                              std::string& server_key, const char* command) {
  try {
    choose_dispatcher(vm, graph, regions_file, endpoint, server_key);
    return std::nullopt;
  } catch (const RegionsError& e) {
    std::cerr << "waybill " << command << ": " << e.what() << '\n';
    return 2;
  }
}

}  // namespace waybill::cli
