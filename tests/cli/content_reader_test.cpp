// ContentReader: plain, gzip and zstd files read as the same content, told by their first bytes;
// several gzip members and zstd frames; corrupt and truncated data refused with the file named;
// other compressors named; a large content streamed in bounded memory.
#include "cli/content_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/cli/compress.h"

namespace waybill::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

class ContentReaderTest : public ::testing::Test {
 protected:
  ContentReaderTest()
      : m_dir(fs::temp_directory_path() / ("waybill_content_" + std::to_string(::getpid()))) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  ~ContentReaderTest() override { fs::remove_all(m_dir); }

  fs::path file(const std::string& name, std::string_view bytes) {
    std::ofstream(m_dir / name, std::ios::binary).write(bytes.data(), bytes.size());
    return m_dir / name;
  }

  /// The whole content, read in pieces of `piece` bytes.
  static std::string read_all(const fs::path& path, std::size_t piece = 7) {
    ContentReader reader(path);
    std::string content;
    std::string buffer(piece, '\0');
    while (const std::size_t got = reader.read(buffer.data(), buffer.size())) {
      content.append(buffer, 0, got);
    }
    EXPECT_EQ(reader.position(), content.size());
    return content;
  }

  /// The message of the FileError reading `path` throws; empty when it throws none.
  static std::string error_of(const fs::path& path) {
    try {
      read_all(path, 1 << 16);
    } catch (const FileError& e) {
      return e.what();
    }
    return "";
  }

  fs::path m_dir;
};

const std::string kBatch = [] {
  std::string text = "order_id,origin,destination\n";
  for (int i = 0; i < 20000; ++i) {
    text.append("J").append(std::to_string(i)).append(",").append(std::to_string(i % 97));
    text.append(",").append(std::to_string(i % 89)).append("\n");
  }
  return text;
}();

TEST_F(ContentReaderTest, PlainGzipAndZstdAreTheSameContent) {
  const auto plain = file("day.csv", kBatch);
  const auto gz = file("day.csv.gz", test::gzip(kBatch));
  const auto zst = file("day.csv.zst", test::zstd(kBatch));
  EXPECT_EQ(ContentReader(plain).compression(), Compression::none);
  EXPECT_EQ(ContentReader(gz).compression(), Compression::gzip);
  EXPECT_EQ(ContentReader(zst).compression(), Compression::zstd);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 20}) {
    EXPECT_EQ(read_all(plain, piece), kBatch);
    EXPECT_EQ(read_all(gz, piece), kBatch);
    EXPECT_EQ(read_all(zst, piece), kBatch);
  }
}

TEST_F(ContentReaderTest, LinesComeOneAtATimeAcrossPiecesWithTheBytesTheyTook) {
  // Lines longer than the reader's 64 KiB pieces, blank lines, a CRLF, a last line without '\n'.
  const std::string long_line(200'000, 'x');
  const std::string content = "a,b\n\n" + long_line + "\r\n" + long_line + "\nend";
  for (const auto& name : {std::string("l.csv"), std::string("l.csv.zst")}) {
    const auto path = name.ends_with(".zst") ? file(name, test::zstd(content)) : file(name, content);
    ContentReader reader(path);
    LineReader lines(reader);
    std::string line;
    std::vector<std::string> got;
    while (lines.next(line)) got.push_back(line);
    EXPECT_EQ(got, (std::vector<std::string>{"a,b", "", long_line + "\r", long_line, "end"})) << name;
    EXPECT_EQ(lines.consumed(), content.size()) << name;
  }
  // Cut at `max_bytes`: the rest of the line is skipped, the next line comes whole.
  ContentReader reader(file("cut.csv", long_line + "\nnext\n"));
  LineReader lines(reader);
  std::string line;
  bool too_long = false;
  ASSERT_TRUE(lines.next(line, 10, &too_long));
  EXPECT_EQ(line, "xxxxxxxxxx");
  EXPECT_TRUE(too_long);
  ASSERT_TRUE(lines.next(line, 10, &too_long));
  EXPECT_EQ(line, "next");
  EXPECT_FALSE(too_long);
  EXPECT_FALSE(lines.next(line));
}

TEST_F(ContentReaderTest, ToldByTheFirstBytesNotTheName) {
  EXPECT_EQ(read_all(file("looks-plain.csv", test::gzip(kBatch))), kBatch);
  EXPECT_EQ(read_all(file("looks-plain.txt", test::zstd(kBatch))), kBatch);
  EXPECT_EQ(read_all(file("looks-gzip.csv.gz", kBatch)), kBatch);
  EXPECT_EQ(read_all(file("looks-zstd.zst", kBatch)), kBatch);
}

TEST_F(ContentReaderTest, EmptyFilesAndEmptyStreams) {
  EXPECT_EQ(read_all(file("empty.csv", "")), "");
  EXPECT_EQ(read_all(file("empty.csv.gz", test::gzip(""))), "");
  EXPECT_EQ(read_all(file("empty.csv.zst", test::zstd(""))), "");
}

TEST_F(ContentReaderTest, SeveralGzipMembersAndZstdFramesFollowEachOther) {
  // As `cat a.gz b.gz` and pigz or zstd -T write them.
  const std::string first = kBatch.substr(0, 1000);
  const std::string rest = kBatch.substr(1000);
  EXPECT_EQ(read_all(file("two.gz", test::gzip(first) + test::gzip(rest))), kBatch);
  EXPECT_EQ(read_all(file("two.zst", test::zstd(first) + test::zstd(rest))), kBatch);
}

TEST_F(ContentReaderTest, TruncatedDataIsAnErrorNamingTheFile) {
  const std::string gz = test::gzip(kBatch);
  const std::string zst = test::zstd(kBatch);
  // Cut in the header, in the middle, in the footer (gzip's CRC and length, zstd's checksum).
  for (const std::size_t keep : {std::size_t{6}, gz.size() / 2, gz.size() - 9, gz.size() - 1}) {
    const auto path = file("cut.gz", gz.substr(0, keep));
    EXPECT_THAT(error_of(path), AllOf(HasSubstr(path.string() + ": "),
                                      testing::AnyOf(HasSubstr("gzip data cut short"),
                                                     HasSubstr("malformed gzip header"))))
        << "kept " << keep << " of " << gz.size();
  }
  for (const std::size_t keep : {std::size_t{4}, std::size_t{6}, zst.size() / 2, zst.size() - 1}) {
    const auto path = file("cut.zst", zst.substr(0, keep));
    EXPECT_THAT(error_of(path), AllOf(HasSubstr(path.string() + ": "),
                                      HasSubstr("zstd data cut short: it ends inside a frame")))
        << "kept " << keep << " of " << zst.size();
  }
  // A second frame cut short after a whole first one.
  const auto path = file("cut2.zst", zst + zst.substr(0, zst.size() / 2));
  EXPECT_THAT(error_of(path), HasSubstr("zstd data cut short"));
}

TEST_F(ContentReaderTest, CorruptDataIsAnError) {
  std::string gz = test::gzip(kBatch);
  gz[gz.size() / 2] ^= 0x55;
  EXPECT_THAT(error_of(file("bad.gz", gz)), AllOf(HasSubstr("bad.gz: "), HasSubstr("gzip")));
  std::string zst = test::zstd(kBatch);
  zst[zst.size() / 2] ^= 0x55;
  EXPECT_THAT(error_of(file("bad.zst", zst)),
              AllOf(HasSubstr("bad.zst: "), HasSubstr("corrupt zstd data")));
  // Trailing bytes that are no gzip member.
  EXPECT_THAT(error_of(file("tail.gz", test::gzip(kBatch) + "garbage")),
              HasSubstr("malformed gzip header"));
}

TEST_F(ContentReaderTest, OtherCompressorsAreNamedNotReadAsText) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a.bz2", "BZh91AY&SY"},
      {"a.xz", std::string("\xfd"
                           "7zXZ\0\0",
                           7)},
      {"a.7z", std::string("7z\xbc\xaf\x27\x1c\0\4", 8)},
      {"a.xlsx", std::string("PK\3\4\x14\0\6\0", 8)},
  };
  const std::vector<std::string> named = {"bzip2", "xz", "7-Zip", "zip archive"};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto path = file(cases[i].first, cases[i].second);
    try {
      ContentReader reader(path);
      ADD_FAILURE() << cases[i].first << " was taken for text";
    } catch (const FileError& e) {
      EXPECT_THAT(e.what(), AllOf(HasSubstr(path.string() + ": "), HasSubstr(named[i]),
                                  HasSubstr("gzip (.gz) and zstd (.zst)")));
    }
  }
}

TEST_F(ContentReaderTest, AFileThatCannotBeOpened) {
  const auto missing = m_dir / "missing.csv";
  EXPECT_THAT([&] { ContentReader reader(missing); },
              testing::ThrowsMessage<FileError>(
                  HasSubstr(missing.string() + ": cannot open: No such file or directory")));
  EXPECT_THAT([&] { ContentReader reader(m_dir); },
              testing::ThrowsMessage<FileError>(HasSubstr(": cannot open: is a folder")));
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_F(ContentReaderTest, ALargeContentIsStreamedNotHeld) {
  // 256 MiB of content in a few KiB of file: 256 gzip members (or zstd frames) of the same MiB.
  std::string mib;
  for (int i = 0; mib.size() < (1 << 20); ++i) {
    mib.append("J").append(std::to_string(i)).append(",12345,67890\n");
  }
  mib.resize(1 << 20);
  const std::string gz_member = test::gzip(mib);
  const std::string zst_frame = test::zstd(mib);
  std::string gz, zst;
  for (int i = 0; i < 256; ++i) {
    gz += gz_member;
    zst += zst_frame;
  }
  for (const auto& path : {file("big.gz", gz), file("big.zst", zst)}) {
    const long before = max_rss_kib();
    ContentReader reader(path);
    std::string piece(1 << 20, '\0');
    std::uint64_t total = 0;
    while (const std::size_t got = reader.read(piece.data(), piece.size())) total += got;
    EXPECT_EQ(total, std::uint64_t{256} << 20) << path;
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    // (Under the sanitizers freed memory waits in a quarantine: the peak RSS says nothing.)
    EXPECT_LT(max_rss_kib() - before, 32 * 1024)
        << path << ": the peak memory grew by more than 32 MiB";
#else
    (void)before;
#endif
  }
}

}  // namespace
}  // namespace waybill::cli
