// libFuzzer target: wire::decode_graph() on arbitrary bytes, as a worker reads a graph streamed
// to it or found in its cache. It must return a graph or throw std::runtime_error: any other
// exception, a crash or a failed assert (RoadGraph::build asserts its preconditions; ops/fuzz.sh
// builds with asserts on) is a bug. A graph it returns must survive encode -> decode unchanged.
#include "schema/graph_codec.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, const char* detail = "") {
  std::fprintf(stderr, "graph_decode_fuzz: %s%s%s\n", what, *detail ? ": " : "", detail);
  std::abort();
}

/// decode_graph(), with every outcome but a graph or std::runtime_error (whose text goes to
/// `error`) turned into a failure.
std::optional<waybill::router::RoadGraph> decode(std::string_view bytes, std::string& error) {
  try {
    return waybill::wire::decode_graph(bytes);
  } catch (const std::runtime_error& e) {
    error = e.what();
    return std::nullopt;
  } catch (const std::exception& e) {
    fail("decode_graph threw something other than std::runtime_error", e.what());
  } catch (...) {
    fail("decode_graph threw a non-standard exception");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string error;
  const auto graph = decode(std::string_view(reinterpret_cast<const char*>(data), size), error);
  if (!graph) return 0;

  // Deterministic bytes: what the graph re-encodes to decodes to a graph that encodes the same.
  const std::string encoded = waybill::wire::encode_graph(*graph);
  const auto again = decode(encoded, error);
  if (!again) fail("decode_graph(encode_graph(decoded)) failed", error.c_str());
  if (again->num_nodes() != graph->num_nodes() || again->num_arcs() != graph->num_arcs()) {
    fail("round trip changed the node or arc count");
  }
  if (waybill::wire::encode_graph(*again) != encoded) fail("round trip changed the bytes");
  return 0;
}
