#pragma once
/// @file ConnectionSupervisor.h
/// Keeps this device connected to its relay: connects on start(), and after a close reconnects
/// with exponential backoff (0.25 s doubling to 30 s, with jitter; 30 s after refused
/// credentials, 0.5 s while the device waits for approval), until stop(). It gives up for good
/// when the relay revokes the device (close 4403 or 403), until start() when another copy of
/// the profile took over the device's session (close kCloseReplaced: reconnecting would make
/// the two take turns for ever), and when retired (the profile was wiped).
///
/// Failover (issue 20, docs/protocol.md "Which relay address a device uses"): the `endpoints`
/// hook gives every address the device may use (the firm manifest's, never another). Each round
/// starts with the address that last worked and goes on in the hook's order; an address that
/// does not answer (refused, timed out, TLS check failed, no WebSocket upgrade, 503 from a node
/// whose store is down) passes the turn to the next one after a short random pause (0–100 ms, so
/// that a dead node's devices do not all land at the same instant), and only a whole round
/// without success counts for the backoff. Credentials refused (401) and approval awaited (423)
/// are the firm's answer, the same on every node: they do not move to another. Revoked (403)
/// passes the turn too (one breached node could say it): the device counts as revoked only when
/// a round ends with a 403 and no node let it in.
///
/// A connection counts as a success (backoff reset, the address preferred) only once the relay's
/// QueueDrained came: a node that accepts the upgrade and then closes (1011 from a failing
/// store) or stays silent is a failure like one that refuses. QueueDrained must come within
/// `drainTimeout` (10 s) of the upgrade, or the connection is closed and the next address gets the
/// turn; a connection that ends by itself within `drainTimeout` of its QueueDrained counts as a
/// failure too (the backoff keeps growing, the previous preferred address stays). Once up, the
/// connection pings after half of `idleTimeout` (30 s) of silence and ends after all of it.
///
/// Threading: one thread of its own while started. Every method may be called from any thread
/// (not from the hooks). It holds its own small lock only around its state, never across a
/// connect or a call; hooks run on the supervisor's thread (report, beforeConnect, closed) or the
/// connection's (push) with no lock of its held.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/core/Client.h"
#include "client/core/RelayConnection.h"

namespace verbatim::client {

class ConnectionSupervisor {
public:
    struct Hooks {
        /// Every address it may connect to, with the pins each must satisfy (they may change
        /// between calls). Called before each attempt; an empty list waits a backoff step.
        std::function<std::vector<Endpoint>()> endpoints;
        /// Optional, on the supervisor's thread: connected to this address (it is tried first
        /// from now on).
        std::function<void(const Endpoint&)> connectedTo;
        std::function<void(const proto::Push&)> push; ///< on the connection's thread: only queue
        std::function<void()> beforeConnect;          ///< the relay pushes as soon as it accepts
        std::function<void(const Event&)> report;     ///< Connected, Disconnected, Revoked...
        std::function<void()> closed;                 ///< after each close or refusal for good
    };
    /// `connectTimeout`: how long one address may take to connect, finish TLS and upgrade
    /// before the next one gets the turn. `drainTimeout`: how long after the upgrade the relay
    /// has to send QueueDrained. `idleTimeout`: silence after which a connection ends.
    ConnectionSupervisor(DeviceCredentials credentials, Hooks hooks,
                         std::chrono::milliseconds connectTimeout = std::chrono::seconds(10),
                         std::chrono::milliseconds drainTimeout = std::chrono::seconds(10),
                         std::chrono::milliseconds idleTimeout = std::chrono::seconds(30));
    /// stop().
    ~ConnectionSupervisor();
    ConnectionSupervisor(const ConnectionSupervisor&) = delete;
    ConnectionSupervisor& operator=(const ConnectionSupervisor&) = delete;

    /// Starts the thread (no-op while started); forgets an earlier "connected elsewhere".
    void start();
    /// Closes the connection and joins the thread; relay calls in flight return at once.
    void stop();
    /// The connection while it is up (null otherwise). Callers keep the pointer only for a call.
    std::shared_ptr<RelayConnection> connection() const;
    bool isConnected() const;
    /// Closes the connection; the supervisor connects again after a 1 s pause (the worker could
    /// not store a message: the relay redelivers it on the next connection).
    void reconnect();
    /// Closes the connection and never connects again (the profile was wiped).
    void retire();
    bool revoked() const { return m_revoked; }
    bool connectedElsewhere() const { return m_connectedElsewhere; }
    /// Whether the thread runs (between start() and stop()).
    bool running() const { return m_running; }
    /// HOST:PORT of the address that last accepted this device ("" before the first).
    std::string preferredAddress() const;
    /// Forgets that address, so that the next attempt starts with the hook's first: the device
    /// refuses to use the node it is on (docs/protocol.md C-FAIL-7).
    void forgetPreferred();

    /// HOST:PORT of an endpoint, as manifests and links write it.
    static std::string addressOf(const Endpoint& endpoint);

private:
    void supervise();
    /// The address for attempt `attempt` of a round: the preferred one first, then the others in
    /// the hook's order. Null when the hook gives none.
    std::optional<Endpoint> pick(const std::vector<Endpoint>& candidates,
                                 std::size_t attempt) const;

    DeviceCredentials m_credentials;
    Hooks m_hooks;
    std::chrono::milliseconds m_connectTimeout, m_drainTimeout, m_idleTimeout;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::shared_ptr<RelayConnection> m_connection;
    bool m_closed = false;
    bool m_reconnect = false;
    bool m_drained = false; ///< QueueDrained came on the current connection (m_mutex)
    std::uint16_t m_closeCode = 0;
    std::string m_preferred; ///< HOST:PORT that last worked (m_mutex)
    std::thread m_thread;
    std::atomic<bool> m_running{false}, m_revoked{false}, m_retired{false},
        m_connectedElsewhere{false};
    std::atomic<bool> m_awaitingApprovalShown{false};
};

} // namespace verbatim::client
