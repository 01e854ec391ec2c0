// Writes the seed corpora of the decoder fuzz targets: one valid frame of each message type to
// DIR/messages/ and a few small encoded graphs to DIR/graph/. The output is committed under
// tests/fuzz/corpus/; rerun after a schema change:
//   build-fuzz/tests/fuzz/fuzz_seeds tests/fuzz/corpus
// (Batch seeds need no generator: ops/fuzz.sh reads tests/data/batches/ directly.)
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "router/graph.h"
#include "schema/graph_codec.h"
#include "schema/messages.h"

namespace {

namespace fs = std::filesystem;
using namespace waybill::wire;
using waybill::router::Arc;
using waybill::router::Coordinate;
using waybill::router::NodeId;
using waybill::router::RoadGraph;

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_messages(const fs::path& dir) {
  fs::create_directories(dir);
  const std::string hash = "3f2a9c0e7b1d4a5f8e6c2b0a9d7f1e3c5b8a0d2f4e6c8a1b3d5f7e9c0a2b4d6f";
  write(dir / "hello.bin", encode(Hello{"host-1:4242", "ab12cd4", 8}));
  write(dir / "graph_request.bin", encode(GraphRequest{hash, 65536}));
  write(dir / "credit.bin", encode(Credit{4}));
  write(dir / "chunk_result.bin", encode(ChunkResult{7,
                                                     3,
                                                     2,
                                                     {{0, JobStatus::ok, 1234, 17},
                                                      {1, JobStatus::unreachable, 0, 0},
                                                      {2, JobStatus::unknown_node, 0, 0},
                                                      {3, JobStatus::failed, 0, 0}},
                                                     ""}));
  write(dir / "chunk_result_error.bin", encode(ChunkResult{8, 3, 5, {}, "graph not loaded"}));
  write(dir / "heartbeat.bin", encode(Heartbeat{}));
  write(dir / "goodbye.bin", encode(Goodbye{}));
  write(dir / "welcome.bin", encode(Welcome{hash, 1 << 20, 1000}));
  write(dir / "graph_chunk.bin",
        encode(GraphChunk{hash, 0, 24, std::string("\0\1\2\3\4\5\6\7", 8)}));
  write(dir / "lease.bin",
        encode(Lease{7, 3, 2, 30000, hash, {{0, 1, 2}, {1, 1, 900}, {2, 44, -5}}}));
  write(dir / "submit_begin.bin", encode(SubmitBegin{"ny", hash, "orders.csv", 4096}));
  write(dir / "submit_data.bin",
        encode(SubmitData{1, 0, "order_id,origin,destination\nJ1,1,2\n", true}));
  write(dir / "status_request.bin", encode(StatusRequest{3}));
  write(dir / "submit_reply.bin",
        encode(SubmitReply{SubmitReply::Stage::done, 1, 0, 3, false, 2, 1, ""}));
  write(dir / "submit_reply_failed.bin",
        encode(SubmitReply{SubmitReply::Stage::failed, 1, 0, 0, false, 0, 0, "no such graph"}));
  write(dir / "status_reply.bin",
        encode(StatusReply{{{3, "orders.csv", "ny", 2, 1, 2, 1, true, 0.25}},
                           {{"host-1:4242", 8, 2, 1000, 0.5}},
                           ""}));
}

void write_graphs(const fs::path& dir) {
  fs::create_directories(dir);
  const auto id = [](std::int64_t i) { return NodeId{i}; };
  write(dir / "empty.bin", encode_graph(RoadGraph::build({}, {})));
  write(dir / "triangle.bin",
        encode_graph(RoadGraph::build({id(1), id(2), id(3)},
                                      {{id(1), id(2), 5}, {id(2), id(3), 7}, {id(3), id(1), 0}})));
  write(dir / "sparse_ids_coords.bin",
        encode_graph(RoadGraph::build(
            {id(-40), id(7), id(1000000000000)},
            {{id(-40), id(7), 10}, {id(7), id(-40), 12}, {id(7), id(1000000000000), 3}},
            {Coordinate{-73990000, 40750000}, Coordinate{-73980000, 40760000},
             Coordinate{-73970000, 40770000}})));
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds DIR   (writes DIR/messages/ and DIR/graph/)\n");
    return 2;
  }
  const fs::path dir = argv[1];
  write_messages(dir / "messages");
  write_graphs(dir / "graph");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fuzz_seeds: %s\n", e.what());
  return 1;
}
