#include "cli/matrix_ends.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "cli/text_fields.h"
#include "router/route_between.h"
#include "router/snap.h"

namespace waybill::cli {
namespace {

/// Reads ends from `in` (named `name` in reports), snapping points with `snapper` (made on the
/// first point).
void read_ends(std::istream& in, const std::string& name, const router::RoadGraph& graph,
               std::unique_ptr<router::Snapper>& snapper, double radius_m, MatrixEnds& m,
               std::vector<End>& ends, std::ostream& err) {
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::string_view text = trim(line);
    if (text.empty()) continue;
    const auto report = [&](const std::string& why) {
      err << name << " line " << number << ": " << why << ": '" << line.substr(0, 200) << "'\n";
      m.any_bad = true;
    };
    const auto comma = text.find(',');
    End end;
    if (comma == std::string_view::npos) {
      const auto id = parse_id(text);
      if (!id) {
        report("expected a node id or 'lat,lon'");
        continue;
      }
      end.node = graph.index_of(router::NodeId{*id});
      if (!end.node) {
        report("unknown node");
        continue;
      }
      end.csv = std::string(text);
    } else {
      const auto lat = parse_degrees(text.substr(0, comma));
      const auto lon = parse_degrees(text.substr(comma + 1));
      if (!lat || !lon) {
        report("coordinates must be numbers in degrees, 'lat,lon'");
        continue;
      }
      if (!graph.has_coordinates()) {
        report("coordinates need a graph with coordinates (--coords or --osm)");
        continue;
      }
      if (!snapper) snapper = std::make_unique<router::Snapper>(graph);
      m.points = true;
      end.csv = '"' + std::string(trim(text.substr(0, comma))) + ',' +
                std::string(trim(text.substr(comma + 1))) + '"';
      const router::SnappedEnd origin = router::snap_origin(*snapper, *lat, *lon, radius_m);
      if (origin.endpoint) {
        end.as_origin = origin.endpoint;
        end.as_destination =
            router::snap_destination(*snapper, *lat, *lon, radius_m).endpoint;
      } else {
        report("unsnappable: " + origin.why);
      }
    }
    ends.push_back(std::move(end));
  }
}

void read_file(const std::string& file, const router::RoadGraph& graph,
               std::unique_ptr<router::Snapper>& snapper, double radius_m, MatrixEnds& m,
               std::vector<End>& ends, std::ostream& err) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file + ": cannot open: " + std::strerror(errno));
  read_ends(in, file, graph, snapper, radius_m, m, ends, err);
}

}  // namespace

MatrixEnds read_matrix_ends(const router::RoadGraph& graph, const std::string& sources_file,
                            const std::string& destinations_file, double snap_radius_m,
                            std::istream& in, std::ostream& err) {
  MatrixEnds m;
  std::unique_ptr<router::Snapper> snapper;
  if (sources_file.empty()) {
    read_ends(in, "stdin", graph, snapper, snap_radius_m, m, m.sources, err);
  } else {
    read_file(sources_file, graph, snapper, snap_radius_m, m, m.sources, err);
  }
  if (destinations_file.empty()) {
    m.destinations = m.sources;
  } else {
    read_file(destinations_file, graph, snapper, snap_radius_m, m, m.destinations, err);
  }
  for (const End& d : m.destinations) {
    if (!d.usable()) {
      m.column.push_back(-1);
      continue;
    }
    m.column.push_back(static_cast<std::int64_t>(
        m.points ? m.target_endpoints.size() : m.target_nodes.size()));
    if (m.points) {
      m.target_endpoints.push_back(d.destination());
    } else {
      m.target_nodes.push_back(*d.node);
    }
  }
  return m;
}

}  // namespace waybill::cli
