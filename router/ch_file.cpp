#include "router/ch_file.h"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace waybill::router {
namespace {

constexpr char kMagic[8] = {'W', 'B', 'C', 'H', 'I', 'E', 'R', '\n'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kWithLengths = 1;  // flags

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t flags;
  std::uint64_t nodes;
  std::uint64_t graph_arcs;
  std::uint64_t up_arcs;
  std::uint64_t down_arcs;
  std::uint64_t hash_size;
  char graph_hash[kMaxGraphHashSize];
  std::uint64_t crc;  // CRC-32 of everything after the header
};
static_assert(sizeof(Header) == 192);

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Every array of a hierarchy, in file order, each given to `visit` with its element count: the
// one list that both saving and loading walk. `n` nodes, `up` and `down` arcs per graph.
template <class Rank, class ArcsT, class Visit>
void for_each_array(Rank& rank, ArcsT& up, ArcsT& down, bool lengths, Visit visit) {
  visit(rank);
  for (ArcsT* a : {&up, &down}) {
    visit(a->first_out);
    visit(a->head);
    visit(a->weight);
    visit(a->middle);
    visit(a->hops);
    if (lengths) visit(a->length_mm);
  }
}

template <class V>
std::size_t bytes_of(const V& v) {
  return v.size() * sizeof(*v.data());
}

std::string describe(std::string_view hash) {
  return hash.empty() ? std::string("(no hash)") : "'" + std::string(hash) + "'";
}

// The bytes of the arrays that a header announces; nothing when its counts cannot be those of a
// file (they would overflow), as only a corrupt header says.
std::optional<std::uint64_t> body_size(const Header& h) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  if (h.nodes >= kMax || h.up_arcs > kMax || h.down_arcs > kMax) return std::nullopt;
  // head, weight, middle, hops and length; rank, and first_out in each graph (one more entry).
  const std::uint64_t per_arc = sizeof(NodeIndex) + sizeof(Cost) + sizeof(NodeIndex) +
                                sizeof(std::uint32_t) +
                                ((h.flags & kWithLengths) ? sizeof(std::int64_t) : 0);
  const std::uint64_t per_node = sizeof(NodeIndex) + 2 * sizeof(std::uint32_t);
  return per_node * h.nodes + 2 * sizeof(std::uint32_t) + per_arc * (h.up_arcs + h.down_arcs);
}

}  // namespace

void save_hierarchy(const std::filesystem::path& path, const ContractionHierarchy& ch,
                    std::string_view graph_hash) {
  if (graph_hash.size() > kMaxGraphHashSize) {
    throw std::invalid_argument("graph hash of " + std::to_string(graph_hash.size()) +
                                " bytes: a hierarchy file holds at most " +
                                std::to_string(kMaxGraphHashSize));
  }
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.flags = ch.has_lengths() ? kWithLengths : 0;
  h.nodes = ch.num_nodes();
  h.graph_arcs = ch.graph_arcs();
  h.up_arcs = ch.up().head.size();
  h.down_arcs = ch.down().head.size();
  h.hash_size = graph_hash.size();
  std::memcpy(h.graph_hash, graph_hash.data(), graph_hash.size());
  const std::span<const NodeIndex> rank = ch.ranks();
  uLong crc = crc32_z(0, nullptr, 0);
  for_each_array(rank, ch.up(), ch.down(), ch.has_lengths(), [&](const auto& v) {
    if (!v.empty()) crc = crc32_z(crc, reinterpret_cast<const Bytef*>(v.data()), bytes_of(v));
  });
  h.crc = crc;

  // Unique to this process and thread: two writers of one hierarchy each rename a whole file.
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  std::string failure;
  if (File f{std::fopen(tmp.c_str(), "wb")}) {
    bool ok = std::fwrite(&h, sizeof h, 1, f.get()) == 1;
    for_each_array(rank, ch.up(), ch.down(), ch.has_lengths(), [&](const auto& v) {
      ok = ok && (v.empty() || std::fwrite(v.data(), bytes_of(v), 1, f.get()) == 1);
    });
    if (!ok) failure = std::string("cannot write: ") + std::strerror(errno);
    if (std::fclose(f.release()) != 0 && failure.empty()) {
      failure = std::string("cannot write: ") + std::strerror(errno);
    }
  } else {
    failure = std::string("cannot create ") + tmp.string() + ": " + std::strerror(errno);
  }
  std::error_code ec;
  if (failure.empty()) {
    std::filesystem::rename(tmp, path, ec);
    if (ec) failure = "cannot rename " + tmp.string() + " into place: " + ec.message();
  }
  if (!failure.empty()) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error(path.string() + ": " + failure);
  }
}

ContractionHierarchy load_hierarchy(const std::filesystem::path& path, const RoadGraph& graph,
                                    std::string_view graph_hash) {
  const auto refuse = [&path](const std::string& what) -> std::runtime_error {
    return std::runtime_error(path.string() + ": " + what);
  };
  File f{std::fopen(path.c_str(), "rb")};
  if (!f) throw refuse(std::string("cannot open: ") + std::strerror(errno));
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw refuse("cannot read its size: " + ec.message());

  Header h{};
  if (size < sizeof h || std::fread(&h, sizeof h, 1, f.get()) != 1) {
    throw refuse("truncated: " + std::to_string(size) + " bytes, less than a header (" +
                 std::to_string(sizeof h) + ")");
  }
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    throw refuse("not a contraction hierarchy file (bad magic)");
  }
  if (h.version != kVersion) {
    throw refuse("format version " + std::to_string(h.version) + ", this build reads version " +
                 std::to_string(kVersion));
  }
  if (h.hash_size > kMaxGraphHashSize) throw refuse("corrupt header (graph hash size)");
  const std::string_view saved_hash(h.graph_hash, h.hash_size);
  if (saved_hash != graph_hash) {
    throw refuse("built for graph " + describe(saved_hash) + ", not " + describe(graph_hash));
  }
  if (h.nodes != graph.num_nodes() || h.graph_arcs != graph.num_arcs()) {
    throw refuse("built for a graph of " + std::to_string(h.nodes) + " nodes and " +
                 std::to_string(h.graph_arcs) + " arcs, not " + std::to_string(graph.num_nodes()) +
                 " nodes and " + std::to_string(graph.num_arcs()) + " arcs");
  }
  const bool lengths = (h.flags & kWithLengths) != 0;
  if (lengths != graph.has_lengths()) {
    throw refuse(lengths ? "built with arc lengths, and the graph has none"
                         : "built without arc lengths, and the graph has them");
  }
  const std::optional<std::uint64_t> body = body_size(h);
  if (!body) throw refuse("corrupt header (arc counts)");
  if (size != sizeof h + *body) {
    throw refuse(std::string(size < sizeof h + *body ? "truncated" : "trailing data") + ": " +
                 std::to_string(size) + " bytes, the header announces " +
                 std::to_string(sizeof h + *body));
  }

  std::vector<NodeIndex> rank(h.nodes);
  ContractionHierarchy::Arcs up;
  ContractionHierarchy::Arcs down;
  for (const auto& [a, m] : {std::pair{&up, h.up_arcs}, std::pair{&down, h.down_arcs}}) {
    a->first_out.resize(h.nodes + 1);
    a->head.resize(m);
    a->weight.resize(m);
    a->middle.resize(m);
    a->hops.resize(m);
    if (lengths) a->length_mm.resize(m);
  }
  uLong crc = crc32_z(0, nullptr, 0);
  bool read = true;
  for_each_array(rank, up, down, lengths, [&](auto& v) {
    const std::size_t bytes = bytes_of(v);
    if (v.empty() || !read) return;
    read = std::fread(v.data(), bytes, 1, f.get()) == 1;
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(v.data()), bytes);
  });
  if (!read) throw refuse(std::string("read error: ") + std::strerror(errno));
  if (crc != h.crc) throw refuse("checksum mismatch: the file is corrupt");
  try {
    return ContractionHierarchy(std::move(rank), std::move(up), std::move(down), lengths,
                                h.graph_arcs);
  } catch (const std::invalid_argument& e) {
    throw refuse(std::string("not a valid hierarchy: ") + e.what());
  }
}

}  // namespace waybill::router
