// Small conversions between std::string and Cap'n Proto readers, and the size checks a decoder
// makes before it trusts a list's length; shared by messages.cpp and plan_messages.cpp.
#pragma once

#include <capnp/blob.h>
#include <kj/common.h>

#include <cstddef>
#include <string>

namespace waybill::wire::detail {

inline capnp::Text::Reader text(const std::string& s) { return {s.data(), s.size()}; }

inline capnp::Data::Reader data(const std::string& s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}

inline std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

inline std::string str(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

/// Words a struct of type T takes in a list: its data words and its pointers.
template <typename T>
constexpr std::size_t struct_words() {
  return T::_capnpPrivate::dataWordSize + T::_capnpPrivate::pointerCount;
}

/// A list cannot hold more elements than its frame has words (every element takes at least one
/// bit, and the limits are on whole words): false, with `error` naming `what`, when it claims to.
inline bool list_fits(std::size_t elements, std::size_t frame_words, const char* what,
                      std::string& error) {
  if (elements <= frame_words) return true;
  error = std::to_string(elements) + " " + what + " in a frame of " +
          std::to_string(frame_words) + " words";
  return false;
}

}  // namespace waybill::wire::detail
