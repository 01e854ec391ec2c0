// What `waybill submit` checks before it sends a byte: a file that is not a batch file is named
// with what is wrong; a batch file passes whatever its lines hold (those are the dispatcher's to
// reject). Checked against the dispatcher's parser over the corpus of tests/data/batches. Also
// the content digest (a compressed file is its content) and the examples of rejected lines.
#include "cli/batch_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/content_reader.h"
#include "common/sha256.h"
#include "dispatcher/batch_parser.h"
#include "tests/cli/compress.h"

namespace waybill::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Optional;

class BatchFileTest : public ::testing::Test {
 protected:
  BatchFileTest()
      : m_dir(fs::temp_directory_path() / ("waybill_batch_file_" + std::to_string(::getpid()))) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  ~BatchFileTest() override { fs::remove_all(m_dir); }

  fs::path file(const std::string& name, std::string_view bytes) {
    std::ofstream(m_dir / name, std::ios::binary).write(bytes.data(), bytes.size());
    return m_dir / name;
  }
  std::optional<std::string> problem(std::string_view bytes) {
    return batch_file_problem(file("batch.csv", bytes));
  }

  fs::path m_dir;
};

TEST_F(BatchFileTest, WhatIsNotABatchFileIsNamed) {
  EXPECT_THAT(problem(""), Optional(std::string("it is empty")));
  EXPECT_THAT(problem("\n\r\n\n"), Optional(std::string("it holds only blank lines")));
  EXPECT_THAT(problem("order_id,origin,destination\n"),
              Optional(std::string("it holds a header and no jobs")));
  EXPECT_THAT(problem("order_id,origin,destination"),
              Optional(std::string("it holds a header and no jobs")));
  EXPECT_THAT(problem("\norder_id,origin,destination\r\n\r\n\n\r"),
              Optional(std::string("it holds a header and no jobs")));
  EXPECT_THAT(problem(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)),
              Optional(std::string("it is binary data, not CSV text (line 1: not UTF-8)")));
  EXPECT_THAT(problem(std::string("ab\0cd\n", 6)),
              Optional(std::string("it is binary data, not CSV text (line 1: a NUL byte)")));
  EXPECT_THAT(problem(std::string("\xff\xfeo\0r\0d\0\n\0", 10)), Optional(HasSubstr("UTF-16")));
  EXPECT_THAT(problem("order_id;origin;destination\nJ1;1;2\n"),
              Optional(std::string(
                  "line 1: bad header: unknown column 'order_id;origin;destination'; missing "
                  "column 'order_id'; missing column 'origin'; missing column 'destination' (its "
                  "fields are separated by ';'; a batch file's by ',')")));
  EXPECT_THAT(problem("order_id\torigin\tdestination\nJ1\t1\t2\n"),
              Optional(HasSubstr("(its fields are separated by tabs; a batch file's by ',')")));
  EXPECT_THAT(problem("\nJ1,1,2\nJ2,3,4\n"),
              Optional(HasSubstr("line 2: bad header: unknown column 'J1'")));
  EXPECT_THAT(problem("J1,1,2\nJ2,3,4\n"),
              Optional(HasSubstr("(the first line must name the columns, e.g. "
                                 "order_id,origin,destination or ")));
  EXPECT_THAT(problem("order_id,origin,destination,color\nJ1,1,2,red\n"),
              Optional(std::string("line 1: bad header: unknown column 'color'")));
  EXPECT_THAT(problem("order_id,origin,origin_lat,origin_lon,dest_lat,dest_lon\nJ1,1,2,3,4,5\n"),
              Optional(HasSubstr("line 1: bad header: node columns (origin, destination) and "
                                 "coordinate columns")));
  EXPECT_THAT(problem(std::string(2 << 20, 'x') + "\nJ1,1,2\n"),
              Optional(std::string("line 1: bad header: line longer than 1048576 bytes")));
}

TEST_F(BatchFileTest, ABatchFilePassesWhateverItsLinesHold) {
  EXPECT_EQ(problem("order_id,origin,destination\nJ1,1,2\n"), std::nullopt);
  EXPECT_EQ(problem("\xEF\xBB\xBFOrder_ID,origin,destination,weight_kg\r\nJ1,1,2,3\r\n"),
            std::nullopt);
  EXPECT_EQ(problem("\n\norder_id,origin_lat,origin_lon,dest_lat,dest_lon\n\nJ1,1,2,3,4"),
            std::nullopt);
  // Lines the dispatcher will reject make a batch with rejects, not a refused file.
  EXPECT_EQ(problem("order_id,origin,destination\nJ1,x\n"), std::nullopt);
  EXPECT_EQ(problem("order_id,origin,destination\n \n"), std::nullopt);
  EXPECT_EQ(problem("order_id,origin,destination\n\r\r\n"), std::nullopt);
  EXPECT_EQ(problem(std::string("order_id,origin,destination\nJ1,1,") + '\0' + "\n"), std::nullopt);
  // A line after the header is found without reading it whole.
  EXPECT_EQ(problem("order_id,origin,destination\n" + std::string(3 << 20, 'x')), std::nullopt);
}

TEST_F(BatchFileTest, ACompressedFileIsCheckedByItsContent) {
  EXPECT_THAT(batch_file_problem(file("h.csv.gz", test::gzip("order_id,origin,destination\n"))),
              Optional(std::string("its gzip content holds a header and no jobs")));
  EXPECT_THAT(batch_file_problem(file("e.csv.zst", test::zstd(""))),
              Optional(std::string("its zstd content is empty")));
  EXPECT_EQ(batch_file_problem(file("ok.zst", test::zstd("order_id,origin,destination\nJ,1,2\n"))),
            std::nullopt);
  EXPECT_THROW(batch_file_problem(file("cut.gz", test::gzip("order_id,origin").substr(0, 12))),
               FileError);
}

TEST_F(BatchFileTest, NeverRefusesAFileTheDispatcherWouldTakeAJobFrom) {
  // The corpus of the parser's tests: a refused file is one of which the dispatcher's parser
  // accepts no line (whatever the graph); every other file passes.
  const fs::path corpus = fs::path(WAYBILL_TEST_DATA_DIR) / "batches";
  std::vector<std::string> refused;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    dispatcher::BatchParser parser([](std::int64_t) { return true; });
    std::vector<dispatcher::JobRow> jobs;
    std::vector<dispatcher::RejectRow> rejects;
    parser.feed(bytes, jobs, rejects);
    parser.finish(jobs, rejects);
    std::optional<std::string> why;
    try {
      why = batch_file_problem(entry.path());
    } catch (const FileError& e) {  // binary_garbage.bin begins like gzip, and is not
      why = e.what();
    }
    if (why) {
      refused.push_back(entry.path().filename().string());
      EXPECT_EQ(parser.accepted(), 0u) << entry.path() << " refused: " << *why;
    } else {
      EXPECT_GT(parser.lines(), 1u) << entry.path();
    }
  }
  std::sort(refused.begin(), refused.end());
  EXPECT_EQ(refused, (std::vector<std::string>{"bad_header.csv", "binary_garbage.bin",
                                               "duplicate_columns.csv", "empty.csv",
                                               "header_only.csv", "mixed_forms.csv"}));
}

TEST_F(BatchFileTest, TheDigestIsTheContentsSoACompressedFileIsItsPlainForm) {
  const std::string text = "order_id,origin,destination\nJ1,1,2\nJ2,2,3\n";
  const ContentDigest plain = content_digest(file("a.csv", text));
  EXPECT_EQ(plain.sha256_hex, sha256_hex(text));
  EXPECT_EQ(plain.bytes, text.size());
  // The same as the digest `waybill submit` sent before it read compressed files.
  EXPECT_EQ(plain.sha256_hex, file_sha256_hex(m_dir / "a.csv"));
  const ContentDigest gz = content_digest(file("a.csv.gz", test::gzip(text)));
  const ContentDigest zst = content_digest(file("a.csv.zst", test::zstd(text)));
  EXPECT_EQ(gz.sha256_hex, plain.sha256_hex);
  EXPECT_EQ(zst.sha256_hex, plain.sha256_hex);
  EXPECT_EQ(gz.bytes, text.size());
  EXPECT_EQ(zst.bytes, text.size());
}

TEST_F(BatchFileTest, TheHeadIsTheFirstMiBsHashAndAShortFileIsHashedWhole) {
  std::string text = "order_id,origin,destination\n";
  for (int i = 0; text.size() < 3 * kHeadBytes; ++i) {
    text.append("J").append(std::to_string(i)).append(",1,2\n");
  }
  const std::string head = sha256_hex(text.substr(0, kHeadBytes));
  for (const auto& path : {file("big.csv", text), file("big.csv.gz", test::gzip(text))}) {
    const ContentDigest started = content_head(path);
    EXPECT_EQ(started.head_hex, head) << path;
    EXPECT_EQ(started.sha256_hex, "") << path;  // not read whole
    const ContentDigest whole = content_digest(path);
    EXPECT_EQ(whole.head_hex, head) << path;
    EXPECT_EQ(whole.sha256_hex, sha256_hex(text)) << path;
  }
  // No longer than a MiB: the head is the whole content, hashed here at no extra cost.
  for (const std::size_t size : {std::size_t{100}, std::size_t{kHeadBytes}}) {
    const std::string shorter = text.substr(0, size);
    const ContentDigest d = content_head(file("short.csv", shorter));
    EXPECT_EQ(d.head_hex, sha256_hex(shorter)) << size;
    EXPECT_EQ(d.sha256_hex, sha256_hex(shorter)) << size;
    EXPECT_EQ(d.bytes, size);
  }
}

TEST_F(BatchFileTest, RejectExamplesAreTheDispatchersReasons) {
  std::string text = "order_id,origin,destination,weight_kg\n";
  for (int i = 0; i < 10; ++i) text.append("J").append(std::to_string(i)).append(",1,2,1\n");
  text += "B1,5\n";             // line 12
  text += "B2,1,99999999,1\n";  // line 13: an unknown node, if it is one: not known here
  text += "B3,x,5,1\n";         // line 14
  text += "J3,1,2,1\n";         // line 15
  text += "B4,1,2,-1\n";        // line 16
  const auto path = file("rejects.csv.gz", test::gzip(text));
  const auto examples = reject_examples(path, 3, 1000);
  ASSERT_EQ(examples.size(), 3u);
  EXPECT_EQ(examples[0].line, 12u);
  EXPECT_EQ(examples[0].reason, "wrong column count: expected 4, got 2");
  EXPECT_EQ(examples[1].line, 14u);
  EXPECT_EQ(examples[1].reason, "bad origin: not an integer: 'x'");
  EXPECT_EQ(examples[2].line, 15u);
  EXPECT_EQ(examples[2].reason, "duplicate order_id 'J3'");
  EXPECT_EQ(reject_examples(path, 10, 1000).size(), 4u);
  EXPECT_EQ(reject_examples(path, 10, 14).size(), 2u);  // no further than line 14
  EXPECT_TRUE(reject_examples(path, 10, 11).empty());
}

}  // namespace
}  // namespace waybill::cli
