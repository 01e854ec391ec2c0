// Drawing a road network and some routes, or a plan's tours, on it, as an SVG or PNG image
// (cairo): what `waybill render` shows an operator. Pure drawing over plain data: no SQL, no
// routing.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "router/graph.h"
#include "router/types.h"

namespace waybill::cli {

/// The image formats, chosen by the output file's extension.
enum class ImageFormat { svg, png };

/// The format of `path` by its extension (".svg" or ".png", any case), or nothing.
std::optional<ImageFormat> image_format(const std::string& path);

/// One job to draw.
struct MapRoute {
  enum class Kind {
    path,      ///< a route: `line` is its geometry, drawn solid in the route's colour
    straight,  ///< a route whose geometry is unknown: `line` (its two ends) drawn dashed
    failed,    ///< no route (unreachable, unsnappable, ...): red crosses at origin and destination
  };
  Kind kind = Kind::path;
  std::vector<router::Coordinate> line;
  std::optional<router::Coordinate> origin;       ///< a dark square (a red cross when failed)
  std::optional<router::Coordinate> destination;  ///< a small dot (a red cross when failed)
};

/// One tour of a plan to draw: a van leaving its depot, driving to its stops in order and back.
struct MapTour {
  std::vector<router::Coordinate> line;   ///< the drive, depot to depot, in the tour's colour
  std::vector<router::Coordinate> stops;  ///< small dots in the tour's colour
};

/// A plan to draw: its tours, its depots and the jobs no van takes.
struct MapPlan {
  std::vector<MapTour> tours;                  ///< the i-th in route_colour(i)
  std::vector<router::Coordinate> depots;      ///< dark squares
  std::vector<router::Coordinate> unassigned;  ///< red crosses (on the border when off the map)
};

/// A tour's line from its legs: `ends` are the places driven through, in order (depot, stops,
/// depot), and legs[i] the geometry of the drive from ends[i] to ends[i + 1], or nothing when
/// it is not known. The legs are joined end to end (a leg's first point dropped where it repeats
/// the line's last); a leg without geometry (nothing, or fewer than two points) becomes the
/// straight segment between its ends. Precondition: legs.size() + 1 == ends.size(), or both
/// are empty.
std::vector<router::Coordinate> join_legs(
    std::span<const router::Coordinate> ends,
    std::span<const std::optional<std::vector<router::Coordinate>>> legs);

/// What to draw besides the graph and the routes, and how big.
struct MapSpec {
  std::string caption;      ///< bottom left: "batch 7 on graph ny: 200 of 1000000 routes shown"
  std::string attribution;  ///< bottom right, e.g. "© OpenStreetMap contributors"; may be empty
  int width = 1600;         ///< pixels (SVG: points); the height follows from the aspect ratio
};

/// An RGB colour, each channel 0..1.
using Rgb = std::array<double, 3>;

/// The colour of the i-th route that is drawn: distinct hues (golden-angle steps), none of them
/// the red of failed jobs.
Rgb route_colour(std::size_t i);
inline constexpr Rgb kBackground{1, 1, 1};

/// The equirectangular projection fitted to a picture: x grows with longitude scaled by the
/// cosine of the middle latitude, y grows southwards, and everything to draw fits inside a
/// margin. The caption band lies below map_height().
class MapProjection {
 public:
  /// Fits the graph's nodes and every point of the routes that are not failed into `width`
  /// pixels (the map is at most twice as high as wide). Throws std::invalid_argument unless
  /// graph.has_coordinates() and width >= 64.
  MapProjection(const router::RoadGraph& graph, std::span<const MapRoute> routes, int width);
  /// Likewise for a plan: the graph's nodes, the tours' lines and stops, and the depots (the
  /// unassigned jobs, like failed ones, are drawn on the border when outside).
  MapProjection(const router::RoadGraph& graph, const MapPlan& plan, int width);

  struct Point {
    double x = 0, y = 0;
  };
  Point operator()(router::Coordinate c) const;
  /// The same point, moved onto the map's border when it lies outside the map.
  Point clamped(router::Coordinate c) const;

  int width() const { return m_width; }
  int map_height() const { return m_map_height; }
  /// The whole picture: the map and the caption band below it.
  int height() const { return m_map_height + caption_band(); }
  int caption_band() const;

 private:
  struct Extent;
  /// Fits `extent` into m_width pixels.
  void fit(const Extent& extent);

  int m_width = 0;
  int m_map_height = 0;
  double m_cos_lat = 1;
  double m_scale = 1;                 // pixels per scaled microdegree
  double m_x0 = 0, m_y0 = 0;          // pixel of (min lon, max lat)
  double m_min_x = 0, m_max_lat = 0;  // in scaled microdegrees, microdegrees
};

/// Writes the picture to `path` as SVG or PNG by its extension: every arc of `graph` as a thin
/// light-grey line, the routes over it (in route_colour(i) for the i-th route that is not
/// failed), their origins and destinations, failed jobs as red crosses (on the border when
/// outside the map), and the caption. Returns
/// the projection used (width and height). Throws std::runtime_error naming the file when its
/// extension is neither .svg nor .png or it cannot be written, and std::invalid_argument when
/// the graph has no coordinates.
MapProjection render_map(const router::RoadGraph& graph, std::span<const MapRoute> routes,
                         const MapSpec& spec, const std::string& path);

/// Writes a plan's picture to `path`, like render_map: the roads in light grey, each tour's line
/// in route_colour(i) for the i-th tour, its stops as small dots in that colour, the depots as
/// dark squares, the unassigned jobs as red crosses, and the caption. Throws as render_map.
MapProjection render_plan(const router::RoadGraph& graph, const MapPlan& plan, const MapSpec& spec,
                          const std::string& path);

}  // namespace waybill::cli
