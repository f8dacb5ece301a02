// Client, keys from the relay's side: this device's pre-keys (upload, top-up, weekly signed
// pre-key rotation) and the firm manifest (adopting a newer root-signed one, the offline guard),
// see client/core/ClientImpl.h.
#include "client/core/ClientImpl.h"
#include "common/Try.h"

namespace verbatim::client {

namespace {
/// How long a node that served a refused manifest is passed over (C-FAIL-7): long enough that a
/// device does not go back and forth, short enough that a repaired node is used again.
constexpr auto kRefusedNodePause = std::chrono::minutes(10);
} // namespace

// ---- pre-keys -----------------------------------------------------------------------------------

// Makes the keys and records them as made, under `mutex`; the upload happens after it is released.
Result<proto::Request> Client::Impl::preparePreKeyUpload(bool newSignedPreKey, bool replace) {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY_LET(nextText, accounts->get("next_prekey"));
    std::uint32_t next = *nextText ? std::uint32_t(std::stoul(**nextText)) : 1;
    // Pre-key ids wrap within libsignal's 24-bit range.
    if (next + kPreKeyBatch >= 0xFFFFFF) next = 1;
    VERBATIM_TRY_LET(pks, sessions->generatePreKeys(next, kPreKeyBatch));
    proto::Request req;
    auto* up = req.mutable_upload_pre_keys();
    up->set_replace_pre_keys(replace);
    for (auto& pk : *pks) {
        auto* p = up->add_pre_keys();
        p->set_id(pk.id);
        p->set_public_key(str(pk.publicKey));
    }
    if (newSignedPreKey) {
        auto cur = accounts->get("signed_prekey");
        std::uint32_t id = (cur && *cur ? std::uint32_t(std::stoul(**cur)) : 0) + 1;
        VERBATIM_TRY_LET(spk, sessions->generateSignedPreKey(id));
        up->mutable_signed_pre_key()->set_id(spk->id);
        up->mutable_signed_pre_key()->set_public_key(str(spk->publicKey));
        up->mutable_signed_pre_key()->set_signature(str(spk->signature));
        VERBATIM_TRY(accounts->set("signed_prekey", view(std::to_string(id))));
    }
    VERBATIM_TRY(accounts->set("next_prekey", view(std::to_string(next + kPreKeyBatch))));
    return req;
}

Result<void> Client::Impl::uploadPreKeys(bool newSignedPreKey, bool replace) {
    Result<proto::Request> req = fail(ErrorCode::Internal, "");
    {
        std::lock_guard lock(mutex);
        req = preparePreKeyUpload(newSignedPreKey, replace);
    }
    if (!req) return tl::unexpected(req.error());
    VERBATIM_TRY_LET(resp, call(*req));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Storage, "pre-key upload refused: " + resp->error());
    return {};
}

// A new signed pre-key every 7 days (with a batch of one-time pre-keys); the old private half
// stays in the store so that sessions started from it still complete.
void Client::Impl::rotateSignedPreKeyIfDue() {
    constexpr std::uint64_t kWeekMs = 7ull * 24 * 3600 * 1000;
    const std::uint64_t now = nowMs();
    {
        std::lock_guard lock(mutex);
        if (!db) return;
        auto last = accounts->get("signed_prekey_ms");
        if (last && !*last) {
            (void)accounts->set("signed_prekey_ms", view(std::to_string(now))); // made at join
            return;
        }
        if (!last || now - std::stoull(**last) < kWeekMs) return;
    }
    if (auto r = uploadPreKeys(true); !r) {
        log::write(log::Level::Warn, "client.signed_prekey_rotation_failed",
                   {{"error", r.error().message}});
        return;
    }
    std::lock_guard lock(mutex);
    if (db) (void)accounts->set("signed_prekey_ms", view(std::to_string(now)));
}

// ---- the firm manifest -------------------------------------------------------------------------

// Fetches the firm manifest the relay serves now. A newer one signed by the pinned firm root is
// adopted (journal key rotation: later entries are sealed to the new key; compliance keeps the
// old private keys for old epochs). One the root did not sign stops all sending: messages stay
// in the outbox (ES-10).
void Client::Impl::touchGuard() {
    // The relay was reached: the offline clock starts again; the policy follows the manifest.
    std::lock_guard lock(mutex);
    auto g = readGuard(paths);
    const auto before = g;
    if (heldManifestOk) {
        g.maxFailedUnlocks = manifest.policy.maxFailedUnlocks;
        g.maxOfflineDays = manifest.policy.maxOfflineDays;
    }
    const std::uint64_t now = nowMs();
    if (now > g.lastContactMs + 60'000) g.lastContactMs = now;
    if (g.lastContactMs != before.lastContactMs || g.maxFailedUnlocks != before.maxFailedUnlocks ||
        g.maxOfflineDays != before.maxOfflineDays)
        (void)writeGuard(paths, g);
    // The key file keeps the limit too, so that editing the guard alone cannot lift it.
    if (heldManifestOk) (void)setFailedUnlockLimit(paths, manifest.policy.maxFailedUnlocks);
}

bool Client::Impl::refreshManifest() {
    manifestStale = false;
    const Endpoint node = currentEndpoint();
    const std::string nodeAddress = ConnectionSupervisor::addressOf(node);
    auto bytes = RelayConnection::fetchManifest(node);
    if (!bytes) return false; // transient; keep what we have
    // A node serving a manifest this device refuses (not signed by the pinned root, damaged or
    // cut short, not naming the device's relay, older than one it adopted) is not used: nothing
    // is sent through it, and when the held manifest names another node the device moves there
    // and passes this one over for kRefusedNodePause (docs/protocol.md C-FAIL-7). The manifest
    // the device holds stays, and with it the firm's addresses: a node cannot shrink them.
    bool moveOn = false;
    const auto refuseNode = [&](const char* event, const std::string& why) {
        if (manifestOk)
            emit({Event::Kind::JournalKeyRefused,
                  {},
                  {},
                  {},
                  {},
                  {},
                  "the relay node " + nodeAddress + " " + why + "; messages stay queued"});
        manifestOk = false;
        log::write(log::Level::Error, event, {{"relay", nodeAddress}});
        // Refused again within the pause: the device came back because no other node answered;
        // it stays (sending nothing) instead of going round in circles.
        const auto now = std::chrono::steady_clock::now();
        auto& until = refusedNodes[nodeAddress];
        if (until > now) return;
        until = now + kRefusedNodePause;
        const auto others = relayEndpointsLocked(); // the node refused now comes last
        moveOn = !others.empty() && ConnectionSupervisor::addressOf(others.front()) != nodeAddress;
    };
    {
        std::lock_guard lock(mutex);
        auto stored = accounts->get("manifest");
        if (stored && *stored && **stored == *bytes) {
            if (!manifestOk) {
                auto m = journal::FirmManifest::parse(view(*bytes));
                manifestOk = m && manifestAcceptable(*m, acct.firmFingerprint, acct.relay);
            }
            if (manifestOk) refusedNodes.erase(nodeAddress);
            return true;
        }
        auto m = journal::FirmManifest::parse(view(*bytes));
        std::uint64_t floor = manifest.issuedMs;
        if (m && manifestAcceptable(*m, acct.firmFingerprint, acct.relay)) {
            // Never roll back: not below the newest manifest this device ever adopted (the floor
            // is written at join and at each adoption) nor below the one it holds, whether or
            // not that one verifies now: a breached node could first serve a broken manifest and
            // then an older, root-signed one with its own addresses and pins (issue 20).
            if (stored && *stored)
                if (auto held = journal::FirmManifest::parse(view(**stored)))
                    floor = std::max<std::uint64_t>(floor, held->issuedMs);
            if (auto seen = accounts->get("manifest_floor_ms"); seen && *seen)
                floor = std::max<std::uint64_t>(floor, std::stoull(**seen));
        }
        if (!m || !manifestAcceptable(*m, acct.firmFingerprint, acct.relay))
            refuseNode("client.manifest_refused",
                       "offers a firm manifest (and journal key) the firm did not sign");
        else if (m->issuedMs < floor)
            refuseNode("client.manifest_rollback_refused",
                       "serves an older firm manifest than this device holds");
        else {
            refusedNodes.erase(nodeAddress);
            return adoptManifest(*bytes, *m);
        }
    }
    if (moveOn && supervisor) { // the next node gets the turn, not this one again
        supervisor->forgetPreferred();
        supervisor->reconnect();
    }
    return true;
}

bool Client::Impl::adoptManifest(const std::string& bytes, const journal::FirmManifest& fresh) {
    if (!accounts->set("manifest", view(bytes))) return true;
    (void)accounts->set("manifest_floor_ms", view(std::to_string(fresh.issuedMs)));
    const bool rotated = manifestOk && !constantTimeEqual(manifest.currentJournalKey()->publicKey,
                                                          fresh.currentJournalKey()->publicKey);
    const auto& was = manifest.policy;
    const auto& now = fresh.policy;
    const bool policyChanged =
        !manifestOk || was.maxFailedUnlocks != now.maxFailedUnlocks ||
        was.maxOfflineDays != now.maxOfflineDays || was.messageDays != now.messageDays ||
        was.staffMaySave != now.staffMaySave || was.clientsMaySave != now.clientsMaySave ||
        was.staffMayCopy != now.staffMayCopy || was.clientsMayCopy != now.clientsMayCopy ||
        was.mayWipeClientDevices != now.mayWipeClientDevices ||
        was.maxIdleLockMinutes != now.maxIdleLockMinutes;
    manifest = fresh;
    manifestOk = true;
    heldManifestOk = true;
    acct.firmName = manifest.firmName;
    endpoint.tlsKeyPins =
        manifest.tlsKeyPins; // a TLS key rotation takes effect at the next connection
    if (rotated)
        emit({Event::Kind::JournalKeyRotated,
              {},
              {},
              {},
              {},
              {},
              "the firm rotated its journal key"});
    // The app applies a new idle lock maximum (and the rest of the policy) at once.
    if (policyChanged)
        emit({Event::Kind::PolicyChanged, {}, {}, {}, {}, {}, "the firm changed its policy"});
    return true;
}

} // namespace verbatim::client
