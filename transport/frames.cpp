#include "transport/frames.h"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <iterator>
#include <span>
#include <vector>

namespace waybill::transport {

bool send_message(zmq::socket_t& socket, const wire::Message& message) {
  const std::string bytes = wire::encode(message);
  return socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
}

bool send_message(zmq::socket_t& socket, const std::string& peer, const wire::Message& message) {
  const std::string bytes = wire::encode(message);
  if (!socket.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
    return false;
  }
  return socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
}

std::optional<Received> receive_message(zmq::socket_t& socket, bool routed,
                                        const wire::DecodeLimits& limits) {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
    return std::nullopt;
  }
  Received in;
  in.frames = frames.size();
  const std::size_t expected = routed ? 2 : 1;
  if (frames.size() != expected) {
    if (routed && !frames.empty()) in.peer = frames[0].to_string();
    in.error = "a message of " + std::to_string(frames.size()) + " frames";
    return in;
  }
  if (routed) in.peer = frames[0].to_string();
  const zmq::message_t& body = frames.back();
  in.message = wire::decode(std::span(static_cast<const std::byte*>(body.data()), body.size()),
                            in.error, limits);
  return in;
}

}  // namespace waybill::transport
