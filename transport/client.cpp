#include "transport/client.h"

#include <unistd.h>
#include <zmq.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>

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
Client::~Client() { close(); }

void Client::close() {
  if (m_monitor) {
    zmq_socket_monitor(m_socket->handle(), nullptr, 0);
    m_monitor.reset();
  }
  m_socket.reset();
}

void Client::reset() {
  close();
  m_socket = std::make_unique<zmq::socket_t>(m_context, zmq::socket_type::dealer);
  m_socket->set(zmq::sockopt::linger, 0);
  m_socket->set(zmq::sockopt::maxmsgsize, std::int64_t{64} << 20);
  if (!m_dispatcher_key.empty()) {
    transport::make_curve_client(*m_socket, {m_public_key, m_secret_key}, m_dispatcher_key);
    // A refused key is otherwise silence, which a client cannot tell from a dispatcher away:
    // libzmq reports the ZAP handler's refusal to the socket's monitor only.
    static std::atomic<unsigned> monitors{0};
    const std::string address = "inproc://waybill-client-monitor-" + std::to_string(::getpid()) +
                                "-" + std::to_string(monitors++);
    if (zmq_socket_monitor(m_socket->handle(), address.c_str(),
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0) {
      throw zmq::error_t();
    }
    m_monitor = std::make_unique<zmq::socket_t>(m_context, zmq::socket_type::pair);
    m_monitor->set(zmq::sockopt::linger, 0);
    m_monitor->connect(address);
  }
  m_socket->connect(m_endpoint);
}

void Client::check_monitor() {
  zmq::message_t event;
  if (!m_monitor->recv(event, zmq::recv_flags::dontwait)) return;
  std::uint16_t id = 0;
  std::uint32_t value = 0;  // the ZAP status code
  if (event.size() >= 6) {
    std::memcpy(&id, event.data(), 2);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, 4);
  }
  zmq::message_t endpoint;  // the second frame: which connection
  while (m_monitor->get(zmq::sockopt::rcvmore) && m_monitor->recv(endpoint)) {
  }
  if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
    throw KeyRefused("the dispatcher at " + m_endpoint + " refused this client's key (ZAP status " +
                     std::to_string(value) +
                     "): its public key is not on the dispatcher's allow-list (--allow)");
  }
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
    zmq::pollitem_t items[] = {{m_socket->handle(), 0, ZMQ_POLLIN, 0},
                               {m_monitor ? m_monitor->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
    int ready = 0;
    try {
      ready = left.count() <= 0 ? 0 : zmq::poll(items, m_monitor ? 2u : 1u, left);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;
    }
    if (ready == 0) {
      reset();
      return std::nullopt;
    }
    if (m_monitor && (items[1].revents & ZMQ_POLLIN)) check_monitor();
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
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
