#include "schema/detail/flat_array.h"

#include <capnp/serialize.h>
#include <kj/io.h>

#include <cassert>
#include <cstdint>
#include <cstring>

namespace waybill::wire::detail {

std::string to_flat_array(capnp::MessageBuilder& builder) {
  std::string out(capnp::computeSerializedSizeInWords(builder) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, builder);
  return out;
}

kj::ArrayPtr<const capnp::word> as_words(std::span<const std::byte> bytes,
                                         kj::Array<capnp::word>& aligned) {
  assert(bytes.size() % sizeof(capnp::word) == 0);
  const std::size_t num_words = bytes.size() / sizeof(capnp::word);
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
    return kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), num_words);
  }
  aligned = kj::heapArray<capnp::word>(num_words);
  std::memcpy(aligned.begin(), bytes.data(), bytes.size());
  return aligned;
}

}  // namespace waybill::wire::detail
