// Encoding and decoding of the plan messages (plan_messages.h), for messages.cpp's encode() and
// decode(). Only the two .cpp files of schema/ include it: it needs the generated Cap'n Proto code.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "schema/plan_messages.h"
#include "schema/waybill.capnp.h"

namespace waybill::wire::detail {

/// Words of the encoded message, or a little more.
std::size_t estimate_words(const PlanLease& m);
std::size_t estimate_words(const PlanResult& m);

void fill(schema::PlanRequest::Builder b, const PlanRequest& m);
void fill(schema::PlanReply::Builder b, const PlanReply& m);
void fill(schema::PlanLease::Builder b, const PlanLease& m);
void fill(schema::PlanResult::Builder b, const PlanResult& m);

/// Each returns nothing, with `error` set, for a message that breaks its limits: a list longer
/// than the frame has words, a reason or text of absurd length, non-finite numbers.
std::optional<PlanRequest> read(schema::PlanRequest::Reader r, std::string& error);
std::optional<PlanReply> read(schema::PlanReply::Reader r, std::string& error);
std::optional<PlanLease> read(schema::PlanLease::Reader r, std::size_t frame_words, std::string& error);
std::optional<PlanResult> read(schema::PlanResult::Reader r, std::size_t frame_words, std::string& error);

}  // namespace waybill::wire::detail
