// Cap'n Proto messages to and from bytes in the flat array form, for messages.cpp and
// graph_codec.cpp. Included only by them: it exposes capnp.
#pragma once

#include <capnp/message.h>
#include <kj/array.h>

#include <cstddef>
#include <span>
#include <string>

namespace waybill::wire::detail {

/// The message of `builder` serialized straight into a string: one copy, not two.
std::string to_flat_array(capnp::MessageBuilder& builder);

/// `bytes` as words for capnp::FlatArrayMessageReader: the bytes themselves when they are 8-byte
/// aligned, else a copy in `aligned`, which must outlive the words. `bytes` must be a whole
/// number of words.
kj::ArrayPtr<const capnp::word> as_words(std::span<const std::byte> bytes,
                                         kj::Array<capnp::word>& aligned);

}  // namespace waybill::wire::detail
