// Old reads new (and new reads old): frames built with tests/schema/waybill_future.capnp, a later
// version of schema/waybill.capnp, decoded by today's decode() (STYLE.md 14 and 22).
#include "schema/messages.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/schema/waybill_future.capnp.h"

namespace waybill::wire {
namespace {

namespace future = waybill::wire::future;

std::string to_frame(capnp::MessageBuilder& builder) {
  const auto words = capnp::messageToFlatArray(builder);
  const auto bytes = words.asBytes();
  return {reinterpret_cast<const char*>(bytes.begin()), bytes.size()};
}

std::optional<Message> decode_string(const std::string& frame, std::string& error) {
  return decode(std::as_bytes(std::span(frame.data(), frame.size())), error);
}

TEST(Evolution, NewFieldsAreIgnored) {
  capnp::MallocMessageBuilder builder;
  auto hello = builder.initRoot<future::Envelope>().initHello().initAs<future::HelloNext>();
  hello.setWorkerName("host-9:1");
  hello.setGraphHash("abc");
  hello.setThreads(16);
  hello.setRegion("eu-west");
  hello.setMemoryBytes(1ull << 34);
  std::string error;
  const auto decoded = decode_string(to_frame(builder), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(*decoded, (Message{Hello{"host-9:1", "abc", 16}}));
}

TEST(Evolution, MissingFieldsTakeTheirDefaults) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<future::Envelope>().initHello().initAs<future::HelloFirst>().setWorkerName(
      "host-0:1");
  std::string error;
  const auto decoded = decode_string(to_frame(builder), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(*decoded, (Message{Hello{"host-0:1", "", 1}}));  // threads defaults to 1, as in C++
}

TEST(Evolution, NewMessageTypeIsAnError) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<future::Envelope>().initShipment().setShipmentId(5);
  std::string error;
  EXPECT_FALSE(decode_string(to_frame(builder), error));
  EXPECT_EQ(error, "unknown message type 21");
}

TEST(Evolution, NewJobStatusIsAnError) {
  capnp::MallocMessageBuilder builder;
  auto result =
      builder.initRoot<future::Envelope>().initChunkResult().initAs<future::ChunkResult>();
  auto outcomes = result.initOutcomes(3);
  outcomes[1].setStatus(future::JobStatus::UNREACHABLE);
  outcomes[2].setStatus(future::JobStatus::REROUTED);
  outcomes[2].setTravelTimeS(60);
  std::string error;
  EXPECT_FALSE(decode_string(to_frame(builder), error));
  EXPECT_EQ(error, "chunk result: outcome 2: unknown job status 5");

  // The same message with known statuses only is read, the new field ignored.
  outcomes[2].setStatus(future::JobStatus::OK);
  outcomes[2].setCost(99);
  const auto decoded = decode_string(to_frame(builder), error);
  ASSERT_TRUE(decoded) << error;
  const ChunkResult& read = std::get<ChunkResult>(*decoded);
  ASSERT_EQ(read.outcomes.size(), 3u);
  EXPECT_EQ(read.outcomes[1].status, JobStatus::unreachable);
  JobOutcome expected;
  expected.cost = 99;
  EXPECT_EQ(read.outcomes[2], expected);
}

TEST(Evolution, NewChunkErrorKindCountsAsUnspecified) {
  capnp::MallocMessageBuilder builder;
  auto result =
      builder.initRoot<future::Envelope>().initChunkResult().initAs<future::ChunkResult>();
  result.setLeaseId(3);
  result.setError("a failure a later worker names");
  result.setErrorKind(9);
  std::string error;
  const auto decoded = decode_string(to_frame(builder), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(std::get<ChunkResult>(*decoded).error_kind, ChunkError::unspecified);
}

TEST(Evolution, NewSubmitStageIsAnError) {
  capnp::MallocMessageBuilder builder;
  auto reply = builder.initRoot<future::Envelope>().initSubmitReply();
  reply.setStage(future::SubmitReply::Stage::PAUSED);
  reply.setSubmitId(3);
  std::string error;
  EXPECT_FALSE(decode_string(to_frame(builder), error));
  EXPECT_EQ(error, "submit reply: unknown stage 6");
}

TEST(Evolution, ZeroSizedListElementsAreRejected) {
  // A million outcomes in 7 words: reading them would cost ~24 MB and a million iterations.
  capnp::MallocMessageBuilder builder;
  builder.initRoot<future::Envelope>()
      .initChunkResult()
      .initAs<future::HollowChunkResult>()
      .initOutcomes(1 << 20);
  const std::string frame = to_frame(builder);
  ASSERT_LT(frame.size(), 100u);
  std::string error;
  EXPECT_FALSE(decode_string(frame, error));
  EXPECT_EQ(error, "1048576 chunk result outcomes in a frame of " +
                       std::to_string(frame.size() / 8) + " words");
}

}  // namespace
}  // namespace waybill::wire
