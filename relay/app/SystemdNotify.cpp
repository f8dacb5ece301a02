#include "relay/app/SystemdNotify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace verbatim::relay {

SystemdNotify::SystemdNotify() {
    const char* socketName = std::getenv("NOTIFY_SOCKET");
    if (socketName && *socketName && (socketName[0] == '/' || socketName[0] == '@')) {
        m_address = socketName;
        if (m_address[0] == '@') m_address[0] = '\0'; // abstract namespace
        if (m_address.size() < sizeof(sockaddr_un::sun_path))
            m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
    // WATCHDOG_PID names the process the watchdog is meant for; a value for another process
    // (inherited through a wrapper) is not ours to serve.
    const char* usec = std::getenv("WATCHDOG_USEC");
    const char* pid = std::getenv("WATCHDOG_PID");
    if (usec && *usec && (!pid || !*pid || std::strtol(pid, nullptr, 10) == long(::getpid()))) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(usec, &end, 10);
        if (end && *end == '\0' && v > 0) m_watchdog = std::chrono::microseconds(v);
    }
}

SystemdNotify::~SystemdNotify() {
    if (m_fd >= 0) ::close(m_fd);
}

bool SystemdNotify::send(const std::string& state) const {
    if (m_fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, m_address.data(), m_address.size());
    const auto len = socklen_t(offsetof(sockaddr_un, sun_path) + m_address.size() +
                               (m_address[0] == '\0' ? 0 : 1));
    return ::sendto(m_fd, state.data(), state.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), len) == ssize_t(state.size());
}

} // namespace verbatim::relay
