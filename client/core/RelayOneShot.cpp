// The one-shot HTTPS calls (registration, invite preview and decline, manifest, blob upload and
// download), each on a fresh pinned TLS connection, failing over across the firm's addresses.
#include "client/core/RelayConnection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "client/core/RelayTls.h"
#include "net/BeastNames.h"

#include <algorithm>
#include <chrono>
#include <mutex>

namespace verbatim::client {

using namespace verbatim::beastnames;

namespace {

std::mutex g_limitsMutex;
RelayConnection::OneShotLimits g_limits;

struct HttpReply {
    unsigned status = 0;
    std::string body;
};

/// Why one address failed a one-shot call, and whether the next address may be tried.
struct Attempt {
    Result<HttpReply> reply = fail(ErrorCode::Internal, "not tried");
    /// The address did not answer (unreachable, TLS refused, silent, 503): the same request may
    /// go to the next address without doing anything twice.
    bool tryNext = false;
};

using Clock = std::chrono::steady_clock;

// Runs one asynchronous operation to completion on `ioc`: the tcp_stream's deadline, which only
// asynchronous operations honour, bounds it (a stopped or blackholed node costs the deadline,
// never a hang in a blocking call).
template <class Start> beast::error_code runOne(net::io_context& ioc, Start&& start) {
    beast::error_code ec = net::error::would_block;
    start([&ec](beast::error_code e, auto&&...) { ec = e; });
    ioc.restart();
    ioc.run();
    return ec;
}

// One HTTPS request on a fresh pinned TLS connection to one address (registration and
// attachments are rare and large; the WebSocket stays for frames). `connectBy` bounds the TCP
// connect and the TLS handshake, `answerBy` everything after.
Attempt httpsAttempt(const Endpoint& endpoint, http::verb method, const std::string& target,
                     const DeviceCredentials* credentials, const std::string& body,
                     std::size_t replyLimit, Clock::time_point connectBy,
                     Clock::time_point answerBy, bool idempotent,
                     const RelayConnection::UploadProgress& progress) {
    Attempt out;
    out.tryNext = true;
    net::io_context ioc;
    auto verdict = std::make_shared<TlsVerdict>();
    ssl::context tls = makeContext(endpoint, verdict);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) {
        out.reply = fail(ErrorCode::NotFound, "cannot resolve relay address");
        return out;
    }
    auto& tcpStream = beast::get_lowest_layer(stream);
    tcpStream.expires_at(connectBy);
    ec = runOne(ioc, [&](auto h) { tcpStream.async_connect(results, std::move(h)); });
    if (ec) {
        out.reply = fail(ErrorCode::Unavailable, ec == beast::error::timeout
                                                     ? "cannot reach the relay: no answer in time"
                                                     : "cannot reach the relay: " + ec.message());
        return out;
    }
    tcpStream.socket().set_option(tcp::no_delay(true), ec);
    if (!prepareTls(stream.native_handle(), endpoint)) {
        out.tryNext = false;
        out.reply = fail(ErrorCode::InvalidArgument, "the relay address is not a valid host name");
        return out;
    }
    tcpStream.expires_at(connectBy);
    ec = runOne(ioc,
                [&](auto h) { stream.async_handshake(ssl::stream_base::client, std::move(h)); });
    if (ec == beast::error::timeout) {
        out.reply =
            fail(ErrorCode::Unavailable, "the relay did not answer the TLS handshake in time");
        return out;
    }
    if (ec) {
        out.reply =
            fail(ErrorCode::AuthFailed, handshakeError(stream.native_handle(), endpoint, *verdict));
        return out;
    }
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, endpoint.host);
    req.set(http::field::content_type, "application/octet-stream");
    if (credentials) {
        req.set("X-Verbatim-Device", credentials->user + "/" + std::to_string(credentials->device));
        std::string auth = "Bearer " + toHex(credentials->secret);
        req.set(http::field::authorization, auth);
        secureWipe(auth.data(), auth.size());
    }
    req.body() = body;
    req.prepare_payload();
    // Written in 64 KiB steps so that a large upload can report its progress.
    const std::uint64_t total = req.body().size();
    http::request_serializer<http::string_body> sr(req);
    sr.limit(64 * 1024);
    std::uint64_t written = 0;
    tcpStream.expires_at(answerBy);
    while (!sr.is_done()) {
        std::size_t n = 0;
        ec = net::error::would_block;
        http::async_write_some(stream, sr, [&ec, &n](beast::error_code e, std::size_t k) {
            ec = e;
            n = k;
        });
        ioc.restart();
        ioc.run();
        written += n;
        if (ec) {
            // Nothing was acted on: the relay answers only after the whole request.
            out.reply = fail(ErrorCode::Unavailable, ec == beast::error::timeout
                                                         ? "the relay did not take the request "
                                                           "in time"
                                                         : "request to the relay failed");
            return out;
        }
        if (progress) progress(std::min(written, total), total);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(replyLimit);
    ec = runOne(ioc, [&](auto h) { http::async_read(stream, buffer, parser, std::move(h)); });
    if (ec && ec != http::error::end_of_stream) {
        // The request went out whole: only a request that does the same thing twice (a fetch,
        // an upload named by its content) may go to the next address.
        out.tryNext = idempotent;
        out.reply =
            fail(ErrorCode::Unavailable, ec == beast::error::timeout
                                             ? "the relay did not answer in time"
                                             : "no response from the relay: " + ec.message());
        return out;
    }
    HttpReply reply{parser.get().result_int(), std::move(parser.get().body())};
    // A node whose store is down answers 503 before it acts: the next node may serve.
    out.tryNext = reply.status == 503;
    tcpStream.expires_after(std::chrono::seconds(1));
    (void)runOne(ioc, [&](auto h) { stream.async_shutdown(std::move(h)); });
    out.reply = std::move(reply);
    return out;
}

// One call over the firm's addresses in order (docs/protocol.md, C-FAIL-6): an address that does
// not answer passes the turn to the next, within one deadline for the whole call. The error of a
// call no address answered says so and names the addresses, never the request.
Result<HttpReply> httpsExchange(const std::vector<Endpoint>& endpoints, http::verb method,
                                const std::string& target, const DeviceCredentials* credentials,
                                const std::string& body, std::size_t replyLimit, bool transfer,
                                bool idempotent,
                                const RelayConnection::UploadProgress& progress = {}) {
    const auto limits = RelayConnection::oneShotLimits();
    if (endpoints.empty()) return fail(ErrorCode::Unavailable, "no relay address to ask");
    const auto start = Clock::now();
    const auto deadline = start + (transfer ? limits.transferDeadline : limits.deadline);
    Attempt last;
    std::string tried;
    for (const auto& endpoint : endpoints) {
        const auto now = Clock::now();
        if (now >= deadline) break;
        const auto connectBy = std::min(deadline, now + limits.connectTimeout);
        const auto answerBy = transfer ? deadline : std::min(deadline, now + limits.answerTimeout);
        last = httpsAttempt(endpoint, method, target, credentials, body, replyLimit, connectBy,
                            answerBy, idempotent, progress);
        tried += (tried.empty() ? "" : ", ") + endpoint.host + ":" + std::to_string(endpoint.port);
        if (!last.tryNext) return std::move(last.reply);
    }
    // One address: its own answer or error, as before there were several. Several: a 503 is
    // the firm's store being down (the caller says so); anything else is no node answering.
    if (endpoints.size() == 1 || (last.reply && last.reply->status == 503))
        return std::move(last.reply);
    const std::string why = last.reply ? std::string() : last.reply.error().message;
    const auto spent =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    return fail(ErrorCode::Unavailable, "no relay answered (tried " + tried + " in " +
                                            std::to_string(spent) + " ms)" +
                                            (why.empty() ? std::string() : ": " + why));
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return displayText(s);
}

} // namespace

void RelayConnection::setOneShotLimits(const OneShotLimits& limits) {
    std::lock_guard lock(g_limitsMutex);
    g_limits = limits;
}

RelayConnection::OneShotLimits RelayConnection::oneShotLimits() {
    std::lock_guard lock(g_limitsMutex);
    return g_limits;
}

Result<proto::Registered> RelayConnection::registerDevice(const Endpoint& endpoint,
                                                          const proto::RegisterDevice& request,
                                                          std::string* statusText) {
    return registerDevice(std::vector<Endpoint>{endpoint}, request, statusText);
}

Result<proto::Registered> RelayConnection::registerDevice(const std::vector<Endpoint>& endpoints,
                                                          const proto::RegisterDevice& request,
                                                          std::string* statusText) {
    std::string body = request.SerializeAsString();
    // A redemption is not repeated once a node may have acted on it: the token is then spent.
    auto reply = httpsExchange(endpoints, http::verb::post, "/v1/register", nullptr, body,
                               1024 * 1024, false, false);
    secureWipe(body.data(), body.size());
    if (!reply) return tl::unexpected(reply.error());
    if (statusText) *statusText = reply->body;
    if (reply->status != 200) {
        ErrorCode code = reply->status == 503 ? ErrorCode::Storage : ErrorCode::AuthFailed;
        return fail(code, "registration refused: " + trimmed(reply->body), int(reply->status));
    }
    proto::Registered out;
    if (!out.ParseFromString(reply->body))
        return fail(ErrorCode::Malformed, "malformed registration response");
    return out;
}

Result<proto::InviteDetails> RelayConnection::askInvite(const Endpoint& endpoint,
                                                        const std::string& token, bool decline) {
    return askInvite(std::vector<Endpoint>{endpoint}, token, decline);
}

Result<proto::InviteDetails> RelayConnection::askInvite(const std::vector<Endpoint>& endpoints,
                                                        const std::string& token, bool decline) {
    proto::InviteToken request;
    request.set_token(token);
    // A preview changes nothing; a decline of an invite already declined answers the same.
    auto reply = httpsExchange(endpoints, http::verb::post,
                               decline ? "/v1/invite/decline" : "/v1/invite/preview", nullptr,
                               request.SerializeAsString(), 64 * 1024, false, true);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status != 200) {
        ErrorCode code = reply->status == 503 ? ErrorCode::Storage : ErrorCode::AuthFailed;
        return fail(code, "invite refused: " + trimmed(reply->body), int(reply->status));
    }
    proto::InviteDetails out;
    if (!out.ParseFromString(reply->body))
        return fail(ErrorCode::Malformed, "malformed answer about the invite");
    return out;
}

Result<std::string> RelayConnection::fetchManifest(const Endpoint& endpoint) {
    auto reply = httpsExchange({endpoint}, http::verb::get, "/v1/manifest", nullptr, {}, 64 * 1024,
                               false, true);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status != 200)
        return fail(ErrorCode::NotFound, "the relay has no firm manifest", int(reply->status));
    return std::move(reply->body);
}

Result<std::string> RelayConnection::uploadBlob(const Endpoint& endpoint,
                                                const DeviceCredentials& credentials,
                                                std::string blob, const UploadProgress& progress) {
    return uploadBlob(std::vector<Endpoint>{endpoint}, credentials, std::move(blob), progress);
}

Result<std::string> RelayConnection::uploadBlob(const std::vector<Endpoint>& endpoints,
                                                const DeviceCredentials& credentials,
                                                std::string blob, const UploadProgress& progress) {
    // May go to the next node even after a silent first one: a copy that node stored and did not
    // answer for is referenced by no send, so the relay removes it after the grace period.
    auto reply = httpsExchange(endpoints, http::verb::post, "/v1/blobs", &credentials, blob, 4096,
                               true, true, progress);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status != 200)
        return fail(reply->status == 413 ? ErrorCode::InvalidArgument : ErrorCode::Storage,
                    "attachment upload refused: " + trimmed(reply->body), int(reply->status));
    auto id = trimmed(reply->body);
    if (id.size() != 64) return fail(ErrorCode::Malformed, "malformed upload response");
    return id;
}

Result<std::string> RelayConnection::downloadBlob(const Endpoint& endpoint,
                                                  const DeviceCredentials& credentials,
                                                  const std::string& blobId, std::size_t maxBytes) {
    return downloadBlob(std::vector<Endpoint>{endpoint}, credentials, blobId, maxBytes);
}

Result<std::string> RelayConnection::downloadBlob(const std::vector<Endpoint>& endpoints,
                                                  const DeviceCredentials& credentials,
                                                  const std::string& blobId, std::size_t maxBytes) {
    auto reply = httpsExchange(endpoints, http::verb::get, "/v1/blobs/" + blobId, &credentials, {},
                               maxBytes, true, true);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status == 404)
        return fail(ErrorCode::NotFound, "the relay no longer has this attachment");
    if (reply->status != 200)
        return fail(ErrorCode::Storage, "attachment download refused: " + trimmed(reply->body),
                    int(reply->status));
    return std::move(reply->body);
}

} // namespace verbatim::client
