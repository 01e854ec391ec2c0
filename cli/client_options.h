// What the commands that talk to the dispatcher share (submit, status, plan): the CurveZMQ key
// options and reading a reply of the expected type.
#pragma once

#include <boost/program_options.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <variant>

#include "schema/messages.h"

namespace waybill::cli {

/// --key and --dispatcher-key; the environment ($WAYBILL_KEY, $WAYBILL_DISPATCHER_KEY) gives
/// the defaults.
inline void add_key_options(boost::program_options::options_description& options, std::string& key,
                            std::string& server) {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  key = env("WAYBILL_KEY");
  server = env("WAYBILL_DISPATCHER_KEY");
  options.add_options()
      ("key", boost::program_options::value(&key)->default_value(key),
       "this client's CurveZMQ key pair file ($WAYBILL_KEY); without it, plain TCP")
      ("dispatcher-key", boost::program_options::value(&server)->default_value(server),
       "the dispatcher's public key or .pub file ($WAYBILL_DISPATCHER_KEY)");
}

/// The reply as a T, or null when there was none or it is another message.
template <class T>
const T* as(const std::optional<wire::Message>& m) {
  return m ? std::get_if<T>(&*m) : nullptr;
}

}  // namespace waybill::cli
