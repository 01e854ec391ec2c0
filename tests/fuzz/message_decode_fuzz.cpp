// libFuzzer target: wire::decode() on arbitrary frames, with limits small enough that the fuzzer
// reaches them. decode() must never throw or crash, must give the same answer for an unaligned
// copy of the frame (ZeroMQ frames are not aligned), and whatever it accepts must round trip:
// encode() it, decode that with default limits, and get the same message and the same bytes.
#include "schema/messages.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace {

using namespace waybill::wire;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "message_decode_fuzz: %s%s%s\n", what, detail.empty() ? "" : ": ",
               detail.c_str());
  std::abort();
}

constexpr DecodeLimits kSmallLimits{/*traversal_words=*/2048, /*nesting=*/8};

std::span<const std::byte> bytes(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

/// True when a message carries a NaN, which is unequal to itself: for such messages only the
/// re-encoded bytes are compared.
bool has_nan(const Message& message) {
  if (const auto* m = std::get_if<Lease>(&message)) {
    if (std::isnan(m->snap_radius_m)) return true;
    for (const JobSpec& j : m->jobs) {
      if (j.points && (std::isnan(j.points->origin.lat) || std::isnan(j.points->origin.lon) ||
                       std::isnan(j.points->destination.lat) ||
                       std::isnan(j.points->destination.lon))) {
        return true;
      }
    }
  }
  if (const auto* m = std::get_if<ChunkResult>(&message)) {
    for (const JobOutcome& o : m->outcomes) {
      if (std::isnan(o.origin_snap_m) || std::isnan(o.destination_snap_m)) return true;
    }
  }
  if (const auto* m = std::get_if<SubmitBegin>(&message)) {
    if (std::isnan(m->snap_radius_m)) return true;
  }
  if (const auto* m = std::get_if<StatusReply>(&message)) {
    for (const BatchStatus& b : m->batches) {
      if (std::isnan(b.elapsed_s)) return true;
    }
    for (const WorkerStatus& w : m->workers) {
      if (std::isnan(w.last_seen_s)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto frame = std::as_bytes(std::span<const std::uint8_t>(data, size));
  std::string error;
  const std::optional<Message> message = decode(frame, error, kSmallLimits);
  if (message.has_value() != error.empty())
    fail("decode: a message and an error, or neither", error);

  // The same frame one byte off word alignment: decode() copies it, and must agree.
  std::vector<std::byte> shifted(size + 1);
  if (size != 0) std::memcpy(shifted.data() + 1, data, size);
  std::string shifted_error;
  const std::optional<Message> shifted_message =
      decode(std::span(shifted).subspan(1), shifted_error, kSmallLimits);
  if (shifted_error != error) fail("unaligned frame decoded differently", shifted_error);
  if (!message) return 0;
  const bool nan = has_nan(*message);
  if (!nan && !(*shifted_message == *message)) fail("unaligned frame gave another message");

  const std::string encoded = encode(*message);
  std::string again_error;
  const std::optional<Message> again = decode(bytes(encoded), again_error);
  if (!again) fail("decode(encode(decoded)) failed", again_error);
  if (again->index() != message->index()) fail("round trip changed the message type");
  if (!nan && !(*again == *message)) fail("round trip changed the message");
  if (encode(*again) != encoded) fail("encode is not stable across a round trip");
  return 0;
}
