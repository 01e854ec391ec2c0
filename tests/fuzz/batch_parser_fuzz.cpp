// libFuzzer target: BatchParser on arbitrary bytes. The first input byte picks where the rest is
// split into two feed() calls (or, when it is 0xFF, makes one line over-long); the same bytes are
// also parsed in one piece, and both runs must agree (feed() promises that any split gives the
// same lines). Checks what the dispatcher and PostgreSQL rely on: counts match the rows, seq is
// dense, every reject has a reason, and all text bound for a PostgreSQL text column is bounded,
// valid UTF-8 and free of NUL.
#include "dispatcher/batch_parser.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/dispatcher/parsed_batch.h"

namespace {

using waybill::dispatcher::BatchParser;
using waybill::dispatcher::JobRow;
using waybill::dispatcher::RejectRow;
using waybill::dispatcher::testing::kNodes;
using waybill::dispatcher::testing::parse_pieces;
using Run = waybill::dispatcher::testing::ParsedBatch;

constexpr std::uint8_t kLongLineMode = 0xFF;  ///< first byte: see LLVMFuzzerTestOneInput
/// Bound on RejectRow::reason, like the bound on raw (4 * kMaxRawBytes): the longest reason
/// with a fixed number of quoted values is far below it.
constexpr std::size_t kMaxReasonBytes = 4 * BatchParser::kMaxRawBytes;

/// Fails the run with a message; libFuzzer saves the input as a crash artifact.
[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  const std::size_t shown = std::min<std::size_t>(detail.size(), 200);
  std::fprintf(stderr, "batch_parser_fuzz: %s%s%.*s%s (%zu bytes)\n", what,
               detail.empty() ? "" : ": ", static_cast<int>(shown), detail.data(),
               shown < detail.size() ? "..." : "", detail.size());
  std::abort();
}

#define FUZZ_CHECK(cond, detail)                       \
  do {                                                 \
    if (!(cond)) fail("check failed: " #cond, detail); \
  } while (false)

/// Strict UTF-8 as PostgreSQL accepts it (no overlong forms, no surrogates, nothing above
/// U+10FFFF), written independently of the parser's own validator, and no NUL.
bool postgres_text(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = p[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

void check(const Run& run) {
  FUZZ_CHECK(run.accepted + run.rejected == run.jobs.size() + run.rejects.size(), "");
  FUZZ_CHECK(run.accepted == run.jobs.size(), "");
  FUZZ_CHECK(run.rejected == run.rejects.size(), "");

  std::set<std::string_view> order_ids;
  std::uint64_t previous_line = 0;
  for (std::size_t i = 0; i < run.jobs.size(); ++i) {
    const JobRow& job = run.jobs[i];
    FUZZ_CHECK(job.seq == i, job.order_id);
    FUZZ_CHECK(job.line > previous_line && job.line <= run.lines, job.order_id);
    previous_line = job.line;
    FUZZ_CHECK(!job.order_id.empty(), "");
    FUZZ_CHECK(postgres_text(job.order_id), job.order_id);
    FUZZ_CHECK(order_ids.insert(job.order_id).second, job.order_id);
    if (job.points) {  // coordinate form: no node ids, every coordinate finite and in range
      FUZZ_CHECK(job.origin == 0 && job.destination == 0, job.order_id);
      for (const auto& p : {job.points->origin, job.points->destination}) {
        FUZZ_CHECK(p.lat >= -90 && p.lat <= 90, job.order_id);  // false for NaN too
        FUZZ_CHECK(p.lon >= -180 && p.lon <= 180, job.order_id);
      }
    } else {
      FUZZ_CHECK(job.origin >= 1 && job.origin <= kNodes, job.order_id);
      FUZZ_CHECK(job.destination >= 1 && job.destination <= kNodes, job.order_id);
    }
    if (job.weight_kg)
      FUZZ_CHECK(std::isfinite(*job.weight_kg) && *job.weight_kg >= 0, job.order_id);
    if (job.due_at) FUZZ_CHECK(postgres_text(*job.due_at), *job.due_at);
  }

  previous_line = 0;
  for (const RejectRow& reject : run.rejects) {
    FUZZ_CHECK(!reject.reason.empty(), reject.raw);
    // A reason is copied into every reject row it applies to (a bad header's reason into every
    // line of the file), so it must stay small whatever the line.
    FUZZ_CHECK(reject.reason.size() <= kMaxReasonBytes, reject.reason);
    FUZZ_CHECK(postgres_text(reject.reason), reject.reason);
    FUZZ_CHECK(reject.line > previous_line && reject.line <= run.lines, reject.reason);
    previous_line = reject.line;
    // safe_raw(): at most kMaxRawBytes of the line, each byte escaped to at most 4 characters.
    FUZZ_CHECK(reject.raw.size() <= 4 * BatchParser::kMaxRawBytes, reject.reason);
    FUZZ_CHECK(postgres_text(reject.raw), reject.reason);
  }
}

bool same(const Run& a, const Run& b) {
  if (a.accepted != b.accepted || a.rejected != b.rejected || a.lines != b.lines) return false;
  if (a.jobs.size() != b.jobs.size() || a.rejects.size() != b.rejects.size()) return false;
  for (std::size_t i = 0; i < a.jobs.size(); ++i) {
    const JobRow& x = a.jobs[i];
    const JobRow& y = b.jobs[i];
    if (x.seq != y.seq || x.line != y.line || x.order_id != y.order_id || x.origin != y.origin ||
        x.destination != y.destination || x.weight_kg != y.weight_kg || x.due_at != y.due_at ||
        x.priority != y.priority || x.points != y.points) {
      return false;
    }
  }
  for (std::size_t i = 0; i < a.rejects.size(); ++i) {
    const RejectRow& x = a.rejects[i];
    const RejectRow& y = b.rejects[i];
    if (x.line != y.line || x.raw != y.raw || x.reason != y.reason) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  Run pieces;
  Run whole;
  if (data[0] == kLongLineMode) {
    // 1 MiB without a newline goes in the middle, making the line there longer than
    // kMaxLineBytes: the path that keeps only its first kMaxRawBytes, cut at a character.
    // Both buffers live across runs: a fresh 1 MiB allocation each run costs more page faults
    // than the parse itself.
    static const std::string filler(BatchParser::kMaxLineBytes, 'x');
    static std::string joined;
    const std::size_t middle = file.size() / 2;
    const std::string_view head = file.substr(0, middle);
    const std::string_view tail = file.substr(middle);
    pieces = parse_pieces({head, filler, tail});
    joined.assign(head).append(filler).append(tail);
    whole = parse_pieces({joined});
  } else {
    // 0..254 maps onto 0..file.size(): short inputs get every split point.
    const std::size_t split =
        file.size() <= 254 ? data[0] % (file.size() + 1) : file.size() * data[0] / 254;
    pieces = parse_pieces({file.substr(0, split), file.substr(split)});
    whole = parse_pieces({file});
  }
  check(pieces);
  if (!same(pieces, whole)) fail("splitting the input changed the result");
  return 0;
}
