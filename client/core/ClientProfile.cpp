// Client, a profile's life: opening, joining, and the remote wipe that ends it
// (client/core/ClientImpl.h says how the façade is split).
#include "client/core/ClientImpl.h"
#include "common/Bytes.h"
#include "common/Try.h"

namespace verbatim::client {

namespace {

// HOST:PORT of a manifest (split at the last ':', port 1..65535) with the pins of `pins`: every
// node of a firm satisfies the same checks. Null when it is not such an address.
std::optional<Endpoint> relayEndpoint(const std::string& address, const Endpoint& pins) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= address.size() ||
        address.size() - colon - 1 > 5)
        return std::nullopt;
    unsigned port = 0;
    for (char ch : address.substr(colon + 1)) {
        if (ch < '0' || ch > '9') return std::nullopt;
        port = port * 10 + unsigned(ch - '0');
    }
    if (port == 0 || port > 65535) return std::nullopt;
    Endpoint ep = pins;
    ep.host = address.substr(0, colon);
    ep.port = std::uint16_t(port);
    return ep;
}

} // namespace

std::vector<Endpoint> Client::Impl::relayEndpointsLocked() {
    if (!heldManifestOk) {
        auto joined = relayEndpoint(acct.relay, endpoint);
        return joined ? std::vector<Endpoint>{*joined} : std::vector<Endpoint>{};
    }
    const auto addressOf = ConnectionSupervisor::addressOf;
    std::vector<Endpoint> all{endpoint};
    if (!manifest.namesRelay(addressOf(endpoint))) all.clear();
    for (const auto& address : manifest.relayAddresses) {
        auto ep = relayEndpoint(address, endpoint);
        if (ep && addressOf(*ep) != addressOf(endpoint)) all.push_back(std::move(*ep));
    }
    // Nodes that served a refused manifest go last (C-FAIL-7): the device comes back to one only
    // when no other answers, and then sends nothing while it serves that manifest
    // (Client::Impl::refreshManifest), rather than go silent.
    const auto now = std::chrono::steady_clock::now();
    std::vector<Endpoint> usable, refused;
    for (auto& ep : all) {
        auto it = refusedNodes.find(addressOf(ep));
        (it == refusedNodes.end() || it->second <= now ? usable : refused).push_back(std::move(ep));
    }
    usable.insert(usable.end(), refused.begin(), refused.end());
    return usable;
}

Result<std::unique_ptr<Client>> Client::open(const std::string& dir, std::string_view passphrase) {
    std::unique_ptr<Client> c(new Client());
    auto& m = *c->m;
    m.paths.dir = dir;
    // The firm's device policy applies before the passphrase is even tried.
    auto guard = readGuard(m.paths);
    const bool present = profileExists(dir);
    if (present && guard.maxOfflineDays && guard.lastContactMs &&
        nowMs() > guard.lastContactMs + std::uint64_t(guard.maxOfflineDays) * 86'400'000ULL) {
        eraseProfile(m.paths);
        log::write(log::Level::Warn, "client.erased_by_policy", {{"reason", "offline too long"}});
        return fail(ErrorCode::NotFound,
                    "this device did not reach the firm for more than " +
                        std::to_string(guard.maxOfflineDays) +
                        " days and erased itself, as the firm's policy requires");
    }
    // Counts the attempt before trying it, and erases at the firm's failed-unlock limit
    // (Profile.h: the counter lives in the key file and the guard).
    VERBATIM_TRY_LET(db, openProfile(m.paths, passphrase));
    m.db = std::move(*db);
    VERBATIM_TRY_LET(ctx, signal::SignalContext::create());
    m.ctx = std::move(*ctx);
    VERBATIM_TRY_LET(has, signal::SqlProtocolStore::hasIdentity(*m.db));
    if (!*has)
        return fail(ErrorCode::NotFound, "this profile has no device identity (unfinished join?)");
    VERBATIM_TRY_LET(store, signal::SqlProtocolStore::open(*m.db));
    m.store = std::move(*store);
    VERBATIM_TRY_LET(sessions, signal::SessionManager::create(m.ctx, *m.store));
    m.sessions = std::move(*sessions);
    m.accounts = std::make_unique<AccountStore>(*m.db);
    m.outbox = std::make_unique<Outbox>(*m.db);
    VERBATIM_TRY(m.loadAccount());
    m.messages = std::make_unique<MessageStore>(*m.db, m.paths.blobs(), m.acct.user);
    m.trust = std::make_unique<ContactTrust>(*m.db, *m.ctx, *m.sessions, *m.accounts, *m.outbox,
                                             m.acct.user, m.acct.device,
                                             [&m](const Event& e) { m.emit(e); });
    Receiver::Hooks receive;
    receive.acknowledge = [&m](std::uint64_t queueId) { m.acknowledge(queueId); };
    receive.reportMismatch = [&m](const std::string& conversation, const std::string& id,
                                  const std::string& sender, std::uint64_t journalSeq,
                                  const std::string& fields) {
        (void)m.queueMismatchReport(conversation, id, sender, journalSeq, fields);
    };
    receive.checkJournalCopy = [&m](const proto::JournalRecord& rec, const proto::Envelope& e) {
        return m.checkJournalCopy(rec, e);
    };
    receive.historyOffer = [&m](const proto::JournalRecord& rec, const proto::Envelope& e) {
        return m.acceptHistoryOffer(rec, e);
    };
    m.receiver = std::make_unique<Receiver>(*m.db, *m.sessions, *m.messages, *m.trust, m.acct.user,
                                            std::move(receive));
    ConnectionSupervisor::Hooks hooks;
    // Issue 20: the addresses of the firm's signed manifest, the one that last worked first; no
    // other (docs/protocol.md, C-LINK-2), and no node that served a refused manifest (C-FAIL-7).
    hooks.endpoints = [&m] { return m.relayEndpoints(); };
    // HTTPS requests (manifest, attachments) go where the WebSocket is.
    hooks.connectedTo = [&m](const Endpoint& ep) {
        std::lock_guard lock(m.mutex);
        m.endpoint.host = ep.host;
        m.endpoint.port = ep.port;
    };
    hooks.push = [&m](const proto::Push& p) { m.onPush(p); };
    hooks.beforeConnect = [&m] {
        std::lock_guard lock(m.queueMutex);
        ++m.generation; // waitUntilSynced() waits for a drain on the new connection
    };
    hooks.report = [&m](const Event& e) { m.emit(e); };
    hooks.closed = [&m] { m.syncCv.notify_all(); };
    m.supervisor = std::make_unique<ConnectionSupervisor>(m.creds, std::move(hooks));
    m.worker = std::thread([&m] { m.workerLoop(); });
    return c;
}

Result<std::unique_ptr<Client>> Client::join(const std::string& dir, std::string_view passphrase,
                                             std::string_view linkText,
                                             const JoinOptions& options) {
    VERBATIM_TRY_LET(link, parseLink(linkText));
    if (link->kind == Link::Kind::Join && options.displayName.empty())
        return fail(ErrorCode::InvalidArgument,
                    "a client joining by invite needs a display name (--name)");
    if (!isUtf8(options.displayName))
        return fail(ErrorCode::InvalidArgument, "the display name is not valid UTF-8 text");
    ProfilePaths paths{dir};
    VERBATIM_TRY_LET(db, createProfile(paths, passphrase));
    auto cleanup = [&] {
        db->reset();
        eraseProfile(paths);
    };
    auto ctx = signal::SignalContext::create();
    if (!ctx) {
        cleanup();
        return tl::unexpected(ctx.error());
    }
    auto identity = signal::SessionManager::generateIdentity(**ctx);
    auto regId = signal::SessionManager::generateRegistrationId(**ctx);
    if (!identity || !regId) {
        cleanup();
        return fail(ErrorCode::Crypto, "key generation failed");
    }
    Bytes identityPublic = identity->publicKey;
    auto store = signal::SqlProtocolStore::open(**db, &*identity, *regId);
    if (!store) {
        cleanup();
        return tl::unexpected(store.error());
    }
    auto sessions = signal::SessionManager::create(*ctx, **store);
    auto spk = sessions ? (*sessions)->generateSignedPreKey(1)
                        : Result<signal::SignedPreKeyPublic>(fail(ErrorCode::Internal, ""));
    auto pks = sessions ? (*sessions)->generatePreKeys(1, kPreKeyBatch)
                        : Result<std::vector<signal::PreKeyPublic>>(fail(ErrorCode::Internal, ""));
    if (!spk || !pks) {
        cleanup();
        return fail(ErrorCode::Crypto, "pre-key generation failed");
    }
    // ES-10: check the firm manifest (and with it the journal key) against the root the link
    // pins before the token leaves this device. Issue 20 (C-FAIL-6): the link's relay first,
    // then the firm's other nodes the link lists, each trusted only once the manifest it serves
    // is the firm's and names both it and the link's relay; a node that does not answer passes
    // the turn to the next, one that serves a refused manifest too (C-FAIL-7).
    const std::string relayAddress = link->host + ":" + std::to_string(link->port);
    std::vector<std::string> addresses{relayAddress};
    addresses.insert(addresses.end(), link->alternates.begin(), link->alternates.end());
    const auto limits = RelayConnection::oneShotLimits();
    const auto deadline = std::chrono::steady_clock::now() + limits.deadline;
    std::optional<Error> refusal, silence;
    std::string tried;
    std::vector<Endpoint> checked; // answered with an acceptable manifest, in order
    std::uint64_t offeredIssuedMs = 0;
    for (const auto& address : addresses) {
        if (std::chrono::steady_clock::now() >= deadline) break;
        auto ep = relayEndpoint(address, Endpoint{{}, 0, link->tlsPin, {}});
        if (!ep) continue;
        tried += (tried.empty() ? "" : ", ") + address;
        auto offered = RelayConnection::fetchManifest(*ep);
        if (!offered) {
            silence = offered.error();
            continue;
        }
        auto parsed = journal::FirmManifest::parse(view(*offered));
        if (!parsed || !parsed->verify(link->firm) || !parsed->currentJournalKey()) {
            refusal = Error{ErrorCode::AuthFailed, "the relay's firm manifest is not signed by the "
                                                   "firm in the link: refusing its journal key"};
            continue;
        }
        // A new profile takes no version 1 manifest, nor one older than the link says the firm
        // had when the link was made: serving an old one is how a relay would shed the pins.
        if (parsed->version < journal::FirmManifest::kVersion ||
            parsed->issuedMs < link->minManifestMs) {
            refusal = Error{ErrorCode::AuthFailed,
                            "the relay serves an outdated firm manifest (older than the link, or "
                            "version 1): ask the firm to re-sign it with `verbatim-relay "
                            "manifest`"};
            continue;
        }
        // Issue 15 break 8: the fingerprint proves the manifest, not the relay serving it; the
        // manifest names the relays it is valid for, and the token goes to no other.
        if (!parsed->namesRelay(relayAddress) || !parsed->namesRelay(address)) {
            refusal = Error{ErrorCode::AuthFailed, "the firm's manifest does not name the relay " +
                                                       address + ": refusing to join through it"};
            continue;
        }
        // From here on, the relay's TLS key must be one the firm pins (when it pins any).
        ep->tlsKeyPins = parsed->tlsKeyPins;
        offeredIssuedMs = std::max(offeredIssuedMs, parsed->issuedMs);
        checked.push_back(std::move(*ep));
        break; // the token goes to this node; others only if it stops answering before it
    }
    if (checked.empty()) {
        cleanup();
        if (refusal) return tl::unexpected(*refusal);
        if (silence && addresses.size() == 1) return tl::unexpected(*silence);
        return fail(ErrorCode::Unavailable,
                    "no relay answered (tried " + (tried.empty() ? relayAddress : tried) + ")" +
                        (silence ? ": " + silence->message : std::string()));
    }
    SecureBytes secret = crypto::randomSecret(32);
    proto::RegisterDevice reg;
    reg.set_token(link->token);
    reg.set_device_secret(str(secret));
    reg.set_registration_id(*regId);
    reg.set_identity_key(str(identityPublic));
    reg.mutable_signed_pre_key()->set_id(spk->id);
    reg.mutable_signed_pre_key()->set_public_key(str(spk->publicKey));
    reg.mutable_signed_pre_key()->set_signature(str(spk->signature));
    for (auto& pk : *pks) {
        auto* p = reg.add_pre_keys();
        p->set_id(pk.id);
        p->set_public_key(str(pk.publicKey));
    }
    reg.set_platform(options.platform);
    reg.set_app_version(options.appVersion);
    reg.set_display_name(options.displayName);
    reg.set_device_name(options.deviceName);
    if (!link->linkSecret.empty())
        reg.set_link_proof(
            str(journal::deviceLinkProof(*fromHex(link->linkSecret), identityPublic)));
    if (!link->linkMakerKey.empty()) {
        auto binding = (*sessions)->sign(
            journal::deviceLinkBindingBytes(identityPublic, *fromHex(link->linkMakerKey)));
        if (!binding) {
            cleanup();
            return fail(ErrorCode::Crypto, "signing the device link binding failed");
        }
        reg.set_link_binding(str(*binding));
    }
    auto registered = RelayConnection::registerDevice(checked, reg);
    secureWipe(reg.mutable_device_secret()->data(), reg.device_secret().size());
    if (!registered) {
        cleanup();
        return tl::unexpected(registered.error());
    }
    // ES-10: the manifest (and with it the journal key) must be signed by the root the link pins.
    auto manifest = journal::FirmManifest::parse(view(registered->firm_manifest()));
    if (!manifest || !manifestAcceptable(*manifest, link->firm, relayAddress) ||
        manifest->issuedMs < offeredIssuedMs ||
        manifest->version < journal::FirmManifest::kVersion ||
        manifest->issuedMs < link->minManifestMs) {
        cleanup();
        return fail(ErrorCode::AuthFailed, "the relay's firm manifest is not signed by the firm in "
                                           "the link, or does not name this relay: "
                                           "refusing its journal key");
    }
    auto& d = **db;
    Transaction tx(d);
    auto put = [&](const char* k, std::string_view v) -> Result<void> {
        VERBATIM_TRY_LET(st, d.prepare("INSERT INTO account (k, v) VALUES (?, ?)"));
        st->bind(1, std::string_view(k)).bind(2, view(v));
        return st->run();
    };
    Result<void> w = tx.begin();
    if (w) w = put("user", registered->user());
    if (w) w = put("device", std::to_string(registered->device()));
    if (w) w = put("role", roleText(registered->role()));
    if (w)
        w = put("display_name",
                options.displayName.empty() ? registered->user() : options.displayName);
    if (w) w = put("relay", link->host + ":" + std::to_string(link->port));
    if (w) w = put("tls_pin", link->tlsPin);
    if (w && !link->linkMakerKey.empty())
        w = put("link_maker_key", str(*fromHex(link->linkMakerKey)));
    if (w) w = put("device_trust", "1");
    if (w && registered->awaiting_approval()) w = put("joined_pending", "1");
    if (w) w = put("firm", link->firm);
    if (w) w = put("secret", str(secret));
    if (w) w = put("manifest", registered->firm_manifest());
    // The rollback floor starts at the manifest accepted here (issue 20).
    if (w) w = put("manifest_floor_ms", std::to_string(manifest->issuedMs));
    if (w) w = put("next_prekey", std::to_string(1 + kPreKeyBatch));
    if (w) w = put("signed_prekey", "1");
    if (w && registered->role() == proto::ROLE_CLIENT) w = put("notice_required", "1");
    if (w && !registered->conversation_id().empty()) {
        auto st = d.prepare("INSERT OR IGNORE INTO conversations (id, is_matter) VALUES (?, 1)");
        if (st) {
            st->bind(1, std::string_view(registered->conversation_id()));
            w = st->run();
        }
    }
    if (w) w = tx.commit();
    if (!w) {
        cleanup();
        return tl::unexpected(w.error());
    }
    store->reset();
    sessions->reset();
    db->reset();
    DeviceGuard guard;
    guard.maxFailedUnlocks = manifest->policy.maxFailedUnlocks;
    guard.maxOfflineDays = manifest->policy.maxOfflineDays;
    guard.lastContactMs = nowMs();
    if (auto r = writeGuard(paths, guard); !r) {
        eraseProfile(paths);
        return tl::unexpected(r.error());
    }
    if (auto r = setFailedUnlockLimit(paths, guard.maxFailedUnlocks); !r) {
        eraseProfile(paths);
        return tl::unexpected(r.error());
    }
    auto client = open(dir, passphrase);
    if (!client) return client;
    // One round trip so that the new profile knows its conversations (titles, members).
    (*client)->start();
    (*client)->waitUntilSynced(std::chrono::seconds(10));
    (*client)->stop();
    if (options.acceptNotice && (*client)->account().noticeRequired)
        VERBATIM_TRY((*client)->acceptNotice(options.noticeFacts));
    return client;
}

// A wipe command from the firm (issue 7): checked against the relay key the firm's manifest
// names, confirmed to the relay, then the profile is erased.
void Client::Impl::handleWipe(const std::string& bytes) {
    auto cmd = journal::WipeCommand::parse(view(bytes));
    // Only a command signed by the relay key in the firm manifest, addressed to this very device.
    if (!manifestOk || !cmd || !cmd->verify(manifest.relayPublicKey, acct.user, acct.device)) {
        log::write(log::Level::Warn, "client.wipe_refused",
                   {{"reason", "bad signature or not for this device"}});
        return;
    }
    // Tell the firm before the keys are gone (best effort: the wipe goes ahead regardless).
    {
        proto::Request confirm;
        confirm.mutable_confirm_wipe();
        auto r = call(confirm, std::chrono::seconds(5));
        if (!r || r->status() != proto::STATUS_OK)
            log::write(log::Level::Warn, "client.wipe_unconfirmed",
                       {{"reason", r ? r->error() : r.error().message}});
    }
    std::lock_guard lock(mutex);
    wiped = true;
    supervisor->retire(); // closes the connection and does not reconnect
    receiver.reset();
    trust.reset();
    sessions.reset();
    store.reset();
    messages.reset();
    accounts.reset();
    outbox.reset();
    db.reset();
    eraseProfile(paths);
    emit({Event::Kind::Wiped, {}, {}, {}, {}, {}, "the firm erased this device"});
    syncCv.notify_all();
}

} // namespace verbatim::client
