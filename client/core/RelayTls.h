#pragma once
/// @file RelayTls.h
/// Private to the transport (RelayConnection.cpp, the WebSocket; RelayOneShot.cpp, the one-shot
/// HTTPS calls; RelayTls.cpp defines these): how both open a pinned TLS connection to a relay
/// and word what went wrong. Not for other code: it carries Asio's TLS types.
#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "client/core/RelayConnection.h"

namespace verbatim::client::relaytls {

/// A relay's refusal text as the client shows it: valid UTF-8, one line, no control characters
/// or bidirectional overrides, at most 300 bytes.
std::string displayText(std::string_view raw);

/// What the verification callback found, for the error a user sees.
struct TlsVerdict {
    bool keyPinMismatch = false;
};

/// A client TLS context that verifies `endpoint` by its certificate pin, its manifest key pins
/// or the system trust store; the callback records into `verdict`.
boost::asio::ssl::context makeContext(const Endpoint& endpoint,
                                      std::shared_ptr<TlsVerdict> verdict);

/// SNI and the name the certificate must carry; false when OpenSSL refuses them.
bool prepareTls(SSL* ssl, const Endpoint& endpoint);

/// Why a handshake failed, in words a user can act on.
std::string handshakeError(SSL* ssl, const Endpoint& endpoint, const TlsVerdict& verdict);

} // namespace verbatim::client::relaytls

namespace verbatim::client {
// The transport's two files use these unqualified.
using relaytls::displayText;
using relaytls::handshakeError;
using relaytls::makeContext;
using relaytls::prepareTls;
using relaytls::TlsVerdict;
} // namespace verbatim::client
