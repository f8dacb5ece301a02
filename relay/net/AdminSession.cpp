/// @file AdminSession.cpp
/// The admin listener's connections (plain HTTP on loopback): /healthz and Prometheus /metrics.

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>

#include "net/BeastNames.h"
#include "relay/net/ServerState.h"

namespace verbatim::relay {

namespace {

class AdminSession : public std::enable_shared_from_this<AdminSession> {
public:
    AdminSession(Shared& shared, tcp::socket&& socket)
        : m_shared(shared), m_stream(std::move(socket)) {}
    void run() {
        m_stream.expires_after(std::chrono::seconds(5));
        m_parser.header_limit(4096);
        m_parser.body_limit(0);
        http::async_read(m_stream, m_buffer, m_parser,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return failLog(ec, "admin-read");
                             self->answer();
                         });
    }

private:
    void answer() {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
        res->keep_alive(false);
        res->set(http::field::content_type, "text/plain; version=0.0.4");
        auto target = m_parser.get().target();
        if (target == "/healthz") {
            res->body() = "ok\n";
        } else if (target == "/metrics") {
            auto& s = m_shared;
            std::string m;
            auto line = [&](const char* name, const char* help, std::uint64_t v) {
                bool counter = std::string_view(name).ends_with("_total");
                m += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
                     (counter ? " counter\n" : " gauge\n") + name + " " + std::to_string(v) + "\n";
            };
            line("verbatim_connections", "Open client connections.", s.connections.load());
            line("verbatim_connections_accepted_total", "Accepted TCP connections.",
                 s.accepted.load());
            line("verbatim_connections_refused_total", "Connections refused at the cap.",
                 s.refused.load());
            line("verbatim_connections_rate_limited_total",
                 "Connections refused by the per-address limit.", s.rateLimited.load());
            line("verbatim_websocket_sessions_total", "WebSocket sessions opened.",
                 s.wsSessions.load());
            line("verbatim_frames_in_total", "Frames received.", s.framesIn.load());
            line("verbatim_frames_out_total", "Frames sent.", s.framesOut.load());
            line("verbatim_websocket_writes_total",
                 "WebSocket messages written (a batch carries several frames).", s.wsWrites.load());
            line("verbatim_blobs_stored_total", "Attachment blobs stored.", s.blobsStored.load());
            line("verbatim_blob_uploads_in_flight",
                 "Attachment uploads admitted and not yet stored.",
                 s.service.blobs().uploadsInFlight());
            line("verbatim_blob_uploads_refused_total",
                 "Attachment uploads refused (quota, rate, disk reserve).",
                 s.service.blobs().refused());
            line("verbatim_blobs_swept_total",
                 "Attachment blobs removed because no message declared them.",
                 s.service.blobs().swept());
            line("verbatim_requests_pending",
                 "Requests read and not answered yet (most in the storage queue).",
                 s.pendingRequests.load());
            line("verbatim_requests_busy_total",
                 "Requests answered \"relay busy\" over the pending-request limit.", s.busy.load());
            line("verbatim_connections_stalled_total",
                 "Connections closed for not reading what was sent to them.", s.stalled.load());
            line("verbatim_websocket_sessions_replaced_total",
                 "Sessions closed (4409) by a newer one of their device.", s.replaced.load());
            line("verbatim_storage_batches_total", "Committed storage batches.",
                 s.service.storage().batches());
            line("verbatim_storage_jobs_total", "Committed storage jobs.",
                 s.service.storage().jobs());
            line("verbatim_storage_batch_microseconds_total",
                 "Wall time in storage batches, commit included.",
                 s.service.storage().batchMicros());
            line("verbatim_storage_queue_jobs", "Storage jobs waiting for a batch.",
                 s.service.storage().queued());
            line("verbatim_storage_slow_batches_total", "Storage batches that took 10 ms or more.",
                 s.service.storage().slowBatches());
            if (const auto* push = s.service.pushWaker()) { // UnifiedPush wake-ups (issue 23)
                const auto c = push->counters();
                line("verbatim_push_sent_total", "Push wake-ups a push service accepted (2xx).",
                     c.sent);
                line("verbatim_push_gone_total",
                     "Push endpoints that answered 404 or 410 and were unregistered.", c.gone);
                line("verbatim_push_failed_total",
                     "Push wake-ups that failed (DNS, connection, TLS, timeout, other status).",
                     c.failed);
                line("verbatim_push_refused_total",
                     "Push wake-ups not sent: the endpoint resolved to a refused address.",
                     c.refused);
                line("verbatim_push_dropped_total",
                     "Push wake-ups over the global rate or in-flight cap (retried later).",
                     c.dropped);
            }
            res->body() = std::move(m);
        } else {
            res->result(http::status::not_found);
            res->body() = "not found\n";
        }
        res->prepare_payload();
        http::async_write(m_stream, *res,
                          [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                              beast::error_code ignored;
                              self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          });
    }

    Shared& m_shared;
    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    http::request_parser<http::empty_body> m_parser;
};

} // namespace

void startAdminSession(Shared& shared, tcp::socket&& socket) {
    std::make_shared<AdminSession>(shared, std::move(socket))->run();
}

} // namespace verbatim::relay
