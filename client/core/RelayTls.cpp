#include "client/core/RelayTls.h"

#include <boost/asio/ip/address.hpp>

#include "net/BeastNames.h"

#include <openssl/x509.h>

#include "crypto/Digest.h"

namespace verbatim::client::relaytls {

using namespace verbatim::beastnames;

namespace {

// SHA-256 of the certificate's SubjectPublicKeyInfo (DER): what firm manifests pin.
bool keyPinMatches(X509* cert, const std::vector<Bytes>& pins) {
    if (pins.empty()) return true;
    unsigned char* der = nullptr;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (len <= 0 || !der) return false;
    auto digest = crypto::sha256(ByteView(der, std::size_t(len)));
    OPENSSL_free(der);
    bool match = false;
    for (const auto& pin : pins)
        match |= constantTimeEqual(ByteView(digest.data(), digest.size()), pin);
    return match;
}

} // namespace

// A relay's refusal text as the client shows it: valid UTF-8, one line, no control characters
// (C0, DEL, C1) or bidirectional overrides that could rewrite a terminal or a log line, at most
// 300 bytes.
std::string displayText(std::string_view raw) {
    const std::string text = toValidUtf8(raw);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = std::uint8_t(text[i]);
        const auto next = i + 1 < text.size() ? std::uint8_t(text[i + 1]) : 0;
        const auto third = i + 2 < text.size() ? std::uint8_t(text[i + 2]) : 0;
        if (c < 0x20 || c == 0x7f) {
            out += ' ';
        } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
            out += ' ';
            i += 1;
        } else if (c == 0xe2 && ((next == 0x80 && third >= 0xaa && third <= 0xae) ||
                                 (next == 0x81 && third >= 0xa6 && third <= 0xa9))) {
            out += ' ';
            i += 2;
        } else {
            out += char(c);
        }
    }
    if (out.size() > 300) {
        std::size_t cut = 300;
        while (cut > 0 && (std::uint8_t(out[cut]) & 0xc0) == 0x80)
            --cut;
        out = out.substr(0, cut) + "...";
    }
    return out;
}

// With a certificate pin (a relay's self-signed certificate, named by the link): only the
// certificate's SHA-256 decides. Without one: OpenSSL's chain and host-name verification against
// the system trust store, never skipped. Either way a manifest key pin must match the leaf.
// What the verification callback found, for the error a user sees.
ssl::context makeContext(const Endpoint& endpoint, std::shared_ptr<TlsVerdict> verdict) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    const std::string pin = endpoint.tlsPin;
    const std::vector<Bytes> keyPins = endpoint.tlsKeyPins;
    if (pin.empty()) {
        boost::system::error_code ec;
        ctx.set_default_verify_paths(ec); // honours SSL_CERT_FILE and SSL_CERT_DIR
    }
    ctx.set_verify_callback([pin, keyPins, verdict](bool preverified, ssl::verify_context& vc) {
        auto keyPinned = [&](X509* leaf) {
            const bool ok = keyPinMatches(leaf, keyPins);
            if (!ok) verdict->keyPinMismatch = true;
            return ok;
        };
        X509_STORE_CTX* store = vc.native_handle();
        const int depth = X509_STORE_CTX_get_error_depth(store);
        X509* cert = X509_STORE_CTX_get_current_cert(store);
        if (!cert) return false;
        if (pin.empty()) {
            // The chain and the host name, as OpenSSL judged them at every depth.
            if (!preverified) return false;
            return depth != 0 || keyPinned(cert);
        }
        if (depth != 0) return true; // a pinned certificate is judged at the leaf alone
        // Once the firm's manifest pins TLS keys, they decide (C-TLS-5): the manifest is signed
        // by the firm root and newer than any link, and it is how a pinned relay rotates its
        // certificate (re-sign with the old and the new key, then switch). Without key pins the
        // link's certificate digest alone decides.
        if (!keyPins.empty()) return keyPinned(cert);
        unsigned char md[32];
        unsigned int len = 0;
        if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return false;
        return constantTimeEqual(view(toHex(ByteView(md, len))), view(pin));
    });
    return ctx;
}

// SNI, and the name the certificate must carry when no certificate pin decides: a DNS name or
// an IP address (subjectAltName).
bool prepareTls(SSL* ssl, const Endpoint& endpoint) {
    boost::system::error_code ec;
    auto ip = net::ip::make_address(endpoint.host, ec);
    if (ec && SSL_set_tlsext_host_name(ssl, endpoint.host.c_str()) != 1) return false;
    if (!endpoint.tlsPin.empty()) return true;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str()) == 1;
    return X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), endpoint.host.size()) == 1;
}

// Why a handshake failed, in words a user can act on (no certificate details: they are not
// secrets, but the user cannot judge them either).
std::string handshakeError(SSL* ssl, const Endpoint& endpoint, const TlsVerdict& verdict) {
    const long v = SSL_get_verify_result(ssl);
    if (verdict.keyPinMismatch)
        return "the relay's TLS key is not one the firm manifest pins: refusing to talk to it";
    if (!endpoint.tlsPin.empty())
        return "the relay's TLS certificate is not the one the link pins: refusing to talk to it";
    if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return "the relay's TLS certificate is not for " + endpoint.host +
               ": refusing to talk to it";
    if (v != X509_V_OK)
        return std::string("the relay's TLS certificate is not trusted (") +
               X509_verify_cert_error_string(v) + "): refusing to talk to it";
    return "TLS handshake with the relay failed";
}

} // namespace verbatim::client::relaytls
