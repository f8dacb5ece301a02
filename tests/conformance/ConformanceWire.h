#pragma once
/// @file ConformanceWire.h
/// The conformance suite's own client side of the wire (issue 17): TLS pinned by the link's
/// `&tls=` certificate hash, raw HTTPS exchanges (so that a test can send what a real client
/// never would: a chunked body, a lying Content-Length) and a WebSocket session speaking the
/// `Frame` protocol of shared/protocol/wire.proto. It does not use the product's client
/// (client/core): the point is to see the relay from outside. Beast stays in the .cpp.
///
/// Everything is synchronous and bounded: every read or handshake takes a timeout, so a relay
/// that never answers fails a test instead of hanging the suite. Test-only code; one object is
/// used from one thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/Bytes.h"
#include "common/Result.h"
#include "wire.pb.h"

namespace verbatim::conformance {

using namespace std::chrono_literals;

/// Where the relay is and how to recognise it: HOST:PORT and the SHA-256 of its certificate
/// (DER), which is what a link's `&tls=` parameter carries in hex.
struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
    Bytes certificatePin; ///< 32 bytes; empty: no pin (only the probes accept that)
};

/// What a TLS handshake with the relay showed.
struct TlsFacts {
    Bytes certificateSha256; ///< SHA-256 of the leaf certificate (DER)
    Bytes publicKeySha256;   ///< SHA-256 of its SubjectPublicKeyInfo (DER), the manifest's pin form
    bool clientCertificateRequested = false; ///< the relay sent a CertificateRequest
    std::string protocol;                    ///< e.g. "TLSv1.3"
};

/// Completes a TLS handshake without checking the certificate, sends nothing, and reports what
/// the relay presented.
[[nodiscard]] Result<TlsFacts> probeTls(const Endpoint& endpoint);

/// An HTTP answer.
struct HttpReply {
    int status = 0;
    std::string body;
    std::string contentType;
};

/// How an exchange ends after the request bytes are written.
enum class AfterSend {
    ReadReply,     ///< read the answer
    CloseThenRead, ///< end the TLS session (close_notify) at once, then see what comes back
};

/// Opens a pinned TLS connection (the handshake fails unless the certificate hashes to the pin,
/// before any byte of `request` is written), writes `request` as is and reads one HTTP
/// response. An error when no response came (the relay closed, or timed out).
[[nodiscard]] Result<HttpReply> httpsExchange(const Endpoint& endpoint, const std::string& request,
                                              AfterSend after = AfterSend::ReadReply,
                                              std::chrono::milliseconds timeout = 10s);

/// `method target` with a Content-Length body and the given extra header lines ("Name: value").
std::string httpRequest(const std::string& method, const std::string& target,
                        const std::string& host, const std::string& body,
                        const std::vector<std::string>& headers = {});

/// Writes `bytes` to the relay's port over plain TCP and returns what arrives within `timeout`
/// (until the relay closes): what a client that forgot TLS would get.
[[nodiscard]] Result<std::string> plainExchange(const Endpoint& endpoint, const std::string& bytes,
                                                std::chrono::milliseconds timeout = 3s);

/// One WebSocket session at /v1/ws over pinned TLS.
class WsSession {
public:
    /// Upgrades with the given header lines. On a refused upgrade the error's detail is the
    /// HTTP status the relay answered (401, 403, 423…); 0 when there was no HTTP answer.
    [[nodiscard]] static Result<std::unique_ptr<WsSession>>
    open(const Endpoint& endpoint, const std::vector<std::pair<std::string, std::string>>& headers);
    /// open() with the device headers: X-Verbatim-Device USER/DEVICE, Authorization Bearer
    /// hex(secret).
    [[nodiscard]] static Result<std::unique_ptr<WsSession>> openDevice(const Endpoint& endpoint,
                                                                       const std::string& user,
                                                                       std::uint32_t device,
                                                                       ByteView secret);
    ~WsSession();
    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    /// Sends one binary WebSocket message holding exactly `bytes`.
    [[nodiscard]] Result<void> sendBytes(const std::string& bytes);
    /// Sends a request frame with id `id` (0: one-way).
    [[nodiscard]] Result<void> sendRequest(std::uint64_t id, const proto::Request& request);
    /// Sends `request` with a fresh id and waits for the response carrying it; pushes read
    /// meanwhile are kept for nextPush(). An error when the session closed or timed out.
    [[nodiscard]] Result<proto::Response> call(const proto::Request& request,
                                               std::chrono::milliseconds timeout = 10s);
    /// The next frame from the relay (kept pushes first), or an error on close or timeout.
    [[nodiscard]] Result<proto::Frame> nextFrame(std::chrono::milliseconds timeout);
    /// The next push (kept ones first); nullopt on timeout or close.
    std::optional<proto::Push> nextPush(std::chrono::milliseconds timeout);
    /// Reads until the relay closes the session; its close code, or nullopt when it did not
    /// close within `timeout` (or dropped the connection without a close frame).
    std::optional<std::uint16_t> waitForClose(std::chrono::milliseconds timeout = 5s);

private:
    struct Impl;
    explicit WsSession(std::unique_ptr<Impl> impl);
    /// Reads one WebSocket message; `closed` set when the relay closed the session.
    Result<std::string> readMessage(std::chrono::milliseconds timeout, bool& closed);

    std::unique_ptr<Impl> m_impl;
    std::deque<proto::Frame> m_kept;
    std::uint64_t m_nextId = 1000;
};

} // namespace verbatim::conformance
