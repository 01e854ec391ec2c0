// A client of the dispatcher's client socket: request, wait with a timeout, and on silence
// close the socket and reconnect (the ZeroMQ guide's Lazy Pirate).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "schema/messages.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace waybill::transport {

/// The dispatcher's ZAP handler refused this client's CurveZMQ key (it is not on the
/// dispatcher's allow-list): trying again will not help.
class KeyRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Client {
 public:
  /// With `key_file` and `dispatcher_key` set, the connection uses CurveZMQ; without, plain TCP.
  Client(zmq::context_t& context, std::string endpoint, std::string key_file = {},
         std::string dispatcher_key = {});
  ~Client();

  /// Sends without waiting for an answer.
  void send(const wire::Message& message);
  /// The next message, or nothing after `timeout` (then the socket is reset: replies to earlier
  /// requests can no longer arrive). Malformed replies are skipped. Throws KeyRefused when the
  /// dispatcher refuses this client's key.
  std::optional<wire::Message> receive(std::chrono::milliseconds timeout);
  /// send() then receive(), retried `attempts` times on silence.
  std::optional<wire::Message> request(const wire::Message& message,
                                       std::chrono::milliseconds timeout, int attempts = 3);
  const std::string& endpoint() const { return m_endpoint; }

 private:
  void reset();
  void close();
  /// Throws KeyRefused when the monitor reports the dispatcher refused the key.
  void check_monitor();

  zmq::context_t& m_context;
  std::string m_endpoint;
  std::string m_public_key, m_secret_key, m_dispatcher_key;  // empty: plain TCP
  std::unique_ptr<zmq::socket_t> m_socket;
  /// With CurveZMQ: the socket's monitor, reporting a refused handshake (ZAP status 400).
  std::unique_ptr<zmq::socket_t> m_monitor;
};

}  // namespace waybill::transport
