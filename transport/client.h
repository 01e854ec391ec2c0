// A client of the dispatcher's client socket: request, wait with a timeout, and on silence
// close the socket and reconnect (the ZeroMQ guide's Lazy Pirate).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "schema/messages.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace waybill::transport {

class Client {
 public:
  /// With `key_file` and `dispatcher_key` set, the connection uses CurveZMQ; without, plain TCP.
  Client(zmq::context_t& context, std::string endpoint, std::string key_file = {},
         std::string dispatcher_key = {});
  ~Client();

  /// Sends without waiting for an answer.
  void send(const wire::Message& message);
  /// The next message, or nothing after `timeout` (then the socket is reset: replies to earlier
  /// requests can no longer arrive). Malformed replies are skipped.
  std::optional<wire::Message> receive(std::chrono::milliseconds timeout);
  /// send() then receive(), retried `attempts` times on silence.
  std::optional<wire::Message> request(const wire::Message& message,
                                       std::chrono::milliseconds timeout, int attempts = 3);
  const std::string& endpoint() const { return m_endpoint; }

 private:
  void reset();

  zmq::context_t& m_context;
  std::string m_endpoint;
  std::string m_public_key, m_secret_key, m_dispatcher_key;  // empty: plain TCP
  std::unique_ptr<zmq::socket_t> m_socket;
};

}  // namespace waybill::transport
