// CurveZMQ for the dispatcher's two sockets: key pairs on disk, an allow-list of public keys,
// and the ZAP handler that admits only those keys. Transport plumbing shared by the dispatcher,
// the worker and the `waybill` client.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include <zmq.hpp>

#include "common/log.h"

namespace waybill::transport {

/// A CurveZMQ key pair, each key as 40 Z85 characters.
struct CurveKeyPair {
  std::string public_key;
  std::string secret_key;
};

CurveKeyPair generate_key_pair();

/// Writes PREFIX.key (both keys, mode 0600) and PREFIX.pub (the public key alone, to hand out).
void write_key_pair(const std::filesystem::path& prefix, const CurveKeyPair& keys);

/// Reads a PREFIX.key file. Throws std::runtime_error naming the file and what is wrong.
CurveKeyPair read_key_pair(const std::filesystem::path& file);

/// A public key given either as 40 Z85 characters or as the path of a .pub or .key file.
std::string read_public_key(const std::string& key_or_file);

/// An allow-list: one public key per line (Z85); blank lines and lines starting with `#` that
/// are not keys (Z85 itself uses '#') are skipped.
std::set<std::string> read_allow_list(const std::filesystem::path& file);

/// Makes `socket` a CURVE server with `keys`, authenticated through ZAP domain "waybill".
void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& keys);

/// Makes `socket` a CURVE client of the server whose public key is `server_public_key`.
void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& keys,
                       const std::string& server_public_key);

/// The ZAP handler (ZeroMQ RFC 27) of one context: admits CURVE clients whose public key is in
/// the allow-list, denies all others and logs them. Serve it from the thread that polls the
/// sockets it guards: poll socket(), then call serve() when it is readable.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& context, std::set<std::string> allowed, Logger& log);
  zmq::socket_t& socket() { return m_socket; }
  /// Answers every pending request.
  void serve();

 private:
  zmq::socket_t m_socket;
  std::set<std::string> m_allowed;
  Logger* m_log;
};

}  // namespace waybill::transport
