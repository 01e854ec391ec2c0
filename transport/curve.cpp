#include "transport/curve.h"

#include <sys/stat.h>
#include <zmq_addon.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace waybill::transport {
namespace {

constexpr std::size_t kZ85KeyLength = 40;

bool is_z85_key(const std::string& s) {
  if (s.size() != kZ85KeyLength) return false;
  std::uint8_t bytes[32];
  return zmq_z85_decode(bytes, s.c_str()) != nullptr;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

CurveKeyPair generate_key_pair() {
  char pub[41];
  char sec[41];
  if (zmq_curve_keypair(pub, sec) != 0) {
    throw std::runtime_error("CurveZMQ key generation failed: libzmq built without CURVE?");
  }
  return {pub, sec};
}

void write_key_pair(const std::filesystem::path& prefix, const CurveKeyPair& keys) {
  const auto key_file = prefix.string() + ".key";
  const auto pub_file = prefix.string() + ".pub";
  {
    const mode_t old = ::umask(077);
    std::ofstream out(key_file, std::ios::trunc);
    ::umask(old);
    out << "# CurveZMQ key pair written by 'waybill keygen'. Keep it secret.\n"
        << "public " << keys.public_key << "\nsecret " << keys.secret_key << "\n";
    if (!out) throw std::runtime_error(key_file + ": cannot write");
  }
  std::filesystem::permissions(key_file, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write);
  std::ofstream out(pub_file, std::ios::trunc);
  out << keys.public_key << "\n";
  if (!out) throw std::runtime_error(pub_file + ": cannot write");
}

CurveKeyPair read_key_pair(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open the key file");
  CurveKeyPair keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string kind, key;
    words >> kind >> key;
    if (!is_z85_key(key) || (kind != "public" && kind != "secret")) {
      throw std::runtime_error(file.string() + ":" + std::to_string(number) +
                               ": expected 'public KEY' or 'secret KEY' (40 Z85 characters)");
    }
    (kind == "public" ? keys.public_key : keys.secret_key) = key;
  }
  if (keys.public_key.empty() || keys.secret_key.empty()) {
    throw std::runtime_error(file.string() + ": needs both a public and a secret key");
  }
  char derived[41];
  if (zmq_curve_public(derived, keys.secret_key.c_str()) != 0 || keys.public_key != derived) {
    throw std::runtime_error(file.string() + ": the public key does not match the secret key");
  }
  return keys;
}

std::string read_public_key(const std::string& key_or_file) {
  // A file first: a path can be 40 characters that are all Z85 digits ("/tmp/x/keys/d.pub").
  std::error_code ec;
  if (!std::filesystem::is_regular_file(key_or_file, ec) && is_z85_key(key_or_file)) {
    return key_or_file;
  }
  std::ifstream in(key_or_file);
  if (!in) throw std::runtime_error(key_or_file + ": neither a Z85 public key nor a readable file");
  if (key_or_file.size() > 4 && key_or_file.ends_with(".key")) {
    return read_key_pair(key_or_file).public_key;
  }
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (is_z85_key(line)) return line;
    if (!line.empty() && line[0] != '#') break;
  }
  throw std::runtime_error(key_or_file + ": no public key (40 Z85 characters) in it");
}

std::set<std::string> read_allow_list(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open the allow-list");
  std::set<std::string> keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    // Z85 uses '#', so a comment is a whole line starting with '#' that is not itself a key.
    line = trim(line);
    if (line.empty() || (line[0] == '#' && !is_z85_key(line))) continue;
    if (!is_z85_key(line)) {
      throw std::runtime_error(file.string() + ":" + std::to_string(number) +
                               ": not a public key (40 Z85 characters)");
    }
    keys.insert(line);
  }
  return keys;
}

void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& keys) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
  socket.set(zmq::sockopt::zap_domain, "waybill");
}

void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& keys,
                       const std::string& server_public_key) {
  socket.set(zmq::sockopt::curve_serverkey, server_public_key);
  socket.set(zmq::sockopt::curve_publickey, keys.public_key);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

ZapHandler::ZapHandler(zmq::context_t& context, std::set<std::string> allowed, Logger& log)
    : m_socket(context, zmq::socket_type::rep), m_allowed(std::move(allowed)), m_log(&log) {
  m_socket.set(zmq::sockopt::linger, 0);
  m_socket.bind("inproc://zeromq.zap.01");
}

void ZapHandler::serve() {
  for (;;) {
    std::vector<zmq::message_t> request;
    if (!zmq::recv_multipart(m_socket, std::back_inserter(request), zmq::recv_flags::dontwait)) {
      return;
    }
    // version, request id, domain, address, identity, mechanism, credentials...
    std::string status = "400";
    std::string text = "denied";
    std::string user;
    if (request.size() >= 7 && request[0].to_string() == "1.0" &&
        request[5].to_string() == "CURVE" && request[6].size() == 32) {
      char z85[41];
      zmq_z85_encode(z85, static_cast<const std::uint8_t*>(request[6].data()), 32);
      if (m_allowed.count(z85)) {
        status = "200";
        text = "OK";
        user = z85;
      } else {
        m_log->warn("refused a connection from ", request[3].to_string(), ": public key ", z85,
                    " is not on the allow-list");
      }
    } else {
      m_log->warn("refused a connection without a CURVE key");
    }
    std::vector<zmq::const_buffer> reply{
        zmq::buffer(std::string_view("1.0")),
        zmq::buffer(request.size() > 1 ? request[1].data() : nullptr,
                    request.size() > 1 ? request[1].size() : 0),
        zmq::buffer(status), zmq::buffer(text), zmq::buffer(user), zmq::buffer(std::string_view())};
    zmq::send_multipart(m_socket, reply);
  }
}

}  // namespace waybill::transport
