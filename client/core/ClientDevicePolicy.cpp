/// @file ClientDevicePolicy.cpp
/// The firm's device policy applied by this client (issue 22; docs/protocol.md, "Firm policy"):
/// the policy as it applies to this user's role, device retention (at unlock and hourly, on the
/// worker thread, never the caller's), and whether a wipe command may be obeyed. Saving an
/// attachment under the policy is in ClientAttachments.cpp.
#include "client/core/ClientImpl.h"
#include "common/Try.h"

#include "client/core/DeviceRetention.h"

namespace verbatim::client {

namespace {

/// How often the worker applies the retention again after the first run.
constexpr auto kRetentionInterval = std::chrono::hours(1);

} // namespace

DevicePolicyView Client::Impl::policyView() const {
    DevicePolicyView v;
    v.staff = acct.role != "client";
    // The held manifest's policy, even while a node serves a refused one (C-FAIL-7): a node
    // cannot lift the firm's rules by serving a broken manifest.
    if (!heldManifestOk) return v;
    const auto& p = manifest.policy;
    v.known = true;
    v.messageDays = p.messageDays;
    v.staffMaySave = p.staffMaySave;
    v.clientsMaySave = p.clientsMaySave;
    v.staffMayCopy = p.staffMayCopy;
    v.clientsMayCopy = p.clientsMayCopy;
    v.maySave = v.staff ? p.staffMaySave : p.clientsMaySave;
    v.mayCopy = v.staff ? p.staffMayCopy : p.clientsMayCopy;
    v.firmMayWipeClients = p.mayWipeClientDevices;
    v.maxIdleLockMinutes = p.maxIdleLockMinutes;
    return v;
}

DevicePolicyView Client::devicePolicy() {
    std::lock_guard lock(m->mutex);
    return m->policyView();
}

Result<std::size_t> Client::Impl::applyRetention(std::uint64_t now) {
    std::size_t total = 0;
    std::map<std::string, std::size_t> touched;
    while (true) {
        RetentionBatch batch;
        {
            std::lock_guard lock(mutex);
            if (!db) return fail(ErrorCode::NotFound, kErasedText);
            const auto cutoff = retentionCutoffMs(now, policyView().messageDays);
            if (cutoff == 0) break;
            VERBATIM_TRY_LET(b, removeMessagesBefore(*db, paths.blobs(), cutoff));
            batch = std::move(*b);
        }
        // The lock is given back between batches: a first run over a large profile does not
        // stall the app.
        total += batch.messages;
        for (const auto& [conversation, n] : batch.byConversation)
            touched[conversation] += n;
        if (batch.messages < 500) break;
    }
    if (total)
        log::write(log::Level::Info, "client.device_retention",
                   {{"messages", std::to_string(total)},
                    {"conversations", std::to_string(touched.size())}});
    for (const auto& [conversation, n] : touched)
        emit({Event::Kind::MessagesExpired,
              conversation,
              {},
              {},
              {},
              {},
              std::to_string(n) + (n == 1 ? " message" : " messages") +
                  " past the firm's device retention removed from this device"});
    return total;
}

Result<std::size_t> Client::applyDeviceRetention(std::uint64_t nowMs) {
    return m->applyRetention(nowMs ? nowMs : client::nowMs());
}

void Client::Impl::retentionTick() {
    const auto now = std::chrono::steady_clock::now();
    if (nextRetention != std::chrono::steady_clock::time_point{} && now < nextRetention) return;
    nextRetention = now + kRetentionInterval;
    if (auto r = applyRetention(nowMs()); !r)
        log::write(log::Level::Warn, "client.device_retention_failed",
                   {{"error", r.error().message}});
}

bool Client::Impl::wipeAllowedByPolicy() {
    {
        std::lock_guard lock(mutex);
        if (acct.role != "client") return true; // the firm may always erase its staff's devices
        if (manifestOk && manifest.policy.mayWipeClientDevices) return true;
    }
    // The firm may have just allowed it in a newer manifest this device has not seen yet.
    (void)refreshManifest();
    std::lock_guard lock(mutex);
    if (manifestOk && manifest.policy.mayWipeClientDevices) return true;
    log::write(log::Level::Warn, "client.wipe_refused",
               {{"reason", "the firm's policy does not allow erasing clients' devices"}});
    emit({Event::Kind::WipeRefused,
          {},
          {},
          {},
          {},
          {},
          "a request to erase this device was ignored: your firm's policy does not allow it to "
          "erase clients' devices"});
    return false;
}

} // namespace verbatim::client
