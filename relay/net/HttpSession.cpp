/// @file HttpSession.cpp
/// One TLS connection before it is a WebSocket: registration (POST /v1/register), attachment
/// blob upload and download, the invite landing page (GET /i/), and the authenticated WebSocket
/// upgrade, which hands the stream to a WebSocketSession.

#include <algorithm>
#include <charconv>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>

#include "net/BeastNames.h"
#include "relay/net/HttpFields.h"
#include "relay/net/InvitePage.h"
#include "relay/net/ServerState.h"

namespace verbatim::relay {

namespace {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(Shared& shared, tcp::socket&& socket, ConnectionSlot slot)
        : m_shared(shared), m_stream(std::move(socket), shared.currentTls()->native_handle()),
          m_slot(std::move(slot)) {
        beast::error_code ec;
        auto ep = m_stream.socket().remote_endpoint(ec);
        m_peer = ec ? std::string("unknown") : ep.address().to_string();
    }

    void run() {
        net::dispatch(m_stream.get_executor(), [self = shared_from_this()] {
            self->m_stream.expires_after(self->m_shared.config.handshakeTimeout);
            self->m_stream.async_handshake(
                beast::bind_front_handler(&HttpSession::onHandshake, self));
        });
    }

private:
    void onHandshake(beast::error_code ec) {
        if (ec) return failLog(ec, "tls-handshake");
        m_parser.emplace();
        m_parser->header_limit(std::uint32_t(m_shared.config.maxHttpHeader));
        // The header parser checks Content-Length against this limit; routes narrow it below.
        m_parser->body_limit(
            std::max<std::uint64_t>(m_shared.config.maxHttpBody, m_shared.config.maxBlobBytes));
        m_stream.expires_after(m_shared.config.handshakeTimeout);
        http::async_read_header(
            m_stream, m_buffer, *m_parser,
            beast::bind_front_handler(&HttpSession::onHeader, shared_from_this()));
    }

    void onHeader(beast::error_code ec, std::size_t) {
        if (ec == http::error::header_limit)
            return respond(http::status::request_header_fields_too_large, "header too large");
        // Beast checks Content-Length against the body limit while parsing the header: the
        // oversized body is refused before a byte of it is read.
        if (ec == http::error::body_limit)
            return respond(http::status::payload_too_large, "body too large");
        if (ec) {
            failLog(ec, "http-header");
            if (ec.category() == beast::http::make_error_code(http::error::bad_target).category())
                return respond(http::status::bad_request, "malformed request");
            return;
        }
        auto& req = m_parser->get();
        // Bodies are small protobufs with a Content-Length; chunked encoding (and its
        // extensions and trailers, which Beast 1.74 does not cap) is refused outright.
        if (m_parser->chunked())
            return respond(http::status::length_required, "chunked bodies are not accepted");
        const bool blobUpload = req.method() == http::verb::post && req.target() == "/v1/blobs";
        if (blobUpload) return startBlobUpload();
        if (req.method() == http::verb::get && req.target().starts_with("/v1/blobs/"))
            return startBlobDownload();
        if (m_parser->content_length() && *m_parser->content_length() > m_shared.config.maxHttpBody)
            return respond(http::status::payload_too_large, "body too large");
        m_parser->body_limit(m_shared.config.maxHttpBody);
        if (websocket::is_upgrade(req)) return upgrade();
        if (req.method() == http::verb::get && req.target() == "/v1/manifest") {
            // Public: signed by the firm root, checked by every client before it registers.
            const auto& m = m_shared.service.config().firmManifest;
            return respondOk(std::string(m.begin(), m.end()),
                             "application/octet-stream"); // not protobuf
        }
        if (req.method() == http::verb::get &&
            isInvitePageTarget(std::string_view(req.target().data(), req.target().size())))
            return respondInvitePage();
        // Issue 22: what an invite is, for the notice shown before registering, and declining it.
        if (req.method() == http::verb::post &&
            (req.target() == "/v1/invite/preview" || req.target() == "/v1/invite/decline")) {
            const bool decline = req.target() == "/v1/invite/decline";
            http::async_read(
                m_stream, m_buffer, *m_parser,
                [self = shared_from_this(), decline](beast::error_code ec, std::size_t) {
                    self->onInviteBody(ec, decline);
                });
            return;
        }
        if (req.method() == http::verb::post && req.target() == "/v1/register") {
            http::async_read(
                m_stream, m_buffer, *m_parser,
                beast::bind_front_handler(&HttpSession::onRegisterBody, shared_from_this()));
            return;
        }
        respond(http::status::not_found, "not found");
    }

    void onRegisterBody(beast::error_code ec, std::size_t) {
        if (ec == http::error::body_limit)
            return respond(http::status::payload_too_large, "body too large");
        if (ec) return failLog(ec, "http-body");
        proto::RegisterDevice req;
        const auto& body = m_parser->get().body();
        if (!req.ParseFromString(body))
            return respond(http::status::bad_request, "malformed registration");
        // The callback holds the session: no I/O is pending while the service works, so nothing
        // else keeps it alive. The service always calls back.
        auto keep = shared_from_this();
        auto exec = m_stream.get_executor();
        m_shared.service.registerDevice(
            req, m_peer, [keep, exec](Result<proto::Registered> r, std::uint64_t retryMs) {
                net::post(exec, [self = keep, r = std::move(r), retryMs] {
                    if (r) return self->respondBinary(r->SerializeAsString());
                    auto status = r.error().detail >= 400 && r.error().detail < 600
                                      ? http::status(r.error().detail)
                                      : http::status::service_unavailable;
                    if (r.error().code == ErrorCode::Storage)
                        status = http::status::service_unavailable;
                    self->respond(status, r.error().message, retryMs);
                });
            });
    }

    void onInviteBody(beast::error_code ec, bool decline) {
        if (ec == http::error::body_limit)
            return respond(http::status::payload_too_large, "body too large");
        if (ec) return failLog(ec, "http-body");
        proto::InviteToken req;
        if (!req.ParseFromString(m_parser->get().body()))
            return respond(http::status::bad_request, "malformed invite request");
        auto keep = shared_from_this();
        auto exec = m_stream.get_executor();
        m_shared.service.answerInvite(
            req, decline, m_peer,
            [keep, exec](Result<proto::InviteDetails> r, std::uint64_t retryMs) {
                net::post(exec, [self = keep, r = std::move(r), retryMs] {
                    if (r) return self->respondBinary(r->SerializeAsString());
                    auto status = r.error().detail >= 400 && r.error().detail < 600
                                      ? http::status(r.error().detail)
                                      : http::status::service_unavailable;
                    if (r.error().code == ErrorCode::Storage)
                        status = http::status::service_unavailable;
                    self->respond(status, r.error().message, retryMs);
                });
            });
    }

    // Credentials ride on the request: X-Verbatim-Device: USER/DEVICE and
    // Authorization: Bearer <64 hex>. They are never logged.
    // (parseDeviceCredentials, HttpFields.h: fuzzed by tests/fuzz).
    std::optional<DeviceCredentials> credentials() {
        auto& req = m_parser->get();
        auto whoField = req["X-Verbatim-Device"];
        auto authField = req[http::field::authorization];
        return parseDeviceCredentials(std::string_view(whoField.data(), whoField.size()),
                                      std::string_view(authField.data(), authField.size()));
    }

    /// Authenticates the request's device, then runs `then` on the session's executor; answers
    /// 401/403/503 itself when authentication fails.
    void withDevice(std::function<void(std::shared_ptr<HttpSession>, DeviceId)> then) {
        auto creds = credentials();
        if (!creds) return respond(http::status::unauthorized, "credentials required");
        auto keep = shared_from_this();
        auto exec = m_stream.get_executor();
        m_shared.service.authenticate(
            creds->user, creds->device, creds->secret,
            [keep, exec, then = std::move(then)](Result<DeviceId> r) {
                net::post(exec, [self = keep, r = std::move(r), then] {
                    if (!r) {
                        if (r.error().detail == 403)
                            return self->respond(http::status::forbidden, "device revoked");
                        if (r.error().detail == 423)
                            return self->respond(http::status::locked, "awaiting approval");
                        if (r.error().code == ErrorCode::Storage)
                            return self->respond(http::status::service_unavailable, "unavailable");
                        return self->respond(http::status::unauthorized, "bad credentials");
                    }
                    if (r->wipeOnly)
                        return self->respond(http::status::forbidden, "device revoked");
                    then(self, std::move(*r));
                });
            });
    }

    // ---- attachments: opaque blobs, encrypted by the clients --------------------------------
    // POST /v1/blobs: the device's quota, hourly rate and the disk reserve are checked against
    // the Content-Length before a byte of the body is read (BlobStore::admit holds the room while
    // the body streams). The body goes into a temporary file in the blob directory (never into
    // memory), read piece by piece so that the free disk is checked again as it fills; then it is
    // fsynced, renamed to a fresh random 256-bit id and recorded with its uploader. The id is the
    // capability a device needs (besides its own credentials) to download it: GET /v1/blobs/<id>.
    // A failed or abandoned upload leaves no file: the Upload removes it when released.

    void startBlobUpload() {
        if (m_shared.config.blobDir.empty() || !m_shared.service.blobs().isOpen())
            return respond(http::status::not_found, "not found");
        auto length = m_parser->content_length();
        if (!length) return respond(http::status::length_required, "Content-Length required");
        if (*length > m_shared.config.maxBlobBytes)
            return respond(http::status::payload_too_large, "attachment too large");
        withDevice([bytes = *length](std::shared_ptr<HttpSession> self, DeviceId device) {
            auto exec = self->m_stream.get_executor();
            self->m_shared.service.blobs().admit(
                device.user, device.device, device.role, bytes,
                [self, exec](BlobStore::Admission a) {
                    net::post(exec, [self, a = std::move(a)]() mutable {
                        if (!a.upload)
                            return self->respond(http::status(a.status), a.message, a.retryAfterMs);
                        self->readBlob(std::move(a.upload));
                    });
                });
        });
    }

    void readBlob(std::shared_ptr<BlobStore::Upload> upload) {
        m_upload = std::move(upload);
        m_fileParser.emplace(std::move(*m_parser));
        m_fileParser->body_limit(m_upload->bytes());
        beast::error_code ec;
        m_fileParser->get().body().open(m_upload->tempPath().c_str(), beast::file_mode::write_new,
                                        ec);
        if (ec) return respond(http::status::service_unavailable, "attachment storage unavailable");
        m_nextSpaceCheck = m_upload->bytes();
        m_stream.expires_after(m_shared.config.blobTimeout);
        readBlobSome();
    }

    void readBlobSome() {
        http::async_read_some(
            m_stream, m_buffer, *m_fileParser,
            beast::bind_front_handler(&HttpSession::onBlobSome, shared_from_this()));
    }

    void onBlobSome(beast::error_code ec, std::size_t) {
        if (ec || m_fileParser->is_done()) return onBlobBody(ec);
        // Every 4 MiB: the disk may be filling from elsewhere (journal, other uploads, other
        // programs); what this body still needs must fit above the reserve.
        constexpr std::uint64_t kSpaceCheckEvery = 4 * 1024 * 1024;
        const std::uint64_t remaining = m_fileParser->content_length_remaining().value_or(0);
        if (remaining + kSpaceCheckEvery <= m_nextSpaceCheck) {
            m_nextSpaceCheck = remaining;
            if (!m_shared.service.blobs().spaceAllows(remaining)) {
                beast::error_code ignored;
                m_fileParser->get().body().file().close(ignored);
                m_upload.reset(); // removes the partial file, releases the reservation
                return respond(http::status::insufficient_storage,
                               "relay storage low: attachments are refused until space is freed "
                               "(messages still go through)");
            }
        }
        readBlobSome();
    }

    void onBlobBody(beast::error_code ec) {
        auto& file = m_fileParser->get().body().file();
        const bool synced = !ec && ::fsync(file.native_handle()) == 0;
        beast::error_code closeEc;
        file.close(closeEc);
        if (!synced || closeEc) {
            m_upload.reset();
            if (ec == http::error::body_limit)
                return respond(http::status::payload_too_large, "attachment too large");
            if (ec) return failLog(ec, "blob-body");
            return respond(http::status::service_unavailable, "attachment storage unavailable");
        }
        auto exec = m_stream.get_executor();
        m_shared.service.blobs().commit(
            m_upload, [self = shared_from_this(), exec](Result<void> r) {
                net::post(exec, [self, ok = r.has_value()] {
                    const std::string id = self->m_upload->id();
                    self->m_upload.reset(); // recorded: keeps its file; failed: removes it
                    if (!ok)
                        return self->respond(http::status::service_unavailable,
                                             "attachment storage unavailable");
                    ++self->m_shared.blobsStored;
                    self->respondText(id + "\n");
                });
            });
    }

    void startBlobDownload() {
        if (m_shared.config.blobDir.empty()) return respond(http::status::not_found, "not found");
        auto target = m_parser->get().target();
        // Only 64 lowercase hex digits name a blob: nothing else reaches the file system.
        auto id = blobIdOfTarget(std::string_view(target.data(), target.size()));
        if (!id) return respond(http::status::not_found, "no such attachment");
        withDevice([id = std::string(*id)](std::shared_ptr<HttpSession> self, DeviceId) {
            // On the PostgreSQL store the file may first come from the database (BlobStore).
            auto exec = self->m_stream.get_executor();
            self->m_shared.service.blobs().fetch(id, [self, exec, id](bool) {
                net::post(exec, [self, id] { self->sendBlob(id); });
            });
        });
    }

    void sendBlob(const std::string& id) {
        auto res = std::make_shared<http::response<http::file_body>>(http::status::ok, 11);
        beast::error_code ec;
        res->body().open((m_shared.config.blobDir + "/" + id).c_str(), beast::file_mode::scan, ec);
        if (ec) return respond(http::status::not_found, "no such attachment");
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, "application/octet-stream");
        res->keep_alive(false);
        res->prepare_payload();
        m_stream.expires_after(m_shared.config.blobTimeout);
        http::async_write(m_stream, *res,
                          [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                              if (ec) return failLog(ec, "blob-write");
                              self->m_stream.async_close_gracefully([self](beast::error_code) {});
                          });
    }

    void upgrade() {
        auto& req = m_parser->get();
        if (req.target() != "/v1/ws") return respond(http::status::not_found, "not found");
        auto creds = credentials();
        if (!creds) return respond(http::status::unauthorized, "credentials required");
        auto keep = shared_from_this();
        auto exec = m_stream.get_executor();
        m_shared.service.authenticate(
            creds->user, creds->device, creds->secret, [keep, exec](Result<DeviceId> r) {
                net::post(exec, [self = keep, r = std::move(r)] {
                    if (!r) {
                        if (r.error().detail == 403)
                            return self->respond(http::status::forbidden, "device revoked");
                        // Pending approval by the user's other device.
                        if (r.error().detail == 423)
                            return self->respond(http::status::locked, "awaiting approval");
                        if (r.error().code == ErrorCode::Storage)
                            return self->respond(http::status::service_unavailable, "unavailable");
                        return self->respond(http::status::unauthorized, "bad credentials");
                    }
                    const bool batches = self->m_parser->get()["X-Verbatim-Frames"] == "batch";
                    startWebSocketSession(self->m_shared, std::move(self->m_stream), std::move(*r),
                                          std::move(self->m_slot), batches,
                                          self->m_parser->release());
                });
            });
    }

    void respond(http::status status, std::string_view message, std::uint64_t retryAfterMs = 0) {
        auto res = std::make_shared<http::response<http::string_body>>(status, 11);
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, "text/plain");
        if (retryAfterMs)
            res->set(http::field::retry_after, std::to_string((retryAfterMs + 999) / 1000));
        res->keep_alive(false);
        res->body() = textBody(message);
        res->prepare_payload();
        write(res);
    }

    // The invite landing page (InvitePage.h): static, public, the same for everyone. The token
    // is in the link's fragment, which never reaches here. Not cached (a shared cache has no
    // business with it) and it never passes its address on as a referrer.
    void respondInvitePage() {
        const auto& page = invitePage();
        auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, "text/html; charset=utf-8");
        res->set("Content-Security-Policy", page.contentSecurityPolicy);
        res->set(http::field::cache_control, "no-store");
        res->set("Referrer-Policy", "no-referrer");
        res->set("X-Content-Type-Options", "nosniff");
        res->keep_alive(false);
        res->body() = page.html;
        res->prepare_payload();
        write(res);
    }

    void respondText(std::string body) { respondOk(std::move(body), "text/plain"); }
    void respondBinary(std::string body) { respondOk(std::move(body), "application/x-protobuf"); }

    void respondOk(std::string body, const char* contentType) {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, contentType);
        res->keep_alive(false);
        res->body() = std::move(body);
        res->prepare_payload();
        write(res);
    }

    void write(std::shared_ptr<http::response<http::string_body>> res) {
        m_stream.expires_after(m_shared.config.handshakeTimeout);
        http::async_write(m_stream, *res,
                          [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                              if (ec) return failLog(ec, "http-write");
                              self->m_stream.async_close_gracefully([self](beast::error_code) {});
                          });
    }

    Shared& m_shared;
    SocketTlsStream m_stream;
    ConnectionSlot m_slot;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::optional<http::request_parser<http::file_body>> m_fileParser;
    std::shared_ptr<BlobStore::Upload> m_upload; ///< the upload being received, if any
    std::uint64_t m_nextSpaceCheck = 0;
    std::string m_peer;
};

} // namespace

void startHttpSession(Shared& shared, tcp::socket&& socket, ConnectionSlot slot) {
    std::make_shared<HttpSession>(shared, std::move(socket), std::move(slot))->run();
}

} // namespace verbatim::relay
