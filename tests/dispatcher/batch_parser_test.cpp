#include "dispatcher/batch_parser.h"

#include <gtest/gtest.h>

#include "common/test_seed.h"
#include "tests/dispatcher/parsed_batch.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#ifndef WAYBILL_TEST_DATA_DIR
#error "WAYBILL_TEST_DATA_DIR must name tests/data (set by tests/dispatcher/CMakeLists.txt)"
#endif

namespace waybill::dispatcher {
namespace {

constexpr std::string_view kOk = "accepted";
constexpr std::string_view kTooLong = "line longer than 1048576 bytes";
constexpr std::string_view kBadWeight = "bad weight_kg: not a finite non-negative number: ";
constexpr std::string_view kBadDue = "bad due_at: not an ISO 8601 timestamp: ";

std::uint64_t test_seed() { return seed_from_env(); }

std::filesystem::path batches_dir() {
  return std::filesystem::path(WAYBILL_TEST_DATA_DIR) / "batches";
}

std::string read_file(const std::string& name) {
  std::ifstream in(batches_dir() / name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + (batches_dir() / name).string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using testing::has_node;
using Parsed = testing::ParsedBatch;

/// Feeds `bytes` cut at the offsets `cuts` (ascending), then finishes.
Parsed parse(std::string_view bytes, const std::vector<std::size_t>& cuts = {}) {
  std::vector<std::string_view> pieces;
  std::size_t from = 0;
  for (const std::size_t cut : cuts) {
    pieces.push_back(bytes.substr(from, cut - from));
    from = cut;
  }
  pieces.push_back(bytes.substr(from));
  return testing::parse_pieces(pieces);
}

/// Feeds `bytes` in pieces of `piece` bytes.
Parsed parse_in_pieces(std::string_view bytes, std::size_t piece) {
  std::vector<std::size_t> cuts;
  for (std::size_t at = piece; at < bytes.size(); at += piece) cuts.push_back(at);
  return parse(bytes, cuts);
}

/// What became of one line: kOk or the reject reason.
struct Verdict {
  std::uint64_t line = 0;
  std::string outcome;
  friend bool operator==(const Verdict&, const Verdict&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Verdict& v) {
    return os << "line " << v.line << ": " << v.outcome;
  }
};

std::vector<Verdict> verdicts(const Parsed& parsed) {
  std::vector<Verdict> out;
  for (const JobRow& job : parsed.jobs) out.push_back({job.line, std::string(kOk)});
  for (const RejectRow& reject : parsed.rejects) out.push_back({reject.line, reject.reason});
  std::sort(out.begin(), out.end(),
            [](const Verdict& a, const Verdict& b) { return a.line < b.line; });
  return out;
}

std::string describe(const JobRow& j) {
  std::ostringstream os;
  os << "seq " << j.seq << " line " << j.line << " order_id '" << j.order_id << "' " << j.origin
     << "->" << j.destination << " weight " << (j.weight_kg ? std::to_string(*j.weight_kg) : "-")
     << " due " << j.due_at.value_or("-") << " priority "
     << (j.priority ? std::to_string(*j.priority) : "-");
  return os.str();
}

std::string describe(const RejectRow& r) {
  return "line " + std::to_string(r.line) + " raw '" + r.raw + "' reason '" + r.reason + "'";
}

template <typename Row>
std::vector<std::string> describe_all(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const Row& row : rows) out.push_back(describe(row));
  return out;
}

/// Every field of every row, and the counters.
void expect_same(const Parsed& actual, const Parsed& expected) {
  EXPECT_EQ(describe_all(actual.jobs), describe_all(expected.jobs));
  EXPECT_EQ(describe_all(actual.rejects), describe_all(expected.rejects));
  EXPECT_EQ(actual.accepted, expected.accepted);
  EXPECT_EQ(actual.rejected, expected.rejected);
  EXPECT_EQ(actual.lines, expected.lines);
}

const JobRow& job_on_line(const Parsed& parsed, std::uint64_t line) {
  const auto it = std::find_if(parsed.jobs.begin(), parsed.jobs.end(),
                               [&](const JobRow& j) { return j.line == line; });
  if (it == parsed.jobs.end()) throw std::runtime_error("no job on line " + std::to_string(line));
  return *it;
}

const RejectRow& reject_on_line(const Parsed& parsed, std::uint64_t line) {
  const auto it = std::find_if(parsed.rejects.begin(), parsed.rejects.end(),
                               [&](const RejectRow& r) { return r.line == line; });
  if (it == parsed.rejects.end()) {
    throw std::runtime_error("no reject on line " + std::to_string(line));
  }
  return *it;
}

// ---- the corpus: one expected verdict per line of each file of tests/data/batches ------------

struct CorpusCase {
  std::string file;
  std::uint64_t lines = 0;  ///< BatchParser::lines(): every line of the file, blank ones too
  std::vector<Verdict> expected;
};

std::ostream& operator<<(std::ostream& os, const CorpusCase& c) { return os << c.file; }

Verdict ok(std::uint64_t line) { return {line, std::string(kOk)}; }
Verdict no(std::uint64_t line, std::string_view reason) { return {line, std::string(reason)}; }
std::string cat(std::string_view a, std::string_view b) { return std::string(a) + std::string(b); }

const std::vector<CorpusCase>& corpus() {
  static const std::vector<CorpusCase> cases = {
      {"crlf.csv", 4, {ok(2), ok(3), no(4, "bad destination: not an integer: 'x'")}},
      {"quoted_commas.csv",
       9,
       {ok(2), ok(3), ok(4), ok(5), no(6, "bad CSV: unterminated quote"),
        no(7, "bad CSV: unexpected quote"), no(8, "bad CSV: text after closing quote"), ok(9)}},
      {"wrong_columns.csv",
       7,
       {ok(2), no(3, "wrong column count: expected 3, got 2"),
        no(4, "wrong column count: expected 3, got 4"),
        no(5, "wrong column count: expected 3, got 4"),
        no(6, "wrong column count: expected 3, got 2"), ok(7)}},
      {"non_numeric_ids.csv",
       12,
       {no(2, "bad origin: not an integer: 'abc'"), no(3, "bad destination: not an integer: '2.5'"),
        no(4, "bad origin: not an integer: ''"), no(5, "bad destination: not an integer: ''"),
        no(6, "bad origin: not an integer: '+7'"), no(7, "bad origin: not an integer: '0x10'"),
        no(8, "bad origin: not an integer: '12abc'"), ok(9),
        no(10, "bad destination: not an integer: '" + std::string(40, 'a') + "...'"),
        no(11, "empty order_id"), no(12, "bad origin: not an integer: '1 2'")}},
      {"overflow_ids.csv",
       10,
       {no(2, "unknown origin node 9223372036854775807"),
        no(3, "bad origin: out of range: '9223372036854775808'"),
        no(4, "bad destination: out of range: '-9223372036854775809'"), ok(5),
        no(6, "bad priority: out of range: '2147483648'"), ok(7),
        no(8, "bad priority: out of range: '-2147483649'"),
        no(9, "bad origin: out of range: '" + std::string(40, '9') + "...'"),
        no(10, "bad priority: not an integer: 'high'")}},
      {"unknown_nodes.csv",
       6,
       {ok(2), no(3, "unknown origin node 0"), no(4, "unknown destination node 1001"),
        no(5, "unknown origin node 0"), no(6, "unknown origin node -1")}},
      {"negative_and_nan.csv",
       14,
       {ok(2), ok(3), no(4, cat(kBadWeight, "'-1'")), no(5, cat(kBadWeight, "'nan'")),
        no(6, cat(kBadWeight, "'inf'")), ok(7), no(8, cat(kBadWeight, "'1e400'")),
        no(9, cat(kBadWeight, "'heavy'")), ok(10), ok(11), no(12, cat(kBadWeight, "'NaN'")), ok(13),
        no(14, cat(kBadWeight, "'-infinity'"))}},
      {"duplicate_ids.csv",
       10,
       {ok(2), ok(3), no(4, "duplicate order_id 'J1'"), no(5, "unknown origin node 0"), ok(6),
        no(7, "duplicate order_id 'J2'"), ok(8), no(9, "bad origin: not an integer: 'x'"),
        no(10, "duplicate order_id 'J2'")}},
      {"invalid_utf8.csv",
       10,
       {ok(2), no(3, "invalid UTF-8"), ok(4), no(5, "invalid UTF-8"), no(6, "invalid UTF-8"),
        no(7, "invalid UTF-8"), no(8, "invalid UTF-8"), no(9, "invalid UTF-8"), ok(10)}},
      {"nul_bytes.csv",
       6,
       {ok(2), no(3, "NUL byte in line"), no(4, "NUL byte in line"), no(5, "NUL byte in line"),
        ok(6)}},
      {"empty.csv", 0, {}},
      {"header_only.csv", 1, {}},
      {"binary_garbage.bin",
       5,
       {no(3, "bad header: NUL byte in line"), no(4, "bad header: NUL byte in line"),
        no(5, "bad header: NUL byte in line")}},
      {"no_final_newline.csv", 3, {ok(2), ok(3)}},
      {"empty_last_line.csv", 6, {ok(2), ok(4)}},
      {"optional_columns.csv",
       14,
       {ok(2), ok(3), ok(4), ok(5), no(6, cat(kBadDue, "'2024-02-30'")),
        no(7, cat(kBadDue, "'2024-05-01 08:30'")), no(8, cat(kBadDue, "'2024-05-01T24:00'")),
        no(9, cat(kBadDue, "'2024-05-01T08:30:15.5Z'")), ok(10),
        no(11, cat(kBadDue, "'2023-02-29'")), ok(12), no(13, "bad priority: not an integer: 'x'"),
        no(14, cat(kBadWeight, "'-2'"))}},
      {"bad_header.csv",
       4,
       {no(2,
           "bad header: unknown column 'Dest'; unknown column 'color'; "
           "missing column 'destination'"),
        no(4,
           "bad header: unknown column 'Dest'; unknown column 'color'; "
           "missing column 'destination'")}},
      {"duplicate_columns.csv", 2, {no(2, "bad header: duplicate column 'ORIGIN'")}},
      {"utf8_bom.csv", 2, {ok(2)}},
      {"coordinates.csv",
       13,
       {ok(2), ok(3), no(4, "bad origin_lat: out of range: '91' (-90..90)"),
        no(5, "bad origin_lon: out of range: '-180.5' (-180..180)"),
        no(6, "bad dest_lat: not a number: 'abc'"), no(7, "bad dest_lon: not a number: 'nan'"),
        no(8, "bad dest_lon: not a number: ''"), ok(9), no(10, cat(kBadWeight, "'-1'")),
        no(11, "duplicate order_id 'M1'"), ok(12),
        no(13, "wrong column count: expected 6, got 4")}},
      {"mixed_forms.csv",
       2,
       {no(2,
           "bad header: node columns (origin, destination) and coordinate columns (origin_lat, "
           "...) together: a file is in one form; missing column 'origin_lat'; missing column "
           "'origin_lon'")}},
  };
  return cases;
}

class Corpus : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(Corpus, VerdictOfEveryLine) {
  const CorpusCase& c = GetParam();
  const Parsed parsed = parse(read_file(c.file));
  EXPECT_EQ(verdicts(parsed), c.expected);
  EXPECT_EQ(parsed.lines, c.lines);
  EXPECT_EQ(parsed.accepted, parsed.jobs.size());
  EXPECT_EQ(parsed.rejected, parsed.rejects.size());
}

TEST_P(Corpus, SeqIsDenseInFileOrder) {
  const Parsed parsed = parse(read_file(GetParam().file));
  for (std::size_t i = 0; i < parsed.jobs.size(); ++i) {
    EXPECT_EQ(parsed.jobs[i].seq, i);
    if (i > 0) {
      EXPECT_LT(parsed.jobs[i - 1].line, parsed.jobs[i].line);
    }
  }
}

/// Every raw is NUL-free, well-formed UTF-8 (PostgreSQL text) and bounded.
TEST_P(Corpus, RawIsSafeText) {
  const Parsed parsed = parse(read_file(GetParam().file));
  for (const RejectRow& r : parsed.rejects) {
    EXPECT_EQ(r.raw.find('\0'), std::string::npos) << describe(r);
    EXPECT_LE(r.raw.size(), 4 * BatchParser::kMaxRawBytes);
    // Re-parsing the raw as a data line: it is valid UTF-8 when it is not rejected for it.
    BatchParser check(has_node);
    std::vector<JobRow> jobs;
    std::vector<RejectRow> rejects;
    check.feed("order_id,origin,destination\n" + r.raw + "\n", jobs, rejects);
    for (const RejectRow& again : rejects) EXPECT_NE(again.reason, "invalid UTF-8") << r.raw;
  }
}

/// Any split of the bytes into feed() calls gives the same rows as one feed.
TEST_P(Corpus, RandomSplitsGiveTheSameRows) {
  const std::string bytes = read_file(GetParam().file);
  const Parsed whole = parse(bytes);
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::size_t> cuts;
    if (!bytes.empty()) {
      std::uniform_int_distribution<std::size_t> at(0, bytes.size());
      const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 12)(rng);
      for (std::size_t i = 0; i < count; ++i) cuts.push_back(at(rng));
      std::sort(cuts.begin(), cuts.end());  // empty pieces included
    }
    SCOPED_TRACE("round " + std::to_string(round));
    expect_same(parse(bytes, cuts), whole);
  }
  expect_same(parse_in_pieces(bytes, 1), whole);
}

INSTANTIATE_TEST_SUITE_P(Batches, Corpus, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<CorpusCase>& param) {
                           std::string name = param.param.file;
                           std::replace_if(
                               name.begin(), name.end(),
                               [](char ch) {
                                 return !std::isalnum(static_cast<unsigned char>(ch));
                               },
                               '_');
                           return name;
                         });

/// A file added to tests/data/batches without expectations fails here, not silently.
TEST(BatchCorpus, EveryFileHasExpectations) {
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(batches_dir())) {
    on_disk.insert(entry.path().filename().string());
  }
  std::set<std::string> expected;
  for (const CorpusCase& c : corpus()) expected.insert(c.file);
  EXPECT_EQ(on_disk, expected);
}

// ---- field values -----------------------------------------------------------------------------

TEST(BatchParser, CoordinateFormCarriesPointsNotNodes) {
  const Parsed parsed = parse(read_file("coordinates.csv"));
  const JobRow& m1 = job_on_line(parsed, 2);
  ASSERT_TRUE(m1.points);
  EXPECT_EQ(m1.points->origin, (wire::LatLon{43.7311, 7.4197}));
  EXPECT_EQ(m1.points->destination, (wire::LatLon{43.7402, 7.4264}));
  EXPECT_EQ(m1.origin, 0);
  EXPECT_EQ(m1.weight_kg, 2.5);
  // Spaces around unquoted fields are trimmed, quotes dropped; -0 is 0; the extremes are in.
  EXPECT_EQ(job_on_line(parsed, 3).points->origin, (wire::LatLon{-33.45, -70.66}));
  EXPECT_EQ(job_on_line(parsed, 3).points->destination, (wire::LatLon{43.7, 7.42}));
  EXPECT_EQ(job_on_line(parsed, 9).points->destination, (wire::LatLon{90, 180}));
  EXPECT_FALSE(std::signbit(job_on_line(parsed, 12).points->origin.lat));
  EXPECT_EQ(job_on_line(parsed, 12).points->destination.lon, 100);
}

TEST(BatchParser, LinesPastTheLastSeqAreRejectedAndTheRestKept) {
  // The limit is 2^32 - 1 jobs a batch (a seq is 32 bits in the dispatcher and on the wire);
  // lowered to 3 here. A full batch takes no more jobs; the rejected lines claim no order id.
  static_assert(BatchParser::kMaxJobs == 4294967295u);
  BatchParser parser(has_node, 3);
  std::vector<JobRow> jobs;
  std::vector<RejectRow> rejects;
  parser.feed("order_id,origin,destination\nA,1,2\nB,1,2\nX,1\nC,1,2\nD,1,2\nE,1,2\n", jobs, rejects);
  parser.finish(jobs, rejects);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[2].order_id, "C");
  EXPECT_EQ(jobs[2].seq, 2u);
  ASSERT_EQ(rejects.size(), 3u);
  EXPECT_EQ(rejects[0].reason, "wrong column count: expected 3, got 2");
  EXPECT_EQ(rejects[1].line, 6u);
  EXPECT_EQ(rejects[1].reason, "batch full: at most 3 jobs in one batch (split the file)");
  EXPECT_EQ(rejects[2].line, 7u);
  EXPECT_EQ(parser.accepted(), 3u);
}

TEST(BatchParser, NodeFormJobsHaveNoPoints) {
  const Parsed parsed = parse("order_id,origin,destination\nA,1,2\n");
  ASSERT_EQ(parsed.jobs.size(), 1u);
  EXPECT_FALSE(parsed.jobs[0].points);
}

TEST(BatchParser, DepotsInCoordinateFormArePoints) {
  std::string file = "order_id,origin_lat,origin_lon,dest_lat,dest_lon\n";
  for (int i = 0; i < 4096; ++i) {
    // Two depots with many jobs each, and lone origins.
    file += 'J';
    file += std::to_string(i);
    if (i % 3 == 0) {
      file += ",43.731101,7.419702";
    } else if (i % 3 == 1) {
      file += ",-33.45,-70.66";
    } else {
      file += ",10,";
      file += std::to_string(i * 0.01);  // an origin of its own
    }
    file += ",43.74,7.42\n";
  }
  BatchParser parser(has_node);
  std::vector<JobRow> jobs;
  std::vector<RejectRow> rejects;
  parser.feed(file, jobs, rejects);
  ASSERT_TRUE(parser.coordinate_form());
  ASSERT_TRUE(parser.depots_known());
  EXPECT_TRUE(parser.depots().empty());
  std::vector<wire::LatLon> depots = parser.depot_points();
  std::sort(depots.begin(), depots.end(),
            [](const auto& a, const auto& b) { return a.lat < b.lat; });
  ASSERT_EQ(depots.size(), 2u);
  EXPECT_NEAR(depots[0].lat, -33.45, 1e-9);
  EXPECT_NEAR(depots[0].lon, -70.66, 1e-9);
  EXPECT_NEAR(depots[1].lat, 43.731101, 1e-9);
  EXPECT_NEAR(depots[1].lon, 7.419702, 1e-9);
}

TEST(BatchParser, QuotedFieldsKeepCommasQuotesAndInnerSpaces) {
  const Parsed parsed = parse(read_file("quoted_commas.csv"));
  EXPECT_EQ(job_on_line(parsed, 2).order_id, "Q1, north");
  EXPECT_EQ(job_on_line(parsed, 3).order_id, "Q2 \"rush\"");
  EXPECT_EQ(job_on_line(parsed, 3).due_at, "2024-05-01T08:00:00Z");
  EXPECT_EQ(job_on_line(parsed, 4).order_id, "Q3");  // spaces outside quotes are dropped
  EXPECT_EQ(job_on_line(parsed, 4).origin, 5);
  EXPECT_EQ(job_on_line(parsed, 4).destination, 6);
  EXPECT_EQ(job_on_line(parsed, 4).due_at, std::nullopt);
  EXPECT_EQ(job_on_line(parsed, 5).origin, 7);
  EXPECT_EQ(job_on_line(parsed, 9).order_id, "Q8 ");  // spaces inside quotes are kept
}

TEST(BatchParser, OptionalColumnsInAnyOrderAndCase) {
  const Parsed parsed = parse(read_file("optional_columns.csv"));
  const JobRow& p1 = job_on_line(parsed, 2);
  EXPECT_EQ(describe(p1), describe(JobRow{0, 2, "P1", 3, 2, 10.0, "2024-05-01", 1}));
  const JobRow& p2 = job_on_line(parsed, 3);
  EXPECT_EQ(describe(p2),
            describe(JobRow{1, 3, "P2", 3, 2, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(describe(job_on_line(parsed, 4)),
            describe(JobRow{2, 4, "P3", 3, 2, 0.25, "2024-05-01T08:30", -5}));
  EXPECT_EQ(job_on_line(parsed, 5).due_at, "2024-05-01T08:30:15+02:00");
  EXPECT_EQ(job_on_line(parsed, 10).due_at, "2024-02-29T23:59:59Z");
  EXPECT_EQ(job_on_line(parsed, 12).due_at, "2024-05-01T08:30-05:30");
}

TEST(BatchParser, WeightsAndPriorities) {
  const Parsed weights = parse(read_file("negative_and_nan.csv"));
  EXPECT_EQ(job_on_line(weights, 2).weight_kg, 12.5);
  EXPECT_EQ(job_on_line(weights, 3).weight_kg, 0.0);
  EXPECT_FALSE(std::signbit(*job_on_line(weights, 7).weight_kg));  // "-0" is stored as 0
  EXPECT_EQ(job_on_line(weights, 10).weight_kg, std::nullopt);
  EXPECT_EQ(job_on_line(weights, 11).weight_kg, 1000.0);
  EXPECT_EQ(job_on_line(weights, 13).weight_kg, 0.5);

  const Parsed priorities = parse(read_file("overflow_ids.csv"));
  EXPECT_EQ(job_on_line(priorities, 5).priority, 2147483647);
  EXPECT_EQ(job_on_line(priorities, 7).priority, -2147483648);
}

TEST(BatchParser, RawOfRejectsIsEscaped) {
  const Parsed utf8 = parse(read_file("invalid_utf8.csv"));
  EXPECT_EQ(reject_on_line(utf8, 3).raw, "V\\xFF2,1,2");
  EXPECT_EQ(reject_on_line(utf8, 5).raw, "V\\xC3(4,1,2");
  EXPECT_EQ(reject_on_line(utf8, 6).raw, "V\\xC0\\xAF5,1,2");
  EXPECT_EQ(reject_on_line(utf8, 7).raw, "V\\xED\\xA0\\x806,1,2");
  EXPECT_EQ(reject_on_line(utf8, 8).raw, "V\\xF4\\x90\\x80\\x807,1,2");
  EXPECT_EQ(reject_on_line(utf8, 9).raw, "V\\xE2\\x828,1,2");
  EXPECT_EQ(job_on_line(utf8, 4).order_id, "V\u00E93");
  EXPECT_EQ(job_on_line(utf8, 10).order_id, "V\U0001F6009");

  const Parsed nul = parse(read_file("nul_bytes.csv"));
  EXPECT_EQ(reject_on_line(nul, 3).raw, "Z\\02,1,2");
  EXPECT_EQ(reject_on_line(nul, 4).raw, "Z3,1,2\\0");
  EXPECT_EQ(reject_on_line(nul, 5).raw, "\\0");

  const Parsed crlf = parse(read_file("crlf.csv"));
  EXPECT_EQ(reject_on_line(crlf, 4).raw, "C3,5,x");  // without the '\r'
}

// ---- header -----------------------------------------------------------------------------------

TEST(BatchParser, HeaderIsTheFirstNonBlankLine) {
  const Parsed parsed = parse("\n\r\n\"Order_ID\", origin ,destination\nA,1,2\n");
  EXPECT_EQ(verdicts(parsed), (std::vector<Verdict>{ok(4)}));
}

TEST(BatchParser, HeaderProblemsAreListedOnEveryLine) {
  const Parsed parsed = parse("order_id,,weight_kg\nA,1,2\n\"B\n");
  const std::string reason =
      "bad header: unknown column ''; missing column 'origin'; missing column 'destination'";
  EXPECT_EQ(verdicts(parsed), (std::vector<Verdict>{no(2, reason), no(3, reason)}));
}

TEST(BatchParser, UnparsableHeader) {
  EXPECT_EQ(verdicts(parse("order_id,\"origin,destination\nA,1,2\n")),
            (std::vector<Verdict>{no(2, "bad header: bad CSV: unterminated quote")}));
}

TEST(BatchParser, AWideBadHeaderGivesABoundedReason) {
  // Every line of the file carries the header's reason: it names five problems, counts the rest.
  std::string header = "order_id,origin,destination";
  for (int i = 0; i < 300; ++i) header += ",x" + std::to_string(i);
  const Parsed parsed = parse(header + "\nJ1,1,2\n");
  ASSERT_EQ(parsed.rejects.size(), 1u);
  const std::string& reason = parsed.rejects.front().reason;
  EXPECT_LT(reason.size(), 512u);
  EXPECT_TRUE(reason.starts_with("bad header: unknown column 'x0'")) << reason;
  EXPECT_TRUE(reason.ends_with("; and 295 more")) << reason;
}

TEST(BatchHeader, ReadAloneAsTheParserReadsIt) {
  // What `waybill submit` checks before sending a byte: the parser's own rules.
  const BatchHeader nodes = read_batch_header("\xEF\xBB\xBForder_id, Origin ,destination,weight_kg");
  EXPECT_EQ(nodes.problem, "");
  EXPECT_FALSE(nodes.coordinate_form);
  EXPECT_EQ(nodes.columns.size(), 4u);
  const BatchHeader points = read_batch_header("order_id,origin_lat,origin_lon,dest_lat,dest_lon");
  EXPECT_EQ(points.problem, "");
  EXPECT_TRUE(points.coordinate_form);

  EXPECT_EQ(read_batch_header("order_id;origin;destination").problem,
            "bad header: unknown column 'order_id;origin;destination'; missing column "
            "'order_id'; missing column 'origin'; missing column 'destination'");
  EXPECT_EQ(read_batch_header("J1,17,42").problem,
            "bad header: unknown column 'J1'; unknown column '17'; unknown column '42'; missing "
            "column 'order_id'; missing column 'origin'; and 1 more");
  EXPECT_EQ(read_batch_header("order_id,origin,destination,color").problem,
            "bad header: unknown column 'color'");
  EXPECT_EQ(read_batch_header(std::string("a\0b", 3)).problem, "bad header: NUL byte in line");
  EXPECT_EQ(read_batch_header("order_id,origin", true).problem,
            "bad header: line longer than 1048576 bytes");
}

TEST(BatchHeader, ItsProblemIsTheReasonOfEveryLine) {
  for (const std::string header : {"order_id,origin", "order_id,origin,destination,color",
                                   "order_id,\"origin,destination", "x;y;z"}) {
    const Parsed parsed = parse(header + "\nJ1,1,2\n");
    ASSERT_EQ(parsed.rejects.size(), 1u) << header;
    EXPECT_EQ(parsed.rejects.front().reason, read_batch_header(header).problem) << header;
  }
}

// ---- the mix of origins -----------------------------------------------------------------------

// lone_share: the jobs whose origin has fewer than kTreeJobs jobs in their 4096-job stretch.
TEST(BatchParser, LoneShareCountsOriginsPerStretch) {
  const auto share = [](int jobs, auto origin_of) {
    BatchParser parser(has_node);
    std::vector<JobRow> rows;
    std::vector<RejectRow> rejects;
    parser.feed("order_id,origin,destination\n", rows, rejects);
    for (int i = 0; i < jobs; ++i) {
      // Not "J" + ...: GCC 12 -O3 warns falsely (bug 105329).
      std::string line = std::string("J").append(std::to_string(i));
      line.append(",").append(std::to_string(origin_of(i))).append(",2\n");
      parser.feed(line, rows, rejects);
    }
    parser.finish(rows, rejects);
    return parser.lone_share();
  };
  EXPECT_EQ(share(0, [](int) { return 1; }), 0.0);
  EXPECT_EQ(share(10000, [](int i) { return 1 + i % 10; }), 0.0);      // 10 depots
  EXPECT_EQ(share(1000, [](int i) { return 1 + i; }), 1.0);            // all different
  EXPECT_EQ(share(7, [](int) { return 5; }), 1.0);                     // too few for a tree
  // 1000 origins in turn: in each full stretch of 4096 every origin has 4 or 5 jobs; a stretch
  // of 8192 jobs would not change that, whereas the whole file (8 per origin) would.
  EXPECT_EQ(share(8000, [](int i) { return 1 + i % 1000; }), 1.0);
  // Half the jobs from one depot, half scattered.
  EXPECT_NEAR(share(8192, [](int i) { return i % 2 ? 1 : 2 + i / 2 % 990; }), 0.5, 0.01);
}

TEST(BatchParser, DepotsAreTheBusyOriginsOfTheFirstStretch) {
  BatchParser parser(has_node);
  std::vector<JobRow> rows;
  std::vector<RejectRow> rejects;
  parser.feed("order_id,origin,destination\n", rows, rejects);
  const auto feed = [&](int i, int origin) {
    std::string line = std::string("J").append(std::to_string(i));
    line.append(",").append(std::to_string(origin)).append(",2\n");
    parser.feed(line, rows, rejects);
  };
  // Ten depots in turn, and every 50th job from an origin of its own (never 8 times).
  for (int i = 0; i < 4095; ++i) feed(i, i % 50 == 0 ? 100 + i / 50 : 1 + i % 10);
  EXPECT_FALSE(parser.depots_known());
  feed(4095, 1);
  ASSERT_TRUE(parser.depots_known());
  std::vector<std::int64_t> depots = parser.depots();
  std::sort(depots.begin(), depots.end());
  EXPECT_EQ(depots, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  for (int i = 4096; i < 9000; ++i) feed(i, 500);  // later stretches change nothing
  parser.finish(rows, rejects);
  EXPECT_EQ(parser.depots().size(), 10u);
}

// ---- duplicates -------------------------------------------------------------------------------

TEST(BatchParser, DuplicatesAcrossFeedsAndOnlyWithinOneParser) {
  BatchParser parser(has_node);
  std::vector<JobRow> jobs;
  std::vector<RejectRow> rejects;
  parser.feed("order_id,origin,destination\n", jobs, rejects);
  const auto job = [](int i) { return std::string("J").append(std::to_string(i)) + ",1,2\n"; };
  for (int i = 0; i < 2000; ++i) parser.feed(job(i), jobs, rejects);
  for (int i = 0; i < 2000; i += 7) parser.feed(job(i), jobs, rejects);
  parser.finish(jobs, rejects);
  EXPECT_EQ(jobs.size(), 2000u);
  ASSERT_EQ(rejects.size(), 286u);
  EXPECT_EQ(rejects.front().reason, "duplicate order_id 'J0'");
  EXPECT_EQ(rejects.front().line, 2002u);
  EXPECT_EQ(rejects.back().reason, "duplicate order_id 'J1995'");

  // Another batch starts afresh.
  EXPECT_EQ(verdicts(parse("order_id,origin,destination\nJ0,1,2\n")),
            (std::vector<Verdict>{ok(2)}));
}

TEST(BatchParser, LongOrderIdIsShortenedInTheReason) {
  const std::string id(100, 'k');
  const Parsed parsed = parse("order_id,origin,destination\n" + id + ",1,2\n" + id + ",3,4\n");
  EXPECT_EQ(
      verdicts(parsed),
      (std::vector<Verdict>{ok(2), no(3, "duplicate order_id '" + id.substr(0, 40) + "...'")}));
}

// ---- line ends and long lines -----------------------------------------------------------------

TEST(BatchParser, LastLineNeedsFinish) {
  BatchParser parser(has_node);
  std::vector<JobRow> jobs;
  std::vector<RejectRow> rejects;
  parser.feed(read_file("no_final_newline.csv"), jobs, rejects);
  EXPECT_EQ(jobs.size(), 1u);
  parser.finish(jobs, rejects);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].order_id, "F2");
  EXPECT_EQ(parser.lines(), 3u);
}

TEST(BatchParser, CarriageReturnInsideALineIsData) {
  EXPECT_EQ(verdicts(parse("order_id,origin,destination\nA,1\r2,3\r\n")),
            (std::vector<Verdict>{no(2, "bad origin: not an integer: '1\r2'")}));
}

/// A line "L<padding>,1,2" of exactly `length` bytes, without terminator.
std::string line_of(std::size_t length, char pad = 'x') {
  std::string line = std::string(1, 'L').append(length - 5, pad).append(",1,2");
  EXPECT_EQ(line.size(), length);
  return line;
}

const std::string kHeader = "order_id,origin,destination\n";

TEST(BatchParser, LineOfExactlyTheLimitIsAccepted) {
  const std::size_t max = BatchParser::kMaxLineBytes;
  for (const std::string end : {"\n", "\r\n", ""}) {
    SCOPED_TRACE("line end '" + end + "'");
    const std::string bytes = kHeader + line_of(max) + end;
    for (const std::size_t piece : {std::size_t{4096}, std::size_t{1} << 21, max + 1}) {
      const Parsed parsed = parse_in_pieces(bytes, piece);
      ASSERT_EQ(verdicts(parsed), (std::vector<Verdict>{ok(2)}));
      EXPECT_EQ(parsed.jobs[0].order_id.size(), max - 4);
    }
  }
}

TEST(BatchParser, LongerLineIsRejectedWhereverTheFeedsEnd) {
  const std::size_t max = BatchParser::kMaxLineBytes;
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937_64 rng(seed);
  for (const std::size_t length : {max + 1, max + 2, 3 * max + 7}) {
    for (const std::string end : {"\n", "\r\n"}) {
      const std::string long_line = line_of(length);
      const std::string bytes = kHeader + long_line + end + "A,1,2\n" + long_line;
      SCOPED_TRACE("length " + std::to_string(length) + " end '" + end + "'");
      std::vector<std::vector<std::size_t>> splits = {{}};
      for (const std::size_t piece : {std::size_t{1000}, std::size_t{65536}, max, max + 1}) {
        std::vector<std::size_t> cuts;
        for (std::size_t at = piece; at < bytes.size(); at += piece) cuts.push_back(at);
        splits.push_back(cuts);
      }
      std::vector<std::size_t> random_cuts;
      std::uniform_int_distribution<std::size_t> at(0, bytes.size());
      for (int i = 0; i < 20; ++i) random_cuts.push_back(at(rng));
      std::sort(random_cuts.begin(), random_cuts.end());
      splits.push_back(random_cuts);
      for (const auto& cuts : splits) {
        const Parsed parsed = parse(bytes, cuts);
        ASSERT_EQ(verdicts(parsed), (std::vector<Verdict>{no(2, kTooLong), ok(3), no(4, kTooLong)}))
            << cuts.size() << " cuts";
        EXPECT_EQ(parsed.jobs[0].seq, 0u);
        for (const RejectRow& r : parsed.rejects) {
          EXPECT_EQ(r.raw, long_line.substr(0, BatchParser::kMaxRawBytes));
        }
      }
    }
  }
}

TEST(BatchParser, RawOfALongLineEndsOnACharacterBoundary) {
  // "L" then two-byte characters: byte 1024 falls inside one, so the raw stops before it.
  std::string line = "L";
  while (line.size() < BatchParser::kMaxLineBytes + 10) line += "\xC3\xA9";
  const Parsed parsed = parse_in_pieces(kHeader + line + ",1,2\n", 4096);
  ASSERT_EQ(verdicts(parsed), (std::vector<Verdict>{no(2, kTooLong)}));
  EXPECT_EQ(parsed.rejects[0].raw, line.substr(0, BatchParser::kMaxRawBytes - 1));
}

// ---- a generated batch, split at random points ------------------------------------------------

TEST(BatchParser, GeneratedBatchRandomSplits) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937_64 rng(seed);
  // clang-format off
  const std::vector<std::string> fragments = {
      "1", "2", "1000", "1001", "-3", "x", "", "\"7\"", " 8 ", "2.5", "nan", "\"a,b\"",
      "\xff", "\r", "\"", "2024-05-01T08:30Z", "9223372036854775808"};
  // clang-format on
  std::string bytes = "order_id,origin,destination,weight_kg,due_at,priority\r\n";
  for (int i = 0; i < 3000; ++i) {
    const auto pick = [&] { return fragments[rng() % fragments.size()]; };
    const int fields = 5 + static_cast<int>(rng() % 3);
    std::string line = std::string("J").append(std::to_string(rng() % 2500));
    for (int f = 1; f < fields; ++f) line.append(",").append(pick());
    bytes += line + (rng() % 2 ? "\n" : "\r\n");
  }
  const Parsed whole = parse(bytes);
  EXPECT_GT(whole.accepted, 0u);
  EXPECT_GT(whole.rejected, 0u);
  EXPECT_EQ(whole.lines, 3001u);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::size_t> cuts;
    std::uniform_int_distribution<std::size_t> at(0, bytes.size());
    for (int i = 0; i < 200; ++i) cuts.push_back(at(rng));
    std::sort(cuts.begin(), cuts.end());
    SCOPED_TRACE("round " + std::to_string(round));
    expect_same(parse(bytes, cuts), whole);
  }
}

}  // namespace
}  // namespace waybill::dispatcher

namespace waybill::dispatcher {
namespace {

TEST(BatchParser, AResumedFileGoesOnNumberingAfterItsStoredLinesAndKnowsTheirOrderIds) {
  BatchParser parser([](std::int64_t) { return true; });
  parser.resume_after(11, 9, 1);  // lines 2..11 stored: 9 jobs, 1 reject
  parser.remember_order_id("A9");
  std::vector<JobRow> jobs;
  std::vector<RejectRow> rejects;
  parser.feed("order_id,origin,destination\n", jobs, rejects);
  EXPECT_TRUE(parser.at_line_start());
  parser.feed("B1,1,2\nA9,1,2\nB2,3", jobs, rejects);
  EXPECT_FALSE(parser.at_line_start());
  parser.feed(",4\n", jobs, rejects);
  parser.finish(jobs, rejects);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].seq, 9u);
  EXPECT_EQ(jobs[0].line, 12u);
  EXPECT_EQ(jobs[1].seq, 10u);
  EXPECT_EQ(jobs[1].line, 14u);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].line, 13u);
  EXPECT_EQ(rejects[0].reason, "duplicate order_id 'A9'");
  EXPECT_EQ(parser.accepted(), 11u);
  EXPECT_EQ(parser.rejected(), 2u);
  EXPECT_EQ(parser.lines(), 14u);
}

}  // namespace
}  // namespace waybill::dispatcher
