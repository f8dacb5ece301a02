/// @file PgListener.cpp
/// LISTEN on a connection of its own (PgStore.h, PgListener): cross-node wake-ups.
#include "relay/core/PgEngine.h"
#include "relay/core/PgStore.h"

#include <cerrno>
#include <chrono>
#include <poll.h>
#include <pthread.h>

namespace verbatim::relay {

using pg::connectUrl;

// ---- PgListener ---------------------------------------------------------------------------------

Result<std::unique_ptr<PgListener>>
PgListener::start(const std::string& url, const std::string& channel,
                  std::function<void(std::string_view)> onNotify) {
    std::unique_ptr<PgListener> l(new PgListener());
    l->m_url = url;
    l->m_channel = channel;
    l->m_onNotify = std::move(onNotify);
    auto conn = connectUrl(url);
    if (!conn) return tl::unexpected(conn.error());
    PGresult* r = PQexec(*conn, ("LISTEN " + channel).c_str());
    const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (r) PQclear(r);
    if (!ok) {
        PQfinish(*conn);
        return fail(ErrorCode::Storage, "cannot LISTEN on PostgreSQL");
    }
    l->m_conn = *conn;
    l->m_thread = std::thread([raw = l.get()] { raw->loop(); });
    return l;
}

PgListener::~PgListener() {
    m_stopping = true;
    if (m_thread.joinable()) m_thread.join();
    if (m_conn) PQfinish(static_cast<PGconn*>(m_conn));
}

void PgListener::loop() {
    pthread_setname_np(pthread_self(), "vr-pg-listen");
    while (!m_stopping) {
        auto* conn = static_cast<PGconn*>(m_conn);
        if (!conn) {
            // Away: try again every second; what was sent meanwhile is caught up on at once.
            for (int i = 0; i < 10 && !m_stopping; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (m_stopping) break;
            auto fresh = connectUrl(m_url);
            if (!fresh) continue;
            PGresult* r = PQexec(*fresh, ("LISTEN " + m_channel).c_str());
            const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
            if (r) PQclear(r);
            if (!ok) {
                PQfinish(*fresh);
                continue;
            }
            m_conn = *fresh;
            m_onNotify({});
            continue;
        }
        pollfd p{PQsocket(conn), POLLIN, 0};
        const int ready = p.fd < 0 ? -1 : ::poll(&p, 1, 200);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0 || (ready > 0 && PQconsumeInput(conn) == 0) ||
            PQstatus(conn) != CONNECTION_OK) {
            PQfinish(conn);
            m_conn = nullptr;
            continue;
        }
        while (PGnotify* n = PQnotifies(conn)) {
            m_onNotify(n->extra ? std::string_view(n->extra) : std::string_view());
            PQfreemem(n);
        }
    }
}

} // namespace verbatim::relay
