// map_render: a hand-made square of roads with one route drawn on it, to PNG (read back and
// looked at pixel by pixel) and to SVG; a plan's tours on it; the joining of a tour's legs; the
// errors that name the file; and the option checks of `waybill render`, which fail before any
// connection is tried.
#include "cli/map_render.h"

#include <cairo.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "router/graph.h"
#include "tests/router/file_test.h"

namespace waybill::cli {
namespace {

using router::Coordinate;
using router::NodeId;

// The square, 1 km by 1.6 km in Monaco's latitudes:
//
//   4 ---- 3        north
//   |      |
//   1 ---- 2
//
// two-way roads all round; the route drives 1 -> 2 -> 3.
constexpr Coordinate kNode1{7'410'000, 43'730'000};
constexpr Coordinate kNode2{7'430'000, 43'730'000};
constexpr Coordinate kNode3{7'430'000, 43'740'000};
constexpr Coordinate kNode4{7'410'000, 43'740'000};

router::RoadGraph square(bool with_coordinates = true) {
  std::vector<router::Arc> arcs;
  const int ring[] = {1, 2, 3, 4, 1};
  for (int i = 0; i < 4; ++i) {
    arcs.push_back({NodeId{ring[i]}, NodeId{ring[i + 1]}, 100});
    arcs.push_back({NodeId{ring[i + 1]}, NodeId{ring[i]}, 100});
  }
  std::vector<Coordinate> coords;
  if (with_coordinates) coords = {kNode1, kNode2, kNode3, kNode4};
  return router::RoadGraph::build({NodeId{1}, NodeId{2}, NodeId{3}, NodeId{4}}, std::move(arcs),
                                  std::move(coords));
}

MapRoute the_route() {
  MapRoute route;
  route.line = {kNode1, kNode2, kNode3};
  route.origin = kNode1;
  route.destination = kNode3;
  return route;
}

Coordinate midpoint(Coordinate a, Coordinate b) {
  return {(a.lon_e6 + b.lon_e6) / 2, (a.lat_e6 + b.lat_e6) / 2};
}

struct PngDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
using Png = std::unique_ptr<cairo_surface_t, PngDeleter>;

Png read_png(const std::filesystem::path& path) {
  Png png(cairo_image_surface_create_from_png(path.c_str()));
  EXPECT_EQ(cairo_surface_status(png.get()), CAIRO_STATUS_SUCCESS) << path;
  return png;
}

/// The colour of the pixel under a projected point, channels 0..1.
Rgb pixel(cairo_surface_t* png, MapProjection::Point p) {
  cairo_surface_flush(png);
  const int x = static_cast<int>(std::floor(p.x)), y = static_cast<int>(std::floor(p.y));
  EXPECT_TRUE(x >= 0 && y >= 0 && x < cairo_image_surface_get_width(png) &&
              y < cairo_image_surface_get_height(png))
      << x << "," << y;
  const unsigned char* row =
      cairo_image_surface_get_data(png) + static_cast<std::ptrdiff_t>(y) * cairo_image_surface_get_stride(png);
  std::uint32_t argb = 0;
  std::memcpy(&argb, row + 4 * x, 4);  // native-endian 0xAARRGGBB (RGB24 and ARGB32)
  return {((argb >> 16) & 0xff) / 255.0, ((argb >> 8) & 0xff) / 255.0, (argb & 0xff) / 255.0};
}

MATCHER_P(IsColour, expected, "") {
  for (int c = 0; c < 3; ++c) {
    if (std::abs(arg[c] - expected[c]) > 1.5 / 255) {
      *result_listener << "rgb(" << arg[0] << ", " << arg[1] << ", " << arg[2] << ")";
      return false;
    }
  }
  return true;
}

class MapRenderTest : public router::testing::FileTest {};

TEST_F(MapRenderTest, APngHasItsSizeTheRouteInItsColourAndBackgroundAwayFromRoads) {
  const router::RoadGraph graph = square();
  const std::vector<MapRoute> routes{the_route()};
  const auto path = m_dir / "map.png";
  const MapProjection picture =
      render_map(graph, routes, {"batch 1 on graph square: 1 of 1 routes shown", "", 800},
                 path.string());

  EXPECT_EQ(picture.width(), 800);
  // 1.6 km wide, 1.1 km high, plus the margins and the caption band.
  EXPECT_GT(picture.map_height(), 500);
  EXPECT_LT(picture.map_height(), 600);
  const Png png = read_png(path);
  EXPECT_EQ(cairo_image_surface_get_width(png.get()), 800);
  EXPECT_EQ(cairo_image_surface_get_height(png.get()), picture.height());

  // On the route, half way along each of its two roads.
  EXPECT_THAT(pixel(png.get(), picture(midpoint(kNode1, kNode2))), IsColour(route_colour(0)));
  EXPECT_THAT(pixel(png.get(), picture(midpoint(kNode2, kNode3))), IsColour(route_colour(0)));
  // The middle of the square is far from every road.
  EXPECT_THAT(pixel(png.get(), picture(midpoint(kNode1, kNode3))), IsColour(kBackground));
  // A road off the route is drawn, in neither the background nor the route's colour.
  const Rgb road = pixel(png.get(), picture(midpoint(kNode3, kNode4)));
  EXPECT_THAT(road, ::testing::Not(IsColour(kBackground)));
  EXPECT_THAT(road, ::testing::Not(IsColour(route_colour(0))));
  // The projection keeps the map's proportions: 1.6 km across, 1.1 km down.
  const double across = picture(kNode2).x - picture(kNode1).x;
  const double down = picture(kNode1).y - picture(kNode4).y;
  EXPECT_NEAR(across / down, 2.0 * std::cos(43.735 * 3.14159265358979 / 180), 0.01);
}

TEST_F(MapRenderTest, AFailedJobIsARedCrossAtItsPoints) {
  const router::RoadGraph graph = square();
  MapRoute failed;
  failed.kind = MapRoute::Kind::failed;
  failed.origin = midpoint(kNode1, kNode3);
  const std::vector<MapRoute> routes{failed};
  const auto path = m_dir / "failed.png";
  const MapProjection picture = render_map(graph, routes, {"", "", 400}, path.string());
  const Rgb centre = pixel(read_png(path).get(), picture(*failed.origin));
  EXPECT_GT(centre[0], 0.7);
  EXPECT_LT(centre[1], 0.3);
  EXPECT_LT(centre[2], 0.3);
}

TEST_F(MapRenderTest, AFailedJobFarAwayKeepsTheFrameAndIsCrossedOnTheBorder) {
  const router::RoadGraph graph = square();
  MapRoute far;  // 40 km west of the square: a typo
  far.kind = MapRoute::Kind::failed;
  far.origin = Coordinate{6'900'000, 43'735'000};
  const std::vector<MapRoute> routes{the_route(), far};
  const MapProjection alone(graph, std::span(routes).first(1), 400);
  const MapProjection both(graph, routes, 400);
  EXPECT_EQ(both.map_height(), alone.map_height());
  EXPECT_DOUBLE_EQ(both(kNode1).x, alone(kNode1).x);
  const auto cross = both.clamped(*far.origin);
  EXPECT_LT(both(*far.origin).x, 0);
  EXPECT_GT(cross.x, 0);
  EXPECT_LT(cross.x, both(kNode1).x);
  EXPECT_DOUBLE_EQ(cross.y, both(*far.origin).y);

  const auto path = m_dir / "far.png";
  render_map(graph, routes, {"", "", 400}, path.string());
  const Rgb border = pixel(read_png(path).get(), cross);
  EXPECT_GT(border[0], 0.7);
  EXPECT_LT(border[1], 0.3);
}

TEST_F(MapRenderTest, AnSvgHoldsTheRoadsAndRoutesAsPaths) {
  const router::RoadGraph graph = square();
  MapRoute straight = the_route();
  straight.kind = MapRoute::Kind::straight;
  straight.line = {kNode1, kNode3};
  const std::vector<MapRoute> routes{the_route(), straight};
  const auto path = m_dir / "map.SVG";
  const MapProjection picture =
      render_map(graph, routes, {"2 routes", "\u00a9 OpenStreetMap contributors", 640},
                 path.string());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string svg = text.str();
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  // Stroked lines (text comes as glyph paths, which are filled): the roads in one path, the
  // route, and the straight line.
  std::size_t stroked = 0;
  for (auto at = svg.find("<path style=\"fill:none;"); at != std::string::npos;
       at = svg.find("<path style=\"fill:none;", at + 1)) {
    ++stroked;
  }
  EXPECT_GE(stroked, 3u);
  EXPECT_NE(svg.find("width=\"640px\""), std::string::npos) << svg.substr(0, 400);
  EXPECT_NE(svg.find("height=\"" + std::to_string(picture.height()) + "px\""), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);  // the straight line
}

TEST_F(MapRenderTest, ABadExtensionIsAnErrorNamingTheFile) {
  const router::RoadGraph graph = square();
  const std::string path = (m_dir / "map.jpg").string();
  EXPECT_FALSE(image_format(path));
  try {
    render_map(graph, {}, {}, path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(".svg or .png"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(MapRenderTest, AnUnwritableFileIsAnErrorNamingIt) {
  const router::RoadGraph graph = square();
  const std::string path = (m_dir / "no_such_folder" / "map.png").string();
  try {
    render_map(graph, {}, {}, path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write " + path + ": No such file or directory");
  }
}

TEST_F(MapRenderTest, AGraphWithoutCoordinatesIsRefused) {
  EXPECT_THROW(render_map(square(false), {}, {}, (m_dir / "map.png").string()),
               std::invalid_argument);
}

TEST_F(MapRenderTest, APlanHasEachTourInItsColourAndItsUnassignedJobsAsRedCrosses) {
  const router::RoadGraph graph = square();
  MapPlan plan;
  plan.tours.push_back({{kNode1, kNode2, kNode3}, {kNode2, kNode3}});  // out along the south
  plan.tours.push_back({{kNode1, kNode4, kNode1}, {kNode4}});          // up the west side
  plan.depots = {kNode1};
  plan.unassigned = {midpoint(kNode1, kNode3)};
  const auto path = m_dir / "plan.png";
  const MapProjection picture =
      render_plan(graph, plan, {"plan 1 of batch 1 on graph square", "", 800}, path.string());
  const Png png = read_png(path);
  EXPECT_EQ(cairo_image_surface_get_height(png.get()), picture.height());
  EXPECT_THAT(pixel(png.get(), picture(midpoint(kNode1, kNode2))), IsColour(route_colour(0)));
  EXPECT_THAT(pixel(png.get(), picture(midpoint(kNode2, kNode3))), IsColour(route_colour(0)));
  EXPECT_THAT(pixel(png.get(), picture(midpoint(kNode1, kNode4))), IsColour(route_colour(1)));
  // The road no tour takes stays grey; the middle holds the red cross of the unassigned job.
  const Rgb road = pixel(png.get(), picture(midpoint(kNode3, kNode4)));
  EXPECT_THAT(road, ::testing::Not(IsColour(kBackground)));
  EXPECT_THAT(road, ::testing::Not(IsColour(route_colour(0))));
  const Rgb cross = pixel(png.get(), picture(midpoint(kNode1, kNode3)));
  EXPECT_GT(cross[0], 0.7);
  EXPECT_LT(cross[1], 0.3);
  // The depot's dark square covers its corner, over both tours.
  const Rgb depot = pixel(png.get(), picture(kNode1));
  EXPECT_LT(depot[0] + depot[1] + depot[2], 0.8);
}

TEST(MapRender, LegsJoinEndToEndAndALegWithoutGeometryIsStraight) {
  using Leg = std::optional<std::vector<Coordinate>>;
  const Coordinate bend{7'420'000, 43'731'000};
  // Depot 1 -> 2 along a bend, 2 -> 3 unknown, 3 -> 1 unknown: straight segments.
  const std::vector<Coordinate> ends{kNode1, kNode2, kNode3, kNode1};
  const std::vector<Leg> legs{std::vector{kNode1, bend, kNode2}, std::nullopt,
                              std::vector{kNode3}};  // one point is no geometry
  EXPECT_EQ(join_legs(ends, legs), (std::vector{kNode1, bend, kNode2, kNode3, kNode1}));
  // A leg that starts off its end (a snapped point) is kept whole.
  const std::vector<Leg> snapped{std::vector{bend, kNode2}, std::vector{kNode2, kNode3},
                                 std::vector{kNode3, kNode1}};
  EXPECT_EQ(join_legs(ends, snapped), (std::vector{bend, kNode2, kNode3, kNode1}));
  EXPECT_TRUE(join_legs({}, {}).empty());
  const std::vector<Coordinate> alone{kNode1};
  EXPECT_EQ(join_legs(alone, {}), alone);
}

TEST(MapRender, FormatsGoByExtensionInAnyCase) {
  EXPECT_EQ(image_format("a/map.png"), ImageFormat::png);
  EXPECT_EQ(image_format("MAP.PNG"), ImageFormat::png);
  EXPECT_EQ(image_format("map.svg"), ImageFormat::svg);
  EXPECT_FALSE(image_format("map"));
  EXPECT_FALSE(image_format("svg"));
  EXPECT_FALSE(image_format("maps.png/map"));
  EXPECT_FALSE(image_format("map.png.gz"));
}

TEST(MapRender, RouteColoursAreDistinctAndNoneIsRed) {
  for (std::size_t i = 0; i < 50; ++i) {
    const Rgb a = route_colour(i);
    EXPECT_FALSE(a[0] > 0.6 && a[1] < 0.25 && a[2] < 0.25) << i;  // the failed jobs' red
    // Any dozen routes in a row are told apart.
    for (std::size_t j = i >= 12 ? i - 11 : 0; j < i; ++j) {
      const Rgb b = route_colour(j);
      const double d = std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
      EXPECT_GT(d, 0.1) << i << " vs " << j;
    }
  }
}

// `waybill render`'s usage errors come before any connection: exit status 2.
TEST(RenderCommand, UsageErrorsExitWithTwo) {
  using Args = std::vector<std::string>;
  EXPECT_EQ(render_command(Args{"--help"}), 0);
  EXPECT_EQ(render_command(Args{"--out", "map.png"}), 2);                     // no --batch
  EXPECT_EQ(render_command(Args{"--batch", "1"}), 2);                         // no --out
  EXPECT_EQ(render_command(Args{"--batch", "1", "--out", "map.jpg"}), 2);     // extension
  EXPECT_EQ(render_command(Args{"--batch", "0", "--out", "map.png"}), 2);     // batch id
  EXPECT_EQ(render_command(Args{"--batch", "1", "--out", "m.png", "--width", "10"}), 2);
  EXPECT_EQ(render_command(Args{"--batch", "x", "--out", "map.png"}), 2);
  EXPECT_EQ(render_command(Args{"--plan", "1", "--batch", "1", "--out", "map.png"}), 2);
  EXPECT_EQ(render_command(Args{"--plan", "0", "--out", "map.png"}), 2);   // plan id
  EXPECT_EQ(render_command(Args{"--plan", "1", "--out", "map.jpg"}), 2);   // extension
  EXPECT_EQ(render_command(Args{"--batch", "1", "--depot", "7", "--out", "map.png"}), 2);
  EXPECT_EQ(render_command(Args{"--plan", "1", "--depot", "x", "--out", "map.png"}), 2);
}

}  // namespace
}  // namespace waybill::cli
