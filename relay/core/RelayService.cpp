#include "relay/core/RelayService.h"

#include "common/Json.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <future>

#include "common/Log.h"
#include "crypto/Digest.h"
#include "crypto/Random.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/WipeCommand.h"
#include "journal/RecordingNotice.h"
#include "relay/core/RelaySchema.h"
#include "signal/SessionManager.h"

namespace verbatim::relay {

namespace {

using storage::Database;
using storage::Statement;
using Completion = std::function<void()>;

constexpr std::uint64_t kDay = 24ull * 3600 * 1000;
constexpr int kTokenEnroll = 1;
constexpr int kTokenInvite = 2;

proto::Response errorResponse(proto::Status status, std::string message, std::uint64_t retryMs = 0) {
    proto::Response r;
    r.set_status(status);
    r.set_error(std::move(message));
    r.set_retry_after_ms(retryMs);
    return r;
}

// Storage failures are 503: the client retries with the same message id, which is idempotent.
proto::Response fromError(const Error& e) {
    switch (e.code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::Malformed:
    case ErrorCode::Unsupported: return errorResponse(proto::STATUS_BAD_REQUEST, e.message);
    case ErrorCode::AuthFailed:
    case ErrorCode::WrongKey: return errorResponse(proto::STATUS_UNAUTHORIZED, e.message);
    case ErrorCode::NotFound: return errorResponse(proto::STATUS_NOT_FOUND, e.message);
    case ErrorCode::Storage: return errorResponse(proto::STATUS_UNAVAILABLE, "storage unavailable");
    default: return errorResponse(proto::STATUS_INTERNAL, "internal error");
    }
}

// A typed failure a job returns; the message is for the client, the status is in `detail`.
tl::unexpected<Error> reject(proto::Status status, std::string message) {
    return tl::unexpected(Error{ErrorCode::InvalidArgument, std::move(message), int(status)});
}
proto::Response responseFor(const Error& e) {
    if (e.code == ErrorCode::InvalidArgument && e.detail >= 400 && e.detail < 600)
        return errorResponse(proto::Status(e.detail), e.message);
    return fromError(e);
}

std::string randomHex(std::size_t bytes) { return toHex(crypto::randomBytes(bytes)); }

Bytes tokenHash(std::string_view token) {
    auto h = crypto::sha256(view(token));
    return Bytes(h.begin(), h.end());
}

bool isStaff(proto::Role r) {
    return r == proto::ROLE_LAWYER || r == proto::ROLE_SUPERVISOR || r == proto::ROLE_ADMIN ||
           r == proto::ROLE_COMPLIANCE;
}

template <class T>
void bindOne(Statement& st, int i, const T& v) {
    if constexpr (std::is_integral_v<T>)
        st.bind(i, std::int64_t(v));
    else
        st.bind(i, v);
}

Result<bool> exists(Database& db, const char* sql, const auto&... binds) {
    auto st = db.cached(sql);
    if (!st) return tl::unexpected(st.error());
    int i = 1;
    (bindOne(**st, i++, binds), ...);
    return st->step();
}

// Runs one statement with its bindings (cached: these run often enough to keep compiled).
Result<void> execute(Database& db, const char* sql, const auto&... binds) {
    auto st = db.cached(sql);
    if (!st) return tl::unexpected(st.error());
    int i = 1;
    (bindOne(**st, i++, binds), ...);
    return st->run();
}

Result<void> audit(Database& db, const std::string& actor, std::string_view action,
                   const std::string& target, std::string_view detail = {}) {
    auto st = db.prepare("INSERT INTO audit (time_ms, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(wallClockMs())).bind(2, std::string_view(actor)).bind(3, action)
        .bind(4, std::string_view(target)).bind(5, detail);
    return st->run();
}

// Validates a public pre-key/identity key from a device: Signal form, canonical, not low order.
bool acceptableKey(const std::string& key) { return signal::isAcceptablePublicKey(view(key)); }

Result<void> validateKeys(ByteView identityKey, const proto::UploadPreKeys& up) {
    if (up.has_signed_pre_key()) {
        const auto& spk = up.signed_pre_key();
        if (!acceptableKey(spk.public_key())) return reject(proto::STATUS_BAD_REQUEST, "bad signed pre-key");
        if (!signal::SessionManager::verify(identityKey, view(spk.public_key()), view(spk.signature())))
            return reject(proto::STATUS_BAD_REQUEST, "signed pre-key signature does not verify");
    }
    if (up.pre_keys_size() > 200) return reject(proto::STATUS_TOO_LARGE, "at most 200 pre-keys per upload");
    for (const auto& pk : up.pre_keys())
        if (pk.id() == 0 || !acceptableKey(pk.public_key()))
            return reject(proto::STATUS_BAD_REQUEST, "bad one-time pre-key");
    return {};
}

Result<void> storeKeys(Database& db, const std::string& user, std::uint32_t device,
                       const proto::UploadPreKeys& up) {
    if (up.has_signed_pre_key()) {
        auto st = db.prepare("INSERT OR REPLACE INTO signed_prekeys (user, device, id, public_key, "
                             "signature) VALUES (?, ?, ?, ?, ?)");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, std::string_view(user)).bind(2, std::int64_t(device))
            .bind(3, std::int64_t(up.signed_pre_key().id())).bind(4, view(up.signed_pre_key().public_key()))
            .bind(5, view(up.signed_pre_key().signature()));
        if (auto r = st->run(); !r) return r;
    }
    auto st = db.prepare("INSERT OR REPLACE INTO prekeys (user, device, id, public_key) VALUES (?, ?, ?, ?)");
    if (!st) return tl::unexpected(st.error());
    for (const auto& pk : up.pre_keys()) {
        st->bind(1, std::string_view(user)).bind(2, std::int64_t(device)).bind(3, std::int64_t(pk.id()))
            .bind(4, view(pk.public_key()));
        if (auto r = st->run(); !r) return r;
    }
    return {};
}

// Whether a device is active: registered and not revoked (a wipe revokes, so a device with a
// wipe pending is not active). Cached: it runs for most requests.
Result<bool> isActive(Database& db, std::string_view user, std::uint32_t device) {
    return exists(db, "SELECT 1 FROM devices WHERE user = ? AND device = ? AND revoked_ms IS NULL AND pending_ms IS NULL", user,
                  std::int64_t(device));
}

Result<std::uint32_t> preKeyCount(Database& db, const std::string& user, std::uint32_t device) {
    auto st = db.prepare("SELECT count(*) FROM prekeys WHERE user = ? AND device = ?");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    return std::uint32_t(st->columnInt(0));
}

// ---- invites (issue 16 item 7) ----------------------------------------------------------------------

// A token's first 8 hex digits are its lookup id: what an invite is listed and revoked by, and
// the key wrong guesses under it are counted against. The other 96 bits stay secret.
constexpr std::size_t kLookupChars = 8;
std::string lookupOf(std::string_view token) { return std::string(token.substr(0, kLookupChars)); }

// A new invite token whose lookup id no other invite has, so that the id names one invite.
Result<std::string> mintInviteToken(Database& db) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::string token = randomHex(16);
        auto taken = exists(db, "SELECT 1 FROM tokens WHERE lookup = ? AND kind = ?", std::string_view(lookupOf(token)),
                            std::int64_t(kTokenInvite));
        if (!taken) return tl::unexpected(taken.error());
        if (!*taken) return token;
    }
    return fail(ErrorCode::Internal, "could not find a free invite id");
}

// Whether an invite died with its inviter: the device that made it is revoked or wiped, or (for
// one the administrator made, `device` 0) the lawyer had devices and none is active any more.
Result<bool> inviterGone(Database& db, const std::string& inviter, std::uint32_t device) {
    if (device != 0) {
        auto active = isActive(db, inviter, device);
        if (!active) return tl::unexpected(active.error());
        return !*active;
    }
    auto any = exists(db, "SELECT 1 FROM devices WHERE user = ?", std::string_view(inviter));
    if (!any) return tl::unexpected(any.error());
    if (!*any) return false;  // never had a device: the admin invited for a lawyer not yet enrolled
    auto active = exists(db, "SELECT 1 FROM devices WHERE user = ? AND revoked_ms IS NULL AND pending_ms IS NULL",
                         std::string_view(inviter));
    if (!active) return tl::unexpected(active.error());
    return !*active;
}

// Invites with their state now: by `inviter` (everyone's when empty), or the ones whose lookup id
// is `id` (when not empty); newest first.
Result<std::vector<proto::InviteInfo>> inviteRows(Database& db, const std::string& inviter, const std::string& id,
                                                  std::size_t limit) {
    auto st = db.prepare(
        "SELECT t.lookup, t.conversation, coalesce(c.title, ''), coalesce(t.inviter, ''), coalesce(t.inviter_device, 0), "
        "t.created_ms, t.expires_ms, coalesce(t.used_ms, 0), coalesce(t.redeemed_by, ''), coalesce(u.display_name, ''), "
        "coalesce(t.revoked_ms, 0), coalesce(t.revoked_by, '') FROM tokens t "
        "LEFT JOIN conversations c ON c.id = t.conversation LEFT JOIN users u ON u.id = t.redeemed_by "
        "WHERE t.kind = ? AND (? = '' OR t.inviter = ?) AND (? = '' OR t.lookup = ?) "
        "ORDER BY t.created_ms DESC, t.lookup LIMIT ?");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(kTokenInvite)).bind(2, std::string_view(inviter)).bind(3, std::string_view(inviter))
        .bind(4, std::string_view(id)).bind(5, std::string_view(id)).bind(6, std::int64_t(limit));
    std::vector<proto::InviteInfo> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        proto::InviteInfo i;
        i.set_id(st->columnText(0));
        i.set_conversation_id(st->columnText(1));
        i.set_matter_title(st->columnText(2));
        i.set_inviter(st->columnText(3));
        i.set_inviter_device(std::uint32_t(st->columnInt(4)));
        i.set_created_ms(std::uint64_t(st->columnInt(5)));
        i.set_expires_ms(std::uint64_t(st->columnInt(6)));
        i.set_redeemed_ms(std::uint64_t(st->columnInt(7)));
        i.set_redeemed_by(st->columnText(8));
        i.set_redeemed_name(st->columnText(9));
        i.set_revoked_ms(std::uint64_t(st->columnInt(10)));
        i.set_revoked_by(st->columnText(11));
        out.push_back(std::move(i));
    }
    st->reset();
    const std::uint64_t now = wallClockMs();
    for (auto& i : out) {
        if (i.redeemed_ms()) {
            i.set_state(proto::INVITE_REDEEMED);
        } else if (i.revoked_ms()) {
            i.set_state(proto::INVITE_REVOKED);
        } else if (i.expires_ms() <= now) {
            i.set_state(proto::INVITE_EXPIRED);
        } else {
            auto gone = inviterGone(db, i.inviter(), i.inviter_device());
            if (!gone) return tl::unexpected(gone.error());
            i.set_state(*gone ? proto::INVITE_INVITER_REVOKED : proto::INVITE_OPEN);
        }
    }
    return out;
}

Result<std::vector<proto::DeviceAddress>> memberDevices(Database& db, const std::string& conversation) {
    auto st = db.cached("SELECT d.user, d.device FROM members m JOIN devices d ON d.user = m.user "
                         "WHERE m.conversation = ? AND d.revoked_ms IS NULL AND d.pending_ms IS NULL "
                         "ORDER BY d.user, d.device");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(conversation));
    std::vector<proto::DeviceAddress> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        proto::DeviceAddress a;
        a.set_user(st->columnText(0));
        a.set_device(std::uint32_t(st->columnInt(1)));
        out.push_back(std::move(a));
    }
    return out;
}

Result<proto::Conversation> loadConversation(Database& db, const std::string& id) {
    auto st = db.prepare("SELECT title, is_matter FROM conversations WHERE id = ?");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(id));
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return reject(proto::STATUS_NOT_FOUND, "no such conversation");
    proto::Conversation c;
    c.set_id(id);
    c.set_title(st->columnText(0));
    c.set_is_matter(st->columnInt(1) != 0);
    auto m = db.prepare("SELECT m.user, coalesce(u.display_name, m.user), coalesce(u.role, 0) FROM members m "
                        "LEFT JOIN users u ON u.id = m.user WHERE m.conversation = ? ORDER BY m.user");
    if (!m) return tl::unexpected(m.error());
    m->bind(1, std::string_view(id));
    while (true) {
        auto r = m->step();
        if (!r) return tl::unexpected(r.error());
        if (!*r) break;
        c.add_members(m->columnText(0));
        c.add_member_names(m->columnText(1));
        c.add_member_roles(proto::Role(m->columnInt(2)));
    }
    return c;
}

proto::Frame pushFrame(proto::Push push) {
    proto::Frame f;
    *f.mutable_push() = std::move(push);
    return f;
}

// A user's own device list, as ListDevices answers it and devices_changed pushes it.
Result<proto::DeviceList> ownDevices(Database& db, const std::string& user) {
    auto st = db.prepare("SELECT device, platform, app_version, enrolled_ms, last_seen_ms, coalesce(revoked_ms, 0), "
                         "coalesce(wipe_requested_ms, 0), identity_key, coalesce(pending_ms, 0), link_proof, approval, "
                         "coalesce(wiped_ms, 0) FROM devices WHERE user = ? ORDER BY device");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(user));
    proto::DeviceList out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        auto* d = out.add_devices();
        d->set_device(std::uint32_t(st->columnInt(0)));
        d->set_platform(st->columnText(1));
        d->set_app_version(st->columnText(2));
        d->set_enrolled_ms(std::uint64_t(st->columnInt(3)));
        d->set_last_seen_ms(std::uint64_t(st->columnInt(4)));
        d->set_revoked_ms(std::uint64_t(st->columnInt(5)));
        d->set_wipe_requested_ms(std::uint64_t(st->columnInt(6)));
        Bytes ik = st->columnBlob(7);
        d->set_identity_key(std::string(ik.begin(), ik.end()));
        d->set_pending_ms(std::uint64_t(st->columnInt(8)));
        if (!st->columnIsNull(9)) {
            Bytes proof = st->columnBlob(9);
            d->set_link_proof(std::string(proof.begin(), proof.end()));
        }
        if (!st->columnIsNull(10)) {
            Bytes approval = st->columnBlob(10);
            d->set_approval(std::string(approval.begin(), approval.end()));
        }
        d->set_wiped_ms(std::uint64_t(st->columnInt(11)));
    }
    return out;
}

// devices_changed pushes to every active device of `user` but `except`.
Result<std::vector<std::pair<DeviceId, proto::Frame>>> devicesChangedNotices(Database& db, const std::string& user,
                                                                             std::uint32_t except) {
    auto list = ownDevices(db, user);
    if (!list) return tl::unexpected(list.error());
    std::vector<std::pair<DeviceId, proto::Frame>> out;
    for (const auto& d : list->devices()) {
        if (d.device() == except || d.revoked_ms() || d.pending_ms()) continue;
        proto::Push p;
        *p.mutable_devices_changed() = *list;
        out.push_back({DeviceId{user, d.device(), {}, {}}, pushFrame(std::move(p))});
    }
    return out;
}

}  // namespace

// ---- lifecycle ----------------------------------------------------------------------------------

RelayService::RelayService(std::unique_ptr<storage::Database> db, RelayConfig config)
    : m_config(std::move(config)), m_storage(std::make_unique<StorageThread>(std::move(db), 512, m_config.commitWindow)) {}

RelayService::~RelayService() {
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
            st->bind(1, std::string_view(saved[i].key)).bind(3, std::int64_t(wall - std::min(wall, saved[i].ageMs)));
            ok = st->bindReal(2, saved[i].tokens).run().has_value();
        }
        if (ok) ok = db.commit().has_value();
        if (!ok) db.rollback();
    });
    m_storage->stop();
    if (m_checkpointer) m_checkpointer->stop();  // the writer is gone: checkpoint all, truncate
}

Result<std::unique_ptr<RelayService>> RelayService::open(std::unique_ptr<storage::Database> db,
                                                         RelayConfig config) {
    if (config.journalPublicKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "relay needs the 32-byte journal public key");
    if (auto r = db->migrate({kRelaySchemaV1, kRelaySchemaV2, kRelaySchemaV3, kRelaySchemaV4, kRelaySchemaV5, kRelaySchemaV6,
                                    kRelaySchemaV7, kRelaySchemaV8, kRelaySchemaV9}); !r) return tl::unexpected(r.error());
    std::unique_ptr<Checkpointer> checkpointer;
    if (config.openCheckpointConnection) {
        auto second = config.openCheckpointConnection();
        if (!second) return tl::unexpected(second.error());
        if (auto r = db->exec("PRAGMA wal_autocheckpoint = 0"); !r) return tl::unexpected(r.error());
        checkpointer = std::make_unique<Checkpointer>(std::move(*second), config.checkpointInterval);
    }
    auto signalContext = signal::SignalContext::create();
    if (!signalContext) return tl::unexpected(signalContext.error());
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
            if (table == "members" || table == "devices") service->m_memberCache.clear();
        });
        loaded = self->loadState(d);
        if (loaded) loaded = self->loadRateLimits(d);
        if (loaded) loaded = self->loadRestoreEpoch(d);
        // Revocations and wipes older than this start are already in force: nothing is live.
        auto mark = d.prepare("SELECT max(coalesce(max(revoked_ms), 0), coalesce(max(wipe_requested_ms), 0)) FROM devices");
        if (loaded && mark && mark->step()) self->m_externalWatermarkMs = std::uint64_t(mark->columnInt(0));
    });
    if (!loaded) return tl::unexpected(loaded.error());
    RelayService* raw = self.get();
    self->m_storage->setRollbackHook([raw](Database& d) -> Result<void> {
        auto r = raw->loadState(d);
        if (!r) log::write(log::Level::Error, "journal.reload_failed", {{"error", r.error().message}});
        return r;
    });
    self->m_storage->setBatchStartHook([raw](Database& d) { return raw->syncExternalChanges(d); });
    return self;
}

// The journal head lives in memory on the storage thread; it is (re)built from the last row.
Result<void> RelayService::loadState(Database& db) {
    m_memberCache.clear();
    auto st = db.cached("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1");
    if (!st) return tl::unexpected(st.error());
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (*row) {
        Bytes h = st->columnBlob(1);
        journal::ChainHash head{};
        if (h.size() != head.size()) return fail(ErrorCode::Storage, "journal chain hash is damaged");
        std::copy(h.begin(), h.end(), head.begin());
        m_chain = journal::ChainBuilder(std::uint64_t(st->columnInt(0)), head);
    } else {
        m_chain = journal::ChainBuilder();
    }
    auto cp = db.cached("SELECT coalesce(max(seq), 0) FROM checkpoints");
    if (!cp) return tl::unexpected(cp.error());
    if (auto r = cp->step(); !r) return tl::unexpected(r.error());
    m_lastCheckpoint = std::uint64_t(cp->columnInt(0));
    return {};
}

// A restored relay tells every device at connect (QueueDrained) so that those ahead of the
// backup resend what it lost (docs/protocol.md, "Restore").
Result<void> RelayService::loadRestoreEpoch(Database& db) {
    auto st = db.prepare("SELECT key, value FROM meta WHERE key IN ('restore_epoch', 'restore_journal_sequence')");
    if (!st) return tl::unexpected(st.error());
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        Bytes v = st->columnBlob(1);
        if (st->columnText(0) == "restore_epoch") m_restoreEpoch.assign(v.begin(), v.end());
        else m_restoredSequence = std::strtoull(std::string(v.begin(), v.end()).c_str(), nullptr, 10);
    }
    return {};
}

Result<void> RelayService::loadRateLimits(Database& db) {
    auto st = db.prepare("SELECT key, tokens, updated_ms FROM rate_buckets");
    if (!st) return tl::unexpected(st.error());
    std::vector<RateLimiter::Saved> saved;
    std::uint64_t wall = wallClockMs();
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        auto updated = std::uint64_t(st->columnInt(2));
        saved.push_back({st->columnText(0), st->columnReal(1), wall > updated ? wall - updated : 0});
    }
    m_limiter.restore(saved, monotonicMs());
    return {};
}

Result<void> RelayService::syncExternalChanges(Database& db) {
    auto v = db.cached("PRAGMA data_version");
    if (!v) return tl::unexpected(v.error());
    auto row = v->step();
    if (!row) return tl::unexpected(row.error());
    auto version = v->columnInt(0);
    if (version != m_dataVersion) {
        if (auto r = loadState(db); !r) return tl::unexpected(r.error());
        m_dataVersion = version;
    }
    return {};
}

Result<const std::vector<std::pair<std::string, std::uint32_t>>*> RelayService::cachedMemberDevices(
    Database& db, const std::string& conversation) {
    if (auto it = m_memberCache.find(conversation); it != m_memberCache.end()) return &it->second;
    auto devices = memberDevices(db, conversation);
    if (!devices) return tl::unexpected(devices.error());
    if (m_memberCache.size() >= 100000) m_memberCache.clear();  // bounded; refilled on demand
    auto& slot = m_memberCache[conversation];
    slot.reserve(devices->size());
    for (const auto& d : *devices) slot.emplace_back(d.user(), d.device());
    std::sort(slot.begin(), slot.end());  // std::string order, for binary_search and the 409 check
    return &slot;
}

Result<std::uint64_t> RelayService::appendJournal(Database& db, ByteView entry, std::uint64_t now) {
    // `verbatim-relay admin` in another process may have appended since the head was read. Every
    // caller runs in a storage batch, which ran syncExternalChanges() when it began (the
    // batch-start hook) and holds the write lock, so the head is current here.
    // m_chain moves with the row; if the job later fails, StorageThread rolls back its savepoint
    // (or, for a send, the whole batch) and the rollback hook reloads the head from the database.
    std::uint64_t seq = m_chain.append(entry);
    auto j = db.cached("INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (?, ?, ?, ?)");
    if (!j) return tl::unexpected(j.error());
    j->bind(1, std::int64_t(seq)).bind(2, entry).bind(3, m_chain.head()).bind(4, std::int64_t(now));
    if (auto r = j->run(); !r) return tl::unexpected(r.error());
    if (seq - m_lastCheckpoint >= m_config.checkpointEvery) {
        auto cp = journal::signCheckpoint(seq, m_chain.head(), now, m_config.relayKey.privateKey);
        if (!cp) return tl::unexpected(cp.error());
        auto c = db.prepare("INSERT INTO checkpoints (seq, data) VALUES (?, ?)");
        if (!c) return tl::unexpected(c.error());
        c->bind(1, std::int64_t(seq)).bind(2, cp->serialize());
        if (auto r = c->run(); !r) return tl::unexpected(r.error());
        m_lastCheckpoint = seq;
    }
    return seq;
}


Result<void> RelayService::recordAdminAction(Database& db, const std::string& actor, std::string_view action,
                                             const std::string& target, std::string_view detail,
                                             const AuditFields& extra) {
    if (auto r = audit(db, actor, action, target, detail); !r) return r;
    // Every administrative action is also journaled, sealed like any message, so compliance
    // sees enrolments, devices, revocations, wipes, conversations and invites in the same
    // verified log (ids and names only; no secret ever goes into an action's text).
    std::uint64_t now = wallClockMs();
    proto::JournalRecord rec;
    rec.set_version(1);
    Bytes k = crypto::randomBytes(32);
    rec.set_message_id(journal::newMessageId(now));
    rec.set_conversation_id("firm-audit");
    rec.mutable_sender()->set_user("relay");
    rec.mutable_sender()->set_device(0);
    rec.set_client_time_ms(now);
    rec.set_type(proto::ADMIN_ACTION);
    std::string body = "{\"actor\":" + jsonQuote(actor) + ",\"action\":" + jsonQuote(action) +
                       ",\"target\":" + jsonQuote(target) + ",\"detail\":" + jsonQuote(detail);
    for (const auto& [name, value] : extra) body += "," + jsonQuote(name) + ":" + jsonQuote(value);
    body += "}";
    rec.set_body(body);
    rec.set_commit_key(std::string(k.begin(), k.end()));
    auto sealed = journal::sealRecord(rec, m_config.journalPublicKey, [this](ByteView m) {
        return signal::SessionManager::signWith(*m_signal, m_config.relayIdentityPrivate, m);
    });
    if (!sealed) return tl::unexpected(sealed.error());
    auto seq = appendJournal(db, sealed->serialize(), now);
    if (!seq) return tl::unexpected(seq.error());
    return {};
}

std::pair<std::uint64_t, journal::ChainHash> RelayService::journalHead() {
    std::pair<std::uint64_t, journal::ChainHash> out;
    m_storage->runSync([&](Database&) { out = {m_chain.sequence(), m_chain.head()}; });
    return out;
}

std::string RelayService::linkFor(const std::string& kind, const std::string& token) const {
    // `mv`: the manifest the relay serves now is the oldest the joining device may accept, so
    // that whoever answers the join cannot serve an older one (say, from before key pins).
    auto manifest = journal::FirmManifest::parse(m_config.firmManifest);
    return "verbatim://" + kind + "?relay=" + m_config.publicAddress + "&token=" + token +
           "&firm=" + m_config.firmFingerprint + (m_config.tlsPin.empty() ? "" : "&tls=" + m_config.tlsPin) +
           (manifest ? "&mv=" + std::to_string(manifest->issuedMs) : "");
}

// ---- administration -----------------------------------------------------------------------------

Result<void> RelayService::runAndWait(const std::function<Result<Completion>(Database&)>& work) {
    // Administrative calls are rare and may block their caller until the job is durable.
    Result<void> out;
    std::promise<void> done;
    m_storage->post(
        [&](Database& db) -> Result<Completion> {
            auto after = work(db);
            if (!after) return tl::unexpected(after.error());
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

Result<void> RelayService::createUser(const std::string& id, proto::Role role,
                                      const std::string& displayName, const std::string& actor) {
    if (id.empty() || id.size() > 128 ||
        id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-@") != std::string::npos)
        return fail(ErrorCode::InvalidArgument, "user id must be 1-128 of a-z 0-9 . _ - @");
    if (id == "relay") return fail(ErrorCode::InvalidArgument, "user id 'relay' is reserved for the relay itself");
    if (role == proto::ROLE_UNSPECIFIED || role == proto::ROLE_CLIENT)
        return fail(ErrorCode::InvalidArgument, "staff role required (clients join by invite)");
    if (displayName.size() > 256 || !isUtf8(displayName))
        return fail(ErrorCode::InvalidArgument, "display name must be UTF-8 text of at most 256 bytes");
    Result<void> out;
    auto ran = runAndWait(
        [&](Database& db) -> Result<Completion> {
            auto have = exists(db, "SELECT 1 FROM users WHERE id = ?", std::string_view(id));
            if (!have) return tl::unexpected(have.error());
            if (*have) return fail(ErrorCode::Duplicate, "user already exists");
            auto st = db.prepare("INSERT INTO users (id, role, display_name, created_ms) VALUES (?, ?, ?, ?)");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, std::string_view(id)).bind(2, std::int64_t(role))
                .bind(3, std::string_view(displayName)).bind(4, std::int64_t(wallClockMs()));
            if (auto r = st->run(); !r) return tl::unexpected(r.error());
            if (auto r = recordAdminAction(db, actor, "enroll-user", id, proto::Role_Name(role),
                                               {{"role", proto::Role_Name(role)}, {"name", displayName}}); !r)
                return tl::unexpected(r.error());
            return Completion();
        });
    if (!ran) return tl::unexpected(ran.error());
    return out;
}

Result<void> RelayService::enrollmentTokenJob(Database& db, const std::string& user, const std::string& token,
                                              std::uint64_t ttlMs, const std::string& actor, std::string_view action,
                                              const std::string& mintedBy) {
    auto st = db.prepare("SELECT role, display_name FROM users WHERE id = ?");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(user));
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return fail(ErrorCode::NotFound, "no such user");
    // An enrollment token has no inviter; for a device link the column names the device that
    // made it ("USER/DEVICE"), which redemption checks is still active.
    auto ins = db.prepare("INSERT INTO tokens (hash, kind, user, role, created_ms, expires_ms, inviter, lookup) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return tl::unexpected(ins.error());
    std::uint64_t now = wallClockMs();
    ins->bind(1, tokenHash(token)).bind(2, std::int64_t(kTokenEnroll)).bind(3, std::string_view(user))
        .bind(4, st->columnInt(0)).bind(5, std::int64_t(now)).bind(6, std::int64_t(now + ttlMs))
        .bind(8, lookupOf(token));
    if (mintedBy.empty())
        ins->bindNull(7);
    else
        ins->bind(7, std::string_view(mintedBy));
    if (auto r = ins->run(); !r) return tl::unexpected(r.error());
    return recordAdminAction(db, actor, action, user, {}, {{"user", user}});
}

Result<std::string> RelayService::createEnrollmentToken(const std::string& user, std::uint64_t ttlMs,
                                                        const std::string& actor) {
    std::string token = randomHex(16);
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        if (auto r = enrollmentTokenJob(db, user, token, ttlMs, actor, "enrollment-link"); !r)
            return tl::unexpected(r.error());
        return Completion();
    });
    if (!ran) return tl::unexpected(ran.error());
    return token;
}

Result<std::function<void()>> RelayService::wipeJob(Database& db, const std::string& user, std::uint32_t device,
                                                    const std::string& actor) {
    DeviceId id{user, device, proto::ROLE_UNSPECIFIED, {}};
    std::uint64_t now = wallClockMs();
    auto cmd = journal::WipeCommand::sign(user, device, now, m_config.relayKey.privateKey);
    if (!cmd) return tl::unexpected(cmd.error());
    Bytes bytes = cmd->serialize();
    // A wipe revokes at once, in this transaction (issue 15 break 7): a device that ignores the
    // command must not go on sending, fetching bundles, linking devices or acting as admin until
    // it chooses to confirm. From the commit on it may only receive the command and confirm it
    // (authenticate() makes it wipe-only; handle() refuses every other request; the member
    // device sets, which senders must match, no longer include it).
    auto st = db.prepare("UPDATE devices SET wipe_command = ?, wipe_requested_ms = ?, revoked_ms = coalesce(revoked_ms, ?) "
                         "WHERE user = ? AND device = ? AND wiped_ms IS NULL");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, bytes).bind(2, std::int64_t(now)).bind(3, std::int64_t(now)).bind(4, std::string_view(user))
        .bind(5, std::int64_t(device));
    if (auto r = st->run(); !r) return tl::unexpected(r.error());
    if (db.changes() == 0) return fail(ErrorCode::NotFound, "no such device (or already wiped)");
    // A device about to be erased gets nothing more, and nobody starts a session with it.
    for (const char* sql : {"DELETE FROM prekeys WHERE user = ? AND device = ?",
                            "DELETE FROM signed_prekeys WHERE user = ? AND device = ?",
                            "DELETE FROM queue WHERE user = ? AND device = ?"}) {
        auto purge = db.prepare(sql);
        if (!purge) return tl::unexpected(purge.error());
        purge->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
        if (auto r = purge->run(); !r) return tl::unexpected(r.error());
    }
    if (auto r = recordAdminAction(db, actor, "wipe-device", user + "/" + std::to_string(device), {},
                                   {{"user", user}, {"device", std::to_string(device)}});
        !r)
        return tl::unexpected(r.error());
    return std::function<void()>([this, id, bytes] {
        std::shared_ptr<PushSink> sink;
        {
            std::lock_guard lock(m_sinksMutex);
            if (auto it = m_live.find(id); it != m_live.end()) {
                sink = it->second.lock();
                m_live.erase(it);
            }
        }
        if (sink) {
            // The live connection turns wipe-only before the command reaches the device.
            sink->restrictToWipe();
            proto::Push p;
            p.set_wipe_command(std::string(bytes.begin(), bytes.end()));
            sink->push(pushFrame(std::move(p)));
        }
    });
}

Result<void> RelayService::queueWipe(const std::string& user, std::uint32_t device, const std::string& actor) {
    return runAndWait([&](Database& db) { return wipeJob(db, user, device, actor); });
}

Result<std::function<void()>> RelayService::revokeJob(Database& db, const std::string& user, std::uint32_t device,
                                                      const std::string& actor) {
    DeviceId id{user, device, proto::ROLE_UNSPECIFIED, {}};
    auto st = db.prepare("UPDATE devices SET revoked_ms = ? WHERE user = ? AND device = ? AND revoked_ms IS NULL");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(wallClockMs())).bind(2, std::string_view(user)).bind(3, std::int64_t(device));
    if (auto r = st->run(); !r) return tl::unexpected(r.error());
    if (db.changes() == 0) return fail(ErrorCode::NotFound, "no such active device");
    for (const char* sql : {"DELETE FROM prekeys WHERE user = ? AND device = ?",
                            "DELETE FROM signed_prekeys WHERE user = ? AND device = ?",
                            "DELETE FROM queue WHERE user = ? AND device = ?"}) {
        auto d = db.prepare(sql);
        if (!d) return tl::unexpected(d.error());
        d->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
        if (auto r = d->run(); !r) return tl::unexpected(r.error());
    }
    if (auto r = recordAdminAction(db, actor, "revoke-device", user + "/" + std::to_string(device), {},
                                   {{"user", user}, {"device", std::to_string(device)}});
        !r)
        return tl::unexpected(r.error());
    return std::function<void()>([this, id] {
        std::shared_ptr<PushSink> sink;
        {
            std::lock_guard lock(m_sinksMutex);
            if (auto it = m_live.find(id); it != m_live.end()) {
                sink = it->second.lock();
                m_live.erase(it);
            }
        }
        if (sink) sink->close(4403, "device revoked");
    });
}

Result<void> RelayService::revokeDevice(const std::string& user, std::uint32_t device,
                                        const std::string& actor) {
    return runAndWait([&](Database& db) { return revokeJob(db, user, device, actor); });
}

Result<std::vector<RelayService::UserRow>> RelayService::listUsers() {
    Result<std::vector<UserRow>> out = std::vector<UserRow>();
    m_storage->runSync([&](Database& db) {
        auto st = db.prepare("SELECT id, display_name, role, created_ms FROM users ORDER BY id");
        if (!st) return void(out = tl::unexpected(st.error()));
        while (true) {
            auto row = st->step();
            if (!row) return void(out = tl::unexpected(row.error()));
            if (!*row) break;
            out->push_back({st->columnText(0), st->columnText(1), proto::Role(st->columnInt(2)),
                            std::uint64_t(st->columnInt(3))});
        }
    });
    return out;
}

Result<std::vector<RelayService::DeviceRow>> RelayService::listDevices(const std::string& user) {
    Result<std::vector<DeviceRow>> out = std::vector<DeviceRow>();
    m_storage->runSync([&](Database& db) {
        auto st = db.prepare("SELECT d.user, d.device, u.role, d.platform, d.app_version, d.enrolled_ms, "
                             "d.last_seen_ms, coalesce(d.revoked_ms, 0), coalesce(d.wipe_requested_ms, 0), "
                             "coalesce(d.wiped_ms, 0), coalesce(d.pending_ms, 0) FROM devices d JOIN users u ON u.id = d.user "
                             "WHERE ? = '' OR d.user = ? ORDER BY d.user, d.device");
        if (!st) return void(out = tl::unexpected(st.error()));
        st->bind(1, std::string_view(user)).bind(2, std::string_view(user));
        while (true) {
            auto row = st->step();
            if (!row) return void(out = tl::unexpected(row.error()));
            if (!*row) break;
            out->push_back({st->columnText(0), std::uint32_t(st->columnInt(1)), proto::Role(st->columnInt(2)),
                            st->columnText(3), st->columnText(4), std::uint64_t(st->columnInt(5)),
                            std::uint64_t(st->columnInt(6)), std::uint64_t(st->columnInt(7)),
                            std::uint64_t(st->columnInt(8)), std::uint64_t(st->columnInt(9)),
                            std::uint64_t(st->columnInt(10))});
        }
    });
    return out;
}

Result<std::string> RelayService::inviteToMatter(const std::string& from, const std::string& title,
                                                 std::uint64_t ttlMs) {
    if (title.empty() || title.size() > 200) return fail(ErrorCode::InvalidArgument, "matter title must be 1-200 bytes");
    if (!isUtf8(title)) return fail(ErrorCode::InvalidArgument, "matter title must be UTF-8 text");
    Result<std::string> out;
    auto ran = runAndWait(
        [&](Database& db) -> Result<Completion> {
            auto role = db.prepare("SELECT role FROM users WHERE id = ?");
            if (!role) return tl::unexpected(role.error());
            role->bind(1, std::string_view(from));
            auto row = role->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) return fail(ErrorCode::NotFound, "no such user");
            auto r = proto::Role(role->columnInt(0));
            if (r != proto::ROLE_LAWYER && r != proto::ROLE_SUPERVISOR)
                return fail(ErrorCode::InvalidArgument, "only lawyers and supervisors invite clients");
            std::uint64_t now = wallClockMs();
            auto find = db.prepare("SELECT c.id FROM conversations c JOIN members m ON m.conversation = c.id "
                                   "WHERE c.title = ? AND c.is_matter = 1 AND m.user = ? LIMIT 1");
            if (!find) return tl::unexpected(find.error());
            find->bind(1, std::string_view(title)).bind(2, std::string_view(from));
            auto have = find->step();
            if (!have) return tl::unexpected(have.error());
            std::string conv = *have ? find->columnText(0) : randomHex(16);
            if (!*have) {
                auto c = db.prepare("INSERT INTO conversations (id, title, is_matter, created_by, created_ms) VALUES (?, ?, 1, ?, ?)");
                if (!c) return tl::unexpected(c.error());
                c->bind(1, std::string_view(conv)).bind(2, std::string_view(title)).bind(3, std::string_view(from))
                    .bind(4, std::int64_t(now));
                if (auto e = c->run(); !e) return tl::unexpected(e.error());
                if (auto e = execute(db, "INSERT INTO members (conversation, user, joined_ms) VALUES (?, ?, ?)",
                                     std::string_view(conv), std::string_view(from), std::int64_t(now));
                    !e)
                    return tl::unexpected(e.error());
                // The members it is created with (issue 15 break 6): here the lawyer alone.
                if (auto e = recordAdminAction(db, from, "conversation-created", conv, title,
                                                   {{"title", title}, {"matter", "true"}, {"members", from}}); !e)
                    return tl::unexpected(e.error());
            }
            auto token = mintInviteToken(db);
            if (!token) return tl::unexpected(token.error());
            // No inviting device: made by the administrator, it dies once every device the lawyer
            // has is revoked (inviterGone).
            if (auto e = execute(db, "INSERT INTO tokens (hash, kind, conversation, inviter, created_ms, expires_ms, lookup) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 ByteView(tokenHash(*token)), std::int64_t(kTokenInvite), std::string_view(conv),
                                 std::string_view(from), std::int64_t(now), std::int64_t(now + ttlMs),
                                 std::string_view(lookupOf(*token)));
                !e)
                return tl::unexpected(e.error());
            if (auto e = recordAdminAction(db, from, "invite-created", conv, {}, {{"invite", lookupOf(*token)}}); !e)
                return tl::unexpected(e.error());
            out = linkFor("join", *token);
            return Completion();
        });
    if (!ran) return tl::unexpected(ran.error());
    return out;
}

Result<std::vector<proto::InviteInfo>> RelayService::listInvites(const std::string& inviter, std::size_t limit) {
    Result<std::vector<proto::InviteInfo>> out = std::vector<proto::InviteInfo>();
    m_storage->runSync([&](Database& db) { out = inviteRows(db, inviter, {}, limit); });
    return out;
}

Result<proto::InviteInfo> RelayService::revokeInvite(const std::string& id, const std::string& actor) {
    if (id.size() != kLookupChars || id.find_first_not_of("0123456789abcdef") != std::string::npos)
        return fail(ErrorCode::InvalidArgument, "an invite id is 8 lowercase hex digits");
    Result<proto::InviteInfo> out = proto::InviteInfo();
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        auto revoked = revokeInviteJob(db, id, {}, actor);
        if (!revoked) return tl::unexpected(revoked.error());
        out = std::move(*revoked);
        return Completion();
    });
    if (!ran) return tl::unexpected(ran.error());
    return out;
}

Result<proto::InviteInfo> RelayService::revokeInviteJob(Database& db, const std::string& id, const std::string& inviter,
                                                         const std::string& actor) {
    auto rows = inviteRows(db, inviter, id, 2);
    if (!rows) return tl::unexpected(rows.error());
    // Someone else's invite is "not found" too: ids are not to be probed.
    if (rows->empty()) return reject(proto::STATUS_NOT_FOUND, "no such invite");
    if (rows->size() > 1) return reject(proto::STATUS_CONFLICT, "this id names two invites; ask the administrator");
    proto::InviteInfo invite = std::move(rows->front());
    if (invite.redeemed_ms())
        return reject(proto::STATUS_CONFLICT, "this invite was already redeemed (by " + invite.redeemed_by() + ")");
    if (invite.revoked_ms()) return invite;  // nothing changes, nothing more to journal
    const std::uint64_t now = wallClockMs();
    if (auto r = execute(db, "UPDATE tokens SET revoked_ms = ?, revoked_by = ? WHERE kind = ? AND lookup = ? "
                             "AND used_ms IS NULL AND revoked_ms IS NULL",
                         std::int64_t(now), std::string_view(actor), std::int64_t(kTokenInvite), std::string_view(id));
        !r)
        return tl::unexpected(r.error());
    if (auto r = recordAdminAction(db, actor, "invite-revoked", invite.conversation_id(), id,
                                   {{"invite", id}, {"conversation", invite.conversation_id()},
                                    {"inviter", invite.inviter()}});
        !r)
        return tl::unexpected(r.error());
    invite.set_revoked_ms(now);
    invite.set_revoked_by(actor);
    invite.set_state(proto::INVITE_REVOKED);
    return invite;
}

// ---- registration and authentication ------------------------------------------------------------

void RelayService::registerDevice(const proto::RegisterDevice& req, const std::string& clientAddress,
                                  std::function<void(Result<proto::Registered>, std::uint64_t)> done) {
    // Issue 16 item 7: only failed redemptions (a token the relay does not know) drain the
    // address's bucket, so an office behind one NAT address enrols as many devices as it has
    // links; a guesser is throttled by its address and, once it hits a real token's lookup id, by
    // that id from every address.
    const std::string addressKey = "redeem:" + clientAddress;
    if (auto wait = m_limiter.peek(addressKey, m_config.limits.redeem, monotonicMs()))
        return done(fail(ErrorCode::AuthFailed, "too many failed attempts from this address; try again later", 429), wait);
    auto bad = [&](const char* why) { done(fail(ErrorCode::InvalidArgument, why, 400), 0); };
    if (req.token().size() != 32) return bad("malformed token");
    const std::string guessKey = "redeem-guess:" + lookupOf(req.token());
    if (auto wait = m_limiter.peek(guessKey, m_config.limits.redeemGuess, monotonicMs()))
        return done(fail(ErrorCode::AuthFailed, "too many wrong attempts at this link; try again later", 429), wait);
    if (req.device_secret().size() != 32) return bad("device secret must be 32 bytes");
    if (!acceptableKey(req.identity_key())) return bad("bad identity key");
    if (!req.has_signed_pre_key()) return bad("signed pre-key required");
    if (req.platform().size() > 64 || req.app_version().size() > 64 || req.display_name().size() > 128)
        return bad("field too long");
    if (!req.link_proof().empty() && req.link_proof().size() != 32) return bad("link proof must be 32 bytes");
    if (!req.link_binding().empty() && req.link_binding().size() != 64) return bad("link binding must be 64 bytes");
    if (std::uint32_t(req.pre_keys_size()) > m_config.maxStoredPreKeys)
        return done(fail(ErrorCode::InvalidArgument,
                         "at most " + std::to_string(m_config.maxStoredPreKeys) + " one-time pre-keys per device", 413),
                    0);
    proto::UploadPreKeys keys;
    *keys.mutable_signed_pre_key() = req.signed_pre_key();
    *keys.mutable_pre_keys() = req.pre_keys();
    if (auto v = validateKeys(view(req.identity_key()), keys); !v)
        return done(tl::unexpected(v.error()), 0);

    auto request = std::make_shared<proto::RegisterDevice>(req);
    auto result = std::make_shared<proto::Registered>();
    // Set by the job when the token is unknown: 1, or 2 when its lookup id is a real token's.
    auto guessed = std::make_shared<int>(0);
    m_storage->post(
        [this, request, result, keys, done, guessed](Database& db) -> Result<Completion> {
            auto st = db.prepare("SELECT kind, user, role, conversation, inviter, expires_ms, used_ms, revoked_ms, "
                                 "coalesce(inviter_device, 0) FROM tokens WHERE hash = ?");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, tokenHash(request->token()));
            auto row = st->step();
            if (!row) return tl::unexpected(row.error());
            // One message for unknown, used and expired tokens alike would hide which is which
            // from an attacker, but users need to know; used and expired are told apart only for
            // tokens that exist (the caller holds the 128-bit secret).
            if (!*row) {
                auto known = exists(db, "SELECT 1 FROM tokens WHERE lookup = ?", std::string_view(lookupOf(request->token())));
                if (!known) return tl::unexpected(known.error());
                *guessed = *known ? 2 : 1;
                return reject(proto::STATUS_UNAUTHORIZED, "invalid token");
            }
            if (!st->columnIsNull(6)) return reject(proto::STATUS_GONE, "this link has already been used");
            if (!st->columnIsNull(7))
                return reject(proto::STATUS_GONE, "this invite was revoked; ask the firm for a new link");
            // expires_ms is the first instant the token no longer works: a TTL of 0 is expired at
            // once, not for the rest of the millisecond it was made in.
            if (std::uint64_t(st->columnInt(5)) <= wallClockMs())
                return reject(proto::STATUS_GONE, "this link has expired");
            int kind = int(st->columnInt(0));
            std::string user = st->columnText(1);
            auto role = proto::Role(st->columnInt(2));
            std::string conversation = st->columnText(3);
            std::string inviter = st->columnText(4);
            const auto inviterDevice = std::uint32_t(st->columnInt(8));
            std::uint64_t now = wallClockMs();
            // An invite dies with its inviter (issue 16 item 7): once the device that made it, or
            // for one the administrator made every device of the lawyer, is revoked or wiped, a
            // copy of the link (say, taken from a stolen phone) enrols nobody into the matter.
            if (kind == kTokenInvite) {
                auto gone = inviterGone(db, inviter, inviterDevice);
                if (!gone) return tl::unexpected(gone.error());
                if (*gone)
                    return reject(proto::STATUS_GONE,
                                  "the lawyer who made this invite no longer has access; ask the firm for a new link");
            }
            // A device link dies with the device that made it: once that device is revoked or
            // wiped, whoever holds its unredeemed links must not enroll through them.
            if (kind == kTokenEnroll && !inviter.empty()) {
                auto slash = inviter.rfind('/');
                std::uint32_t maker = 0;
                if (slash == std::string::npos ||
                    std::from_chars(inviter.data() + slash + 1, inviter.data() + inviter.size(), maker).ec != std::errc())
                    return reject(proto::STATUS_GONE, "this link is no longer valid");
                auto active = isActive(db, std::string_view(inviter).substr(0, slash), maker);
                if (!active) return tl::unexpected(active.error());
                if (!*active)
                    return reject(proto::STATUS_GONE,
                                  "the device that made this link has been revoked or wiped; ask for a new link");
            }

            if (kind == kTokenInvite) user = "client-" + randomHex(6);
            // Single use: the row was read unused in this transaction, which no other job shares.
            auto use = db.prepare("UPDATE tokens SET used_ms = ?, redeemed_by = ? WHERE hash = ? AND used_ms IS NULL");
            if (!use) return tl::unexpected(use.error());
            use->bind(1, std::int64_t(now)).bind(2, std::string_view(user)).bind(3, tokenHash(request->token()));
            if (auto r = use->run(); !r) return tl::unexpected(r.error());
            if (db.changes() != 1) return reject(proto::STATUS_GONE, "this link has already been used");

            if (kind == kTokenInvite) {
                role = proto::ROLE_CLIENT;
                std::string name = request->display_name().empty() ? "Client" : request->display_name();
                if (auto r = execute(db, "INSERT INTO users (id, role, display_name, created_ms) VALUES (?, ?, ?, ?)",
                                     std::string_view(user), std::int64_t(role), std::string_view(name),
                                     std::int64_t(now));
                    !r)
                    return tl::unexpected(r.error());
                if (auto r = execute(db, "INSERT INTO members (conversation, user, joined_ms) VALUES (?, ?, ?)",
                                     std::string_view(conversation), std::string_view(user), std::int64_t(now));
                    !r)
                    return tl::unexpected(r.error());
                if (auto r = recordAdminAction(db, inviter, "invite-redeemed", user, conversation,
                                               {{"conversation", conversation}, {"name", name}, {"role", "ROLE_CLIENT"},
                                                {"invite", lookupOf(request->token())}});
                    !r)
                    return tl::unexpected(r.error());
            }
            // Issue 15 break 2: a user who has an active device adds another only with that
            // device's approval. Until one of them signs it, the new device is pending: it is in
            // no device set and cannot connect. A user without any active device (every one lost
            // or revoked) starts again from a new first device: an identity change that contacts
            // see and must accept.
            auto hasActive = exists(db, "SELECT 1 FROM devices WHERE user = ? AND revoked_ms IS NULL AND pending_ms IS NULL",
                                    std::string_view(user));
            if (!hasActive) return tl::unexpected(hasActive.error());
            const bool pending = *hasActive;
            auto next = db.prepare("SELECT coalesce(max(device), 0) + 1 FROM devices WHERE user = ?");
            if (!next) return tl::unexpected(next.error());
            next->bind(1, std::string_view(user));
            if (auto r = next->step(); !r) return tl::unexpected(r.error());
            auto device = std::uint32_t(next->columnInt(0));
            auto secretHash = crypto::sha256(view(request->device_secret()));
            auto d = db.prepare("INSERT INTO devices (user, device, secret_hash, registration_id, identity_key, "
                                "platform, app_version, enrolled_ms, pending_ms, link_proof, link_binding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            if (!d) return tl::unexpected(d.error());
            d->bind(1, std::string_view(user)).bind(2, std::int64_t(device)).bind(3, secretHash)
                .bind(4, std::int64_t(request->registration_id())).bind(5, view(request->identity_key()))
                .bind(6, std::string_view(request->platform())).bind(7, std::string_view(request->app_version()))
                .bind(8, std::int64_t(now));
            if (pending)
                d->bind(9, std::int64_t(now));
            else
                d->bindNull(9);
            if (request->link_proof().empty())
                d->bindNull(10);
            else
                d->bind(10, view(request->link_proof()));
            if (request->link_binding().empty())
                d->bindNull(11);
            else
                d->bind(11, view(request->link_binding()));
            if (auto r = d->run(); !r) return tl::unexpected(r.error());
            if (auto r = storeKeys(db, user, device, keys); !r) return tl::unexpected(r.error());
            // The identity key rides in the relay-signed audit entry: it is how compliance knows
            // which key must have signed this device's journal entries.
            if (auto r = recordAdminAction(db, user, "device-registered", user + "/" + std::to_string(device),
                                           request->platform(),
                                           {{"user", user}, {"device", std::to_string(device)},
                                            {"identity_key", toHex(view(request->identity_key()))},
                                            {"platform", request->platform()}, {"app_version", request->app_version()},
                                            {"pending", pending ? "1" : "0"}});
                !r)
                return tl::unexpected(r.error());
            result->set_user(user);
            result->set_device(device);
            result->set_role(role);
            result->set_conversation_id(conversation);
            result->set_awaiting_approval(pending);
            result->set_firm_manifest(std::string(m_config.firmManifest.begin(), m_config.firmManifest.end()));
            // A client joining a matter is a membership change: every member's online device
            // hears of it (the apps show it as a system event).
            std::vector<std::pair<DeviceId, proto::Frame>> notices;
            if (pending) {  // the user's devices hear of it at once, to approve it
                auto own = devicesChangedNotices(db, user, device);
                if (!own) return tl::unexpected(own.error());
                notices = std::move(*own);
            }
            if (kind == kTokenInvite) {
                auto conv = loadConversation(db, conversation);
                if (!conv) return tl::unexpected(conv.error());
                auto devices = memberDevices(db, conversation);
                if (!devices) return tl::unexpected(devices.error());
                for (const auto& d : *devices) {
                    if (d.user() == user) continue;
                    proto::Push p;
                    *p.mutable_conversation_changed() = *conv;
                    notices.push_back({DeviceId{d.user(), d.device(), {}, {}}, pushFrame(std::move(p))});
                }
            }
            return Completion([this, done, result, notices = std::move(notices)] {
                done(*result, 0);
                pushLive(notices);
            });
        },
        [this, done, guessed, addressKey, guessKey](const Error& e) {
            // Only a wrong token counts: against the address, and against the lookup id when it
            // is a real token's (someone who knows part of a link is guessing the rest).
            if (*guessed) (void)m_limiter.take(addressKey, m_config.limits.redeem, monotonicMs());
            if (*guessed == 2) (void)m_limiter.take(guessKey, m_config.limits.redeemGuess, monotonicMs());
            done(tl::unexpected(e), 0);
        });
}

void RelayService::authenticate(const std::string& user, std::uint32_t device, ByteView secret,
                                std::function<void(Result<DeviceId>)> done) {
    if (secret.size() != 32) return done(fail(ErrorCode::AuthFailed, "bad credentials"));
    auto hash = crypto::sha256(secret);
    m_storage->postBetweenBatches([user, device, hash, done](Database& db) {
        auto st = db.prepare("SELECT d.secret_hash, d.revoked_ms, u.role, d.identity_key, d.wipe_command, d.pending_ms "
                             "FROM devices d JOIN users u ON u.id = d.user WHERE d.user = ? AND d.device = ?");
        if (!st) return done(tl::unexpected(st.error()));
        st->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
        auto row = st->step();
        if (!row) return done(tl::unexpected(row.error()));
        // Unknown device and wrong secret give the same answer.
        if (!*row || !constantTimeEqual(st->columnBlob(0), hash))
            return done(fail(ErrorCode::AuthFailed, "bad credentials"));
        // A revoked device is refused, unless a wipe waits for it: then it may connect to
        // receive the wipe and nothing else (drain() sends only that).
        if (!st->columnIsNull(1) && st->columnIsNull(4)) return done(fail(ErrorCode::AuthFailed, "device revoked", 403));
        // Registered, but not yet approved by one of the user's devices (issue 15 break 2).
        if (!st->columnIsNull(5) && st->columnIsNull(1))
            return done(fail(ErrorCode::AuthFailed, "this device waits for approval on one of your other devices", 423));
        DeviceId id{user, device, proto::Role(st->columnInt(2)), st->columnBlob(3), !st->columnIsNull(1)};
        auto seen = db.prepare("UPDATE devices SET last_seen_ms = ? WHERE user = ? AND device = ?");
        if (seen) {
            seen->bind(1, std::int64_t(wallClockMs())).bind(2, std::string_view(user)).bind(3, std::int64_t(device));
            (void)seen->run();
        }
        done(std::move(id));
    });
}

// ---- requests -----------------------------------------------------------------------------------

void RelayService::handle(const DeviceId& from, proto::Request request, Done done) {
    // Every request but ConfirmWipe runs only for a device that is still active when its job
    // runs: `from` was checked when the connection authenticated, and a revocation or a wipe
    // (which revokes) may have been committed since, here or by `verbatim-relay admin`
    // (issue 15 break 7). One lookup by primary key; sends check it through the member device
    // set instead (handleSend).
    auto run = [this, done, user = from.user, device = from.device](
                   std::function<Result<Completion>(Database&, proto::Response&)> work, bool repeatable = false,
                   bool activeOnly = true) {
        auto response = std::make_shared<proto::Response>();
        StorageThread::Work job = [work = std::move(work), response, done, user, device,
                                   activeOnly](Database& db) -> Result<Completion> {
            if (activeOnly) {
                auto active = isActive(db, user, device);
                if (!active) return tl::unexpected(active.error());
                if (!*active) return reject(proto::STATUS_FORBIDDEN, "device revoked");
            }
            auto after = work(db, *response);
            if (!after) return tl::unexpected(after.error());
            return Completion([after = std::move(*after), response, done] {
                if (after) after();
                done(std::move(*response));
            });
        };
        auto onError = [done](const Error& e) { done(responseFor(e)); };
        if (repeatable)
            m_storage->postRepeatable(std::move(job), std::move(onError));
        else
            m_storage->post(std::move(job), std::move(onError));
    };

    // A device erasing itself on the firm's order confirms it; the admin sees when.
    if (request.op_case() == proto::Request::kConfirmWipe) {
        return run([this, from](Database& db, proto::Response&) -> Result<Completion> {
            std::uint64_t now = wallClockMs();
            auto st = db.prepare("UPDATE devices SET wiped_ms = ?, revoked_ms = coalesce(revoked_ms, ?), "
                                 "wipe_command = NULL WHERE user = ? AND device = ? AND wipe_command IS NOT NULL");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, std::int64_t(now)).bind(2, std::int64_t(now)).bind(3, std::string_view(from.user))
                .bind(4, std::int64_t(from.device));
            if (auto r = st->run(); !r) return tl::unexpected(r.error());
            if (db.changes() == 0) return reject(proto::STATUS_NOT_FOUND, "no wipe is pending for this device");
            for (const char* sql : {"DELETE FROM prekeys WHERE user = ? AND device = ?",
                                    "DELETE FROM signed_prekeys WHERE user = ? AND device = ?",
                                    "DELETE FROM queue WHERE user = ? AND device = ?"}) {
                auto d = db.prepare(sql);
                if (!d) return tl::unexpected(d.error());
                d->bind(1, std::string_view(from.user)).bind(2, std::int64_t(from.device));
                if (auto r = d->run(); !r) return tl::unexpected(r.error());
            }
            const std::string who = from.user + "/" + std::to_string(from.device);
            if (auto r = recordAdminAction(db, who, "device-wiped", who, {},
                                           {{"user", from.user}, {"device", std::to_string(from.device)}});
                !r)
                return tl::unexpected(r.error());
            return Completion();
        }, /*repeatable*/ false, /*activeOnly: the one request of a wiped device*/ false);
    }
    if (from.wipeOnly) return done(errorResponse(proto::STATUS_FORBIDDEN, "device revoked"));
    switch (request.op_case()) {
    case proto::Request::kConfirmWipe:
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "no wipe"));  // handled above

    case proto::Request::kCreateDeviceLink: {
        if (from.role == proto::ROLE_CLIENT)
            return done(errorResponse(proto::STATUS_FORBIDDEN, "clients link a new device by a new invite"));
        if (auto wait = m_limiter.take("invite:" + from.user, m_config.limits.invite, monotonicMs()))
            return done(errorResponse(proto::STATUS_RATE_LIMITED, "too many links", wait));
        std::uint32_t ttl = request.create_device_link().ttl_seconds();
        if (ttl == 0 || ttl > 900) ttl = 900;
        std::string token = randomHex(16);
        std::string link = linkFor("enroll", token);
        return run([this, from, token, link, ttl](Database& db, proto::Response& out) -> Result<Completion> {
            const std::string who = from.user + "/" + std::to_string(from.device);
            if (auto r = enrollmentTokenJob(db, from.user, token, std::uint64_t(ttl) * 1000, who, "device-link-created", who);
                !r)
                return tl::unexpected(r.error());
            out.mutable_invite()->set_link(link);
            out.mutable_invite()->set_expires_ms(wallClockMs() + std::uint64_t(ttl) * 1000);
            return Completion();
        });
    }

    case proto::Request::kApproveDevice: {
        auto approval = journal::DeviceApproval::parse(view(request.approve_device().approval()));
        if (!approval) return done(errorResponse(proto::STATUS_BAD_REQUEST, "device approval malformed"));
        if (approval->user != from.user || approval->approver != from.device)
            return done(errorResponse(proto::STATUS_FORBIDDEN, "a device approves devices of its own user, as itself"));
        // The signature is checked here against the approver's registered identity key, so a
        // stored approval always verifies for contacts and compliance.
        if (!signal::SessionManager::verify(from.identityKey, approval->signedBytes(), approval->signature))
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "device approval signature does not verify"));
        auto bytes = approval->serialize();
        return run([this, from, a = *approval, bytes](Database& db, proto::Response&) -> Result<Completion> {
            auto st = db.prepare("SELECT identity_key, revoked_ms FROM devices WHERE user = ? AND device = ?");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, std::string_view(a.user)).bind(2, std::int64_t(a.device));
            auto row = st->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) return reject(proto::STATUS_NOT_FOUND, "no such device");
            if (!st->columnIsNull(1)) return reject(proto::STATUS_GONE, "that device was revoked");
            if (!constantTimeEqual(st->columnBlob(0), a.identityKey))
                return reject(proto::STATUS_CONFLICT, "the approval names another identity key than the device has");
            st->reset();
            auto up = db.prepare("UPDATE devices SET pending_ms = NULL, approval = ? WHERE user = ? AND device = ?");
            if (!up) return tl::unexpected(up.error());
            up->bind(1, bytes).bind(2, std::string_view(a.user)).bind(3, std::int64_t(a.device));
            if (auto r = up->run(); !r) return tl::unexpected(r.error());
            const std::string who = from.user + "/" + std::to_string(from.device);
            if (auto r = recordAdminAction(db, who, "device-approved", a.user + "/" + std::to_string(a.device), {},
                                           {{"user", a.user}, {"device", std::to_string(a.device)},
                                            {"identity_key", toHex(a.identityKey)},
                                            {"approver", std::to_string(a.approver)}, {"approval", toHex(bytes)}});
                !r)
                return tl::unexpected(r.error());
            auto notices = devicesChangedNotices(db, a.user, from.device);
            if (!notices) return tl::unexpected(notices.error());
            return Completion([this, notices = std::move(*notices)] { pushLive(notices); });
        });
    }

    case proto::Request::kAdminListDevices: {
        if (from.role != proto::ROLE_ADMIN) return done(errorResponse(proto::STATUS_FORBIDDEN, "admin role required"));
        std::string user = request.admin_list_devices().user();
        return run([user](Database& db, proto::Response& out) -> Result<Completion> {
            auto st = db.prepare(
                "SELECT d.user, d.device, u.role, u.display_name, d.platform, d.app_version, d.enrolled_ms, "
                "d.last_seen_ms, coalesce(d.revoked_ms, 0), coalesce(d.wipe_requested_ms, 0), coalesce(d.wiped_ms, 0), "
                "coalesce(d.pending_ms, 0) "
                "FROM devices d JOIN users u ON u.id = d.user WHERE ? = '' OR d.user = ? ORDER BY d.user, d.device");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, std::string_view(user)).bind(2, std::string_view(user));
            while (true) {
                auto row = st->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) break;
                auto* d = out.mutable_device_list()->add_devices();
                d->set_user(st->columnText(0));
                d->set_device(std::uint32_t(st->columnInt(1)));
                d->set_role(proto::Role(st->columnInt(2)));
                d->set_display_name(st->columnText(3));
                d->set_platform(st->columnText(4));
                d->set_app_version(st->columnText(5));
                d->set_enrolled_ms(std::uint64_t(st->columnInt(6)));
                d->set_last_seen_ms(std::uint64_t(st->columnInt(7)));
                d->set_revoked_ms(std::uint64_t(st->columnInt(8)));
                d->set_wipe_requested_ms(std::uint64_t(st->columnInt(9)));
                d->set_wiped_ms(std::uint64_t(st->columnInt(10)));
                d->set_pending_ms(std::uint64_t(st->columnInt(11)));
            }
            return Completion();
        });
    }

    case proto::Request::kAdminDeviceAction: {
        if (from.role != proto::ROLE_ADMIN) return done(errorResponse(proto::STATUS_FORBIDDEN, "admin role required"));
        auto a = request.admin_device_action();
        if (a.user().empty() || a.device() == 0) return done(errorResponse(proto::STATUS_BAD_REQUEST, "user and device required"));
        if (a.action() != proto::AdminDeviceAction::REVOKE && a.action() != proto::AdminDeviceAction::WIPE)
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "unknown action"));
        return run([this, from, a](Database& db, proto::Response&) -> Result<Completion> {
            const std::string actor = from.user + "/" + std::to_string(from.device);
            auto job = a.action() == proto::AdminDeviceAction::REVOKE ? revokeJob(db, a.user(), a.device(), actor)
                                                                      : wipeJob(db, a.user(), a.device(), actor);
            if (!job && job.error().code == ErrorCode::NotFound) return reject(proto::STATUS_NOT_FOUND, job.error().message);
            return job;
        });
    }

    case proto::Request::kPing:
        return done(proto::Response());

    case proto::Request::kUploadPreKeys: {
        auto up = request.upload_pre_keys();
        // Refused before the keys are checked (a curve operation each); an empty upload only asks
        // for the count and costs nothing.
        if (up.pre_keys_size() > 0 || up.has_signed_pre_key())
            if (auto wait = m_limiter.take("prekey-upload:" + from.user + "/" + std::to_string(from.device),
                                           m_config.limits.preKeyUpload, monotonicMs()))
                return done(errorResponse(proto::STATUS_RATE_LIMITED, "too many pre-key uploads", wait));
        if (auto v = validateKeys(from.identityKey, up); !v)
            return done(responseFor(v.error()));
        return run([this, from, up](Database& db, proto::Response& out) mutable -> Result<Completion> {
            // Issue 16 item 5: a device stores at most maxStoredPreKeys one-time pre-keys. Keys
            // over it are not stored (the answer counts them) rather than the upload refused, so
            // that the signed pre-key it may carry (the weekly rotation) is never lost with them.
            auto before = preKeyCount(db, from.user, from.device);
            if (!before) return tl::unexpected(before.error());
            std::uint32_t room = m_config.maxStoredPreKeys > *before ? m_config.maxStoredPreKeys - *before : 0;
            std::set<std::uint32_t> seen;
            google::protobuf::RepeatedPtrField<proto::PreKey> kept;
            std::uint32_t refused = 0;
            for (const auto& pk : up.pre_keys()) {
                if (!seen.insert(pk.id()).second) continue;  // a repeated id replaces itself
                auto stored = exists(db, "SELECT 1 FROM prekeys WHERE user = ? AND device = ? AND id = ?",
                                     std::string_view(from.user), std::int64_t(from.device), std::int64_t(pk.id()));
                if (!stored) return tl::unexpected(stored.error());
                if (!*stored && room == 0) {
                    ++refused;
                    continue;
                }
                if (!*stored) --room;
                *kept.Add() = pk;
            }
            up.mutable_pre_keys()->Swap(&kept);
            if (auto r = storeKeys(db, from.user, from.device, up); !r) return tl::unexpected(r.error());
            auto n = preKeyCount(db, from.user, from.device);
            if (!n) return tl::unexpected(n.error());
            out.mutable_pre_key_count()->set_remaining(*n);
            out.mutable_pre_key_count()->set_refused(refused);
            if (refused)
                out.set_error("at most " + std::to_string(m_config.maxStoredPreKeys) +
                              " one-time pre-keys are stored per device: " + std::to_string(refused) +
                              " of this upload were not stored");
            return Completion();
        });
    }

    case proto::Request::kFetchBundles: {
        if (auto wait = m_limiter.take("bundle:" + from.user + "/" + std::to_string(from.device),
                                       m_config.limits.preKeyFetch, monotonicMs()))
            return done(errorResponse(proto::STATUS_RATE_LIMITED, "too many bundle fetches", wait));
        std::string target = request.fetch_bundles().user();
        return run([this, from, target](Database& db, proto::Response& out) -> Result<Completion> {
            // Clients may only fetch people they share a conversation with (no directory
            // harvesting); staff may fetch staff.
            if (target != from.user) {
                auto shared = exists(db, "SELECT 1 FROM members a JOIN members b ON a.conversation = b.conversation "
                                         "WHERE a.user = ? AND b.user = ?",
                                     std::string_view(from.user), std::string_view(target));
                if (!shared) return tl::unexpected(shared.error());
                auto staffTarget = exists(db, "SELECT 1 FROM users WHERE id = ? AND role != ?",
                                          std::string_view(target), std::int64_t(proto::ROLE_CLIENT));
                if (!staffTarget) return tl::unexpected(staffTarget.error());
                if (!*shared && !(isStaff(from.role) && *staffTarget))
                    return reject(proto::STATUS_FORBIDDEN, "no shared conversation with this user");
            }
            auto devs = db.prepare("SELECT d.device, d.registration_id, d.identity_key, s.id, s.public_key, "
                                   "s.signature, d.approval, d.link_binding FROM devices d JOIN signed_prekeys s ON s.user = d.user AND "
                                   "s.device = d.device WHERE d.user = ? AND d.revoked_ms IS NULL AND d.pending_ms IS NULL "
                                   "ORDER BY d.device");
            if (!devs) return tl::unexpected(devs.error());
            devs->bind(1, std::string_view(target));
            auto* bundles = out.mutable_bundles();
            bundles->set_user(target);
            std::vector<std::pair<DeviceId, proto::Frame>> lowNotices;
            while (true) {
                auto row = devs->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) break;
                auto* b = bundles->add_devices();
                auto device = std::uint32_t(devs->columnInt(0));
                b->set_device(device);
                b->set_registration_id(std::uint32_t(devs->columnInt(1)));
                Bytes ik = devs->columnBlob(2), spk = devs->columnBlob(4), sig = devs->columnBlob(5);
                b->set_identity_key(std::string(ik.begin(), ik.end()));
                b->mutable_signed_pre_key()->set_id(std::uint32_t(devs->columnInt(3)));
                b->mutable_signed_pre_key()->set_public_key(std::string(spk.begin(), spk.end()));
                b->mutable_signed_pre_key()->set_signature(std::string(sig.begin(), sig.end()));
                if (!devs->columnIsNull(6)) {
                    Bytes approval = devs->columnBlob(6);
                    b->set_approval(std::string(approval.begin(), approval.end()));
                }
                if (!devs->columnIsNull(7)) {
                    Bytes binding = devs->columnBlob(7);
                    b->set_link_binding(std::string(binding.begin(), binding.end()));
                }
                // Hand out each one-time pre-key once: select and delete in this transaction.
                // Issue 16 item 5: one-time keys are handed out at a limited rate per target
                // device and per (requesting device, target device); past either the bundle goes
                // out with the signed pre-key alone (X3DH without a one-time key), so a client
                // that fetches in a loop neither drains them nor stops anyone reaching the device.
                const std::string targetKey = "prekey-target:" + target + "/" + std::to_string(device);
                const std::string pairKey = "prekey-pair:" + from.user + "/" + std::to_string(from.device) + ">" +
                                            target + "/" + std::to_string(device);
                const std::uint64_t nowMono = monotonicMs();
                const bool mayHandOut = m_limiter.peek(targetKey, m_config.limits.preKeyTarget, nowMono) == 0 &&
                                        m_limiter.peek(pairKey, m_config.limits.preKeyPair, nowMono) == 0;
                auto pk = db.prepare("SELECT id, public_key FROM prekeys WHERE user = ? AND device = ? "
                                     "ORDER BY id LIMIT 1");
                if (!pk) return tl::unexpected(pk.error());
                pk->bind(1, std::string_view(target)).bind(2, std::int64_t(device));
                auto have = mayHandOut ? pk->step() : Result<bool>(false);
                if (!have) return tl::unexpected(have.error());
                if (*have) {
                    (void)m_limiter.take(targetKey, m_config.limits.preKeyTarget, nowMono);
                    (void)m_limiter.take(pairKey, m_config.limits.preKeyPair, nowMono);
                    auto id = pk->columnInt(0);
                    Bytes pub = pk->columnBlob(1);
                    b->mutable_pre_key()->set_id(std::uint32_t(id));
                    b->mutable_pre_key()->set_public_key(std::string(pub.begin(), pub.end()));
                    pk->reset();
                    auto del = db.prepare("DELETE FROM prekeys WHERE user = ? AND device = ? AND id = ?");
                    if (!del) return tl::unexpected(del.error());
                    del->bind(1, std::string_view(target)).bind(2, std::int64_t(device)).bind(3, id);
                    if (auto r = del->run(); !r) return tl::unexpected(r.error());
                }
                auto left = preKeyCount(db, target, device);
                if (!left) return tl::unexpected(left.error());
                // At most one pre_keys_low a minute per device: a fetch loop must not flood it.
                if (*left < m_config.preKeyLowWatermark &&
                    m_limiter.take("prekeys-low:" + target + "/" + std::to_string(device),
                                   m_config.limits.preKeysLowPush, nowMono) == 0) {
                    proto::Push p;
                    p.mutable_pre_keys_low()->set_remaining(*left);
                    lowNotices.push_back({DeviceId{target, device, {}, {}}, pushFrame(std::move(p))});
                }
            }
            return Completion([this, lowNotices] { pushLive(lowNotices); });
        });
    }

    case proto::Request::kCreateConversation: {
        if (from.role != proto::ROLE_LAWYER && from.role != proto::ROLE_SUPERVISOR && from.role != proto::ROLE_ADMIN)
            return done(errorResponse(proto::STATUS_FORBIDDEN, "only firm staff open conversations"));
        auto req = request.create_conversation();
        if (req.title().empty() || req.title().size() > 200 || req.members_size() > 100)
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "title must be 1-200 bytes, at most 100 members"));
        return run([this, from, req](Database& db, proto::Response& out) -> Result<Completion> {
            std::string id = randomHex(16);
            std::uint64_t now = wallClockMs();
            auto c = db.prepare("INSERT INTO conversations (id, title, is_matter, created_by, created_ms) VALUES (?, ?, ?, ?, ?)");
            if (!c) return tl::unexpected(c.error());
            c->bind(1, std::string_view(id)).bind(2, std::string_view(req.title())).bind(3, std::int64_t(req.is_matter()))
                .bind(4, std::string_view(from.user)).bind(5, std::int64_t(now));
            if (auto r = c->run(); !r) return tl::unexpected(r.error());
            std::set<std::string> members(req.members().begin(), req.members().end());
            members.insert(from.user);
            auto m = db.prepare("INSERT INTO members (conversation, user, joined_ms) VALUES (?, ?, ?)");
            if (!m) return tl::unexpected(m.error());
            for (const auto& u : members) {
                auto known = exists(db, "SELECT 1 FROM users WHERE id = ?", std::string_view(u));
                if (!known) return tl::unexpected(known.error());
                if (!*known) return reject(proto::STATUS_NOT_FOUND, "unknown member");
                m->bind(1, std::string_view(id)).bind(2, std::string_view(u)).bind(3, std::int64_t(now));
                if (auto r = m->run(); !r) return tl::unexpected(r.error());
            }
            // The members it is created with, space-separated (issue 15 break 6): compliance
            // judges every entry's sender and recipients against the log's own records.
            std::string listed;
            for (const auto& u : members) listed += (listed.empty() ? "" : " ") + u;
            if (auto r = recordAdminAction(db, from.user, "conversation-created", id, req.title(),
                                             {{"title", req.title()}, {"matter", req.is_matter() ? "true" : "false"},
                                              {"members", listed}}); !r) return tl::unexpected(r.error());
            auto conv = loadConversation(db, id);
            if (!conv) return tl::unexpected(conv.error());
            *out.mutable_conversation() = *conv;
            auto devices = memberDevices(db, id);
            if (!devices) return tl::unexpected(devices.error());
            std::vector<std::pair<DeviceId, proto::Frame>> notices;
            for (const auto& d : *devices) {
                proto::Push p;
                *p.mutable_conversation_changed() = *conv;
                notices.push_back({DeviceId{d.user(), d.device(), {}, {}}, pushFrame(std::move(p))});
            }
            return Completion([this, notices] { pushLive(notices); });
        });
    }

    case proto::Request::kListConversations:
        return run([from](Database& db, proto::Response& out) -> Result<Completion> {
            auto st = db.prepare("SELECT conversation FROM members WHERE user = ? ORDER BY joined_ms");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, std::string_view(from.user));
            std::vector<std::string> ids;
            while (true) {
                auto row = st->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) break;
                ids.push_back(st->columnText(0));
            }
            for (const auto& id : ids) {
                auto c = loadConversation(db, id);
                if (!c) return tl::unexpected(c.error());
                *out.mutable_conversations()->add_conversations() = *c;
            }
            return Completion();
        });

    case proto::Request::kListDevices:
        return run([from](Database& db, proto::Response& out) -> Result<Completion> {
            auto list = ownDevices(db, from.user);
            if (!list) return tl::unexpected(list.error());
            *out.mutable_device_list() = std::move(*list);
            return Completion();
        });

    case proto::Request::kListMemberDevices: {
        std::string conv = request.list_member_devices().conversation_id();
        return run([from, conv](Database& db, proto::Response& out) -> Result<Completion> {
            auto member = exists(db, "SELECT 1 FROM members WHERE conversation = ? AND user = ?",
                                 std::string_view(conv), std::string_view(from.user));
            if (!member) return tl::unexpected(member.error());
            if (!*member) return reject(proto::STATUS_FORBIDDEN, "not a member of this conversation");
            auto devices = memberDevices(db, conv);
            if (!devices) return tl::unexpected(devices.error());
            out.mutable_member_devices()->set_conversation_id(conv);
            for (auto& d : *devices) *out.mutable_member_devices()->add_devices() = d;
            return Completion();
        });
    }

    case proto::Request::kSend:
        return handleSend(from, std::move(*request.mutable_send()), std::move(done));

    case proto::Request::kAcknowledge: {
        auto ids = request.acknowledge().queue_ids();
        if (ids.size() > 1000) return done(errorResponse(proto::STATUS_TOO_LARGE, "at most 1000 ids"));
        return run([from, ids](Database& db, proto::Response&) -> Result<Completion> {
            // Scoped to the acknowledging device: nobody can delete another device's queue.
            auto st = db.cached("DELETE FROM queue WHERE id = ? AND user = ? AND device = ?");
            if (!st) return tl::unexpected(st.error());
            for (auto id : ids) {
                st->bind(1, std::int64_t(id)).bind(2, std::string_view(from.user)).bind(3, std::int64_t(from.device));
                if (auto r = st->run(); !r) return tl::unexpected(r.error());
            }
            return Completion();
        }, /*repeatable: a row deleted before a failure may stay deleted; the device acknowledged it*/ true);
    }

    case proto::Request::kPullJournal: {
        if (from.role != proto::ROLE_COMPLIANCE)
            return done(errorResponse(proto::STATUS_FORBIDDEN, "compliance role required"));
        auto after = request.pull_journal().after_sequence();
        auto limit = std::clamp<std::uint32_t>(request.pull_journal().limit(), 1, 1000);
        return run([this, after, limit](Database& db, proto::Response& out) -> Result<Completion> {
            auto* page = out.mutable_journal_page();
            auto st = db.prepare("SELECT seq, entry, chain_hash, server_time_ms FROM journal WHERE seq > ? "
                                 "ORDER BY seq LIMIT ?");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, std::int64_t(after)).bind(2, std::int64_t(limit));
            std::uint64_t last = after;
            std::size_t pageBytes = 0;
            // A page holds at most `limit` rows and about 8 MiB (an entry is at most ~1 MiB).
            while (pageBytes < (8u << 20)) {
                auto row = st->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) break;
                auto* r = page->add_rows();
                last = std::uint64_t(st->columnInt(0));
                r->set_sequence(last);
                Bytes e = st->columnBlob(1), h = st->columnBlob(2);
                r->set_entry(std::string(e.begin(), e.end()));
                r->set_chain_hash(std::string(h.begin(), h.end()));
                r->set_server_time_ms(std::uint64_t(st->columnInt(3)));
                pageBytes += e.size() + 64;
            }
            // Make sure a signed checkpoint covers the head, so the puller can anchor the page.
            if (m_chain.sequence() > m_lastCheckpoint) {
                auto cp = journal::signCheckpoint(m_chain.sequence(), m_chain.head(), wallClockMs(),
                                                  m_config.relayKey.privateKey);
                if (!cp) return tl::unexpected(cp.error());
                auto ins = db.prepare("INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?, ?)");
                if (!ins) return tl::unexpected(ins.error());
                ins->bind(1, std::int64_t(cp->sequence)).bind(2, cp->serialize());
                if (auto r = ins->run(); !r) return tl::unexpected(r.error());
                m_lastCheckpoint = cp->sequence;
            }
            auto cps = db.prepare("SELECT data FROM checkpoints WHERE seq > ? AND (seq <= ? OR seq = "
                                  "(SELECT max(seq) FROM checkpoints)) ORDER BY seq");
            if (!cps) return tl::unexpected(cps.error());
            cps->bind(1, std::int64_t(after)).bind(2, std::int64_t(last));
            while (true) {
                auto row = cps->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) break;
                Bytes d = cps->columnBlob(0);
                page->add_checkpoints(std::string(d.begin(), d.end()));
            }
            page->set_head_sequence(m_chain.sequence());
            return Completion();
        });
    }

    case proto::Request::kCreateInvite: {
        if (from.role != proto::ROLE_LAWYER && from.role != proto::ROLE_SUPERVISOR)
            return done(errorResponse(proto::STATUS_FORBIDDEN, "only lawyers and supervisors invite clients"));
        if (auto wait = m_limiter.take("invite:" + from.user, m_config.limits.invite, monotonicMs()))
            return done(errorResponse(proto::STATUS_RATE_LIMITED, "too many invites", wait));
        auto req = request.create_invite();
        std::uint64_t ttl = req.ttl_seconds() ? std::uint64_t(req.ttl_seconds()) * 1000 : 7 * kDay;
        if (ttl > 30 * kDay) return done(errorResponse(proto::STATUS_BAD_REQUEST, "invites last at most 30 days"));
        return run([this, from, req, ttl](Database& db, proto::Response& out) -> Result<Completion> {
            auto member = exists(db, "SELECT 1 FROM members m JOIN conversations c ON c.id = m.conversation "
                                     "WHERE m.conversation = ? AND m.user = ? AND c.is_matter = 1",
                                 std::string_view(req.conversation_id()), std::string_view(from.user));
            if (!member) return tl::unexpected(member.error());
            if (!*member) return reject(proto::STATUS_FORBIDDEN, "invites are for matters you are a member of");
            auto token = mintInviteToken(db);
            if (!token) return tl::unexpected(token.error());
            std::uint64_t now = wallClockMs();
            // The device that makes it is recorded: the invite dies when that device is revoked
            // or wiped (issue 16 item 7), as a device link does.
            if (auto r = execute(db, "INSERT INTO tokens (hash, kind, conversation, inviter, created_ms, expires_ms, "
                                     "lookup, inviter_device) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 ByteView(tokenHash(*token)), std::int64_t(kTokenInvite),
                                 std::string_view(req.conversation_id()), std::string_view(from.user),
                                 std::int64_t(now), std::int64_t(now + ttl), std::string_view(lookupOf(*token)),
                                 std::int64_t(from.device));
                !r)
                return tl::unexpected(r.error());
            if (auto r = recordAdminAction(db, from.user, "invite-created", req.conversation_id(), {},
                                           {{"invite", lookupOf(*token)},
                                            {"device", std::to_string(from.device)}});
                !r)
                return tl::unexpected(r.error());
            out.mutable_invite()->set_link(linkFor("join", *token));
            out.mutable_invite()->set_expires_ms(now + ttl);
            out.mutable_invite()->set_id(lookupOf(*token));
            return Completion();
        });
    }

    case proto::Request::kListInvites: {
        if (from.role != proto::ROLE_LAWYER && from.role != proto::ROLE_SUPERVISOR)
            return done(errorResponse(proto::STATUS_FORBIDDEN, "only lawyers and supervisors have invites"));
        return run([from](Database& db, proto::Response& out) -> Result<Completion> {
            auto rows = inviteRows(db, from.user, {}, 500);
            if (!rows) return tl::unexpected(rows.error());
            auto* list = out.mutable_invite_list();
            for (auto& i : *rows) *list->add_invites() = std::move(i);
            return Completion();
        });
    }

    case proto::Request::kRevokeInvite: {
        if (from.role != proto::ROLE_LAWYER && from.role != proto::ROLE_SUPERVISOR)
            return done(errorResponse(proto::STATUS_FORBIDDEN, "only lawyers and supervisors have invites"));
        const std::string id = request.revoke_invite().id();
        if (id.size() != kLookupChars || id.find_first_not_of("0123456789abcdef") != std::string::npos)
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "an invite id is 8 lowercase hex digits"));
        return run([this, from, id](Database& db, proto::Response& out) -> Result<Completion> {
            auto revoked = revokeInviteJob(db, id, from.user, from.user + "/" + std::to_string(from.device));
            if (!revoked) return tl::unexpected(revoked.error());
            *out.mutable_invite_list()->add_invites() = std::move(*revoked);
            return Completion();
        });
    }

    case proto::Request::OP_NOT_SET:
        break;
    }
    done(errorResponse(proto::STATUS_BAD_REQUEST, "unknown request"));
}

// ---- send -----------------------------------------------------------------------------------

void RelayService::handleSend(const DeviceId& from, proto::SendMessage send, Done done) {
    if (auto wait = m_limiter.take("send:" + from.user + "/" + std::to_string(from.device),
                                   m_config.limits.send, monotonicMs()))
        return done(errorResponse(proto::STATUS_RATE_LIMITED, "sending too fast", wait));
    if (send.message_id().size() != journal::kMessageIdSize)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "message id must be 16 bytes"));
    if (send.envelopes_size() == 0 || std::size_t(send.envelopes_size()) > m_config.maxEnvelopesPerSend)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "envelope count out of range"));
    for (const auto& e : send.envelopes()) {
        if (e.body().empty() || e.body().size() > m_config.maxEnvelopeBytes)
            return done(errorResponse(proto::STATUS_TOO_LARGE, "envelope body size out of range"));
        if (e.type() != 2 && e.type() != 3)
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "unknown envelope type"));
    }
    // The blobs this message's attachments name, declared in clear (the relay cannot read the
    // message): checked against their uploader in the job, then kept for good (BlobStore).
    if (send.blob_ids_size() > BlobStore::kMaxReferencesPerSend)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "too many attachments in one message"));
    for (int i = 0; i < send.blob_ids_size(); ++i) {
        if (send.blob_ids(i).size() != 32)
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "a blob id is 32 bytes"));
        for (int j = 0; j < i; ++j)
            if (send.blob_ids(j) == send.blob_ids(i))
                return done(errorResponse(proto::STATUS_BAD_REQUEST, "a blob is declared twice"));
    }
    // No journal, no delivery: the entry must parse, name this message and this device, be
    // sealed to the current journal key and (unless the firm leaves signatures to compliance)
    // carry this device's signature. All of it is checked here, off the storage thread.
    if (send.journal_entry().empty())
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry missing"));
    auto entry = journal::SealedEntry::parse(view(send.journal_entry()));
    if (!entry) return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry malformed"));
    const auto& h = entry->header;
    if (!constantTimeEqual(h.messageId, view(send.message_id())))
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry is for another message"));
    if (h.senderUser != from.user || h.senderDevice != from.device)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry names another sender"));
    // Issue 15 break 6: the journal's conversation and recipients are those of the delivery.
    // Header version 1 did not name them: such a sender is refused, not downgraded.
    if (h.version < journal::kHeaderVersion)
        return done(errorResponse(proto::STATUS_BAD_REQUEST,
                                  "journal entry format 1 is no longer accepted: update the app"));
    if (h.conversationId != send.conversation_id())
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry names another conversation"));
    if (!constantTimeEqual(h.journalKeyId, journal::journalKeyId(m_config.journalPublicKey)))
        return done(errorResponse(proto::STATUS_JOURNAL_KEY_CHANGED, "journal entry sealed to a journal key that is not current"));
    if (m_config.verifyJournalSignatures && !journal::verifyEntrySignature(*entry, from.identityKey))
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry signature does not verify"));
    Bytes commitment(h.commitment.begin(), h.commitment.end());
    // Consent (issue 17): a declared acceptance must name a notice this relay knows, exactly.
    const bool declaresNotice = send.has_notice_acceptance();
    if (declaresNotice && !journal::isKnownNotice(send.notice_acceptance().version(),
                                                  view(send.notice_acceptance().text_sha256())))
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "the accepted recording notice is not one this relay knows"));
    const bool needsNotice = m_config.requireNoticeAcceptance && from.role == proto::ROLE_CLIENT && !declaresNotice;

    auto sendPtr = std::make_shared<proto::SendMessage>(std::move(send));
    auto response = std::make_shared<proto::Response>();
    // Every refusal below comes before the first write, and the writes are plain INSERTs: the
    // job needs no savepoint (StorageThread::postWritesLast).
    m_storage->postWritesLast(
        [this, from, sendPtr, commitment, response, done, recipients = h.recipientsDigest, needsNotice,
         declaresNotice](Database& db) -> Result<Completion> {
            const auto& s = *sendPtr;
            // Idempotent retry: the same (device, message id) was stored before.
            auto prior = db.cached("SELECT s.journal_seq, s.server_time_ms, j.chain_hash FROM sends s "
                                    "JOIN journal j ON j.seq = s.journal_seq WHERE s.sender_user = ? AND "
                                    "s.sender_device = ? AND s.message_id = ?");
            if (!prior) return tl::unexpected(prior.error());
            prior->bind(1, std::string_view(from.user)).bind(2, std::int64_t(from.device)).bind(3, view(s.message_id()));
            auto seen = prior->step();
            if (!seen) return tl::unexpected(seen.error());
            if (*seen) {
                // Even a repeat is answered only to a device that is still active.
                auto active = isActive(db, from.user, from.device);
                if (!active) return tl::unexpected(active.error());
                if (!*active) return reject(proto::STATUS_FORBIDDEN, "device revoked");
                auto* r = response->mutable_send_result();
                r->set_journal_sequence(std::uint64_t(prior->columnInt(0)));
                r->set_server_time_ms(std::uint64_t(prior->columnInt(1)));
                Bytes ch = prior->columnBlob(2);
                r->set_chain_hash(std::string(ch.begin(), ch.end()));
                r->set_duplicate(true);
                return Completion([response, done] { done(*response); });
            }
            // One query gives the membership check, the device check and the device set: the set
            // holds active devices only, so the sender is listed exactly when its user is a member
            // and it is still active (not revoked or wiped since it authenticated). Changes by
            // another process (`verbatim-relay admin`) were picked up when the batch began.
            auto members = cachedMemberDevices(db, s.conversation_id());
            if (!members) return tl::unexpected(members.error());
            const auto& all = **members;  // sorted
            const std::pair<std::string, std::uint32_t> self{from.user, from.device};
            if (!std::binary_search(all.begin(), all.end(), self)) {
                auto active = isActive(db, from.user, from.device);
                if (!active) return tl::unexpected(active.error());
                if (!*active) return reject(proto::STATUS_FORBIDDEN, "device revoked");
                return reject(proto::STATUS_FORBIDDEN, "not a member of this conversation");
            }
            // Consent: an outside party's first send into a conversation is its notice
            // acceptance; anything else waits until one is journaled (docs/protocol.md).
            if (needsNotice) {
                auto accepted = db.cached("SELECT 1 FROM notices WHERE conversation = ? AND user = ?");
                if (!accepted) return tl::unexpected(accepted.error());
                accepted->bind(1, std::string_view(s.conversation_id())).bind(2, std::string_view(from.user));
                auto row = accepted->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) return reject(proto::STATUS_NOTICE_REQUIRED, "accept the recording notice first");
            }

            // The envelope list must match the current device set exactly (Signal-Server's 409).
            std::vector<std::pair<std::string_view, std::uint32_t>> givenList;
            givenList.reserve(std::size_t(s.envelopes_size()));
            for (const auto& e : s.envelopes()) givenList.emplace_back(e.user(), e.device());
            std::sort(givenList.begin(), givenList.end());
            if (std::adjacent_find(givenList.begin(), givenList.end()) != givenList.end())
                return reject(proto::STATUS_BAD_REQUEST, "two envelopes for one device");
            bool same = givenList.size() + 1 == all.size();
            for (std::size_t i = 0, j = 0; same && i < all.size(); ++i) {
                if (all[i] == self) continue;
                same = all[i].first == givenList[j].first && all[i].second == givenList[j].second;
                ++j;
            }
            if (!same) {
                std::set<std::pair<std::string, std::uint32_t>> expected, given;
                for (const auto& d : all)
                    if (d != self) expected.insert(d);
                for (const auto& [user, device] : givenList) given.insert({std::string(user), device});
                auto* mm = response->mutable_device_mismatch();
                for (const auto& d : expected)
                    if (!given.count(d)) {
                        auto* a = mm->add_missing();
                        a->set_user(d.first);
                        a->set_device(d.second);
                    }
                for (const auto& d : given)
                    if (!expected.count(d)) {
                        auto* a = mm->add_extra();
                        a->set_user(d.first);
                        a->set_device(d.second);
                    }
                response->set_status(proto::STATUS_CONFLICT);
                response->set_error("device list changed");
                // Nothing was written, and the error refuses the send; the response must still
                // carry the lists, so signal through the response object.
                return reject(proto::STATUS_CONFLICT, "device list changed");
            }
            // The envelope list is now the members' current devices: the header's recipients
            // digest must be over exactly these.
            if (!constantTimeEqual(journal::recipientsDigest(givenList), recipients))
                return reject(proto::STATUS_BAD_REQUEST, "journal entry names other recipients than the delivery");

            if (auto r = BlobStore::checkReferences(db, from.user, from.device, s.blob_ids()); !r)
                return tl::unexpected(r.error());

            std::uint64_t now = wallClockMs();
            auto appended = appendJournal(db, view(s.journal_entry()), now);
            if (!appended) return tl::unexpected(appended.error());
            std::uint64_t seq = *appended;
            if (auto r = BlobStore::recordReferences(db, s.blob_ids(), seq, now); !r) return tl::unexpected(r.error());
            if (declaresNotice) {  // counted once journaled: same transaction as the entry
                auto n = db.cached("INSERT OR IGNORE INTO notices (conversation, user, journal_seq, version, accepted_ms) "
                                   "VALUES (?, ?, ?, ?, ?)");
                if (!n) return tl::unexpected(n.error());
                n->bind(1, std::string_view(s.conversation_id())).bind(2, std::string_view(from.user))
                    .bind(3, std::int64_t(seq)).bind(4, std::int64_t(s.notice_acceptance().version()))
                    .bind(5, std::int64_t(now));
                if (auto r = n->run(); !r) return tl::unexpected(r.error());
            }
            const journal::ChainHash head = m_chain.head();

            auto q = db.cached("INSERT INTO queue (user, device, message_id, conversation, sender_user, sender_device, "
                                "type, body, server_time_ms, commitment, journal_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            if (!q) return tl::unexpected(q.error());
            std::vector<std::pair<DeviceId, proto::Frame>> frames;
            frames.reserve(std::size_t(s.envelopes_size()));
            for (const auto& e : s.envelopes()) {
                q->bind(1, std::string_view(e.user())).bind(2, std::int64_t(e.device())).bind(3, view(s.message_id()))
                    .bind(4, std::string_view(s.conversation_id())).bind(5, std::string_view(from.user))
                    .bind(6, std::int64_t(from.device)).bind(7, std::int64_t(e.type())).bind(8, view(e.body()))
                    .bind(9, std::int64_t(now)).bind(10, commitment).bind(11, std::int64_t(seq));
                if (auto r = q->run(); !r) return tl::unexpected(r.error());
                proto::Push p;
                auto* env = p.mutable_envelope();
                env->set_queue_id(std::uint64_t(db.lastInsertRowId()));
                env->set_message_id(s.message_id());
                env->set_conversation_id(s.conversation_id());
                env->mutable_sender()->set_user(from.user);
                env->mutable_sender()->set_device(from.device);
                env->set_type(e.type());
                env->set_body(e.body());
                env->set_server_time_ms(now);
                env->set_commitment(std::string(commitment.begin(), commitment.end()));
                env->set_journal_sequence(seq);
                env->set_journal_entry(s.journal_entry());
                frames.push_back({DeviceId{e.user(), e.device(), {}, {}}, pushFrame(std::move(p))});
            }
            auto sent = db.cached("INSERT INTO sends (sender_user, sender_device, message_id, journal_seq, "
                                   "server_time_ms) VALUES (?, ?, ?, ?, ?)");
            if (!sent) return tl::unexpected(sent.error());
            sent->bind(1, std::string_view(from.user)).bind(2, std::int64_t(from.device)).bind(3, view(s.message_id()))
                .bind(4, std::int64_t(seq)).bind(5, std::int64_t(now));
            if (auto r = sent->run(); !r) return tl::unexpected(r.error());

            auto* r = response->mutable_send_result();
            r->set_server_time_ms(now);
            r->set_journal_sequence(seq);
            r->set_chain_hash(std::string(head.begin(), head.end()));
            return Completion([this, frames = std::move(frames), response, done] {
                done(*response);
                pushLive(frames);
            });
        },
        [done, response](const Error& e) {
            // A 409 carries its device lists in the response the job filled in.
            if (response->status() == proto::STATUS_CONFLICT) return done(*response);
            done(responseFor(e));
        });
}

// ---- delivery -------------------------------------------------------------------------------------

void RelayService::connect(const DeviceId& device, std::shared_ptr<PushSink> sink) {
    // A device that was offline while its one-time pre-keys ran low or out (bundles went out with
    // the signed pre-key alone) hears of it as it connects, before its queue. Once per connection
    // (not under the once-a-minute limit of the fetch pushes, which it may have missed).
    if (!device.wipeOnly)
        m_storage->postBetweenBatches([this, device, sink](Database& db) {
            auto active = isActive(db, device.user, device.device);
            auto left = preKeyCount(db, device.user, device.device);
            if (!active || !*active || !left || *left >= m_config.preKeyLowWatermark) return;
            proto::Push p;
            p.mutable_pre_keys_low()->set_remaining(*left);
            sink->push(pushFrame(std::move(p)));
        });
    drain(device, std::move(sink), 0, 0);
}

void RelayService::disconnect(const DeviceId& device, const PushSink* sink) {
    std::lock_guard lock(m_sinksMutex);
    auto it = m_live.find(device);
    if (it != m_live.end()) {
        auto current = it->second.lock();
        if (!current || current.get() == sink) m_live.erase(it);
    }
}

// Pages through the device's queue between batches (only committed rows, and no commit can
// slip in between the last page and going live), then registers the sink for live pushes.
// `delivered` counts the envelopes earlier pages pushed; the final QueueDrained carries the total.
void RelayService::drain(const DeviceId& device, std::shared_ptr<PushSink> sink, std::uint64_t afterId,
                         std::uint64_t delivered) {
    m_storage->postBetweenBatches([this, device, sink, afterId, delivered](Database& db) {
        // A device revoked or wiped between its authentication and this page must not go on, nor
        // go live: revocations and wipes only reach sinks that are registered at the time. Checked
        // on every page, since one may be committed between two pages.
        auto wipe = db.prepare("SELECT wipe_command FROM devices WHERE user = ? AND device = ? AND wipe_command IS NOT NULL");
        if (!wipe) {
            sink->close(1011, "storage unavailable");
            return;
        }
        wipe->bind(1, std::string_view(device.user)).bind(2, std::int64_t(device.device));
        auto pending = wipe->step();
        if (pending && *pending) {
            // The wipe goes before anything else, and nothing follows it: the connection is
            // wipe-only from here on.
            Bytes cmd = wipe->columnBlob(0);
            sink->restrictToWipe();
            proto::Push p;
            p.set_wipe_command(std::string(cmd.begin(), cmd.end()));
            sink->push(pushFrame(std::move(p)));
            return;
        }
        auto active = isActive(db, device.user, device.device);
        if (!active) {
            sink->close(1011, "storage unavailable");
            return;
        }
        if (!*active) {
            sink->close(4403, "device revoked");
            return;
        }
        // Each envelope goes with its journal entry (the recipient's journal copy check).
        auto st = db.cached("SELECT q.id, q.message_id, q.conversation, q.sender_user, q.sender_device, q.type, "
                             "q.body, q.server_time_ms, q.commitment, q.journal_seq, j.entry FROM queue q "
                             "LEFT JOIN journal j ON j.seq = q.journal_seq WHERE q.user = ? AND q.device = ? "
                             "AND q.id > ? ORDER BY q.id LIMIT ?");
        if (!st) {
            sink->close(1011, "storage unavailable");
            return;
        }
        st->bind(1, std::string_view(device.user)).bind(2, std::int64_t(device.device))
            .bind(3, std::int64_t(afterId)).bind(4, std::int64_t(m_config.drainPage));
        std::uint64_t last = afterId;
        std::uint32_t count = 0;
        std::vector<proto::Frame> page;
        while (true) {
            auto row = st->step();
            if (!row) {
                sink->close(1011, "storage unavailable");
                return;
            }
            if (!*row) break;
            ++count;
            proto::Push p;
            auto* e = p.mutable_envelope();
            last = std::uint64_t(st->columnInt(0));
            e->set_queue_id(last);
            Bytes mid = st->columnBlob(1), body = st->columnBlob(6), c = st->columnBlob(8);
            e->set_message_id(std::string(mid.begin(), mid.end()));
            e->set_conversation_id(st->columnText(2));
            e->mutable_sender()->set_user(st->columnText(3));
            e->mutable_sender()->set_device(std::uint32_t(st->columnInt(4)));
            e->set_type(std::uint32_t(st->columnInt(5)));
            e->set_body(std::string(body.begin(), body.end()));
            e->set_server_time_ms(std::uint64_t(st->columnInt(7)));
            e->set_commitment(std::string(c.begin(), c.end()));
            e->set_journal_sequence(std::uint64_t(st->columnInt(9)));
            Bytes entry = st->columnBlob(10);
            e->set_journal_entry(std::string(entry.begin(), entry.end()));
            page.push_back(pushFrame(std::move(p)));
        }
        // Closed or too slow: the rows stay queued for the next connection. Close the sink as
        // pushLive() does, or a slow reader would stay connected and never receive anything.
        if (!sink->pushAll(page)) {
            sink->close(1013, "too slow; reconnect to resume");
            return;
        }
        if (count == m_config.drainPage) return drain(device, sink, last, delivered + count);
        proto::Push drained;
        drained.mutable_queue_drained()->set_delivered(delivered + count);
        if (!m_restoreEpoch.empty()) {
            drained.mutable_queue_drained()->set_restore_epoch(m_restoreEpoch);
            drained.mutable_queue_drained()->set_restored_journal_sequence(m_restoredSequence);
        }
        if (!sink->push(pushFrame(std::move(drained)))) {
            sink->close(1013, "too slow; reconnect to resume");
            return;
        }
        std::lock_guard lock(m_sinksMutex);
        m_live[device] = sink;
    });
}

void RelayService::applyExternalChanges() {
    m_storage->postBetweenBatches([this](Database& db) {
        auto st = db.prepare("SELECT user, device, coalesce(revoked_ms, 0), coalesce(wipe_requested_ms, 0), wipe_command "
                             "FROM devices WHERE revoked_ms > ? OR wipe_requested_ms > ?");
        if (!st) return;
        st->bind(1, std::int64_t(m_externalWatermarkMs)).bind(2, std::int64_t(m_externalWatermarkMs));
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

void RelayService::pushLive(const std::vector<std::pair<DeviceId, proto::Frame>>& frames) {
    for (const auto& [device, frame] : frames) {
        std::shared_ptr<PushSink> sink;
        {
            std::lock_guard lock(m_sinksMutex);
            auto it = m_live.find(device);
            if (it == m_live.end()) continue;
            sink = it->second.lock();
            if (!sink) {
                m_live.erase(it);
                continue;
            }
        }
        // A sink that refuses (slow reader) is dropped from live delivery; its queue rows stay
        // and are drained on its next connection.
        if (!sink->push(frame)) {
            std::lock_guard lock(m_sinksMutex);
            m_live.erase(device);
            sink->close(1013, "too slow; reconnect to resume");
        }
    }
}

}  // namespace verbatim::relay
