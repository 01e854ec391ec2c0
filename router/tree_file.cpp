#include "router/tree_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <system_error>
#include <thread>

namespace waybill::router {
namespace {

struct TreeFileHeader {
  char magic[8];
  std::uint64_t nodes;
  std::uint64_t origin;
  std::uint64_t with_lengths;
  std::uint64_t crc;  // CRC-32 of the arrays, in order
};
constexpr char kTreeMagic[8] = {'W', 'B', 'T', 'R', 'E', 'E', '0', '1'};

template <class T>
uLong crc_of(uLong crc, std::span<const T> v) {
  if (v.empty()) return crc;
  return crc32_z(crc, reinterpret_cast<const Bytef*>(v.data()), v.size_bytes());
}

// The CRC-32 a tree file carries: of its arrays, in file order.
uLong arrays_crc(const ShortestPathTree::Arrays& a) {
  return crc_of(crc_of(crc_of(crc_of(crc32_z(0, nullptr, 0), a.dist), a.pred), a.hops),
                a.length_mm);
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// (An empty array's data() may be null, which fwrite must not be given.)
template <class T>
bool write_array(std::FILE* f, std::span<const T> v) {
  return v.empty() || std::fwrite(v.data(), sizeof(T), v.size(), f) == v.size();
}

// A file mapped read-only, unmapped with its last owner.
class Mapping {
 public:
  Mapping(void* address, std::size_t size) : m_address(address), m_size(size) {}
  ~Mapping() { ::munmap(m_address, m_size); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const std::byte* data() const { return static_cast<const std::byte*>(m_address); }

 private:
  void* m_address;
  std::size_t m_size;
};

// The `n` elements of type T at `offset` in `file` (the file's layout keeps them aligned).
template <class T>
std::span<const T> array_at(const Mapping& file, std::size_t offset, std::size_t n) {
  return {reinterpret_cast<const T*>(file.data() + offset), n};
}

}  // namespace

bool save_tree(const ShortestPathTree& tree, const std::filesystem::path& path) {
  const ShortestPathTree::Arrays a = tree.arrays();
  TreeFileHeader header{};
  std::memcpy(header.magic, kTreeMagic, sizeof kTreeMagic);
  header.nodes = a.dist.size();
  header.origin = tree.origin();
  header.with_lengths = a.length_mm.empty() ? 0 : 1;
  header.crc = arrays_crc(a);
  // Unique to this process and thread: two writers of one tree each rename a whole file.
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  bool ok = false;
  if (File f{std::fopen(tmp.c_str(), "wb")}) {
    ok = std::fwrite(&header, sizeof header, 1, f.get()) == 1 && write_array(f.get(), a.dist) &&
         write_array(f.get(), a.pred) && write_array(f.get(), a.hops) &&
         write_array(f.get(), a.length_mm);
    ok = std::fclose(f.release()) == 0 && ok;
  }
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) std::filesystem::remove(tmp, ec);
  return ok && !ec;
}

std::shared_ptr<const ShortestPathTree> load_tree(const RoadGraph& graph,
                                                  const std::filesystem::path& path) {
  const std::size_t n = graph.num_nodes();
  const std::size_t lengths = graph.has_lengths() ? n : 0;
  // The layout: the header, then dist, pred, hops and length_mm back to back.
  const std::size_t pred_at = sizeof(TreeFileHeader) + n * sizeof(Cost);
  const std::size_t hops_at = pred_at + n * sizeof(NodeIndex);
  const std::size_t lengths_at = hops_at + n * sizeof(std::uint32_t);
  const std::size_t size = lengths_at + lengths * sizeof(std::int64_t);
  // Every array starts aligned: the mapping is page-aligned, the header 8-byte sized, and pred
  // and hops together take 8 bytes a node.
  static_assert(sizeof(TreeFileHeader) % alignof(std::int64_t) == 0 &&
                sizeof(NodeIndex) + sizeof(std::uint32_t) == 8 && alignof(Cost) <= 8);

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  void* address = MAP_FAILED;
  // A file of any other size is short, or longer than a tree of this graph.
  if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) == size) {
    address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  }
  ::close(fd);  // the mapping keeps the file
  if (address == MAP_FAILED) return nullptr;
  auto file = std::make_shared<const Mapping>(address, size);

  TreeFileHeader header{};
  std::memcpy(&header, file->data(), sizeof header);
  if (std::memcmp(header.magic, kTreeMagic, sizeof kTreeMagic) != 0 || header.nodes != n ||
      header.origin >= n || header.with_lengths != (lengths > 0 ? 1u : 0u)) {
    return nullptr;
  }
  const ShortestPathTree::Arrays a{array_at<Cost>(*file, sizeof header, n),
                                   array_at<NodeIndex>(*file, pred_at, n),
                                   array_at<std::uint32_t>(*file, hops_at, n),
                                   array_at<std::int64_t>(*file, lengths_at, lengths)};
  if (arrays_crc(a) != header.crc) return nullptr;
  // Paths are read by following pred: every link must stay in the graph.
  if (std::any_of(a.pred.begin(), a.pred.end(), [n](NodeIndex p) { return p >= n; })) {
    return nullptr;
  }
  return std::make_shared<const ShortestPathTree>(graph, static_cast<NodeIndex>(header.origin),
                                                  std::move(file), a);
}

}  // namespace waybill::router
