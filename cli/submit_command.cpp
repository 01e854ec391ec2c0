// `waybill submit` and `waybill status`: the client side of the dispatcher's client socket.
#include <unistd.h>
#include <zmq.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <deque>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cli/submit_command.h"

#include "cli/batch_file.h"
#include "cli/cli_options.h"
#include "cli/client_options.h"
#include "cli/regions.h"
#include "cli/commands.h"
#include "cli/content_reader.h"
#include "common/iso8601.h"
#include "common/sha256.h"
#include "transport/client.h"

namespace waybill::cli {
namespace po = boost::program_options;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kPartBytes = 1 << 20;  // a submit part: about 1 MiB of whole lines
constexpr std::size_t kWindow = 4;           // parts sent ahead of their acknowledgements

using Stage = wire::SubmitReply::Stage;

/// A submit that failed; `transient` when trying again may succeed.
class SubmitError : public std::runtime_error {
 public:
  SubmitError(const std::string& what, bool transient)
      : std::runtime_error(what), m_transient(transient) {}
  bool transient() const { return m_transient; }

 private:
  bool m_transient;
};

SubmitError dispatcher_failed(const std::string& error) {
  return SubmitError(error, transient_submit_error(error));
}

/// Reads a file's content (decompressed) in parts of whole lines (a part ends after a newline,
/// or at the end), hashing the content as it goes.
class PartReader {
 public:
  explicit PartReader(const std::string& path) : m_in(path) {}
  /// For a submit that resumes a batch: the first part is the header line (the first line that
  /// is not blank, with the blank ones before it), the next ones the content from byte `offset`.
  /// The content before it is read and hashed (hash_so_far() is then its hash), not sent; when
  /// there is less than that, shorter() says so.
  PartReader(const std::string& path, std::uint64_t offset) : m_in(path) {
    ContentReader head(path);
    LineReader lines(head);
    std::string header;
    do {
      if (!lines.next(header)) throw FileError(path + ": no header line (the file changed?)");
    } while (header.empty() || header == "\r");
    if (offset < lines.consumed()) throw FileError(path + ": resume offset inside the header");
    m_first = header + '\n';
    std::string skip(kPartBytes, '\0');
    for (std::uint64_t left = offset; left > 0;) {
      const std::size_t got = m_in.read(skip.data(), std::min<std::uint64_t>(left, kPartBytes));
      if (got == 0) {
        m_shorter = true;
        return;
      }
      m_digest.update(skip.data(), got);
      left -= got;
    }
  }
  bool next(std::string& part) {
    if (m_first) {
      part = std::move(*m_first);
      m_first.reset();
      return true;
    }
    part = std::move(m_carry);
    m_carry.clear();
    if (m_end && part.empty()) return false;
    const std::size_t have = part.size();
    part.resize(have + kPartBytes);
    const std::size_t got = m_in.read(part.data() + have, kPartBytes);
    part.resize(have + got);
    m_end = got < kPartBytes;
    if (!m_end) {  // more follows: carry the unfinished last line over
      const auto newline = part.rfind('\n');
      if (newline != std::string::npos) {
        m_carry = part.substr(newline + 1);
        part.resize(newline + 1);
      }
    }
    m_digest.update(part.data(), part.size());
    return !part.empty() || !m_end;
  }
  bool done() const { return m_end && m_carry.empty(); }
  /// Whether the content ended before the offset the reader was to resume from.
  bool shorter() const { return m_shorter; }
  /// sha256 of the content up to the end of the last part (or of the skipped content).
  std::string hash_so_far() const { return m_digest.hex_so_far(); }

 private:
  ContentReader m_in;
  bool m_end = false;
  bool m_shorter = false;
  std::string m_carry;
  std::optional<std::string> m_first;  ///< a resumed submit's header part
  Sha256 m_digest;
};

/// The answer to a SubmitBegin. Replies to the parts of an attempt given up on may arrive
/// first: they name that attempt's submit, which a SubmitBegin's failure never does; and so may
/// a repeated answer to the begin of a resume given up on (`given_up`: their submit ids).
const wire::SubmitReply* begin_reply(transport::Client& client, const wire::SubmitBegin& begin,
                                     std::chrono::milliseconds timeout,
                                     std::optional<wire::Message>& answer,
                                     const std::vector<std::uint64_t>& given_up) {
  answer = client.request(begin, timeout, 1);
  for (;;) {
    if (as<wire::StatusReply>(answer)) {  // a progress report of the attempt given up on
      answer = client.receive(timeout);
      continue;
    }
    const auto* reply = as<wire::SubmitReply>(answer);
    if (!reply) return nullptr;
    const bool stale = reply->stage == Stage::part_stored ||
                       (reply->stage == Stage::failed && reply->submit_id != 0) ||
                       std::ranges::find(given_up, reply->submit_id) != given_up.end();
    if (!stale) return reply;
    answer = client.receive(timeout);
  }
}

/// One attempt at a whole submit. Returns the final reply; throws SubmitError when the
/// dispatcher fails it or falls silent, FileError when the file cannot be read.
/// With `progress`, says every 5 s on stderr how far the batch is received and routed.
wire::SubmitReply submit_once(transport::Client& client, wire::SubmitBegin& begin,
                              const std::string& path, std::chrono::milliseconds timeout,
                              bool progress) {
  std::optional<wire::Message> first;
  const wire::SubmitReply* reply = nullptr;
  std::optional<PartReader> reader;
  std::vector<std::uint64_t> given_up;  // submits of resumes not taken
  while (!reader) {
    // Every receiving slot taken: the client waits its turn, asking again well within the 15 s
    // after which the dispatcher gives a silent client's place up. Not a failure, not an
    // attempt.
    for (std::uint32_t place = 0;; std::this_thread::sleep_for(500ms)) {
      reply = begin_reply(client, begin, timeout, first, given_up);
      if (!reply || reply->stage != Stage::queued) break;
      // Place 0: the dispatcher is preparing this submit (a resume reads the stored part back),
      // or another client's file starting as this one does is being received.
      if (std::exchange(place, reply->place) != reply->place && reply->place > 0) {
        std::cerr << "waybill submit: queued: place " << reply->place << '\n';
      }
    }
    if (!reply) throw SubmitError("no answer from the dispatcher at " + client.endpoint(), true);
    if (reply->stage == Stage::failed && begin.content_hash.empty() &&
        reply->error.starts_with("content hash must be 64")) {
      // A dispatcher from before 0015, which knows files by their whole hash only.
      begin.content_hash = content_digest(path).sha256_hex;
      continue;
    }
    if (reply->stage == Stage::failed) throw dispatcher_failed(reply->error);
    if (reply->stage == Stage::done) return *reply;
    if (reply->stage == Stage::hash_first) {
      // A stored batch starts as this file does: whether it is this file, the whole content's
      // hash says.
      if (!begin.content_hash.empty()) {
        throw SubmitError("the dispatcher asked for the content's hash, which it was given", false);
      }
      std::cerr << "waybill submit: a stored batch starts as " << path
                << " does; hashing the whole file first\n";
      begin.content_hash = content_digest(path).sha256_hex;
      continue;
    }
    if (reply->resume_offset == 0) {
      reader.emplace(path);
      break;
    }
    // A batch still receiving that starts as this file does: resumed only if the file's content
    // up to where the batch's segments end hashes as the content they were made of. If not, the
    // client begins again skipping it (the dispatcher refuses a batch found by the whole hash
    // and skipped: the file changed).
    if (reply->resume_hash.empty() && begin.content_hash.empty()) {
      throw SubmitError("the dispatcher offered batch " + std::to_string(reply->batch_id) +
                            " for resume without the hash of its content",
                        false);
    }
    reader.emplace(path, reply->resume_offset);
    if (reader->shorter() ||
        (!reply->resume_hash.empty() && reader->hash_so_far() != reply->resume_hash)) {
      std::cerr << "waybill submit: batch " << reply->batch_id << " starts as " << path
                << " does, but is another file's; not resuming it\n";
      begin.skip_batches.push_back(reply->batch_id);
      given_up.push_back(reply->submit_id);
      reader.reset();
      continue;
    }
    std::cerr << "waybill submit: batch " << reply->batch_id << " was interrupted; resuming after line "
              << reply->resume_line << " (" << reply->durable << " jobs stored already)\n";
  }
  const std::uint64_t submit_id = reply->submit_id;
  const std::uint64_t batch_id = reply->batch_id;
  std::uint64_t durable = reply->durable;

  std::uint32_t sent = 0;
  std::uint32_t acked = 0;
  bool last_sent = false;
  std::string part;
  auto asked = Clock::now();
  for (;;) {
    // Received and routed both grow while the file streams in: asked for beside the parts (a
    // status reply is not a submit reply, and is told apart below).
    if (progress && Clock::now() - asked >= 5s) {
      client.send(wire::StatusRequest{batch_id});
      asked = Clock::now();
    }
    while (!last_sent && sent - acked < kWindow) {
      wire::SubmitData data;
      data.submit_id = submit_id;
      data.part = sent++;
      if (!reader->next(part)) part.clear();
      data.data = std::move(part);
      data.last = reader->done();
      data.content_hash = reader->hash_so_far();
      last_sent = data.last;
      client.send(data);
    }
    const auto answer = client.receive(60s);
    const auto* r = as<wire::SubmitReply>(answer);
    if (!answer) throw SubmitError("the dispatcher fell silent during the submit", true);
    if (const auto* status = as<wire::StatusReply>(answer)) {
      for (const auto& b : status->batches) {
        if (b.batch_id != batch_id) continue;
        std::cerr << "batch " << batch_id << ": receiving: " << b.accepted << " jobs stored, "
                  << b.routed << " routed\n";
      }
    }
    if (!r) continue;
    // A failure with no submit id answers a message the dispatcher could not handle: this one's.
    if (r->stage == Stage::failed && (r->submit_id == submit_id || r->submit_id == 0)) {
      throw dispatcher_failed(r->error);
    }
    if (r->submit_id != submit_id) continue;  // a stale reply
    if (r->stage == Stage::done) return *r;
    if (durable == 0 && r->durable > 0) {
      std::cerr << "waybill submit: batch " << batch_id << ": receiving; routing has begun ("
                << r->durable << " jobs stored)\n";
    }
    durable = std::max(durable, r->durable);
    if (r->stage == Stage::part_stored) acked = std::max(acked, r->part + 1);
  }
}

void print_progress(const wire::BatchStatus& b, bool tty, double elapsed) {
  const double done = b.accepted ? static_cast<double>(b.routed) / static_cast<double>(b.accepted) : 1.0;
  if (tty) {
    const int width = 40;
    const int filled = static_cast<int>(done * width);
    std::fprintf(stderr, "\r[%s%s] %5.1f%%  %llu/%llu routed  %.0f jobs/s ",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '.').c_str(), done * 100,
                 static_cast<unsigned long long>(b.routed), static_cast<unsigned long long>(b.accepted),
                 elapsed > 0 ? static_cast<double>(b.routed) / elapsed : 0.0);
  } else {
    std::fprintf(stderr, "batch %llu: %llu/%llu routed (%.1f%%), %.1f s\n",
                 static_cast<unsigned long long>(b.batch_id), static_cast<unsigned long long>(b.routed),
                 static_cast<unsigned long long>(b.accepted), done * 100, elapsed);
  }
}

/// Polls the batch until it is routed; prints progress, then the summary. Returns the exit
/// status: kAllAccepted, or with `fail_on_rejects` kSomeRejected when lines were rejected.
int wait_for(transport::Client& client, std::uint64_t batch_id, Clock::time_point t0,
             bool fail_on_rejects) {
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto last_line = Clock::now() - 10s;
  int silent = 0;
  std::optional<std::pair<Clock::time_point, std::uint64_t>> seen;  // the last poll: when, routed
  for (;;) {
    const auto answer = client.request(wire::StatusRequest{batch_id}, 5s, 1);
    const auto* status = as<wire::StatusReply>(answer);
    if (!status) {
      if (++silent == 1) std::cerr << "waybill submit: dispatcher not answering; still waiting\n";
      continue;
    }
    silent = 0;
    const wire::BatchStatus* b = nullptr;
    for (const auto& s : status->batches) {
      if (s.batch_id == batch_id) b = &s;
    }
    if (!b) throw std::runtime_error("batch " + std::to_string(batch_id) + " not found");
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    if (tty || b->finished || Clock::now() - last_line >= 5s) {
      print_progress(*b, tty, elapsed);
      last_line = Clock::now();
    }
    if (b->finished) {
      if (tty) std::cerr << '\n';
      std::cout << "batch " << batch_id << ": accepted " << b->accepted << ", rejected "
                << b->rejected << ", routed " << b->routed << ", unreachable " << b->unreachable
                << ", elapsed " << std::fixed << std::setprecision(1) << elapsed << " s, "
                << std::setprecision(0) << (elapsed > 0 ? static_cast<double>(b->accepted) / elapsed : 0)
                << " jobs/s\n";
      return b->rejected > 0 && fail_on_rejects ? kSomeRejected : kAllAccepted;
    }
    // Poll every 500 ms (200 ms on a terminal), sooner when the routing rate says the batch is
    // about to finish: the wait then ends within ~20 ms of the last route instead of up to
    // half a second after it.
    auto pause = std::chrono::duration_cast<std::chrono::milliseconds>(tty ? 200ms : 500ms);
    const auto now = Clock::now();
    if (seen && b->routed > seen->second && b->accepted > b->routed) {
      const double rate = static_cast<double>(b->routed - seen->second) /
                          std::chrono::duration<double>(now - seen->first).count();
      const auto eta = std::chrono::milliseconds(
          static_cast<std::int64_t>(1000.0 * static_cast<double>(b->accepted - b->routed) / rate));
      pause = std::clamp(eta, std::chrono::milliseconds(20), pause);
    }
    seen = {now, b->routed};
    std::this_thread::sleep_for(pause);
  }
}

/// Says on stderr which lines were rejected, as far as the client can tell without the graph.
void report_rejects(const std::string& file, const wire::SubmitReply& done) {
  constexpr std::size_t kExamples = 3;
  constexpr std::uint64_t kLookedAt = 1'000'000;  // lines: bounds the time and the memory
  std::vector<RejectExample> examples;
  try {
    examples = reject_examples(file, kExamples, kLookedAt);
  } catch (const FileError&) {  // read a moment ago; if not now, the examples are left out
  }
  std::cerr << "waybill submit: " << file << ": " << done.rejected
            << (done.rejected == 1 ? " line" : " lines") << " rejected"
            << (examples.empty() ? "" : ", for example:") << '\n';
  for (const auto& e : examples) std::cerr << "  line " << e.line << ": " << e.reason << '\n';
  std::cerr << "  every one, with its reason: select line, reason, raw from rejects where "
               "batch_id = "
            << done.batch_id << " order by line;\n";
}

}  // namespace

bool transient_submit_error(std::string_view error) {
  return error.ends_with("; retry") || error.ends_with("; start over");
}

int submit_command(std::span<const std::string> args) {
  std::string endpoint = "tcp://127.0.0.1:7410";
  std::string graph, file;
  int attempts = 5;
  int timeout_ms = 10000;
  std::int32_t priority = 0;
  std::string depart_at;
  double snap_radius_m = 500;
  po::options_description options(
      "waybill submit [--dispatcher ENDPOINT] --graph NAME FILE [--wait]\n\nStreams a batch file "
      "(CSV: order_id,origin,destination[,weight_kg,due_at,priority,\nready_at,service_s], or "
      "with origin_lat,origin_lon,dest_lat,dest_lon instead of\norigin,destination) to the "
      "dispatcher and prints the batch id once the batch is\ndurable. A gzip or zstd file is read "
      "as its content (told by its first bytes).\nThe same content submitted again is the same "
      "batch (with the options it was\nfirst submitted with). A file that is not a batch file "
      "(empty, binary, no\nheader naming the columns, no line after the header) is refused before "
      "the\ndispatcher is asked. A client beyond the dispatcher's receiving slots waits its\nturn. "
      "The batch is stored in segments as it streams in, and routed from the\nfirst one on. An "
      "interrupted submit keeps its stored segments: it is retried,\nand the same file submitted "
      "again later resumes after them. A refusal\n(unknown graph, refused key) is not retried. "
      "Without --dispatcher, the graph's line\nin the regions file names the dispatcher and its key.\n\nExit status: 0 stored (the summary says how many "
      "lines were rejected, and\nwhy); 1 stored with rejected lines, with --fail-on-rejects;\n2 nothing stored: usage error, file "
      "refused or unreadable, graph unknown, key\nor batch refused; 3 nothing stored: no answer "
      "from the dispatcher or its\ndatabase away, after every attempt.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("dispatcher", po::value(&endpoint)->default_value(endpoint), "the dispatcher's client endpoint")
      ("graph", po::value(&graph)->required(), "name of the imported graph the jobs refer to")
      ("file", po::value(&file)->required(), "the batch file")
      ("wait", "show progress until the batch is routed, then a summary")
      ("fail-on-rejects", "exit status 1 when the batch was stored with rejected lines (without it, 0)")
      ("paths", "store each route's geometry (encoded polyline, precision 6) in routes.polyline")
      ("depart-at", po::value(&depart_at),
       "ISO 8601 time the vehicles leave (e.g. 2026-11-11T08:00+08:00): job_routes.eta counts "
       "from it, on graphs whose cost is a travel time")
      ("snap-radius-m", po::value(&snap_radius_m)->default_value(snap_radius_m),
       "coordinate form: a point farther than this from every road is unsnappable")
      ("priority", po::value(&priority)->default_value(priority),
       "lease order among the open batches: higher first, equal ones in turn")
      ("hash-first", "hash the whole file before sending it (by default it is hashed as it is "
       "sent, and routing starts sooner)")
      ("attempts", po::value(&attempts)->default_value(attempts), "tries before giving up")
      ("timeout-ms", po::value(&timeout_ms)->default_value(timeout_ms),
       "how long to wait for the dispatcher to answer the start of a submit");
  std::string key, server_key, regions;
  add_key_options(options, key, server_key);
  add_regions_option(options, regions);
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "submit", "file")) return *status;
  try {
    choose_dispatcher(vm, graph, regions, endpoint, server_key);
  } catch (const RegionsError& e) {
    std::cerr << "waybill submit: " << e.what() << "; nothing submitted\n";
    return kRefused;
  }
  if (!depart_at.empty() && !valid_iso8601(depart_at)) {
    std::cerr << "waybill submit: --depart-at: not an ISO 8601 time: '" << depart_at << "'\n";
    return kRefused;
  }
  if (!(snap_radius_m > 0 && snap_radius_m <= 100'000)) {
    std::cerr << "waybill submit: --snap-radius-m must be more than 0 and at most 100000\n";
    return kRefused;
  }
  if (attempts < 1) {
    std::cerr << "waybill submit: --attempts must be at least 1\n";
    return kRefused;
  }
  const auto t0 = Clock::now();
  wire::SubmitBegin begin;
  begin.want_paths = vm.count("paths") > 0;
  begin.depart_at = depart_at;
  begin.snap_radius_m = snap_radius_m;
  begin.priority = priority;
  begin.graph_name = graph;
  begin.file_name = file;
  // The file first: one that is not a batch file is refused before the dispatcher is asked.
  try {
    if (const auto problem = batch_file_problem(file)) {
      std::cerr << "waybill submit: " << file << ": not a batch file, nothing submitted: "
                << *problem << '\n';
      return kRefused;
    }
    // The identity of a compressed file is its content's: a .gz and its plain form are one batch.
    // Its first MiB names it for a start: the rest is hashed while it is sent (a file no
    // longer than that is hashed whole here), or before, with --hash-first.
    const ContentDigest digest = vm.count("hash-first") ? content_digest(file) : content_head(file);
    begin.content_hash = digest.sha256_hex;
    begin.head_hash = digest.head_hex;
    std::error_code size_error;  // the log's figure only: 0 when not known
    begin.file_bytes = digest.sha256_hex.empty() ? std::filesystem::file_size(file, size_error)
                                                 : digest.bytes;
    if (size_error) begin.file_bytes = 0;
  } catch (const FileError& e) {
    std::cerr << "waybill submit: " << e.what() << "; nothing submitted\n";
    return kRefused;
  }
  zmq::context_t context;
  std::optional<transport::Client> client;
  try {
    client.emplace(context, endpoint, key, server_key);
  } catch (const std::exception& e) {
    std::cerr << "waybill submit: " << e.what() << '\n';
    return kRefused;
  }
  try {
    std::optional<wire::SubmitReply> done;
    for (int attempt = 1; !done; ++attempt) {
      try {
        done = submit_once(*client, begin, file, std::chrono::milliseconds(timeout_ms),
                           vm.count("wait") > 0);
      } catch (const SubmitError& e) {
        if (!e.transient()) {
          std::cerr << "waybill submit: " << e.what() << "; nothing submitted\n";
          return kRefused;
        }
        if (attempt >= attempts) {
          std::cerr << "waybill submit: " << e.what() << "; gave up after " << attempts
                    << (attempts == 1 ? " attempt" : " attempts") << ", nothing submitted\n";
          return kUnavailable;
        }
        std::cerr << "waybill submit: " << e.what() << "; retrying (" << attempt << "/" << attempts << ")\n";
        std::this_thread::sleep_for(std::chrono::milliseconds(500 * attempt));
      }
    }
    std::cout << "batch " << done->batch_id << (done->existing ? " (already submitted)" : "")
              << ": " << done->accepted << " jobs accepted, " << done->rejected
              << " lines rejected" << std::endl;
    if (done->rejected > 0) report_rejects(file, *done);
    const bool fail_on_rejects = vm.count("fail-on-rejects") > 0;
    if (vm.count("wait")) return wait_for(*client, done->batch_id, t0, fail_on_rejects);
    return done->rejected > 0 && fail_on_rejects ? kSomeRejected : kAllAccepted;
  } catch (const transport::KeyRefused& e) {
    std::cerr << "waybill submit: " << e.what() << "; nothing submitted\n";
    return kRefused;
  } catch (const FileError& e) {  // read before, but not while sending: the batch is rolled back
    std::cerr << "waybill submit: " << e.what() << "; nothing submitted\n";
    return kRefused;
  } catch (const std::exception& e) {
    std::cerr << "waybill submit: " << e.what() << '\n';
    return kUnavailable;
  }
}

int status_command(std::span<const std::string> args) {
  std::string endpoint = "tcp://127.0.0.1:7410";
  std::uint64_t batch = 0;
  po::options_description options(
      "waybill status [--dispatcher ENDPOINT | --graph NAME] [BATCH]\n\nBatches (one, or the "
      "unfinished and recent ones), their progress, and the workers.\nWith --graph, of the "
      "dispatcher of that graph's region (the regions file).\n\nOptions");
  std::string graph;
  options.add_options()
      ("help,h", "show this help")
      ("dispatcher", po::value(&endpoint)->default_value(endpoint), "the dispatcher's client endpoint")
      ("batch", po::value(&batch)->default_value(0), "one batch id (0: all recent)")
      ("graph", po::value(&graph), "ask the dispatcher of this graph's region");
  std::string key, server_key, regions;
  add_key_options(options, key, server_key);
  add_regions_option(options, regions);
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "status", "batch")) return *status;
  if (auto status = use_region(vm, graph, regions, endpoint, server_key, "status")) return *status;
  zmq::context_t context;
  transport::Client client(context, endpoint, key, server_key);
  const auto answer = client.request(wire::StatusRequest{batch}, 5s);
  const auto* status = as<wire::StatusReply>(answer);
  if (!status) {
    std::cerr << "waybill status: no answer from the dispatcher at " << endpoint << '\n';
    return 1;
  }
  std::printf("%-6s %-30s %-10s %10s %9s %10s %11s %8s %9s  %s\n", "batch", "file", "graph",
              "accepted", "rejected", "routed", "unreachable", "done", "elapsed", "state");
  for (const auto& b : status->batches) {
    const char* state = b.finished ? "finished" : b.receiving ? "receiving" : "routing";
    std::printf("%-6llu %-30.30s %-10.10s %10llu %9llu %10llu %11llu %7.1f%% %8.1fs  %s\n",
                static_cast<unsigned long long>(b.batch_id), b.file_name.c_str(), b.graph_name.c_str(),
                static_cast<unsigned long long>(b.accepted), static_cast<unsigned long long>(b.rejected),
                static_cast<unsigned long long>(b.routed), static_cast<unsigned long long>(b.unreachable),
                b.accepted ? 100.0 * static_cast<double>(b.routed) / static_cast<double>(b.accepted) : 100.0,
                b.elapsed_s, state);
  }
  if (!status->plans.empty()) {
    std::printf("\n%-6s %-6s %8s %8s %8s\n", "plan", "batch", "parts", "done", "planning");
    for (const auto& p : status->plans) {
      std::printf("%-6llu %-6llu %8u %8u %8u\n", static_cast<unsigned long long>(p.plan_id),
                  static_cast<unsigned long long>(p.batch_id), p.parts, p.parts_done, p.parts_leased);
    }
  }
  std::printf("\n%-30s %7s %7s %12s %10s\n", "worker", "threads", "leases", "jobs done", "last seen");
  for (const auto& w : status->workers) {
    std::printf("%-30.30s %7u %7u %12llu %9.1fs\n", w.worker_name.c_str(), w.threads, w.leases,
                static_cast<unsigned long long>(w.jobs_done), w.last_seen_s);
  }
  return 0;
}

}  // namespace waybill::cli
