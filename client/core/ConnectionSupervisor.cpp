#include "client/core/ConnectionSupervisor.h"

#include "common/Log.h"
#include "crypto/Random.h"

namespace verbatim::client {

ConnectionSupervisor::ConnectionSupervisor(DeviceCredentials credentials, Hooks hooks,
                                           std::chrono::milliseconds connectTimeout,
                                           std::chrono::milliseconds drainTimeout,
                                           std::chrono::milliseconds idleTimeout)
    : m_credentials(std::move(credentials)), m_hooks(std::move(hooks)),
      m_connectTimeout(connectTimeout), m_drainTimeout(drainTimeout), m_idleTimeout(idleTimeout) {}

ConnectionSupervisor::~ConnectionSupervisor() {
    stop();
}

void ConnectionSupervisor::start() {
    if (m_running.exchange(true)) return;
    m_connectedElsewhere = false; // the user asked to connect again
    m_thread = std::thread([this] { supervise(); });
}

void ConnectionSupervisor::stop() {
    if (!m_running.exchange(false)) return;
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

std::shared_ptr<RelayConnection> ConnectionSupervisor::connection() const {
    std::lock_guard lock(m_mutex);
    return m_connection;
}

bool ConnectionSupervisor::isConnected() const {
    std::lock_guard lock(m_mutex);
    return m_connection && m_connection->isOpen();
}

void ConnectionSupervisor::reconnect() {
    {
        // The supervisor closes the connection: closing it here, under m_mutex, would deadlock
        // with the connection's close handler.
        std::lock_guard lock(m_mutex);
        m_reconnect = true;
    }
    m_cv.notify_all();
}

void ConnectionSupervisor::retire() {
    m_retired = true;
    reconnect();
}

std::string ConnectionSupervisor::preferredAddress() const {
    std::lock_guard lock(m_mutex);
    return m_preferred;
}

void ConnectionSupervisor::forgetPreferred() {
    std::lock_guard lock(m_mutex);
    m_preferred.clear();
}

std::string ConnectionSupervisor::addressOf(const Endpoint& endpoint) {
    return endpoint.host + ":" + std::to_string(endpoint.port);
}

std::optional<Endpoint> ConnectionSupervisor::pick(const std::vector<Endpoint>& candidates,
                                                   std::size_t attempt) const {
    if (candidates.empty()) return std::nullopt;
    std::size_t first = 0;
    {
        std::lock_guard lock(m_mutex);
        for (std::size_t i = 0; i < candidates.size(); ++i)
            if (addressOf(candidates[i]) == m_preferred) first = i;
    }
    return candidates[(first + attempt) % candidates.size()];
}

namespace {

// A random pause in [0, bound), so that devices that lost the same node do not all come back
// at the same instant.
std::chrono::milliseconds jitter(std::chrono::milliseconds bound) {
    const auto r = crypto::randomBytes(2);
    const auto value = (unsigned(r[0]) << 8) | unsigned(r[1]);
    return std::chrono::milliseconds(bound.count() > 0 ? value % bound.count() : 0);
}

} // namespace

void ConnectionSupervisor::supervise() {
    auto backoff = std::chrono::milliseconds(250);
    std::size_t attempt = 0; // of the current round over the addresses
    // Addresses that answered 403 in this round. One node's 403 proves little (a breached node
    // could say it to stop the device); nodes share one store, so a revoked device gets 403 from
    // every node that answers: revoked once a round ends with a 403 and no upgrade.
    std::size_t forbidden = 0;
    const auto roundFailed = [&] {
        if (forbidden == 0) return false;
        m_revoked = true;
        m_hooks.report({Event::Kind::Revoked, {}, {}, {}, {}, {}, "the firm revoked this device"});
        if (m_hooks.closed) m_hooks.closed();
        return true;
    };
    m_awaitingApprovalShown = false; // told once per start
    while (m_running && !m_revoked && !m_retired && !m_connectedElsewhere) {
        {
            std::lock_guard lock(m_mutex);
            m_closed = false;
            m_closeCode = 0;
            m_drained = false;
        }
        const auto candidates = m_hooks.endpoints();
        const auto endpoint = pick(candidates, attempt);
        bool nextAddress = false;
        if (!endpoint) {
            log::write(log::Level::Error, "client.no_relay_address", {});
        } else {
            if (m_hooks.beforeConnect) m_hooks.beforeConnect();
            auto c = RelayConnection::connect(
                *endpoint, m_credentials,
                [this](const proto::Push& p) {
                    if (p.has_queue_drained()) {
                        {
                            std::lock_guard lock(m_mutex);
                            m_drained = true;
                        }
                        m_cv.notify_all();
                    }
                    m_hooks.push(p);
                },
                [this](std::uint16_t code, const std::string&) {
                    {
                        std::lock_guard lock(m_mutex);
                        m_closed = true;
                        m_closeCode = code;
                    }
                    m_cv.notify_all();
                },
                m_connectTimeout, m_idleTimeout);
            if (c) {
                forbidden = 0; // this node let the device in: it is not revoked
                {
                    std::lock_guard lock(m_mutex);
                    m_connection = std::shared_ptr<RelayConnection>(std::move(*c));
                }
                if (m_hooks.connectedTo) m_hooks.connectedTo(*endpoint);
                m_hooks.report({Event::Kind::Connected});
                std::unique_lock lock(m_mutex);
                const auto ended = [&] { return !m_running || m_closed || m_reconnect; };
                // Issue 20: the upgrade alone proves little (a node whose store fails accepts and
                // closes, a wedged one accepts and says nothing); QueueDrained is the node
                // serving this device.
                const bool drained = m_cv.wait_for(lock, m_drainTimeout, [&] {
                    return ended() || m_drained;
                }) && m_drained;
                std::string previousPreferred = m_preferred;
                std::chrono::steady_clock::time_point drainedAt{};
                if (drained) {
                    drainedAt = std::chrono::steady_clock::now();
                    m_preferred = addressOf(*endpoint);
                    m_cv.wait(lock, ended);
                }
                auto old = std::move(m_connection);
                auto code = m_closeCode;
                const bool requested = m_reconnect;
                const bool byItself = !requested && m_running;
                // A node that serves the device and then drops it at once is not one to keep.
                const bool failed =
                    byItself &&
                    (!drained || std::chrono::steady_clock::now() - drainedAt < m_drainTimeout);
                if (failed && code != 4403 && code != RelayConnection::kCloseReplaced)
                    m_preferred = previousPreferred;
                m_reconnect = false;
                lock.unlock();
                if (failed) {
                    log::write(log::Level::Info, "client.relay_dropped",
                               {{"relay", addressOf(*endpoint)},
                                {"drained", drained ? "yes" : "no"},
                                {"code", std::to_string(code)}});
                } else {
                    backoff = std::chrono::milliseconds(250);
                    attempt = 0;
                }
                if (old) old->close();
                old.reset();
                if (code == 4403) {
                    m_revoked = true;
                    m_hooks.report(
                        {Event::Kind::Revoked, {}, {}, {}, {}, {}, "the firm revoked this device"});
                } else if (code == RelayConnection::kCloseReplaced) {
                    // Another copy of this profile connected as this device, and the relay keeps
                    // the newest session. Reconnecting would close that one in turn, and the two
                    // would take turns for ever: stay offline and say why, until start() is
                    // called again.
                    m_connectedElsewhere = true;
                    m_hooks.report({Event::Kind::ConnectedElsewhere,
                                    {},
                                    {},
                                    {},
                                    {},
                                    {},
                                    "this device is connected elsewhere (another copy of this "
                                    "profile is online)"});
                } else {
                    m_hooks.report({Event::Kind::Disconnected,
                                    {},
                                    {},
                                    {},
                                    {},
                                    {},
                                    code ? "closed " + std::to_string(code) : ""});
                }
                if (m_hooks.closed) m_hooks.closed();
                if (!m_running) break;
                if (requested) backoff = std::chrono::seconds(1);
                if (failed && !m_revoked && !m_connectedElsewhere) {
                    attempt = (attempt + 1) % candidates.size();
                    nextAddress = attempt != 0;
                    if (!nextAddress && roundFailed()) break;
                }
            } else {
                const auto& err = c.error();
                // Refused credentials do not get better by retrying quickly.
                const bool badCredentials = err.code == ErrorCode::AuthFailed && err.detail == 401;
                const bool awaitingApproval =
                    err.code == ErrorCode::Unavailable && err.detail == 423;
                if (badCredentials) backoff = std::chrono::seconds(30);
                if (awaitingApproval) {
                    // Registered, waiting for one of the user's devices to approve it: ask again
                    // soon.
                    if (!m_awaitingApprovalShown.exchange(true))
                        m_hooks.report(
                            {Event::Kind::AwaitingApproval,
                             {},
                             {},
                             {},
                             {},
                             {},
                             "waiting for one of your other devices to approve this one"});
                    backoff = std::chrono::milliseconds(500);
                }
                if (err.code == ErrorCode::Forbidden) {
                    ++forbidden;
                    log::write(log::Level::Warn, "client.relay_forbidden",
                               {{"relay", addressOf(*endpoint)}});
                    attempt = (attempt + 1) % candidates.size();
                    nextAddress = attempt != 0;
                    if (!nextAddress && roundFailed()) break;
                }
                // The firm's answers (401, 423) are the same on every node of one store; anything
                // else is this address not answering: the next one gets the turn, and only a
                // round of them all counts for the backoff.
                if (!badCredentials && !awaitingApproval && err.code != ErrorCode::Forbidden) {
                    log::write(log::Level::Info, "client.relay_unreachable",
                               {{"relay", addressOf(*endpoint)}, {"error", err.message}});
                    attempt = (attempt + 1) % candidates.size();
                    nextAddress = attempt != 0;
                    if (!nextAddress && roundFailed()) break;
                }
            }
        }
        std::unique_lock lock(m_mutex);
        if (nextAddress) {
            m_cv.wait_for(lock, jitter(std::chrono::milliseconds(100)), [&] { return !m_running; });
            continue;
        }
        // Exponential backoff with jitter, interruptible by stop().
        m_cv.wait_for(lock, backoff + jitter(std::chrono::milliseconds(100)),
                      [&] { return !m_running; });
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
    }
}

} // namespace verbatim::client
