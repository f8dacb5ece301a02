/// @file PushService.cpp
/// RelayService's push endpoints (issue 23): a device registers, replaces or removes the
/// UnifiedPush endpoint URL its distributor gave it, and sends wake its devices that are not
/// connected here through PushWaker.
#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

void RelayService::startPush(std::unique_ptr<PushSender> sender) {
    if (m_push || !sender) return;
    PushPolicy policy = m_config.push;
    // Several nodes: a device may be connected to another one, which delivers through the
    // NOTIFY path; the check waits for its acknowledgement before it looks at the queue.
    if (!m_config.postgresUrl.empty() && policy.grace.count() == 0)
        policy.grace = std::chrono::milliseconds(2000);
    m_push = std::make_unique<PushWaker>(*m_storage, std::move(sender), policy,
                                         [this](const std::string& user, std::uint32_t device) {
                                             std::lock_guard lock(m_sinksMutex);
                                             auto it = m_live.find(DeviceId{user, device, {}, {}});
                                             return it != m_live.end() && !it->second.expired();
                                         });
}

void RelayService::wakeOffline(const std::vector<std::pair<DeviceId, proto::Frame>>& frames) {
    if (!m_push) return;
    std::vector<const DeviceId*> offline;
    {
        std::lock_guard lock(m_sinksMutex);
        for (const auto& [device, frame] : frames) {
            auto it = m_live.find(device);
            if (it == m_live.end() || it->second.expired()) offline.push_back(&device);
        }
    }
    for (const DeviceId* d : offline)
        m_push->queued(d->user, d->device);
}

void RelayService::onSetPushEndpoint(const DeviceId& from, proto::Request& request, Done& done,
                                     const RequestRun& run) {
    std::string url = request.set_push_endpoint().url();
    if (!url.empty()) {
        auto parsed = parsePushUrl(url, m_config.push.allowLoopback);
        if (!parsed) return done(errorResponse(proto::STATUS_BAD_REQUEST, parsed.error().message));
    }
    return run([from, url = std::move(url)](Database& db, proto::Response&) -> Result<Completion> {
        VERBATIM_TRY(execute(db, "DELETE FROM push_endpoints WHERE user = ? AND device = ?",
                             std::string_view(from.user), std::int64_t(from.device)));
        if (!url.empty())
            VERBATIM_TRY(execute(db,
                                 "INSERT INTO push_endpoints (user, device, url, registered_ms) "
                                 "VALUES (?, ?, ?, ?)",
                                 std::string_view(from.user), std::int64_t(from.device),
                                 std::string_view(url), std::int64_t(wallClockMs())));
        return Completion();
    });
}

} // namespace verbatim::relay
