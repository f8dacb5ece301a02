/// @file DevicesService.cpp
/// RelayService's device administration: device lists, approval of a new device by
/// an existing one, revocation, remote wipe and its confirmation, and revocations or wipes
/// committed by another process.

#include "relay/core/DeviceName.h"
#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace {

// The columns platform, app_version, enrolled_ms, last_seen_ms, revoked_ms (0 when not) and
// wipe_requested_ms (0 when not), in that order from `col`, into a device list entry.
void setDeviceState(auto* d, const auto& st, int col) {
    d->set_platform(st.columnText(col));
    d->set_app_version(st.columnText(col + 1));
    d->set_enrolled_ms(std::uint64_t(st.columnInt(col + 2)));
    d->set_last_seen_ms(std::uint64_t(st.columnInt(col + 3)));
    d->set_revoked_ms(std::uint64_t(st.columnInt(col + 4)));
    d->set_wipe_requested_ms(std::uint64_t(st.columnInt(col + 5)));
}

} // namespace

namespace impl {

// A user's own device list, as ListDevices answers it and devices_changed pushes it.
Result<proto::DeviceList> ownDevices(Database& db, const std::string& user) {
    VERBATIM_TRY_LET(
        st, db.prepare("SELECT device, platform, app_version, enrolled_ms, last_seen_ms, "
                       "coalesce(revoked_ms, 0), "
                       "coalesce(wipe_requested_ms, 0), identity_key, coalesce(pending_ms, 0), "
                       "link_proof, approval, "
                       "coalesce(wiped_ms, 0), device_name FROM devices WHERE user = ? ORDER BY "
                       "device"));
    st->bind(1, std::string_view(user));
    proto::DeviceList out;
    VERBATIM_TRY(st->forEachRow([&] {
        auto* d = out.add_devices();
        d->set_device(std::uint32_t(st->columnInt(0)));
        setDeviceState(d, *st, 1);
        d->set_identity_key(blobText(*st, 7));
        d->set_pending_ms(std::uint64_t(st->columnInt(8)));
        if (!st->columnIsNull(9)) d->set_link_proof(blobText(*st, 9));
        if (!st->columnIsNull(10)) d->set_approval(blobText(*st, 10));
        d->set_wiped_ms(std::uint64_t(st->columnInt(11)));
        d->set_device_name(st->columnText(12));
    }));
    return out;
}

// devices_changed pushes to every active device of `user` but `except`.
Result<std::vector<std::pair<DeviceId, proto::Frame>>>
devicesChangedNotices(Database& db, const std::string& user, std::uint32_t except) {
    VERBATIM_TRY_LET(list, ownDevices(db, user));
    std::vector<std::pair<DeviceId, proto::Frame>> out;
    for (const auto& d : list->devices()) {
        if (d.device() == except || d.revoked_ms() || d.pending_ms()) continue;
        proto::Push p;
        *p.mutable_devices_changed() = *list;
        out.push_back({DeviceId{user, d.device(), {}, {}}, pushFrame(std::move(p))});
    }
    return out;
}

} // namespace impl

namespace {

// A device that is revoked or wiped keeps nothing on the relay: no pre-keys (nobody starts a
// session with it) and no queued envelopes.
Result<void> purgeDevice(Database& db, const std::string& user, std::uint32_t device) {
    for (const char* sql : {"DELETE FROM prekeys WHERE user = ? AND device = ?",
                            "DELETE FROM signed_prekeys WHERE user = ? AND device = ?",
                            "DELETE FROM queue WHERE user = ? AND device = ?"}) {
        VERBATIM_TRY_LET(d, db.prepare(sql));
        d->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
        VERBATIM_TRY(d->run());
    }
    return {};
}

} // namespace

Result<std::function<void()>> RelayService::wipeJob(Database& db, const std::string& user,
                                                    std::uint32_t device,
                                                    const std::string& actor) {
    DeviceId id{user, device, proto::ROLE_UNSPECIFIED, {}};
    {
        // Issue 22: a client's copy is the client's record of the advice. The firm erases a
        // client's device only where its root-signed policy says so (the recording notice then
        // told the client); every path to a wipe (admin WebSocket, admin command, a user's own
        // unlink) comes through here.
        VERBATIM_TRY_LET(r, db.prepare("SELECT role FROM users WHERE id = ?"));
        r->bind(1, std::string_view(user));
        VERBATIM_TRY_LET(row, r->step());
        if (*row && r->columnInt(0) == proto::ROLE_CLIENT) {
            auto manifest = journal::FirmManifest::parse(m_config.firmManifest);
            if (!manifest || !manifest->policy.mayWipeClientDevices)
                return fail(ErrorCode::Forbidden,
                            "the firm's policy does not allow erasing clients' devices "
                            "(firm manifest: wipe-client-devices no; the firm root changes it with "
                            "verbatim-relay policy --wipe-client-devices yes); revoke it instead");
        }
    }
    std::uint64_t now = wallClockMs();
    VERBATIM_TRY_LET(cmd,
                     journal::WipeCommand::sign(user, device, now, m_config.relayKey.privateKey));
    Bytes bytes = cmd->serialize();
    // A wipe revokes at once, in this transaction (issue 15 break 7): a device that ignores the
    // command must not go on sending, fetching bundles, linking devices or acting as admin until
    // it chooses to confirm. From the commit on it may only receive the command and confirm it
    // (authenticate() makes it wipe-only; handle() refuses every other request; the member
    // device sets, which senders must match, no longer include it).
    VERBATIM_TRY_LET(st, db.prepare("UPDATE devices SET wipe_command = ?, wipe_requested_ms = ?, "
                                    "revoked_ms = coalesce(revoked_ms, ?) "
                                    "WHERE user = ? AND device = ? AND wiped_ms IS NULL"));
    st->bind(1, bytes)
        .bind(2, std::int64_t(now))
        .bind(3, std::int64_t(now))
        .bind(4, std::string_view(user))
        .bind(5, std::int64_t(device));
    VERBATIM_TRY(st->run());
    if (db.changes() == 0) return fail(ErrorCode::NotFound, "no such device (or already wiped)");
    // A device about to be erased gets nothing more, and nobody starts a session with it.
    VERBATIM_TRY(purgeDevice(db, user, device));
    VERBATIM_TRY(recordAdminAction(db, actor, "wipe-device", user + "/" + std::to_string(device),
                                   {}, {{"user", user}, {"device", std::to_string(device)}}));
    return std::function<void()>([this, id, bytes] {
        if (auto sink = takeLiveSink(id)) {
            // The live connection turns wipe-only before the command reaches the device.
            sink->restrictToWipe();
            proto::Push p;
            p.set_wipe_command(std::string(bytes.begin(), bytes.end()));
            sink->push(pushFrame(std::move(p)));
        }
    });
}

Result<void> RelayService::queueWipe(const std::string& user, std::uint32_t device,
                                     const std::string& actor) {
    return runAndWait([&](Database& db) { return wipeJob(db, user, device, actor); });
}

Result<std::function<void()>> RelayService::revokeJob(Database& db, const std::string& user,
                                                      std::uint32_t device,
                                                      const std::string& actor) {
    DeviceId id{user, device, proto::ROLE_UNSPECIFIED, {}};
    VERBATIM_TRY_LET(st, db.prepare("UPDATE devices SET revoked_ms = ? WHERE user = ? AND device = "
                                    "? AND revoked_ms IS NULL"));
    st->bind(1, std::int64_t(wallClockMs()))
        .bind(2, std::string_view(user))
        .bind(3, std::int64_t(device));
    VERBATIM_TRY(st->run());
    if (db.changes() == 0) return fail(ErrorCode::NotFound, "no such active device");
    VERBATIM_TRY(purgeDevice(db, user, device));
    VERBATIM_TRY(recordAdminAction(db, actor, "revoke-device", user + "/" + std::to_string(device),
                                   {}, {{"user", user}, {"device", std::to_string(device)}}));
    return std::function<void()>([this, id] {
        if (auto sink = takeLiveSink(id)) sink->close(4403, "device revoked");
    });
}

std::shared_ptr<PushSink> RelayService::takeLiveSink(const DeviceId& device) {
    std::lock_guard lock(m_sinksMutex);
    auto it = m_live.find(device);
    if (it == m_live.end()) return nullptr;
    auto sink = it->second.lock();
    m_live.erase(it);
    return sink;
}

Result<void> RelayService::revokeDevice(const std::string& user, std::uint32_t device,
                                        const std::string& actor) {
    return runAndWait([&](Database& db) { return revokeJob(db, user, device, actor); });
}

Result<std::vector<RelayService::DeviceRow>> RelayService::listDevices(const std::string& user) {
    Result<std::vector<DeviceRow>> out = std::vector<DeviceRow>();
    m_storage->runSync([&](Database& db) {
        auto st = db.prepare(
            "SELECT d.user, d.device, u.role, d.platform, d.app_version, d.enrolled_ms, "
            "d.last_seen_ms, coalesce(d.revoked_ms, 0), coalesce(d.wipe_requested_ms, 0), "
            "coalesce(d.wiped_ms, 0), coalesce(d.pending_ms, 0) FROM devices d JOIN users u ON "
            "u.id = d.user "
            "WHERE ? = '' OR d.user = ? ORDER BY d.user, d.device");
        if (!st) return void(out = tl::unexpected(st.error()));
        st->bind(1, std::string_view(user)).bind(2, std::string_view(user));
        auto rows = st->forEachRow([&] {
            out->push_back({st->columnText(0), std::uint32_t(st->columnInt(1)),
                            proto::Role(st->columnInt(2)), st->columnText(3), st->columnText(4),
                            std::uint64_t(st->columnInt(5)), std::uint64_t(st->columnInt(6)),
                            std::uint64_t(st->columnInt(7)), std::uint64_t(st->columnInt(8)),
                            std::uint64_t(st->columnInt(9)), std::uint64_t(st->columnInt(10))});
        });
        if (!rows) out = tl::unexpected(rows.error());
    });
    return out;
}

// A device erasing itself on the firm's order confirms it; the admin sees when.
void RelayService::onConfirmWipe(const DeviceId& from, proto::Request& request, Done& done,
                                 const RequestRun& run) {
    return run(
        [this, from](Database& db, proto::Response&) -> Result<Completion> {
            std::uint64_t now = wallClockMs();
            VERBATIM_TRY_LET(
                st,
                db.prepare("UPDATE devices SET wiped_ms = ?, revoked_ms = coalesce(revoked_ms, ?), "
                           "wipe_command = NULL WHERE user = ? AND device = ? AND wipe_command IS "
                           "NOT NULL"));
            st->bind(1, std::int64_t(now))
                .bind(2, std::int64_t(now))
                .bind(3, std::string_view(from.user))
                .bind(4, std::int64_t(from.device));
            VERBATIM_TRY(st->run());
            if (db.changes() == 0)
                return reject(proto::STATUS_NOT_FOUND, "no wipe is pending for this device");
            VERBATIM_TRY(purgeDevice(db, from.user, from.device));
            const std::string who = from.user + "/" + std::to_string(from.device);
            VERBATIM_TRY(
                recordAdminAction(db, who, "device-wiped", who, {},
                                  {{"user", from.user}, {"device", std::to_string(from.device)}}));
            return Completion();
        },
        /*repeatable*/ false, /*activeOnly: the one request of a wiped device*/ false);
}

void RelayService::onApproveDevice(const DeviceId& from, proto::Request& request, Done& done,
                                   const RequestRun& run) {
    auto approval = journal::DeviceApproval::parse(view(request.approve_device().approval()));
    if (!approval)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "device approval malformed"));
    if (approval->user != from.user || approval->approver != from.device)
        return done(errorResponse(proto::STATUS_FORBIDDEN,
                                  "a device approves devices of its own user, as itself"));
    // The signature is checked here against the approver's registered identity key, so a
    // stored approval always verifies for contacts and compliance.
    if (!signal::SessionManager::verify(from.identityKey, approval->signedBytes(),
                                        approval->signature))
        return done(
            errorResponse(proto::STATUS_BAD_REQUEST, "device approval signature does not verify"));
    auto bytes = approval->serialize();
    return run([this, from, a = *approval, bytes](Database& db,
                                                  proto::Response&) -> Result<Completion> {
        VERBATIM_TRY_LET(
            st, db.prepare(
                    "SELECT identity_key, revoked_ms FROM devices WHERE user = ? AND device = ?"));
        st->bind(1, std::string_view(a.user)).bind(2, std::int64_t(a.device));
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) return reject(proto::STATUS_NOT_FOUND, "no such device");
        if (!st->columnIsNull(1)) return reject(proto::STATUS_GONE, "that device was revoked");
        if (!constantTimeEqual(st->columnBlob(0), a.identityKey))
            return reject(proto::STATUS_CONFLICT,
                          "the approval names another identity key than the device has");
        st->reset();
        VERBATIM_TRY_LET(up, db.prepare("UPDATE devices SET pending_ms = NULL, approval = ? WHERE "
                                        "user = ? AND device = ?"));
        up->bind(1, bytes).bind(2, std::string_view(a.user)).bind(3, std::int64_t(a.device));
        VERBATIM_TRY(up->run());
        const std::string who = from.user + "/" + std::to_string(from.device);
        VERBATIM_TRY(recordAdminAction(db, who, "device-approved",
                                       a.user + "/" + std::to_string(a.device), {},
                                       {{"user", a.user},
                                        {"device", std::to_string(a.device)},
                                        {"identity_key", toHex(a.identityKey)},
                                        {"approver", std::to_string(a.approver)},
                                        {"approval", toHex(bytes)}}));
        VERBATIM_TRY_LET(notices, devicesChangedNotices(db, a.user, from.device));
        return Completion([this, notices = std::move(*notices)] { pushLive(notices); });
    });
}

void RelayService::onAdminListDevices(const DeviceId& from, proto::Request& request, Done& done,
                                      const RequestRun& run) {
    if (from.role != proto::ROLE_ADMIN)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "admin role required"));
    std::string user = request.admin_list_devices().user();
    return run([user](Database& db, proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY_LET(st,
                         db.prepare("SELECT d.user, d.device, u.role, u.display_name, d.platform, "
                                    "d.app_version, d.enrolled_ms, "
                                    "d.last_seen_ms, coalesce(d.revoked_ms, 0), "
                                    "coalesce(d.wipe_requested_ms, 0), coalesce(d.wiped_ms, 0), "
                                    "coalesce(d.pending_ms, 0), d.device_name "
                                    "FROM devices d JOIN users u ON u.id = d.user WHERE ? = '' OR "
                                    "d.user = ? ORDER BY d.user, d.device"));
        st->bind(1, std::string_view(user)).bind(2, std::string_view(user));
        VERBATIM_TRY(st->forEachRow([&] {
            auto* d = out.mutable_device_list()->add_devices();
            d->set_user(st->columnText(0));
            d->set_device(std::uint32_t(st->columnInt(1)));
            d->set_role(proto::Role(st->columnInt(2)));
            d->set_display_name(st->columnText(3));
            setDeviceState(d, *st, 4);
            d->set_wiped_ms(std::uint64_t(st->columnInt(10)));
            d->set_pending_ms(std::uint64_t(st->columnInt(11)));
            d->set_device_name(st->columnText(12));
        }));
        return Completion();
    });
}

void RelayService::onAdminDeviceAction(const DeviceId& from, proto::Request& request, Done& done,
                                       const RequestRun& run) {
    if (from.role != proto::ROLE_ADMIN)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "admin role required"));
    auto a = request.admin_device_action();
    if (a.user().empty() || a.device() == 0)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "user and device required"));
    if (a.action() != proto::AdminDeviceAction::REVOKE &&
        a.action() != proto::AdminDeviceAction::WIPE)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "unknown action"));
    return run([this, from, a](Database& db, proto::Response&) -> Result<Completion> {
        const std::string actor = from.user + "/" + std::to_string(from.device);
        auto job = a.action() == proto::AdminDeviceAction::REVOKE
                       ? revokeJob(db, a.user(), a.device(), actor)
                       : wipeJob(db, a.user(), a.device(), actor);
        if (!job && job.error().code == ErrorCode::NotFound)
            return reject(proto::STATUS_NOT_FOUND, job.error().message);
        if (!job && job.error().code == ErrorCode::Forbidden)
            return reject(proto::STATUS_FORBIDDEN, job.error().message);
        return job;
    });
}

void RelayService::onListDevices(const DeviceId& from, proto::Request& request, Done& done,
                                 const RequestRun& run) {
    return run([from](Database& db, proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY_LET(list, ownDevices(db, from.user));
        *out.mutable_device_list() = std::move(*list);
        return Completion();
    });
}

// Issue 23: a user unlinks a lost device of their own from another one. The same revocation (and
// wipe) as an administrator's, journaled with the device that asked as the actor; nobody names
// another user's device this way, and the calling device cannot unlink itself (it signs out).
void RelayService::onUnlinkDevice(const DeviceId& from, proto::Request& request, Done& done,
                                  const RequestRun& run) {
    const auto& u = request.unlink_device();
    if (!u.user().empty() && u.user() != from.user)
        return done(
            errorResponse(proto::STATUS_FORBIDDEN, "a user unlinks only devices of their own"));
    if (u.device() == 0) return done(errorResponse(proto::STATUS_BAD_REQUEST, "device required"));
    if (u.device() == from.device)
        return done(
            errorResponse(proto::STATUS_BAD_REQUEST,
                          "this device cannot unlink itself; sign out and erase it instead"));
    if (u.erase() && from.role == proto::ROLE_CLIENT && !clientWipeAllowed())
        return done(errorResponse(proto::STATUS_FORBIDDEN,
                                  "the firm's policy does not let clients erase their devices"));
    return run([this, from, device = u.device(),
                erase = u.erase()](Database& db, proto::Response& out) -> Result<Completion> {
        const std::string actor = from.user + "/" + std::to_string(from.device);
        auto job =
            erase ? wipeJob(db, from.user, device, actor) : revokeJob(db, from.user, device, actor);
        if (!job && job.error().code == ErrorCode::NotFound)
            return reject(proto::STATUS_NOT_FOUND, job.error().message);
        VERBATIM_TRY(job);
        VERBATIM_TRY_LET(list, ownDevices(db, from.user));
        *out.mutable_device_list() = std::move(*list);
        VERBATIM_TRY_LET(notices, devicesChangedNotices(db, from.user, from.device));
        return Completion([this, after = std::move(*job), notices = std::move(*notices)] {
            if (after) after();
            pushLive(notices);
        });
    });
}

bool RelayService::clientWipeAllowed() const {
    auto manifest = journal::FirmManifest::parse(m_config.firmManifest);
    return manifest && manifest->policy.mayWipeClientDevices;
}

void RelayService::onSetDeviceName(const DeviceId& from, proto::Request& request, Done& done,
                                   const RequestRun& run) {
    std::string name = request.set_device_name().name();
    if (!isValidDeviceName(name))
        return done(errorResponse(proto::STATUS_BAD_REQUEST, kDeviceNameRule));
    return run([this, from, name](Database& db, proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY(execute(db, "UPDATE devices SET device_name = ? WHERE user = ? AND device = ?",
                             std::string_view(name), std::string_view(from.user),
                             std::int64_t(from.device)));
        VERBATIM_TRY_LET(list, ownDevices(db, from.user));
        *out.mutable_device_list() = std::move(*list);
        VERBATIM_TRY_LET(notices, devicesChangedNotices(db, from.user, from.device));
        return Completion([this, notices = std::move(*notices)] { pushLive(notices); });
    });
}

void RelayService::applyExternalChanges() {
    m_storage->postBetweenBatches([this](Database& db) {
        auto st = db.prepare("SELECT user, device, coalesce(revoked_ms, 0), "
                             "coalesce(wipe_requested_ms, 0), wipe_command "
                             "FROM devices WHERE revoked_ms > ? OR wipe_requested_ms > ?");
        if (!st) return;
        st->bind(1, std::int64_t(m_externalWatermarkMs))
            .bind(2, std::int64_t(m_externalWatermarkMs));
        std::vector<std::tuple<DeviceId, bool, Bytes>> actions;
        std::uint64_t newest = m_externalWatermarkMs;
        while (true) {
            auto row = st->step();
            if (!row || !*row) break;
            auto revoked = std::uint64_t(st->columnInt(2)), wiped = std::uint64_t(st->columnInt(3));
            newest = std::max({newest, revoked, wiped});
            actions.push_back({DeviceId{st->columnText(0), std::uint32_t(st->columnInt(1)), {}, {}},
                               wiped > m_externalWatermarkMs, st->columnBlob(4)});
        }
        m_externalWatermarkMs = newest;
        for (auto& [id, wipe, command] : actions) {
            std::shared_ptr<PushSink> sink;
            {
                std::lock_guard lock(m_sinksMutex);
                if (auto it = m_live.find(id); it != m_live.end()) {
                    sink = it->second.lock();
                    m_live.erase(it);
                }
            }
            if (!sink) continue;
            if (wipe && !command.empty()) {
                // As in wipeJob(): the wipe revoked the device; the connection turns wipe-only.
                sink->restrictToWipe();
                proto::Push p;
                p.set_wipe_command(std::string(command.begin(), command.end()));
                sink->push(pushFrame(std::move(p)));
            } else {
                sink->close(4403, "device revoked");
            }
        }
    });
}

} // namespace verbatim::relay
