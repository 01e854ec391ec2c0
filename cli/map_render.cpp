// The drawing of `waybill render`, on cairo's image (PNG) and SVG surfaces. The same code draws
// both: only the surface differs.
#include "cli/map_render.h"

#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numbers>
#include <utility>

namespace waybill::cli {

namespace {

constexpr Rgb kArcGrey{0.72, 0.72, 0.72};
constexpr Rgb kMarkerDark{0.13, 0.13, 0.18};
constexpr Rgb kFailedRed{0.86, 0.08, 0.08};
constexpr Rgb kTextGrey{0.20, 0.20, 0.20};
// Segments stroked per cairo path: one huge path makes cairo's rasterizer slow and hungry.
constexpr std::size_t kSegmentsPerStroke = 8192;

std::string lower_extension(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

/// HSV with full value range to RGB; h in [0, 1).
Rgb from_hsv(double h, double s, double v) {
  const double sector = h * 6;
  const int i = static_cast<int>(std::floor(sector)) % 6;
  const double f = sector - std::floor(sector);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (i) {
    case 0: return {v, t, p};
    case 1: return {q, v, p};
    case 2: return {p, v, t};
    case 3: return {p, q, v};
    case 4: return {t, p, v};
    default: return {v, p, q};
  }
}

void set_colour(cairo_t* cr, const Rgb& c) { cairo_set_source_rgb(cr, c[0], c[1], c[2]); }

/// The output file, opened before anything is drawn so that an unwritable path fails at once;
/// cairo writes into it through write().
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : m_path(path), m_file(std::fopen(path.c_str(), "wb")) {
    if (!m_file) fail(errno);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (m_file) std::fclose(m_file);
  }

  static cairo_status_t write(void* closure, const unsigned char* data, unsigned int length) {
    auto* self = static_cast<OutputFile*>(closure);
    if (std::fwrite(data, 1, length, self->m_file) != length) {
      if (self->m_errno == 0) self->m_errno = errno != 0 ? errno : EIO;
      return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
  }

  /// Checks cairo's status of the writing, flushes and closes; throws naming the file.
  void close(cairo_status_t status) {
    std::FILE* file = std::exchange(m_file, nullptr);
    const bool closed = std::fclose(file) == 0;
    if (m_errno != 0) fail(m_errno);
    if (status != CAIRO_STATUS_SUCCESS) {
      throw std::runtime_error("cannot write " + m_path + ": " + cairo_status_to_string(status));
    }
    if (!closed) fail(errno);
  }

 private:
  [[noreturn]] void fail(int error) const {
    throw std::runtime_error("cannot write " + m_path + ": " + std::strerror(error));
  }

  std::string m_path;
  std::FILE* m_file;
  int m_errno = 0;
};

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;

/// Every arc once: a two-way road is one line, not two on top of each other.
void draw_arcs(cairo_t* cr, const router::RoadGraph& graph, const MapProjection& project) {
  set_colour(cr, kArcGrey);
  cairo_set_line_width(cr, std::max(0.75, project.width() / 2000.0));
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  std::size_t in_path = 0;
  for (const router::Arc& arc : graph.arcs()) {
    const router::NodeIndex tail = *graph.index_of(arc.tail);
    const router::NodeIndex head = *graph.index_of(arc.head);
    if (head < tail && graph.find_arc(head, tail)) continue;  // drawn as head -> tail
    const auto a = project(graph.coordinate(tail));
    const auto b = project(graph.coordinate(head));
    cairo_move_to(cr, a.x, a.y);
    cairo_line_to(cr, b.x, b.y);
    if (++in_path == kSegmentsPerStroke) {
      cairo_stroke(cr);
      in_path = 0;
    }
  }
  cairo_stroke(cr);
}

/// A polyline, stroked a piece at a time: a tour's line may have a million points.
void draw_line(cairo_t* cr, const std::vector<router::Coordinate>& line,
               const MapProjection& project) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto p = project(line[i]);
    if (i == 0) {
      cairo_move_to(cr, p.x, p.y);
      continue;
    }
    cairo_line_to(cr, p.x, p.y);
    if (i % kSegmentsPerStroke == 0) {
      cairo_stroke(cr);
      cairo_move_to(cr, p.x, p.y);
    }
  }
  cairo_stroke(cr);
}

void draw_cross(cairo_t* cr, MapProjection::Point p, double half) {
  cairo_move_to(cr, p.x - half, p.y - half);
  cairo_line_to(cr, p.x + half, p.y + half);
  cairo_move_to(cr, p.x - half, p.y + half);
  cairo_line_to(cr, p.x + half, p.y - half);
  cairo_stroke(cr);
}

void draw_routes(cairo_t* cr, std::span<const MapRoute> routes, const MapProjection& project) {
  const double width = project.width();
  const double line_width = std::max(2.0, width / 600);
  const double square = std::max(5.0, width / 250);
  const double dot = std::max(2.0, width / 640);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);

  // Lines first, then every marker over every line, so that no route hides a depot.
  std::vector<Rgb> colours(routes.size());
  std::size_t next_colour = 0;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const MapRoute& route = routes[i];
    if (route.kind == MapRoute::Kind::failed) continue;
    colours[i] = route_colour(next_colour++);
    if (route.line.size() < 2) continue;
    set_colour(cr, colours[i]);
    cairo_set_line_width(cr, line_width);
    if (route.kind == MapRoute::Kind::straight) {
      const double dashes[] = {3 * line_width, 2 * line_width};
      cairo_set_dash(cr, dashes, 2, 0);
    }
    draw_line(cr, route.line, project);
    cairo_set_dash(cr, nullptr, 0, 0);
  }

  for (std::size_t i = 0; i < routes.size(); ++i) {
    const MapRoute& route = routes[i];
    if (route.kind == MapRoute::Kind::failed || !route.destination) continue;
    const auto p = project(*route.destination);
    cairo_arc(cr, p.x, p.y, dot, 0, 2 * std::numbers::pi);
    set_colour(cr, colours[i]);
    cairo_fill_preserve(cr);
    set_colour(cr, kMarkerDark);
    cairo_set_line_width(cr, 0.75);
    cairo_stroke(cr);
  }
  set_colour(cr, kMarkerDark);
  for (const MapRoute& route : routes) {
    if (route.kind == MapRoute::Kind::failed || !route.origin) continue;
    const auto p = project(*route.origin);
    cairo_rectangle(cr, p.x - square / 2, p.y - square / 2, square, square);
    cairo_fill(cr);
  }
  set_colour(cr, kFailedRed);
  cairo_set_line_width(cr, std::max(2.0, width / 800));
  for (const MapRoute& route : routes) {
    if (route.kind != MapRoute::Kind::failed) continue;
    for (const auto& end : {route.origin, route.destination}) {
      if (end) draw_cross(cr, project.clamped(*end), square * 0.7);
    }
  }
}

void draw_caption(cairo_t* cr, const MapSpec& spec, const MapProjection& project) {
  const double margin = std::max(8.0, project.width() / 80.0);
  const double font = project.caption_band() / 2.2;
  const double baseline = project.map_height() + project.caption_band() * 0.62;
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, font);
  set_colour(cr, kTextGrey);
  cairo_move_to(cr, margin, baseline);
  cairo_show_text(cr, spec.caption.c_str());
  if (!spec.attribution.empty()) {
    cairo_text_extents_t extents;
    cairo_text_extents(cr, spec.attribution.c_str(), &extents);
    cairo_move_to(cr, project.width() - margin - extents.x_advance, baseline);
    cairo_show_text(cr, spec.attribution.c_str());
  }
}

void draw_plan(cairo_t* cr, const MapPlan& plan, const MapProjection& project) {
  const double width = project.width();
  const double line_width = std::max(2.0, width / 800);  // 2: a pixel wholly covered
  const double square = std::max(7.0, width / 110);
  const double dot = std::max(1.5, width / 800);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);

  // Lines first, then every marker over every line, so that no tour hides a stop or a depot.
  cairo_set_line_width(cr, line_width);
  for (std::size_t i = 0; i < plan.tours.size(); ++i) {
    if (plan.tours[i].line.size() < 2) continue;
    set_colour(cr, route_colour(i));
    draw_line(cr, plan.tours[i].line, project);
  }
  cairo_set_line_width(cr, 0.5);
  for (std::size_t i = 0; i < plan.tours.size(); ++i) {
    const Rgb colour = route_colour(i);
    for (const router::Coordinate& stop : plan.tours[i].stops) {
      const auto p = project(stop);
      cairo_new_sub_path(cr);
      cairo_arc(cr, p.x, p.y, dot, 0, 2 * std::numbers::pi);
      set_colour(cr, colour);
      cairo_fill_preserve(cr);
      set_colour(cr, kMarkerDark);
      cairo_stroke(cr);
    }
  }
  // A white rim keeps a depot apart from the dozens of tours that leave it.
  cairo_set_line_width(cr, std::max(1.5, width / 1000));
  for (const router::Coordinate& depot : plan.depots) {
    const auto p = project(depot);
    cairo_rectangle(cr, p.x - square / 2, p.y - square / 2, square, square);
    set_colour(cr, kMarkerDark);
    cairo_fill_preserve(cr);
    set_colour(cr, kBackground);
    cairo_stroke(cr);
  }
  set_colour(cr, kFailedRed);
  cairo_set_line_width(cr, std::max(2.0, width / 1000));
  for (const router::Coordinate& job : plan.unassigned) {
    draw_cross(cr, project.clamped(job), std::max(3.0, width / 400));
  }
}

/// Writes the picture: the background, the roads, what `draw_over` draws on them, the caption.
template <class DrawOver>
void write_picture(const std::string& path, ImageFormat format, const router::RoadGraph& graph,
                   const MapSpec& spec, const MapProjection& project, DrawOver&& draw_over) {
  auto draw = [&](cairo_t* cr) {
    set_colour(cr, kBackground);
    cairo_paint(cr);
    draw_arcs(cr, graph, project);
    draw_over(cr);
    draw_caption(cr, spec, project);
  };
  OutputFile out(path);
  if (format == ImageFormat::svg) {
    Surface surface(cairo_svg_surface_create_for_stream(&OutputFile::write, &out, project.width(),
                                                        project.height()));
    cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
    {
      Context cr(cairo_create(surface.get()));
      draw(cr.get());
    }
    cairo_surface_finish(surface.get());  // writes the document
    out.close(cairo_surface_status(surface.get()));
  } else {
    Surface surface(
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, project.width(), project.height()));
    if (const auto status = cairo_surface_status(surface.get()); status != CAIRO_STATUS_SUCCESS) {
      throw std::runtime_error("cannot draw " + path + ": " + cairo_status_to_string(status));
    }
    {
      Context cr(cairo_create(surface.get()));
      draw(cr.get());
    }
    out.close(cairo_surface_write_to_png_stream(surface.get(), &OutputFile::write, &out));
  }
}

/// The format of `path`; throws naming the file when it has none.
ImageFormat format_of(const std::string& path) {
  const std::optional<ImageFormat> format = image_format(path);
  if (!format) {
    throw std::runtime_error("cannot write " + path +
                             ": unknown image format (the name must end in .svg or .png)");
  }
  return *format;
}

}  // namespace

std::optional<ImageFormat> image_format(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".svg") return ImageFormat::svg;
  if (ext == ".png") return ImageFormat::png;
  return std::nullopt;
}

Rgb route_colour(std::size_t i) {
  // Golden-angle steps around the hue circle, kept within [0.06, 0.94) of it so that no route
  // is the red of a failed job; two value levels tell neighbours in hue apart.
  constexpr double kGolden = 0.6180339887498949;
  const double h = 0.06 + 0.88 * std::fmod(0.17 + static_cast<double>(i) * kGolden, 1.0);
  return from_hsv(h, 0.9, i % 2 == 0 ? 0.85 : 0.65);
}

/// The box of everything the picture must show, in microdegrees.
struct MapProjection::Extent {
  double min_lat = std::numeric_limits<double>::infinity(), max_lat = -min_lat;
  double min_lon = min_lat, max_lon = -min_lat;

  /// Starts with the graph's nodes. Throws std::invalid_argument without coordinates.
  explicit Extent(const router::RoadGraph& graph) {
    if (!graph.has_coordinates()) throw std::invalid_argument("the graph has no coordinates");
    for (router::NodeIndex i = 0; i < graph.num_nodes(); ++i) add(graph.coordinate(i));
  }
  void add(router::Coordinate c) {
    min_lat = std::min<double>(min_lat, c.lat_e6);
    max_lat = std::max<double>(max_lat, c.lat_e6);
    min_lon = std::min<double>(min_lon, c.lon_e6);
    max_lon = std::max<double>(max_lon, c.lon_e6);
  }
  void add(std::span<const router::Coordinate> points) {
    for (const router::Coordinate& c : points) add(c);
  }
};

MapProjection::MapProjection(const router::RoadGraph& graph, std::span<const MapRoute> routes,
                             int width)
    : m_width(width) {
  Extent extent(graph);
  for (const MapRoute& route : routes) {
    // A failed job's point may be anywhere (a typo, swapped latitude and longitude): it is
    // drawn at the border instead of shrinking the roads to a speck.
    if (route.kind == MapRoute::Kind::failed) continue;
    extent.add(route.line);
    if (route.origin) extent.add(*route.origin);
    if (route.destination) extent.add(*route.destination);
  }
  fit(extent);
}

MapProjection::MapProjection(const router::RoadGraph& graph, const MapPlan& plan, int width)
    : m_width(width) {
  Extent extent(graph);
  for (const MapTour& tour : plan.tours) {
    extent.add(tour.line);
    extent.add(tour.stops);
  }
  extent.add(plan.depots);  // the unassigned go to the border, as failed routes do
  fit(extent);
}

void MapProjection::fit(const Extent& extent) {
  const int width = m_width;
  if (width < 64) throw std::invalid_argument("the picture must be at least 64 pixels wide");
  double min_lat = extent.min_lat, max_lat = extent.max_lat;
  double min_lon = extent.min_lon, max_lon = extent.max_lon;
  if (min_lat > max_lat) min_lat = max_lat = min_lon = max_lon = 0;  // nothing to draw

  m_cos_lat = std::max(0.01, std::cos((min_lat + max_lat) / 2 / 1e6 * std::numbers::pi / 180));
  m_min_x = min_lon * m_cos_lat;
  m_max_lat = max_lat;
  const double span_x = std::max(1.0, (max_lon - min_lon) * m_cos_lat);
  const double span_y = std::max(1.0, max_lat - min_lat);
  const double margin = std::max(8.0, width / 40.0);
  const double max_height = 2.0 * width;
  m_scale = std::min((width - 2 * margin) / span_x, (max_height - 2 * margin) / span_y);
  m_map_height = static_cast<int>(
      std::ceil(std::clamp(span_y * m_scale + 2 * margin, width / 4.0, max_height)));
  m_x0 = (width - (max_lon - min_lon) * m_cos_lat * m_scale) / 2;
  m_y0 = (m_map_height - (max_lat - min_lat) * m_scale) / 2;
}

MapProjection::Point MapProjection::operator()(router::Coordinate c) const {
  return {m_x0 + (c.lon_e6 * m_cos_lat - m_min_x) * m_scale,
          m_y0 + (m_max_lat - c.lat_e6) * m_scale};
}

MapProjection::Point MapProjection::clamped(router::Coordinate c) const {
  const double inset = std::max(8.0, m_width / 80.0);
  const Point p = (*this)(c);
  return {std::clamp(p.x, inset, m_width - inset), std::clamp(p.y, inset, m_map_height - inset)};
}

int MapProjection::caption_band() const {
  return static_cast<int>(std::lround(2.2 * std::max(11.0, m_width / 110.0)));
}

MapProjection render_map(const router::RoadGraph& graph, std::span<const MapRoute> routes,
                         const MapSpec& spec, const std::string& path) {
  const ImageFormat format = format_of(path);
  const MapProjection project(graph, routes, spec.width);
  write_picture(path, format, graph, spec, project,
                [&](cairo_t* cr) { draw_routes(cr, routes, project); });
  return project;
}

MapProjection render_plan(const router::RoadGraph& graph, const MapPlan& plan, const MapSpec& spec,
                          const std::string& path) {
  const ImageFormat format = format_of(path);
  const MapProjection project(graph, plan, spec.width);
  write_picture(path, format, graph, spec, project,
                [&](cairo_t* cr) { draw_plan(cr, plan, project); });
  return project;
}

std::vector<router::Coordinate> join_legs(
    std::span<const router::Coordinate> ends,
    std::span<const std::optional<std::vector<router::Coordinate>>> legs) {
  assert(ends.empty() ? legs.empty() : legs.size() + 1 == ends.size());
  std::vector<router::Coordinate> line;
  auto append = [&line](router::Coordinate c) {
    if (line.empty() || !(line.back() == c)) line.push_back(c);
  };
  for (std::size_t i = 0; i < legs.size(); ++i) {
    if (legs[i] && legs[i]->size() >= 2) {
      for (const router::Coordinate& c : *legs[i]) append(c);
    } else {
      append(ends[i]);
      append(ends[i + 1]);
    }
  }
  if (line.empty() && !ends.empty()) line.push_back(ends.front());
  return line;
}

}  // namespace waybill::cli
