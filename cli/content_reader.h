// A file's content as the dispatcher should get it: decompressed when the file is gzip or zstd,
// told by its first bytes, not its name. Streamed in pieces: a file of any size costs a few
// buffers of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace waybill::cli {

/// A file that cannot be read, or whose compressed data is corrupt or cut short. The message
/// names the file and what is wrong.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Compression { none, gzip, zstd };

/// The compression `first_bytes` (the start of a file, 6 bytes suffice) announce: gzip (1f 8b)
/// or zstd (28 b5 2f fd), else none. Throws FileError for the formats not read (bzip2, xz, zip,
/// 7z), so that they are not taken for text.
Compression sniff_compression(const std::filesystem::path& file, std::string_view first_bytes);

/// Reads a file's content in pieces, decompressing gzip (also several members one after the
/// other) and zstd (also several frames). Not copyable; one thread.
class ContentReader {
 public:
  /// Throws FileError "FILE: cannot open: REASON" (also for a folder).
  explicit ContentReader(const std::filesystem::path& file);
  ~ContentReader();
  ContentReader(const ContentReader&) = delete;
  ContentReader& operator=(const ContentReader&) = delete;

  /// Fills `data` with up to `size` bytes of content; returns how many, 0 only at the end.
  /// Throws FileError on a read error and on corrupt or truncated compressed data, naming the
  /// file and how much content was read before.
  std::size_t read(char* data, std::size_t size);

  Compression compression() const { return m_compression; }
  const std::filesystem::path& file() const { return m_file; }
  /// Content bytes read so far.
  std::uint64_t position() const { return m_position; }

 private:
  struct Chain;  // the Boost.Iostreams stream: decompressor (if any), then the file
  std::filesystem::path m_file;
  Compression m_compression = Compression::none;
  std::uint64_t m_position = 0;
  std::unique_ptr<Chain> m_chain;
};

/// The lines of a ContentReader, one at a time, read in pieces of 64 KiB.
class LineReader {
 public:
  explicit LineReader(ContentReader& in) : m_in(in) {}

  /// The next line into `line`, without its '\n' (a last line may lack one); false at the end.
  /// A line longer than `max_bytes` comes cut to its first `max_bytes` (the rest is skipped), and
  /// `too_long`, when given, says so.
  bool next(std::string& line, std::size_t max_bytes = std::string::npos, bool* too_long = nullptr);
  /// Bytes of content in the lines returned so far, their '\n's included.
  std::uint64_t consumed() const { return m_consumed; }

 private:
  bool refill();

  ContentReader& m_in;
  std::string m_buffer;
  std::size_t m_at = 0;
  bool m_end = false;
  std::uint64_t m_consumed = 0;
};

}  // namespace waybill::cli
