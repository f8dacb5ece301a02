/// @file KeysService.cpp
/// RelayService's pre-keys: uploads (with the per-device cap on stored one-time keys)
/// and bundle fetches (who may fetch whom, one-time keys handed out once and at a limited rate,
/// pre_keys_low pushes).

#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace impl {

// Validates a public pre-key/identity key from a device: Signal form, canonical, not low order.
bool acceptableKey(const std::string& key) {
    return signal::isAcceptablePublicKey(view(key));
}

Result<void> validateKeys(ByteView identityKey, const proto::UploadPreKeys& up) {
    if (up.has_signed_pre_key()) {
        const auto& spk = up.signed_pre_key();
        if (!acceptableKey(spk.public_key()))
            return reject(proto::STATUS_BAD_REQUEST, "bad signed pre-key");
        if (!signal::SessionManager::verify(identityKey, view(spk.public_key()),
                                            view(spk.signature())))
            return reject(proto::STATUS_BAD_REQUEST, "signed pre-key signature does not verify");
    }
    if (up.pre_keys_size() > 200)
        return reject(proto::STATUS_TOO_LARGE, "at most 200 pre-keys per upload");
    for (const auto& pk : up.pre_keys())
        if (pk.id() == 0 || !acceptableKey(pk.public_key()))
            return reject(proto::STATUS_BAD_REQUEST, "bad one-time pre-key");
    return {};
}

Result<void> storeKeys(Database& db, const std::string& user, std::uint32_t device,
                       const proto::UploadPreKeys& up) {
    if (up.has_signed_pre_key()) {
        VERBATIM_TRY_LET(
            st, db.prepare("INSERT OR REPLACE INTO signed_prekeys (user, device, id, public_key, "
                           "signature) VALUES (?, ?, ?, ?, ?)"));
        st->bind(1, std::string_view(user))
            .bind(2, std::int64_t(device))
            .bind(3, std::int64_t(up.signed_pre_key().id()))
            .bind(4, view(up.signed_pre_key().public_key()))
            .bind(5, view(up.signed_pre_key().signature()));
        if (auto r = st->run(); !r) return r;
    }
    VERBATIM_TRY_LET(
        st,
        db.prepare(
            "INSERT OR REPLACE INTO prekeys (user, device, id, public_key) VALUES (?, ?, ?, ?)"));
    for (const auto& pk : up.pre_keys()) {
        st->bind(1, std::string_view(user))
            .bind(2, std::int64_t(device))
            .bind(3, std::int64_t(pk.id()))
            .bind(4, view(pk.public_key()));
        if (auto r = st->run(); !r) return r;
    }
    return {};
}

Result<std::uint32_t> preKeyCount(Database& db, const std::string& user, std::uint32_t device) {
    VERBATIM_TRY_LET(st, db.prepare("SELECT count(*) FROM prekeys WHERE user = ? AND device = ?"));
    st->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
    VERBATIM_TRY_LET(row, st->step());
    return std::uint32_t(st->columnInt(0));
}

} // namespace impl

void RelayService::onUploadPreKeys(const DeviceId& from, proto::Request& request, Done& done,
                                   const RequestRun& run) {
    auto up = request.upload_pre_keys();
    // Refused before the keys are checked (a curve operation each); an empty upload only asks
    // for the count and costs nothing.
    if (up.pre_keys_size() > 0 || up.has_signed_pre_key())
        if (auto wait =
                m_limiter.take("prekey-upload:" + from.user + "/" + std::to_string(from.device),
                               m_config.limits.preKeyUpload, monotonicMs()))
            return done(
                errorResponse(proto::STATUS_RATE_LIMITED, "too many pre-key uploads", wait));
    if (auto v = validateKeys(from.identityKey, up); !v) return done(responseFor(v.error()));
    return run([this, from, up](Database& db, proto::Response& out) mutable -> Result<Completion> {
        if (up.replace_pre_keys()) {
            // A device told that this relay was restored from a backup replaces its whole set:
            // the restored keys may include ones handed out (and used) after the backup.
            VERBATIM_TRY_LET(del, db.prepare("DELETE FROM prekeys WHERE user = ? AND device = ?"));
            del->bind(1, std::string_view(from.user)).bind(2, std::int64_t(from.device));
            VERBATIM_TRY(del->run());
        }
        // Issue 16 item 5: a device stores at most maxStoredPreKeys one-time pre-keys. Keys
        // over it are not stored (the answer counts them) rather than the upload refused, so
        // that the signed pre-key it may carry (the weekly rotation) is never lost with them.
        VERBATIM_TRY_LET(before, preKeyCount(db, from.user, from.device));
        std::uint32_t room =
            m_config.maxStoredPreKeys > *before ? m_config.maxStoredPreKeys - *before : 0;
        std::set<std::uint32_t> seen;
        google::protobuf::RepeatedPtrField<proto::PreKey> kept;
        std::uint32_t refused = 0;
        for (const auto& pk : up.pre_keys()) {
            if (!seen.insert(pk.id()).second) continue; // a repeated id replaces itself
            VERBATIM_TRY_LET(
                stored, exists(db, "SELECT 1 FROM prekeys WHERE user = ? AND device = ? AND id = ?",
                               std::string_view(from.user), std::int64_t(from.device),
                               std::int64_t(pk.id())));
            if (!*stored && room == 0) {
                ++refused;
                continue;
            }
            if (!*stored) --room;
            *kept.Add() = pk;
        }
        up.mutable_pre_keys()->Swap(&kept);
        VERBATIM_TRY(storeKeys(db, from.user, from.device, up));
        VERBATIM_TRY_LET(n, preKeyCount(db, from.user, from.device));
        out.mutable_pre_key_count()->set_remaining(*n);
        out.mutable_pre_key_count()->set_refused(refused);
        if (refused)
            out.set_error("at most " + std::to_string(m_config.maxStoredPreKeys) +
                          " one-time pre-keys are stored per device: " + std::to_string(refused) +
                          " of this upload were not stored");
        return Completion();
    });
}

void RelayService::onFetchBundles(const DeviceId& from, proto::Request& request, Done& done,
                                  const RequestRun& run) {
    if (auto wait = m_limiter.take("bundle:" + from.user + "/" + std::to_string(from.device),
                                   m_config.limits.preKeyFetch, monotonicMs()))
        return done(errorResponse(proto::STATUS_RATE_LIMITED, "too many bundle fetches", wait));
    std::string target = request.fetch_bundles().user();
    return run([this, from, target](Database& db, proto::Response& out) -> Result<Completion> {
        // Clients may only fetch people they share a conversation with (no directory
        // harvesting); staff may fetch staff.
        if (target != from.user) {
            VERBATIM_TRY_LET(
                shared,
                exists(db,
                       "SELECT 1 FROM members a JOIN members b ON a.conversation = b.conversation "
                       "WHERE a.user = ? AND b.user = ?",
                       std::string_view(from.user), std::string_view(target)));
            VERBATIM_TRY_LET(staffTarget,
                             exists(db, "SELECT 1 FROM users WHERE id = ? AND role != ?",
                                    std::string_view(target), std::int64_t(proto::ROLE_CLIENT)));
            if (!*shared && !(isStaff(from.role) && *staffTarget))
                return reject(proto::STATUS_FORBIDDEN, "no shared conversation with this user");
        }
        VERBATIM_TRY_LET(
            devs,
            db.prepare("SELECT d.device, d.registration_id, d.identity_key, s.id, s.public_key, "
                       "s.signature, d.approval, d.link_binding FROM devices d JOIN signed_prekeys "
                       "s ON s.user = d.user AND "
                       "s.device = d.device WHERE d.user = ? AND d.revoked_ms IS NULL AND "
                       "d.pending_ms IS NULL "
                       "ORDER BY d.device"));
        devs->bind(1, std::string_view(target));
        auto* bundles = out.mutable_bundles();
        bundles->set_user(target);
        std::vector<std::pair<DeviceId, proto::Frame>> lowNotices;
        VERBATIM_TRY(devs->forEachRow([&]() -> Result<void> {
            auto* b = bundles->add_devices();
            auto device = std::uint32_t(devs->columnInt(0));
            b->set_device(device);
            b->set_registration_id(std::uint32_t(devs->columnInt(1)));
            b->set_identity_key(blobText(*devs, 2));
            b->mutable_signed_pre_key()->set_id(std::uint32_t(devs->columnInt(3)));
            b->mutable_signed_pre_key()->set_public_key(blobText(*devs, 4));
            b->mutable_signed_pre_key()->set_signature(blobText(*devs, 5));
            if (!devs->columnIsNull(6)) b->set_approval(blobText(*devs, 6));
            if (!devs->columnIsNull(7)) b->set_link_binding(blobText(*devs, 7));
            // Hand out each one-time pre-key once: select and delete in this transaction.
            // Issue 16 item 5: one-time keys are handed out at a limited rate per target
            // device and per (requesting device, target device); past either the bundle goes
            // out with the signed pre-key alone (X3DH without a one-time key), so a client
            // that fetches in a loop neither drains them nor stops anyone reaching the device.
            const std::string targetKey = "prekey-target:" + target + "/" + std::to_string(device);
            const std::string pairKey = "prekey-pair:" + from.user + "/" +
                                        std::to_string(from.device) + ">" + target + "/" +
                                        std::to_string(device);
            const std::uint64_t nowMono = monotonicMs();
            const bool mayHandOut =
                m_limiter.peek(targetKey, m_config.limits.preKeyTarget, nowMono) == 0 &&
                m_limiter.peek(pairKey, m_config.limits.preKeyPair, nowMono) == 0;
            VERBATIM_TRY_LET(
                pk, db.prepare("SELECT id, public_key FROM prekeys WHERE user = ? AND device = ? "
                               "ORDER BY id LIMIT 1"));
            pk->bind(1, std::string_view(target)).bind(2, std::int64_t(device));
            VERBATIM_TRY_LET(have, mayHandOut ? pk->step() : Result<bool>(false));
            if (*have) {
                (void)m_limiter.take(targetKey, m_config.limits.preKeyTarget, nowMono);
                (void)m_limiter.take(pairKey, m_config.limits.preKeyPair, nowMono);
                auto id = pk->columnInt(0);
                b->mutable_pre_key()->set_id(std::uint32_t(id));
                b->mutable_pre_key()->set_public_key(blobText(*pk, 1));
                pk->reset();
                VERBATIM_TRY_LET(
                    del,
                    db.prepare("DELETE FROM prekeys WHERE user = ? AND device = ? AND id = ?"));
                del->bind(1, std::string_view(target)).bind(2, std::int64_t(device)).bind(3, id);
                VERBATIM_TRY(del->run());
            }
            VERBATIM_TRY_LET(left, preKeyCount(db, target, device));
            // At most one pre_keys_low a minute per device: a fetch loop must not flood it.
            if (*left < m_config.preKeyLowWatermark &&
                m_limiter.take("prekeys-low:" + target + "/" + std::to_string(device),
                               m_config.limits.preKeysLowPush, nowMono) == 0) {
                proto::Push p;
                p.mutable_pre_keys_low()->set_remaining(*left);
                lowNotices.push_back({DeviceId{target, device, {}, {}}, pushFrame(std::move(p))});
            }
            return {};
        }));
        return Completion([this, lowNotices] { pushLive(lowNotices); });
    });
}

} // namespace verbatim::relay
