// One wire message per ZeroMQ frame: encode and send, receive and decode under the limits the
// process was configured with. The one place a socket meets a wire::Message, for the
// dispatcher's ROUTER sockets and the DEALER sockets of workers and clients alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "schema/messages.h"

namespace zmq {
class socket_t;
}

namespace waybill::transport {

/// Sends `message` as one frame on a DEALER socket, without blocking. False when the socket's
/// queue is full (its high-water mark): the message is dropped, as a heartbeat would be.
bool send_message(zmq::socket_t& socket, const wire::Message& message);
/// Sends `message` to `peer` (a routing id) on a ROUTER socket, without blocking. False when the
/// peer's queue is full or the peer is gone.
bool send_message(zmq::socket_t& socket, const std::string& peer, const wire::Message& message);

/// A message taken from a socket: its sender (ROUTER sockets), and the message, or what was
/// wrong with the frames when they were not a valid message.
struct Received {
  std::string peer;
  std::optional<wire::Message> message;
  std::string error;       ///< when message is empty
  std::size_t frames = 0;  ///< how many frames came (a ROUTER socket's are 2: peer, message)
};

/// The next message waiting on a DEALER socket (`routed` false) or a ROUTER socket (`routed`
/// true), without blocking; nothing when none waits. Frames are decoded with `limits` and never
/// throw for bad input: a malformed message is a Received with an error.
std::optional<Received> receive_message(zmq::socket_t& socket, bool routed,
                                        const wire::DecodeLimits& limits);

}  // namespace waybill::transport
