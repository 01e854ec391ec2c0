#include "transport/client.h"

#include <zmq.hpp>

#include "transport/curve.h"

namespace waybill::transport {

Client::Client(zmq::context_t& context, std::string endpoint, std::string key_file,
               std::string dispatcher_key)
    : m_context(context), m_endpoint(std::move(endpoint)) {
  if (!key_file.empty() && !dispatcher_key.empty()) {
    const auto keys = transport::read_key_pair(key_file);
    m_public_key = keys.public_key;
    m_secret_key = keys.secret_key;
    m_dispatcher_key = transport::read_public_key(dispatcher_key);
  }
  reset();
}
Client::~Client() = default;

void Client::reset() {
  m_socket = std::make_unique<zmq::socket_t>(m_context, zmq::socket_type::dealer);
  m_socket->set(zmq::sockopt::linger, 0);
  m_socket->set(zmq::sockopt::maxmsgsize, std::int64_t{64} << 20);
  if (!m_dispatcher_key.empty()) {
    transport::make_curve_client(*m_socket, {m_public_key, m_secret_key}, m_dispatcher_key);
  }
  m_socket->connect(m_endpoint);
}

void Client::send(const wire::Message& message) {
  const std::string bytes = wire::encode(message);
  m_socket->send(zmq::buffer(bytes), zmq::send_flags::none);
}

std::optional<wire::Message> Client::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    zmq::pollitem_t item{m_socket->handle(), 0, ZMQ_POLLIN, 0};
    int ready = 0;
    try {
      ready = left.count() <= 0 ? 0 : zmq::poll(&item, 1, left);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;
    }
    if (ready == 0) {
      reset();
      return std::nullopt;
    }
    zmq::message_t frame;
    if (!m_socket->recv(frame, zmq::recv_flags::dontwait)) continue;
    std::string error;
    auto message =
        wire::decode(std::span(static_cast<const std::byte*>(frame.data()), frame.size()), error);
    if (message) return message;
  }
}

std::optional<wire::Message> Client::request(const wire::Message& message,
                                             std::chrono::milliseconds timeout, int attempts) {
  for (int i = 0; i < attempts; ++i) {
    send(message);
    if (auto reply = receive(timeout)) return reply;
  }
  return std::nullopt;
}

}  // namespace waybill::transport
