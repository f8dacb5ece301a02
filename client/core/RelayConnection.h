#pragma once
/// @file RelayConnection.h
/// The client's transport to the relay: one TLS WebSocket per device, run by Beast on its own
/// Asio thread, with request/response matching by frame id and a handler for server pushes;
/// and HTTPS registration. No Beast or Asio in this header.
///
/// Every connection checks the relay's certificate before any credential is sent: against the
/// certificate pin of the link when there is one (a self-signed relay), otherwise against the
/// system's trust store (or SSL_CERT_FILE / SSL_CERT_DIR) and the relay's host name. When the
/// firm manifest pins TLS keys, the certificate's public key must also be one of them, so even a
/// certificate a CA issued by mistake is refused.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/Bytes.h"
#include "wire.pb.h"

namespace verbatim::client {

struct Endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    /// SHA-256 of the relay certificate (hex) from the link; empty: a CA-issued certificate,
    /// checked against the trust store and the host name.
    std::string tlsPin;
    /// SHA-256 of the SubjectPublicKeyInfo (32 bytes each) the firm manifest allows; empty: no
    /// key pin (the checks above still apply).
    std::vector<Bytes> tlsKeyPins;
};

struct DeviceCredentials {
    std::string user;
    std::uint32_t device = 0;
    SecureBytes secret; ///< 32 bytes
};

class RelayConnection {
public:
    /// Close code of a session the relay replaced by a newer session of the same device
    /// (docs/protocol.md): the device's credentials are online elsewhere, in another copy of the
    /// profile. Reconnecting would close that session in turn; a client stays offline and says so.
    static constexpr std::uint16_t kCloseReplaced = 4409;

    using PushHandler = std::function<void(const proto::Push&)>;
    /// Called once when the connection ends: WebSocket close code (0 when the transport failed)
    /// and reason.
    using CloseHandler = std::function<void(std::uint16_t code, const std::string& reason)>;

    /// Connects, authenticates on the upgrade and starts reading. Handlers run on the
    /// connection's thread and must not block. `timeout` bounds the connect, the handshakes and
    /// the closing handshake. `idleTimeout`: with nothing received for half of it the client
    /// sends a WebSocket ping, and with nothing for all of it the connection ends (close code 0),
    /// so a dead or silent peer is noticed (issue 20).
    [[nodiscard]] static Result<std::unique_ptr<RelayConnection>>
    connect(const Endpoint& endpoint, const DeviceCredentials& credentials, PushHandler onPush,
            CloseHandler onClose = {}, std::chrono::milliseconds timeout = std::chrono::seconds(10),
            std::chrono::milliseconds idleTimeout = std::chrono::seconds(30));
    ~RelayConnection();

    /// Sends a request; `done` gets the response, or a response with STATUS_UNAVAILABLE if the
    /// connection ends first. Thread-safe.
    void request(const proto::Request& request, std::function<void(proto::Response)> done);
    /// Sends a one-way request (frame id 0): the relay answers only if it fails, and such an
    /// answer is ignored here. For acknowledgements, which need no reply. Thread-safe.
    void notify(const proto::Request& request);
    /// Blocking form of request(); fails with Storage-free ErrorCode::Internal on timeout.
    [[nodiscard]] Result<proto::Response>
    call(const proto::Request& request,
         std::chrono::milliseconds timeout = std::chrono::seconds(30));
    /// Sends raw bytes as one binary WebSocket message (tests of hostile input).
    void sendRaw(std::string bytes);
    /// Closes the WebSocket (code 1000) and joins the thread. Idempotent.
    void close();
    bool isOpen() const;

    /// How long a one-shot HTTPS call (registration, invite preview and decline, the manifest,
    /// attachments) may take (issue 20, docs/protocol.md C-FAIL-6). Each address gets
    /// `connectTimeout` for the TCP connect and the TLS handshake, then `answerTimeout` for the
    /// request and its answer (attachments: until the deadline); the whole call, every address
    /// included, ends at `deadline` (attachments: `transferDeadline`).
    struct OneShotLimits {
        std::chrono::milliseconds connectTimeout{10'000};
        std::chrono::milliseconds answerTimeout{15'000};
        std::chrono::milliseconds deadline{40'000};
        std::chrono::milliseconds transferDeadline{300'000};
    };
    /// Process-wide; tests shorten them. Thread-safe.
    static void setOneShotLimits(const OneShotLimits& limits);
    static OneShotLimits oneShotLimits();

    // One-shot HTTPS calls. Given several addresses (the firm's nodes, the one to prefer first)
    // a call goes to the next when one does not answer: the connection is refused or times out,
    // the TLS check fails, the node answers 503, or (for calls that may be repeated) no answer
    // comes in time. Any other answer is final. A call no address answered fails with
    // ErrorCode::Unavailable, "no relay answered (tried A, B in N ms): LAST REASON"; given one
    // address, with that address's own error.

    /// POST /v1/register. Not repeated on another address once the request went out whole (the
    /// token may be spent).
    [[nodiscard]] static Result<proto::Registered>
    registerDevice(const Endpoint& endpoint, const proto::RegisterDevice& request,
                   std::string* httpStatusText = nullptr);
    [[nodiscard]] static Result<proto::Registered>
    registerDevice(const std::vector<Endpoint>& endpoints, const proto::RegisterDevice& request,
                   std::string* httpStatusText = nullptr);

    /// POST /v1/invite/preview (or /v1/invite/decline when `decline`): what an invite is, for
    /// the recording notice shown before registering, or declining it (issue 22). A refusal
    /// fails with the relay's words and the HTTP status in Error::detail.
    [[nodiscard]] static Result<proto::InviteDetails>
    askInvite(const Endpoint& endpoint, const std::string& token, bool decline);
    [[nodiscard]] static Result<proto::InviteDetails>
    askInvite(const std::vector<Endpoint>& endpoints, const std::string& token, bool decline);

    /// GET /v1/manifest: the firm manifest this one address serves (to be verified by the
    /// caller, who judges that node by it: no other address is asked).
    [[nodiscard]] static Result<std::string> fetchManifest(const Endpoint& endpoint);
    /// Bytes of a request body sent so far, and the total.
    using UploadProgress = std::function<void(std::uint64_t sent, std::uint64_t total)>;
    /// POST /v1/blobs: stores an (already encrypted) attachment; returns its id (64 hex).
    /// `progress` (optional) is called after every 64 KiB written (again from 0 on the next
    /// address).
    [[nodiscard]] static Result<std::string> uploadBlob(const Endpoint& endpoint,
                                                        const DeviceCredentials& credentials,
                                                        std::string blob,
                                                        const UploadProgress& progress = {});
    [[nodiscard]] static Result<std::string> uploadBlob(const std::vector<Endpoint>& endpoints,
                                                        const DeviceCredentials& credentials,
                                                        std::string blob,
                                                        const UploadProgress& progress = {});
    /// GET /v1/blobs/<id>: at most `maxBytes`.
    [[nodiscard]] static Result<std::string> downloadBlob(const Endpoint& endpoint,
                                                          const DeviceCredentials& credentials,
                                                          const std::string& blobId,
                                                          std::size_t maxBytes);
    [[nodiscard]] static Result<std::string> downloadBlob(const std::vector<Endpoint>& endpoints,
                                                          const DeviceCredentials& credentials,
                                                          const std::string& blobId,
                                                          std::size_t maxBytes);

    struct Impl;
    struct Io;

private:
    RelayConnection();
    // Declared before `m`, so destroyed after it: destroying the io_context destroys the
    // handlers still queued in it, and with them the last references to Impl (which would
    // otherwise keep each other alive).
    std::unique_ptr<Io> m_io;
    std::shared_ptr<Impl> m;
};

} // namespace verbatim::client
