/// @file RelayService.cpp
/// The service's lifecycle (open, state loaded from the database, shutdown), administrative
/// jobs run to completion (runAndWait), and handle(): a table from request kind to the handler
/// that serves it. The handlers live in one file per role:
///   KeysService.cpp          pre-key uploads and bundle fetches
///   MessagesService.cpp      send and acknowledge
///   QueueDelivery.cpp        queue drain on connect, live pushes, other nodes' wake-ups
///   ConversationsService.cpp conversations, members, invites
///   DevicesService.cpp       device lists, approval, revocation, remote wipe
///   EnrollmentService.cpp    users, enrolment tokens and device links, registration, sign-in
///   JournalService.cpp       the journal chain, checkpoints, pulls, administrative records
#include <array>

#include "relay/core/RelayServiceImpl.h"

#include "relay/core/JournalPruning.h"
#include "relay/core/PgStore.h"

namespace verbatim::relay {

using namespace impl;

// ---- lifecycle ----------------------------------------------------------------------------------

RelayService::RelayService(std::unique_ptr<storage::Database> db, RelayConfig config)
    : m_config(std::move(config)),
      m_storage(std::make_unique<StorageThread>(std::move(db), 512, m_config.commitWindow)) {}

RelayService::~RelayService() {
    m_listener.reset(); // it posts to the storage thread
    m_pruner.reset();   // its steps run on the storage thread
    m_push.reset();     // so does it, and it waits for its jobs there
    if (!m_storage) return;
    // Rate limits survive a restart (RL-12): a client cannot reset its buckets by making the
    // relay restart. Stored with wall-clock times, since monotonic clocks restart with the host.
    auto saved = m_limiter.snapshot(monotonicMs());
    std::uint64_t wall = wallClockMs();
    m_storage->runSync([&](Database& db) {
        if (!db.begin()) return;
        bool ok = db.exec("DELETE FROM rate_buckets").has_value();
        auto st = db.prepare("INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES (?, ?, ?)");
        ok = ok && st.has_value();
        for (std::size_t i = 0; ok && i < saved.size(); ++i) {
            st->bind(1, std::string_view(saved[i].key))
                .bind(3, std::int64_t(wall - std::min(wall, saved[i].ageMs)));
            ok = st->bindReal(2, saved[i].tokens).run().has_value();
        }
        if (ok) ok = db.commit().has_value();
        if (!ok) db.rollback();
    });
    m_storage->stop();
    if (m_checkpointer) m_checkpointer->stop(); // the writer is gone: checkpoint all, truncate
}

Result<std::unique_ptr<RelayService>> RelayService::open(std::unique_ptr<storage::Database> db,
                                                         RelayConfig config) {
    if (config.journalPublicKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "relay needs the 32-byte journal public key");
    const bool postgres = db->engine() != nullptr; // the PostgreSQL store (PgStore.h)
    if (postgres)
        VERBATIM_TRY(db->migrate(kRelayPgMigrations));
    else
        VERBATIM_TRY(db->migrate(kRelayMigrations));
    VERBATIM_TRY(impl::freezeLegacyStateRows(*db)); // once, at the first open at schema 17
    std::unique_ptr<Checkpointer> checkpointer;
    if (config.openCheckpointConnection) {
        VERBATIM_TRY_LET(second, config.openCheckpointConnection());
        VERBATIM_TRY(db->exec("PRAGMA wal_autocheckpoint = 0"));
        checkpointer =
            std::make_unique<Checkpointer>(std::move(*second), config.checkpointInterval);
    }
    VERBATIM_TRY_LET(signalContext, signal::SignalContext::create());
    // Without a published identity the relay's audit entries could never be verified.
    if (config.relayIdentityPrivate.size() != 32 || config.relayIdentityPublic.size() != 33)
        return fail(ErrorCode::InvalidArgument, "relay needs its journal identity key pair");
    std::unique_ptr<RelayService> self(new RelayService(std::move(db), std::move(config)));
    self->m_checkpointer = std::move(checkpointer);
    self->m_blobs = std::make_unique<BlobStore>(*self->m_storage, self->m_config.blobs);
    self->m_signal = std::move(*signalContext);
    Result<void> loaded;
    self->m_storage->runSync([&](Database& d) {
        RelayService* service = self.get();
        d.onRowChange([service](std::string_view table) {
            if (table == "members" || table == "devices" || table == "conversations" ||
                table == "walls" || table == "wall_entries") {
                service->m_memberCache.clear();
                service->m_activeDevices.clear();
            }
        });
        loaded = self->loadState(d);
        if (loaded) loaded = self->loadRateLimits(d);
        if (loaded) loaded = self->loadRestoreEpoch(d);
        // Revocations and wipes older than this start are already in force: nothing is live.
        auto mark = d.prepare("SELECT max(coalesce(max(revoked_ms), 0), "
                              "coalesce(max(wipe_requested_ms), 0)) FROM devices");
        if (loaded && mark && mark->step())
            self->m_externalWatermarkMs = std::uint64_t(mark->columnInt(0));
    });
    if (!loaded) return tl::unexpected(loaded.error());
    RelayService* raw = self.get();
    self->m_onPostgres = postgres;
    self->m_storage->setRollbackHook([raw](Database& d) -> Result<void> {
        // What the prefetch saw, and NOTIFYs made, may have gone with the rollback.
        raw->m_sendsAbsent.clear();
        raw->m_batchNotified.clear();
        auto r = raw->loadState(d);
        if (!r)
            log::write(log::Level::Error, "journal.reload_failed", {{"error", r.error().message}});
        return r;
    });
    self->m_storage->setBatchStartHook([raw](Database& d) -> Result<void> {
        VERBATIM_TRY(raw->syncExternalChanges(d));
        return raw->prefetchSends(d);
    });
    if (postgres)
        self->m_storage->setBatchEndHook(
            [raw](Database& d) { return raw->flushMessageActivity(d); });
    // Several nodes on one PostgreSQL store: each send NOTIFYs the devices it queued for, and
    // every node pushes to its own live devices what another node queued (MessagesService).
    self->m_nodeId = randomHex(8);
    if (!self->m_config.postgresUrl.empty()) {
        VERBATIM_TRY_LET(listener,
                         PgListener::start(self->m_config.postgresUrl, "verbatim_queue",
                                           [raw](std::string_view p) { raw->onNotify(p); }));
        self->m_listener = std::move(*listener);
        // Rate limits count across nodes: a device spreading requests over them gets one budget.
        VERBATIM_TRY_LET(buckets, openPostgresRateLimits(self->m_config.postgresUrl));
        self->m_limiter.share(std::move(*buckets));
    }
    if (self->m_config.journalPruneInterval.count() > 0)
        self->m_pruner = std::make_unique<JournalPruner>(
            self->m_config.journalPruneInterval, [raw] { return raw->runPruneStep(nullptr); });
    return self;
}

// The journal head lives in memory on the storage thread; it is (re)built from the last row.
Result<void> RelayService::loadState(Database& db) {
    m_memberCache.clear();
    m_activeDevices.clear();
    m_wallSendRefusals.clear();
    VERBATIM_TRY_LET(st,
                     db.cached("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1"));
    VERBATIM_TRY_LET(row, st->step());
    if (*row) {
        Bytes h = st->columnBlob(1);
        journal::ChainHash head{};
        if (h.size() != head.size())
            return fail(ErrorCode::Storage, "journal chain hash is damaged");
        std::copy(h.begin(), h.end(), head.begin());
        m_chain = journal::ChainBuilder(std::uint64_t(st->columnInt(0)), head);
    } else {
        m_chain = journal::ChainBuilder();
    }
    VERBATIM_TRY_LET(cp, db.cached("SELECT coalesce(max(seq), 0) FROM checkpoints"));
    VERBATIM_TRY(cp->step());
    m_lastCheckpoint = std::uint64_t(cp->columnInt(0));
    VERBATIM_TRY(loadPruneState(db));
    return {};
}

// A restored relay tells every device at connect (QueueDrained) so that those ahead of the
// backup resend what it lost (docs/protocol.md, "Restore").
Result<void> RelayService::loadRestoreEpoch(Database& db) {
    VERBATIM_TRY_LET(st, db.prepare("SELECT key, value FROM meta WHERE key IN ('restore_epoch', "
                                    "'restore_journal_sequence')"));
    VERBATIM_TRY(st->forEachRow([&] {
        Bytes v = st->columnBlob(1);
        if (st->columnText(0) == "restore_epoch")
            m_restoreEpoch.assign(v.begin(), v.end());
        else
            m_restoredSequence =
                std::strtoull(std::string(v.begin(), v.end()).c_str(), nullptr, 10);
    }));
    return {};
}

Result<void> RelayService::loadRateLimits(Database& db) {
    VERBATIM_TRY_LET(st, db.prepare("SELECT key, tokens, updated_ms FROM rate_buckets"));
    std::vector<RateLimiter::Saved> saved;
    std::uint64_t wall = wallClockMs();
    VERBATIM_TRY(st->forEachRow([&] {
        auto updated = std::uint64_t(st->columnInt(2));
        saved.push_back(
            {st->columnText(0), st->columnReal(1), wall > updated ? wall - updated : 0});
    }));
    m_limiter.restore(saved, monotonicMs());
    return {};
}

std::uint64_t RelayService::notePendingSend(SendKey key) {
    if (!m_onPostgres) return 0;
    std::lock_guard lock(m_pendingSendsMutex);
    m_pendingSends.emplace(++m_nextSendTicket, std::move(key));
    return m_nextSendTicket;
}

void RelayService::forgetPendingSend(std::uint64_t ticket) {
    if (ticket == 0) return;
    std::lock_guard lock(m_pendingSendsMutex);
    m_pendingSends.erase(ticket);
}

Result<void> RelayService::prefetchSends(Database& db) {
    m_sendsAbsent.clear();
    m_batchNotified.clear();
    m_batchActivity.clear(); // a lost batch's (its end hook did not run)
    if (!m_onPostgres) return {};
    // The sends waiting longest: this batch's (a batch takes at most 512 jobs).
    constexpr std::size_t kMax = 512, kChunk = 128;
    std::vector<SendKey> keys;
    {
        std::lock_guard lock(m_pendingSendsMutex);
        for (auto it = m_pendingSends.begin(); it != m_pendingSends.end() && keys.size() < kMax;
             ++it)
            keys.push_back(it->second);
    }
    // A chunk of n sends runs the statement for the next power of two, padded by repeating its
    // last id: eight statement texts (1 to 128 ids), each prepared once, and a batch of a few
    // sends no longer binds and probes 128 ids.
    static const std::array<std::string, 8> texts = [] {
        std::array<std::string, 8> out;
        for (std::size_t k = 0; k < out.size(); ++k) {
            std::string s = "SELECT sender_user, sender_device, message_id FROM sends WHERE "
                            "message_id IN (?";
            for (std::size_t i = 1; i < (std::size_t(1) << k); ++i)
                s += ", ?";
            out[k] = s + ")";
        }
        return out;
    }();
    static_assert(kChunk == std::size_t(1) << 7);
    std::set<SendKey> present;
    for (std::size_t at = 0; at < keys.size(); at += kChunk) {
        const std::size_t n = std::min(kChunk, keys.size() - at);
        std::size_t k = 0;
        while ((std::size_t(1) << k) < n)
            ++k;
        VERBATIM_TRY_LET(st, db.cached(texts[k]));
        for (std::size_t i = 0; i < (std::size_t(1) << k); ++i)
            st->bind(int(i + 1), view(keys[at + std::min(i, n - 1)].messageId));
        VERBATIM_TRY(st->forEachRow([&] {
            Bytes id = st->columnBlob(2);
            present.insert({st->columnText(0), std::uint32_t(st->columnInt(1)),
                            std::string(id.begin(), id.end())});
        }));
    }
    for (auto& k : keys)
        if (!present.count(k)) m_sendsAbsent.insert(std::move(k));
    return {};
}

Result<void> RelayService::syncExternalChanges(Database& db) {
    VERBATIM_TRY_LET(v, db.cached("PRAGMA data_version"));
    VERBATIM_TRY_LET(row, v->step());
    auto version = v->columnInt(0);
    if (version != m_dataVersion) {
        VERBATIM_TRY(loadState(db));
        m_dataVersion = version;
    }
    return {};
}

Result<const RelayService::MemberSet*>
RelayService::cachedMemberDevices(Database& db, const std::string& conversation) {
    if (auto it = m_memberCache.find(conversation); it != m_memberCache.end()) return &it->second;
    VERBATIM_TRY_LET(devices, memberDevices(db, conversation));
    // Read on a miss only: a send into a cached conversation costs no extra lookup.
    VERBATIM_TRY_LET(
        closed, exists(db, "SELECT 1 FROM conversations WHERE id = ? AND closed_ms IS NOT NULL",
                       std::string_view(conversation)));
    // Read on a miss only, like `closed`: emptied when a wall or a membership changes.
    VERBATIM_TRY_LET(wall, wallCrossedBy(db, conversation));
    if (m_memberCache.size() >= 100000) m_memberCache.clear(); // bounded; refilled on demand
    auto& slot = m_memberCache[conversation];
    slot.closed = *closed;
    slot.wall = std::move(*wall);
    slot.devices.reserve(devices->size());
    for (const auto& d : *devices)
        slot.devices.emplace_back(d.user(), d.device());
    // std::string order, for binary_search and the 409 check
    std::sort(slot.devices.begin(), slot.devices.end());
    return &slot;
}

Result<bool> RelayService::cachedIsActive(Database& db, const std::string& user,
                                          std::uint32_t device) {
    if (m_activeDevices.count({user, device})) return true;
    VERBATIM_TRY_LET(active, isActive(db, user, device));
    if (*active) {
        if (m_activeDevices.size() >= 100000) m_activeDevices.clear(); // bounded, as above
        m_activeDevices.emplace(user, device);
    }
    return *active;
}

std::string RelayService::linkFor(const std::string& kind, const std::string& token) const {
    // `mv`: the manifest the relay serves now is the oldest the joining device may accept, so
    // that whoever answers the join cannot serve an older one (say, from before key pins).
    auto manifest = journal::FirmManifest::parse(m_config.firmManifest);
    // `alt` (issue 20): the firm's other nodes, so that a device can join while this one does
    // not answer; each is trusted only as far as the manifest it serves names it.
    std::string alt;
    if (manifest)
        for (const auto& address : manifest->relayAddresses)
            if (address != m_config.publicAddress) alt += (alt.empty() ? "" : "_") + address;
    return "verbatim://" + kind + "?relay=" + m_config.publicAddress + "&token=" + token +
           "&firm=" + m_config.firmFingerprint +
           (m_config.tlsPin.empty() ? "" : "&tls=" + m_config.tlsPin) +
           (manifest ? "&mv=" + std::to_string(manifest->issuedMs) : "") +
           (alt.empty() ? "" : "&alt=" + alt);
}

Result<void> RelayService::runAndWait(const std::function<Result<Completion>(Database&)>& work) {
    // Administrative calls are rare and may block their caller until the job is durable.
    Result<void> out;
    std::promise<void> done;
    m_storage->post(
        [&](Database& db) -> Result<Completion> {
            VERBATIM_TRY_LET(after, work(db));
            return Completion([&, after = std::move(*after)] {
                if (after) after();
                done.set_value();
            });
        },
        [&](const Error& e) {
            out = tl::unexpected(e);
            done.set_value();
        });
    done.get_future().wait();
    return out;
}

// ---- requests -----------------------------------------------------------------------------------

void RelayService::RequestRun::operator()(
    std::function<Result<Completion>(Database&, proto::Response&)> work, bool repeatable,
    bool activeOnly) const {
    auto response = std::make_shared<proto::Response>();
    StorageThread::Work job = [svc = service, work = std::move(work), response, done = done,
                               user = user, device = device,
                               activeOnly](Database& db) -> Result<Completion> {
        if (activeOnly) {
            VERBATIM_TRY_LET(active, svc->cachedIsActive(db, user, device));
            if (!*active) return reject(proto::STATUS_FORBIDDEN, "device revoked");
        }
        VERBATIM_TRY_LET(after, work(db, *response));
        return Completion([after = std::move(*after), response, done] {
            if (after) after();
            done(std::move(*response));
        });
    };
    auto onError = [done = done](const Error& e) { done(responseFor(e)); };
    if (repeatable)
        service->m_storage->postRepeatable(std::move(job), std::move(onError));
    else
        service->m_storage->post(std::move(job), std::move(onError));
}

void RelayService::handle(const DeviceId& from, proto::Request request, Done done) {
    // One row per request kind: its handler, and whether a device that is connected only to
    // receive its wipe (DeviceId::wipeOnly) may send it.
    struct Route {
        proto::Request::OpCase op;
        Handler handler;
        bool wipeOnlyMay = false;
    };
    static const Route kRoutes[] = {
        // devices (DevicesService.cpp); ConfirmWipe is the one request of a wiped device
        {proto::Request::kConfirmWipe, &RelayService::onConfirmWipe, true},
        {proto::Request::kApproveDevice, &RelayService::onApproveDevice},
        {proto::Request::kListDevices, &RelayService::onListDevices},
        {proto::Request::kUnlinkDevice, &RelayService::onUnlinkDevice},
        {proto::Request::kSetDeviceName, &RelayService::onSetDeviceName},
        {proto::Request::kAdminListDevices, &RelayService::onAdminListDevices},
        {proto::Request::kAdminDeviceAction, &RelayService::onAdminDeviceAction},
        // enrolment (EnrollmentService.cpp)
        {proto::Request::kCreateDeviceLink, &RelayService::onCreateDeviceLink},
        // keys (KeysService.cpp)
        {proto::Request::kUploadPreKeys, &RelayService::onUploadPreKeys},
        {proto::Request::kFetchBundles, &RelayService::onFetchBundles},
        // conversations and invites (ConversationsService.cpp)
        {proto::Request::kCreateConversation, &RelayService::onCreateConversation},
        {proto::Request::kListConversations, &RelayService::onListConversations},
        {proto::Request::kListMemberDevices, &RelayService::onListMemberDevices},
        {proto::Request::kCreateInvite, &RelayService::onCreateInvite},
        {proto::Request::kListInvites, &RelayService::onListInvites},
        {proto::Request::kRevokeInvite, &RelayService::onRevokeInvite},
        {proto::Request::kSetMatterClosed, &RelayService::onSetMatterClosed},
        {proto::Request::kRemoveMember, &RelayService::onRemoveMember},
        // messages (MessagesService.cpp)
        {proto::Request::kSend, &RelayService::onSend},
        {proto::Request::kAcknowledge, &RelayService::onAcknowledge},
        // journal (JournalService.cpp)
        {proto::Request::kPullJournal, &RelayService::onPullJournal},
        {proto::Request::kAckJournal, &RelayService::onAckJournal},
        {proto::Request::kPullBoundarySnapshot, &RelayService::onPullBoundarySnapshot},
        // push endpoints (PushService.cpp)
        {proto::Request::kSetPushEndpoint, &RelayService::onSetPushEndpoint},
        // supervising partners (SupervisorsService.cpp)
        {proto::Request::kListSupervisedMatters, &RelayService::onListSupervisedMatters},
        // ethical walls in the app (WallsRequests.cpp)
        {proto::Request::kListWalls, &RelayService::onListWalls},
        {proto::Request::kAddWall, &RelayService::onAddWall},
        {proto::Request::kRemoveWall, &RelayService::onRemoveWall},
        // connection
        {proto::Request::kPing, &RelayService::onPing},
    };
    const auto op = request.op_case();
    const Route* route = std::find_if(std::begin(kRoutes), std::end(kRoutes),
                                      [op](const Route& r) { return r.op == op; });
    const bool known = route != std::end(kRoutes);
    if (from.wipeOnly && !(known && route->wipeOnlyMay))
        return done(errorResponse(proto::STATUS_FORBIDDEN, "device revoked"));
    if (!known) return done(errorResponse(proto::STATUS_BAD_REQUEST, "unknown request"));
    const RequestRun run{this, from.user, from.device, done};
    (this->*(route->handler))(from, request, done, run);
}

void RelayService::onPing(const DeviceId& from, proto::Request& request, Done& done,
                          const RequestRun& run) {
    return done(proto::Response());
}

} // namespace verbatim::relay
