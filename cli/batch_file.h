// What `waybill submit` knows of a batch file before and after sending it: whether it is a batch
// file at all (by the dispatcher's own header rules, dispatcher/batch_parser.h), the identity
// the dispatcher deduplicates by, and examples of the lines it rejects. Compressed files (gzip,
// zstd) are read as their content (cli/content_reader.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace waybill::cli {

/// Why `file` is not a batch file, or nothing when it may be one: it is empty, binary, its
/// first non-blank line is not a header naming the columns of one form (and no others), or no
/// line follows the header. Reads only the start of the content: the header and the first line
/// after it. Throws FileError when the file cannot be read.
std::optional<std::string> batch_file_problem(const std::filesystem::path& file);

/// The identity of a batch: the SHA-256 of the file's content (decompressed), and its size.
/// What names a batch before its file is read whole: the content's first MiB.
constexpr std::uint64_t kHeadBytes = 1 << 20;

struct ContentDigest {
  std::string sha256_hex;
  std::uint64_t bytes = 0;
  std::string head_hex;  ///< of the first kHeadBytes (all of it when shorter)
};

/// Reads the whole content once, in pieces. Throws FileError.
ContentDigest content_digest(const std::filesystem::path& file);

/// Reads the content's first kHeadBytes: their hash, and with `sha256_hex` non-empty the whole
/// content's, when it is no longer. Throws FileError.
ContentDigest content_head(const std::filesystem::path& file);

/// A line the dispatcher's rules reject, and why (the reason as in the rejects table).
struct RejectExample {
  std::uint64_t line = 0;
  std::string reason;
};

/// The first `max` lines of `file` that the dispatcher's line rules reject, looking no further
/// than line `max_lines`. Unknown node ids are not found: they need the graph. Throws FileError.
std::vector<RejectExample> reject_examples(const std::filesystem::path& file, std::size_t max,
                                           std::uint64_t max_lines);

}  // namespace waybill::cli
