#include "cli/content_reader.h"

#include <zstd.h>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <boost/iostreams/read.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ios>
#include <memory>
#include <string_view>
#include <vector>

namespace waybill::cli {
namespace io = boost::iostreams;
namespace fs = std::filesystem;

namespace {

class ZstdError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// libzstd's streaming decompression as a Boost.Iostreams input filter. Boost 1.74's own
/// zstd_decompressor ends quietly where a truncated file ends (half of a .zst read as its first
/// 786,432 bytes, and no error): a batch file cut short would be stored as if it were whole.
/// This one remembers whether the last frame was finished, and says so at the end.
class ZstdDecompressor : public io::multichar_input_filter {
 public:
  ZstdDecompressor() : m_state(std::make_shared<State>()) {
    if (!m_state->context) throw ZstdError("zstd: cannot create a decompression context");
  }

  template <class Source>
  std::streamsize read(Source& source, char* data, std::streamsize size) {
    State& s = *m_state;
    for (;;) {
      if (s.in.pos == s.in.size && !s.eof) {
        const std::streamsize got =
            io::read(source, s.buffer.data(), static_cast<std::streamsize>(s.buffer.size()));
        if (got < 0) {
          s.eof = true;
        } else {
          s.in = ZSTD_inBuffer{s.buffer.data(), static_cast<std::size_t>(got), 0};
        }
      }
      ZSTD_outBuffer out{data, static_cast<std::size_t>(size), 0};
      const std::size_t consumed_before = s.in.pos;
      const std::size_t hint = ZSTD_decompressStream(s.context.get(), &out, &s.in);
      if (ZSTD_isError(hint))
        throw ZstdError(std::string("corrupt zstd data: ") + ZSTD_getErrorName(hint));
      // 0: a frame is complete and flushed. Called without input between two frames, libzstd
      // answers the size of the next frame's header: only a call that did something counts.
      if (out.pos > 0 || s.in.pos > consumed_before) s.frame_open = hint != 0;
      if (out.pos > 0) return static_cast<std::streamsize>(out.pos);
      if (s.eof && s.in.pos == s.in.size) {
        if (s.frame_open) throw ZstdError("zstd data cut short: it ends inside a frame");
        return -1;
      }
    }
  }

 private:
  struct State {
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context{ZSTD_createDCtx(), &ZSTD_freeDCtx};
    std::vector<char> buffer = std::vector<char>(ZSTD_DStreamInSize());
    ZSTD_inBuffer in{nullptr, 0, 0};
    bool eof = false;
    bool frame_open = false;
  };
  std::shared_ptr<State> m_state;  // Boost.Iostreams copies filters
};

std::string gzip_problem(const io::gzip_error& e) {
  switch (e.error()) {
    case io::gzip::bad_crc:
      return "corrupt gzip data: its CRC does not match";
    case io::gzip::bad_length:
      return "corrupt gzip data: its length does not match";
    case io::gzip::bad_header:
      return "malformed gzip header";
    case io::gzip::bad_footer:
      return "gzip data cut short: the footer is missing";
    case io::gzip::bad_method:
      return "gzip data compressed with an unknown method";
    default:
      break;
  }
  if (e.zlib_error_code() == io::zlib::buf_error) return "gzip data cut short";
  if (e.zlib_error_code() == io::zlib::data_error) return "corrupt gzip data";
  return "unreadable gzip data (zlib error " + std::to_string(e.zlib_error_code()) + ")";
}

}  // namespace

Compression sniff_compression(const fs::path& file, std::string_view first) {
  const auto refuse = [&](const std::string& what) {
    throw FileError(file.string() + ": " + what);
  };
  if (first.starts_with("\x1f\x8b")) return Compression::gzip;
  if (first.starts_with("\x28\xb5\x2f\xfd")) return Compression::zstd;
  const std::string read = "; waybill reads plain, gzip (.gz) and zstd (.zst) files";
  if (first.starts_with("BZh")) refuse("compressed with bzip2" + read);
  if (first.starts_with(std::string_view("\xfd"
                                         "7zXZ\0",
                                         6)))
    refuse("compressed with xz" + read);
  if (first.starts_with(std::string_view("7z\xbc\xaf\x27\x1c", 6)))
    refuse("a 7-Zip archive" + read);
  if (first.starts_with("PK\x03\x04") || first.starts_with("PK\x05\x06")) {
    refuse("a zip archive (a spreadsheet? save it as CSV)" + read);
  }
  return Compression::none;
}

struct ContentReader::Chain {
  std::ifstream file;
  io::filtering_istream in;
};

ContentReader::ContentReader(const fs::path& file)
    : m_file(file), m_chain(std::make_unique<Chain>()) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw FileError(file.string() + ": cannot open: is a folder");
  m_chain->file.open(file, std::ios::binary);
  if (!m_chain->file) {
    throw FileError(file.string() + ": cannot open: " + std::strerror(errno));
  }
  std::array<char, 8> first{};
  m_chain->file.read(first.data(), first.size());
  m_compression = sniff_compression(file, std::string_view(first.data(), m_chain->file.gcount()));
  m_chain->file.clear();
  m_chain->file.seekg(0);
  constexpr std::streamsize kBuffer = 1 << 16;
  if (m_compression == Compression::gzip) {
    m_chain->in.push(io::gzip_decompressor(io::zlib::default_window_bits, kBuffer), kBuffer);
  } else if (m_compression == Compression::zstd) {
    m_chain->in.push(ZstdDecompressor(), kBuffer);
  }
  m_chain->in.push(m_chain->file, kBuffer);
  m_chain->in.exceptions(std::ios::badbit);
}

ContentReader::~ContentReader() = default;

std::size_t ContentReader::read(char* data, std::size_t size) {
  io::filtering_istream& in = m_chain->in;
  if (!in.good()) return 0;
  const auto where = [&] {
    return " (" + std::to_string(m_position) + " bytes of content read before)";
  };
  try {
    in.read(data, static_cast<std::streamsize>(size));
  } catch (const io::gzip_error& e) {
    throw FileError(m_file.string() + ": " + gzip_problem(e) + where());
  } catch (const ZstdError& e) {
    throw FileError(m_file.string() + ": " + e.what() + where());
  } catch (const std::exception& e) {
    throw FileError(m_file.string() + ": read error: " + e.what() + where());
  }
  const auto got = static_cast<std::size_t>(in.gcount());
  m_position += got;
  return got;
}

bool LineReader::refill() {
  if (m_end) return false;
  constexpr std::size_t kPiece = 1 << 16;
  m_buffer.erase(0, m_at);
  m_at = 0;
  const std::size_t have = m_buffer.size();
  m_buffer.resize(have + kPiece);
  const std::size_t got = m_in.read(m_buffer.data() + have, kPiece);
  m_buffer.resize(have + got);
  m_end = got == 0;
  return got > 0;
}

bool LineReader::next(std::string& line, std::size_t max_bytes, bool* too_long) {
  line.clear();
  bool cut = false;
  for (;;) {
    const std::size_t newline = m_buffer.find('\n', m_at);
    const std::size_t end = newline == std::string::npos ? m_buffer.size() : newline;
    const std::size_t room = cut ? 0 : max_bytes - line.size();
    line.append(m_buffer, m_at, std::min(end - m_at, room));
    cut = cut || end - m_at > room;
    m_consumed += end - m_at;
    m_at = end;
    if (newline != std::string::npos) {
      ++m_at;
      ++m_consumed;
      break;
    }
    if (!refill()) {
      if (line.empty() && !cut) return false;
      break;  // a last line without its newline
    }
  }
  if (too_long) *too_long = cut;
  return true;
}

}  // namespace waybill::cli
