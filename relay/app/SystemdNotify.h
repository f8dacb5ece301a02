#pragma once
/// @file SystemdNotify.h
/// The service manager's notification protocol (sd_notify(3)), spoken directly: a datagram of
/// newline-separated `KEY=VALUE` assignments sent to the AF_UNIX socket named by NOTIFY_SOCKET
/// (a path, or `@name` for the abstract namespace). systemd's own documentation describes it as
/// a stable interface that services may implement without libsystemd; doing so keeps the relay
/// free of a library for four messages. Outside systemd (no NOTIFY_SOCKET) every call is a
/// no-op.
///
/// What the relay sends: READY=1 once both listeners accept; RELOADING=1 and READY=1 around a
/// certificate reload (SIGHUP); STOPPING=1 on SIGTERM; WATCHDOG=1 from the network loop while it
/// and the storage thread both make progress (WatchdogSec= in the unit); STATUS= lines for
/// `systemctl status`.

#include <chrono>
#include <string>

namespace verbatim::relay {

class SystemdNotify {
public:
    /// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Opens the datagram socket once.
    SystemdNotify();
    ~SystemdNotify();
    SystemdNotify(const SystemdNotify&) = delete;
    SystemdNotify& operator=(const SystemdNotify&) = delete;

    /// True when a service manager listens (NOTIFY_SOCKET set and usable).
    bool enabled() const { return m_fd >= 0; }
    /// Sends `state` ("READY=1", "WATCHDOG=1", "STATUS=..."). False when not enabled or the send
    /// failed. Thread-safe (one sendto per call).
    bool send(const std::string& state) const;
    /// How often the manager expects WATCHDOG=1 (WATCHDOG_USEC, when WATCHDOG_PID is unset or
    /// names this process); zero when there is no watchdog.
    std::chrono::microseconds watchdogInterval() const { return m_watchdog; }

private:
    int m_fd = -1;
    std::string m_address; ///< sockaddr_un path; a leading NUL for the abstract namespace
    std::chrono::microseconds m_watchdog{0};
};

} // namespace verbatim::relay
