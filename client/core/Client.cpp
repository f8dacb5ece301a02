#include "client/core/Client.h"
#include "client/core/MediaType.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <limits>
#include <thread>

#include "client/core/AccountStore.h"
#include "client/core/ConnectionSupervisor.h"
#include "client/core/ContactTrust.h"
#include "client/core/CoreUtil.h"
#include "client/core/Link.h"
#include "client/core/MessageStore.h"
#include "client/core/Outbox.h"
#include "client/core/Receiver.h"
#include "client/core/Profile.h"
#include "client/core/RelayConnection.h"
#include "common/Json.h"
#include "common/Log.h"
#include "crypto/Aes.h"
#include "crypto/Digest.h"
#include "crypto/Random.h"
#include "journal/AttachmentBlob.h"
#include "journal/Commitment.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "journal/SealedEntry.h"
#include "journal/WipeCommand.h"
#include "signal/SafetyNumber.h"
#include "signal/SessionManager.h"
#include "signal/SqlProtocolStore.h"

namespace verbatim::client {

namespace fs = std::filesystem;
using storage::Database;
using storage::Transaction;

namespace {

// A manifest a client may act on: signed by the firm root it pinned, with a journal key, and
// naming the relay it talks to (issue 15 break 8).
bool manifestAcceptable(const journal::FirmManifest& m, std::string_view fingerprint, std::string_view relay) {
    return m.verify(fingerprint) && m.currentJournalKey() && m.namesRelay(relay);
}

constexpr std::uint32_t kPreKeyBatch = 100;
constexpr std::size_t kMaxAttachment = 100ull * 1024 * 1024;
constexpr int kMaxSendAttempts = 4;
constexpr int kWindow = 32;  ///< outbox messages in flight at once

/// The relay's device list as views; `self` marks this device (own lists carry no user).
std::vector<DeviceView> deviceViews(const proto::DeviceList& list, const Account& self) {
    std::vector<DeviceView> out;
    for (const auto& d : list.devices()) {
        DeviceView v;
        v.device = d.device();
        v.platform = d.platform();
        v.appVersion = d.app_version();
        v.enrolledMs = d.enrolled_ms();
        v.lastSeenMs = d.last_seen_ms();
        v.revokedMs = d.revoked_ms();
        v.wipeRequestedMs = d.wipe_requested_ms();
        v.thisDevice = (d.user().empty() || d.user() == self.user) && d.device() == self.device;
        v.user = d.user();
        v.displayName = d.display_name();
        v.role = d.role() == proto::ROLE_UNSPECIFIED ? std::string() : roleText(d.role());
        v.wipedMs = d.wiped_ms();
        v.pendingMs = d.pending_ms();
        v.approved = !d.approval().empty();
        out.push_back(std::move(v));
    }
    return out;
}

}  // namespace

const char* stateName(MessageState s) {
    switch (s) {
    case MessageState::Queued: return "queued";
    case MessageState::Sent: return "sent";
    case MessageState::Delivered: return "delivered";
    case MessageState::Read: return "read";
    case MessageState::Received: return "received";
    case MessageState::Blocked: return "blocked";
    case MessageState::Failed: return "failed";
    case MessageState::Mismatch: return "mismatch";
    }
    return "unknown";
}

const char* kindName(MessageKind k) {
    switch (k) {
    case MessageKind::Text: return "text";
    case MessageKind::Attachment: return "attachment";
    case MessageKind::System: return "system";
    case MessageKind::Notice: return "notice";
    case MessageKind::Mismatch: return "mismatch";
    }
    return "unknown";
}

const char* eventName(Event::Kind k) {
    switch (k) {
    case Event::Kind::Message: return "message";
    case Event::Kind::Edited: return "edited";
    case Event::Kind::Retracted: return "retracted";
    case Event::Kind::Reaction: return "reaction";
    case Event::Kind::Receipt: return "receipt";
    case Event::Kind::Sent: return "sent";
    case Event::Kind::SendFailed: return "send_failed";
    case Event::Kind::ConversationChanged: return "conversation_changed";
    case Event::Kind::SafetyNumberChanged: return "safety_number_changed";
    case Event::Kind::JournalMismatch: return "journal_mismatch";
    case Event::Kind::Undecryptable: return "undecryptable";
    case Event::Kind::Connected: return "connected";
    case Event::Kind::Disconnected: return "disconnected";
    case Event::Kind::Synced: return "synced";
    case Event::Kind::Revoked: return "revoked";
    case Event::Kind::Wiped: return "wiped";
    case Event::Kind::JournalKeyRotated: return "journal_key_rotated";
    case Event::Kind::JournalKeyRefused: return "journal_key_refused";
    case Event::Kind::AwaitingApproval: return "awaiting_approval";
    case Event::Kind::DeviceAdded: return "device_added";
    case Event::Kind::DeviceApprovalRequested: return "device_approval_requested";
    case Event::Kind::ConnectedElsewhere: return "connected_elsewhere";
    }
    return "unknown";
}

std::string Event::json() const {
    std::string out = std::string("{\"event\":\"") + eventName(kind) + "\"";
    auto field = [&](const char* name, const std::string& v) {
        if (!v.empty()) out += std::string(",\"") + name + "\":" + jsonQuote(v);
    };
    field("conversation", conversation);
    field("id", messageId);
    field("ref", refId);
    field("sender", sender);
    field("text", text);
    field("detail", detail);
    if (serverTimeMs) out += ",\"server_time_ms\":" + std::to_string(serverTimeMs);
    out += "}";
    return out;
}

// ---------------------------------------------------------------------------------------------

/// The client's data lock: a plain mutex that knows which thread holds it. Two mistakes are
/// caught where they happen instead of hanging: taking it twice on one thread (std::mutex would
/// deadlock) and making a relay call while holding it (which would stall every other caller,
/// the GUI among them, for as long as the relay takes to answer).
class DataMutex {
public:
    void lock() {
        if (heldHere()) {
            log::write(log::Level::Error, "client.lock_reentered", {});
            std::abort();
        }
        m_mutex.lock();
        m_owner.store(std::this_thread::get_id());
    }
    void unlock() {
        m_owner.store(std::thread::id());
        m_mutex.unlock();
    }
    bool heldHere() const { return m_owner.load() == std::this_thread::get_id(); }

private:
    std::mutex m_mutex;
    std::atomic<std::thread::id> m_owner{};
};

struct Client::Impl {
    ProfilePaths paths;
    std::unique_ptr<Database> db;
    std::shared_ptr<signal::SignalContext> ctx;
    std::unique_ptr<signal::SqlProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    std::unique_ptr<MessageStore> messages;  ///< over `db`; reset with it
    std::unique_ptr<AccountStore> accounts;  ///< over `db`; reset with it
    std::unique_ptr<Outbox> outbox;          ///< over `db`; reset with it
    std::unique_ptr<ContactTrust> trust;     ///< over `db` and `sessions`; reset with them
    std::unique_ptr<Receiver> receiver;      ///< over the above; reset with them
    journal::FirmManifest manifest;
    Account acct;
    DeviceCredentials creds;
    Endpoint endpoint;
    bool manifestOk = false;

    // Data: everything that touches the database or the sessions. Never held across a relay
    // call: take what the call needs under it, release it, call, then take it again and check
    // that the profile is still there (a wipe may have come in meanwhile).
    DataMutex mutex;

    // Events.
    std::mutex handlerMutex;
    EventHandler handler;

    // Connection.
    std::unique_ptr<ConnectionSupervisor> supervisor;  ///< made by open(), with the credentials
    std::atomic<bool> wiped{false};
    bool revoked() const { return supervisor && supervisor->revoked(); }
    bool connectedElsewhere() const { return supervisor && supervisor->connectedElsewhere(); }

    // Worker.
    std::mutex queueMutex;
    std::condition_variable queueCv;
    std::deque<std::function<void()>> queue;
    std::thread worker;
    bool workerStop = false;

    // Sync state (guarded by queueMutex).
    std::condition_variable syncCv;
    std::uint64_t generation = 0, drainedGeneration = 0;
    bool outboxIdle = true;
    std::chrono::steady_clock::time_point retryAt{};

    // Worker-thread state.
    std::map<std::string, std::vector<proto::DeviceAddress>> deviceCache;
    std::map<std::string, std::string> pendingDelivered;  ///< conversation -> newest received id

    // ---- setup --------------------------------------------------------------------------------
    Result<void> loadAccount();
    /// A copy of the relay address and pins, taken under the mutex (a manifest refresh may
    /// change the pins while another thread connects).
    Endpoint currentEndpoint() {
        std::lock_guard lock(mutex);
        return endpoint;
    }
    /// A link the relay built for us to hand out: it must name our firm, a relay our manifest
    /// names and our certificate pin, or a breached relay could send people elsewhere.
    Result<void> checkRelayLink(const std::string& link);
    // Device approval (issue 15 break 2).
    std::set<std::uint32_t> approvalRequested;  ///< own pending devices already announced (mutex)
    /// Approves own pending devices that prove they hold one of our link secrets; announces the
    /// others. Runs on the worker.
    void reviewOwnDevices(const proto::DeviceList& list);
    /// Signs and sends an approval of own device `device`; returns the approval's bytes.
    Result<std::string> sendApproval(std::uint32_t device, ByteView identityKey);
    void withholdAttachment(const std::string& messageId, const std::string& why);
    Result<std::string> queueMismatchReport(const std::string& conversation, const std::string& messageId,
                                            const std::string& sender, std::uint64_t journalSeq,
                                            const std::string& fields);
    /// The journal copy check of a received record against the entry its envelope carries.
    Result<void> checkJournalCopy(const proto::JournalRecord& rec, const proto::Envelope& e) const;

    // ---- events -------------------------------------------------------------------------------
    void emit(const Event& e) {
        EventHandler h;
        {
            std::lock_guard lock(handlerMutex);
            h = handler;
        }
        if (h) h(e);
    }

    // ---- worker -------------------------------------------------------------------------------
    void post(std::function<void()> job) {
        {
            std::lock_guard lock(queueMutex);
            queue.push_back(std::move(job));
        }
        queueCv.notify_one();
    }
    void workerLoop();
    void idleWork();

    // ---- connection ---------------------------------------------------------------------------
    std::shared_ptr<RelayConnection> connection() { return supervisor ? supervisor->connection() : nullptr; }
    Result<proto::Response> call(const proto::Request& r, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (mutex.heldHere()) {
            log::write(log::Level::Error, "client.call_under_lock", {});
            return fail(ErrorCode::Internal, "a relay call was made under the client's data lock");
        }
        auto c = connection();
        if (!c || !c->isOpen()) return fail(ErrorCode::Storage, "not connected to the relay");
        return c->call(r, timeout);
    }
    void onPush(const proto::Push& p);

    // ---- protocol -----------------------------------------------------------------------------
    Result<proto::Request> preparePreKeyUpload(bool newSignedPreKey);
    Result<void> uploadPreKeys(bool newSignedPreKey);  ///< takes `mutex` itself, not across the call
    Result<std::vector<proto::DeviceAddress>> memberDevices(const std::string& conversation, bool refresh);
    Result<void> ensureSessions(const std::vector<proto::DeviceAddress>& devices, std::set<std::string>* changedUsers);
    /// Fetches `user`'s bundles when no identity key of theirs is known (takes `mutex` itself).
    void fetchIdentityIfUnknown(const std::string& user);
    Result<void> refreshConversations();
    /// False when the relay could not be reached.
    bool refreshManifest();
    void touchGuard();
    Result<void> adminAction(const std::string& user, std::uint32_t device, proto::AdminDeviceAction::Action action);
    void rotateSignedPreKeyIfDue();
    bool manifestStale = false;  ///< worker: the relay said our journal key is not current

    // ---- outbox -------------------------------------------------------------------------------
    Result<std::string> enqueue(proto::JournalRecord rec, MessageKind localKind, bool storeLocally);
    Result<std::string> sendChange(const proto::JournalRecord& rec);
    void scheduleFlush() {
        post([this] { flushOutbox(); });
    }
    proto::JournalRecord newRecord(const std::string& conversation, proto::MessageType type);
    void flushOutbox();
    enum class SendOutcome { Sent, Retry, Held, Failed };
    struct PreparedSend {
        SendOutcome outcome;
        std::int64_t seq;
        std::string conversation;
        proto::JournalRecord rec;
        proto::Request request;
    };
    PreparedSend prepareSend(std::int64_t seq, const std::string& conversation, proto::JournalRecord rec, bool refreshDevices);
    SendOutcome finishSend(const PreparedSend& p, const std::optional<proto::Response>& resp);
    void dropFromOutbox(std::int64_t seq, const proto::JournalRecord& rec, MessageState state, const std::string& why);

    // ---- receive ------------------------------------------------------------------------------
    void onEnvelope(const proto::Envelope& e, std::uint64_t gen);
    std::uint64_t failedGeneration = 0;
    std::uint64_t retryAfterMs = 0;  ///< worker: the relay's Retry-After from the last 429  ///< a connection whose later envelopes are left for redelivery
    void acknowledge(std::uint64_t queueId);
    void handleWipe(const std::string& bytes);

    // ---- queries (the caller holds `mutex`) ----------------------------------------------------
    Result<std::string> resolveConversation(const std::string& idOrTitle);
    Result<std::optional<MessageView>> message(const std::string& messageId);
    Result<std::size_t> outboxSize();
};

// ---- account key-value store ------------------------------------------------------------------

// The signed MISMATCH_REPORT a recipient journals about a message it withheld: which message,
// from whom, at which journal sequence, then `fields` (",\"name\":value..."), never content.
Result<std::string> Client::Impl::queueMismatchReport(const std::string& conversation, const std::string& messageId,
                                                      const std::string& sender, std::uint64_t journalSeq,
                                                      const std::string& fields) {
    auto report = newRecord(conversation, proto::MISMATCH_REPORT);
    report.set_ref_message_id(messageId);
    report.set_body("{\"message_id\":\"" + hexOf(messageId) + "\",\"sender\":" + jsonQuote(sender) +
                    ",\"journal_sequence\":" + std::to_string(journalSeq) + fields + "}");
    return enqueue(std::move(report), MessageKind::System, false);
}

Result<void> Client::Impl::checkJournalCopy(const proto::JournalRecord& rec, const proto::Envelope& e) const {
    std::vector<Bytes> keys;
    for (const auto& k : manifest.journalKeys) keys.push_back(k.publicKey);
    return journal::checkJournalCopy(view(e.journal_entry()), rec, view(e.commitment()), keys);
}

// An attachment whose file is not the one its sender committed to (issue 15 break 4): the
// message is marked like a text mismatch and a signed report goes to the journal.
void Client::Impl::withholdAttachment(const std::string& messageId, const std::string& why) {
    std::lock_guard lock(mutex);
    if (!db) return;
    auto st = db->prepare("SELECT conversation, sender_user, sender_device, journal_seq FROM messages WHERE id = ?");
    if (!st) return;
    st->bind(1, view(messageId));
    auto row = st->step();
    if (!row || !*row) return;
    const std::string conversation = st->columnText(0);
    const std::string sender = st->columnText(1) + "/" + std::to_string(st->columnInt(2));
    const auto journalSeq = st->columnInt(3);
    Transaction tx(*db);
    if (!tx.begin()) return;
    if (!messages->setState(messageId, MessageState::Mismatch)) return;
    if (!queueMismatchReport(conversation, messageId, sender, std::uint64_t(journalSeq),
                             ",\"attachment\":\"not the committed file\""))
        return;
    if (!tx.commit()) return;
    scheduleFlush();
    emit({Event::Kind::JournalMismatch, conversation, hexOf(messageId), {}, sender, {},
          "the attachment is not the file its sender committed to; it is withheld and reported (" + why + ")"});
}

Result<void> Client::Impl::loadAccount() {
    auto loaded = accounts->load();
    if (!loaded) return tl::unexpected(loaded.error());
    acct = std::move(loaded->account);
    creds = std::move(loaded->credentials);
    endpoint = std::move(loaded->endpoint);
    // The manifest is checked at every start against the fingerprint pinned at join: a profile
    // whose manifest was swapped on disk (or damaged) will not send, and messages stay queued.
    auto m = journal::FirmManifest::parse(view(loaded->manifest));
    manifestOk = m && manifestAcceptable(*m, acct.firmFingerprint, acct.relay);
    if (manifestOk) {
        manifest = *m;
        acct.firmName = manifest.firmName;
        endpoint.tlsKeyPins = manifest.tlsKeyPins;
    } else {
        log::write(log::Level::Error, "client.manifest_invalid", {{"user", acct.user}});
    }
    return {};
}

// ---- construction -----------------------------------------------------------------------------

Client::Client() : m(std::make_unique<Impl>()) {}

Client::~Client() {
    stop();
    {
        std::lock_guard lock(m->queueMutex);
        m->workerStop = true;
    }
    m->queueCv.notify_all();
    if (m->worker.joinable()) m->worker.join();
}

Result<void> Client::changePassphrase(std::string_view current, std::string_view next) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, "the profile is not open");
    return client::changePassphrase(m->paths, current, next, m->db.get());
}

bool Client::profileExists(const std::string& dir) {
    std::error_code ec;
    return fs::exists(ProfilePaths{dir}.keyFile(), ec);
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
        return fail(ErrorCode::NotFound, "this device did not reach the firm for more than " +
                                             std::to_string(guard.maxOfflineDays) +
                                             " days and erased itself, as the firm's policy requires");
    }
    // Counts the attempt before trying it, and erases at the firm's failed-unlock limit
    // (Profile.h: the counter lives in the key file and the guard).
    auto db = openProfile(m.paths, passphrase);
    if (!db) return tl::unexpected(db.error());
    m.db = std::move(*db);
    auto ctx = signal::SignalContext::create();
    if (!ctx) return tl::unexpected(ctx.error());
    m.ctx = std::move(*ctx);
    auto has = signal::SqlProtocolStore::hasIdentity(*m.db);
    if (!has) return tl::unexpected(has.error());
    if (!*has) return fail(ErrorCode::NotFound, "this profile has no device identity (unfinished join?)");
    auto store = signal::SqlProtocolStore::open(*m.db);
    if (!store) return tl::unexpected(store.error());
    m.store = std::move(*store);
    auto sessions = signal::SessionManager::create(m.ctx, *m.store);
    if (!sessions) return tl::unexpected(sessions.error());
    m.sessions = std::move(*sessions);
    m.accounts = std::make_unique<AccountStore>(*m.db);
    m.outbox = std::make_unique<Outbox>(*m.db);
    if (auto r = m.loadAccount(); !r) return tl::unexpected(r.error());
    m.messages = std::make_unique<MessageStore>(*m.db, m.paths.blobs(), m.acct.user);
    m.trust = std::make_unique<ContactTrust>(*m.db, *m.ctx, *m.sessions, *m.accounts, *m.outbox, m.acct.user, m.acct.device,
                                             [&m](const Event& e) { m.emit(e); });
    Receiver::Hooks receive;
    receive.acknowledge = [&m](std::uint64_t queueId) { m.acknowledge(queueId); };
    receive.reportMismatch = [&m](const std::string& conversation, const std::string& id, const std::string& sender,
                                  std::uint64_t journalSeq, const std::string& fields) {
        (void)m.queueMismatchReport(conversation, id, sender, journalSeq, fields);
    };
    receive.checkJournalCopy = [&m](const proto::JournalRecord& rec, const proto::Envelope& e) {
        return m.checkJournalCopy(rec, e);
    };
    m.receiver = std::make_unique<Receiver>(*m.db, *m.sessions, *m.messages, *m.trust, m.acct.user, std::move(receive));
    ConnectionSupervisor::Hooks hooks;
    hooks.endpoint = [&m] { return m.currentEndpoint(); };
    hooks.push = [&m](const proto::Push& p) { m.onPush(p); };
    hooks.beforeConnect = [&m] {
        std::lock_guard lock(m.queueMutex);
        ++m.generation;  // waitUntilSynced() waits for a drain on the new connection
    };
    hooks.report = [&m](const Event& e) { m.emit(e); };
    hooks.closed = [&m] { m.syncCv.notify_all(); };
    m.supervisor = std::make_unique<ConnectionSupervisor>(m.creds, std::move(hooks));
    m.worker = std::thread([&m] { m.workerLoop(); });
    return c;
}

Result<std::unique_ptr<Client>> Client::join(const std::string& dir, std::string_view passphrase, std::string_view linkText,
                                             const JoinOptions& options) {
    auto link = parseLink(linkText);
    if (!link) return tl::unexpected(link.error());
    if (link->kind == Link::Kind::Join && options.displayName.empty())
        return fail(ErrorCode::InvalidArgument, "a client joining by invite needs a display name (--name)");
    ProfilePaths paths{dir};
    auto db = createProfile(paths, passphrase);
    if (!db) return tl::unexpected(db.error());
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
    auto spk = sessions ? (*sessions)->generateSignedPreKey(1) : Result<signal::SignedPreKeyPublic>(fail(ErrorCode::Internal, ""));
    auto pks = sessions ? (*sessions)->generatePreKeys(1, kPreKeyBatch) : Result<std::vector<signal::PreKeyPublic>>(fail(ErrorCode::Internal, ""));
    if (!spk || !pks) {
        cleanup();
        return fail(ErrorCode::Crypto, "pre-key generation failed");
    }
    // ES-10: check the firm manifest (and with it the journal key) against the root the link
    // pins before the token leaves this device.
    Endpoint ep{link->host, link->port, link->tlsPin, {}};
    const std::string relayAddress = link->host + ":" + std::to_string(link->port);
    std::uint64_t offeredIssuedMs = 0;
    {
        auto offered = RelayConnection::fetchManifest(ep);
        if (!offered) {
            cleanup();
            return tl::unexpected(offered.error());
        }
        auto parsed = journal::FirmManifest::parse(view(*offered));
        if (!parsed || !parsed->verify(link->firm) || !parsed->currentJournalKey()) {
            cleanup();
            return fail(ErrorCode::AuthFailed,
                        "the relay's firm manifest is not signed by the firm in the link: refusing its journal key");
        }
        // A new profile takes no version 1 manifest, nor one older than the link says the firm
        // had when the link was made: serving an old one is how a relay would shed the pins.
        if (parsed->version < journal::FirmManifest::kVersion || parsed->issuedMs < link->minManifestMs) {
            cleanup();
            return fail(ErrorCode::AuthFailed, "the relay serves an outdated firm manifest (older than the link, or version 1): ask the firm "
                                               "to re-sign it with `verbatim-relay manifest`");
        }
        // Issue 15 break 8: the fingerprint proves the manifest, not the relay serving it; the
        // manifest names the relays it is valid for, and the token goes to no other.
        if (!parsed->namesRelay(relayAddress)) {
            cleanup();
            return fail(ErrorCode::AuthFailed, "the firm's manifest does not name the relay " + relayAddress +
                                                   ": refusing to join through it");
        }
        // From here on, the relay's TLS key must be one the firm pins (when it pins any).
        ep.tlsKeyPins = parsed->tlsKeyPins;
        offeredIssuedMs = parsed->issuedMs;
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
    if (!link->linkSecret.empty())
        reg.set_link_proof(str(journal::deviceLinkProof(*fromHex(link->linkSecret), identityPublic)));
    if (!link->linkMakerKey.empty()) {
        auto binding = (*sessions)->sign(journal::deviceLinkBindingBytes(identityPublic, *fromHex(link->linkMakerKey)));
        if (!binding) {
            cleanup();
            return fail(ErrorCode::Crypto, "signing the device link binding failed");
        }
        reg.set_link_binding(str(*binding));
    }
    auto registered = RelayConnection::registerDevice(ep, reg);
    secureWipe(reg.mutable_device_secret()->data(), reg.device_secret().size());
    if (!registered) {
        cleanup();
        return tl::unexpected(registered.error());
    }
    // ES-10: the manifest (and with it the journal key) must be signed by the root the link pins.
    auto manifest = journal::FirmManifest::parse(view(registered->firm_manifest()));
    if (!manifest || !manifestAcceptable(*manifest, link->firm, relayAddress) ||
        manifest->issuedMs < offeredIssuedMs || manifest->version < journal::FirmManifest::kVersion ||
        manifest->issuedMs < link->minManifestMs) {
        cleanup();
        return fail(ErrorCode::AuthFailed,
                    "the relay's firm manifest is not signed by the firm in the link, or does not name this relay: "
                    "refusing its journal key");
    }
    auto& d = **db;
    Transaction tx(d);
    auto put = [&](const char* k, std::string_view v) -> Result<void> {
        auto st = d.prepare("INSERT INTO account (k, v) VALUES (?, ?)");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, std::string_view(k)).bind(2, view(v));
        return st->run();
    };
    Result<void> w = tx.begin();
    if (w) w = put("user", registered->user());
    if (w) w = put("device", std::to_string(registered->device()));
    if (w) w = put("role", roleText(registered->role()));
    if (w) w = put("display_name", options.displayName.empty() ? registered->user() : options.displayName);
    if (w) w = put("relay", link->host + ":" + std::to_string(link->port));
    if (w) w = put("tls_pin", link->tlsPin);
    if (w && !link->linkMakerKey.empty()) w = put("link_maker_key", str(*fromHex(link->linkMakerKey)));
    if (w) w = put("device_trust", "1");
    if (w && registered->awaiting_approval()) w = put("joined_pending", "1");
    if (w) w = put("firm", link->firm);
    if (w) w = put("secret", str(secret));
    if (w) w = put("manifest", registered->firm_manifest());
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
        if (auto r = (*client)->acceptNotice(); !r) return tl::unexpected(r.error());
    return client;
}

Account Client::account() {
    std::lock_guard lock(m->mutex);
    return m->acct;
}

std::string Client::identityKeyHex() {
    std::lock_guard lock(m->mutex);
    if (!m->db) return {};
    auto k = m->sessions ? m->sessions->identityPublicKey() : Result<Bytes>(fail(ErrorCode::NotFound, ""));
    return k ? toHex(*k) : std::string();
}

Result<void> Client::limitDatabasePages(std::int64_t pages) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->db->exec("PRAGMA max_page_count = " + std::to_string(pages > 0 ? pages : 1073741823));
}

void Client::setEventHandler(EventHandler handler) {
    std::lock_guard lock(m->handlerMutex);
    m->handler = std::move(handler);
}

// ---- worker ------------------------------------------------------------------------------------

void Client::Impl::workerLoop() {
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(queueMutex);
            auto wake = retryAt == std::chrono::steady_clock::time_point{} ? std::chrono::steady_clock::now() + std::chrono::seconds(5)
                                                                           : retryAt;
            queueCv.wait_until(lock, wake, [&] { return workerStop || !queue.empty(); });
            if (workerStop) return;
            if (!queue.empty()) {
                job = std::move(queue.front());
                queue.pop_front();
            }
        }
        try {
            if (job) job();
            bool empty;
            {
                std::lock_guard lock(queueMutex);
                empty = queue.empty();
            }
            if (empty) idleWork();
        } catch (const std::exception& e) {
            log::write(log::Level::Error, "client.worker_exception", {{"what", e.what()}});
        }
    }
}

// When the queue runs dry: receipts for what was just stored, then anything in the outbox.
void Client::Impl::idleWork() {
    if (wiped) return;
    std::map<std::string, std::string> receipts;
    receipts.swap(pendingDelivered);
    for (auto& [conversation, id] : receipts) {
        std::lock_guard lock(mutex);
        auto rec = newRecord(conversation, proto::RECEIPT);
        rec.set_body("delivered");
        rec.set_ref_message_id(id);
        (void)enqueue(std::move(rec), MessageKind::System, false);
    }
    flushOutbox();
}

// ---- connection -----------------------------------------------------------------------------------

void Client::start() {
    if (!m->supervisor || m->supervisor->running()) return;
    {
        // waitUntilSynced() waits for a drain on this new connection, not an earlier one.
        std::lock_guard lock(m->queueMutex);
        ++m->generation;
    }
    m->supervisor->start();
}

void Client::stop() {
    if (!m->supervisor || !m->supervisor->running()) return;
    m->supervisor->stop();
    std::lock_guard lock(m->queueMutex);
    ++m->generation;
}

bool Client::isConnected() const { return m->supervisor && m->supervisor->isConnected(); }

void Client::Impl::onPush(const proto::Push& p) {
    // Runs on the connection's thread: only queue.
    switch (p.kind_case()) {
    case proto::Push::kEnvelope:
    {
        std::uint64_t gen;
        {
            std::lock_guard lock(queueMutex);
            gen = generation;
        }
        post([this, e = p.envelope(), gen] { onEnvelope(e, gen); });
    }
        break;
    case proto::Push::kQueueDrained:
        post([this] {
            std::uint64_t gen;
            {
                std::lock_guard lock(queueMutex);
                gen = generation;
            }
            if (refreshManifest()) touchGuard();
            rotateSignedPreKeyIfDue();
            if (auto r = refreshConversations(); !r)
                log::write(log::Level::Warn, "client.conversations_failed", {{"error", r.error().message}});
            {
                proto::Request req;
                req.mutable_list_devices();
                auto resp = call(req);
                if (resp && resp->status() == proto::STATUS_OK) reviewOwnDevices(resp->device_list());
            }
            flushOutbox();
            {
                std::lock_guard lock(queueMutex);
                drainedGeneration = gen;
            }
            syncCv.notify_all();
            emit({Event::Kind::Synced});
        });
        break;
    case proto::Push::kDevicesChanged:
        post([this, list = p.devices_changed()] {
            reviewOwnDevices(list);
            flushOutbox();
        });
        break;
    case proto::Push::kPreKeysLow:
        post([this] {
            if (auto r = uploadPreKeys(false); !r)
                log::write(log::Level::Warn, "client.prekey_upload_failed", {{"error", r.error().message}});
        });
        break;
    case proto::Push::kConversationChanged:
        post([this, c = p.conversation_changed()] {
            std::lock_guard lock(mutex);
            deviceCache.erase(c.id());
            (void)messages->upsertConversation(c);
            emit({Event::Kind::ConversationChanged, c.id(), {}, {}, {}, c.title()});
        });
        break;
    case proto::Push::kWipeCommand:
        post([this, w = p.wipe_command()] { handleWipe(w); });
        break;
    default:
        break;
    }
}

bool Client::waitUntilSynced(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(m->queueMutex);
    return m->syncCv.wait_until(lock, deadline, [&] {
        return m->revoked() || m->wiped || m->connectedElsewhere() ||
               (m->generation > 0 && m->drainedGeneration == m->generation && m->queue.empty() && m->outboxIdle);
    });
}

bool Client::waitForOutbox(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto n = outboxSize(); n && *n == 0) return true;
        {
            std::unique_lock lock(m->queueMutex);
            m->syncCv.wait_for(lock, std::chrono::milliseconds(50));
            if (m->revoked() || m->wiped || m->connectedElsewhere()) return false;
        }
    }
    return false;
}

// ---- pre-keys -------------------------------------------------------------------------------------

// Makes the keys and records them as made, under `mutex`; the upload happens after it is released.
Result<proto::Request> Client::Impl::preparePreKeyUpload(bool newSignedPreKey) {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    auto nextText = accounts->get("next_prekey");
    if (!nextText) return tl::unexpected(nextText.error());
    std::uint32_t next = *nextText ? std::uint32_t(std::stoul(**nextText)) : 1;
    // Pre-key ids wrap within libsignal's 24-bit range.
    if (next + kPreKeyBatch >= 0xFFFFFF) next = 1;
    auto pks = sessions->generatePreKeys(next, kPreKeyBatch);
    if (!pks) return tl::unexpected(pks.error());
    proto::Request req;
    auto* up = req.mutable_upload_pre_keys();
    for (auto& pk : *pks) {
        auto* p = up->add_pre_keys();
        p->set_id(pk.id);
        p->set_public_key(str(pk.publicKey));
    }
    if (newSignedPreKey) {
        auto cur = accounts->get("signed_prekey");
        std::uint32_t id = (cur && *cur ? std::uint32_t(std::stoul(**cur)) : 0) + 1;
        auto spk = sessions->generateSignedPreKey(id);
        if (!spk) return tl::unexpected(spk.error());
        up->mutable_signed_pre_key()->set_id(spk->id);
        up->mutable_signed_pre_key()->set_public_key(str(spk->publicKey));
        up->mutable_signed_pre_key()->set_signature(str(spk->signature));
        if (auto r = accounts->set("signed_prekey", view(std::to_string(id))); !r) return tl::unexpected(r.error());
    }
    if (auto r = accounts->set("next_prekey", view(std::to_string(next + kPreKeyBatch))); !r) return tl::unexpected(r.error());
    return req;
}

Result<void> Client::Impl::uploadPreKeys(bool newSignedPreKey) {
    Result<proto::Request> req = fail(ErrorCode::Internal, "");
    {
        std::lock_guard lock(mutex);
        req = preparePreKeyUpload(newSignedPreKey);
    }
    if (!req) return tl::unexpected(req.error());
    auto resp = call(*req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, "pre-key upload refused: " + resp->error());
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
            (void)accounts->set("signed_prekey_ms", view(std::to_string(now)));  // made at join
            return;
        }
        if (!last || now - std::stoull(**last) < kWeekMs) return;
    }
    if (auto r = uploadPreKeys(true); !r) {
        log::write(log::Level::Warn, "client.signed_prekey_rotation_failed", {{"error", r.error().message}});
        return;
    }
    std::lock_guard lock(mutex);
    if (db) (void)accounts->set("signed_prekey_ms", view(std::to_string(now)));
}

// ---- conversations ----------------------------------------------------------------------------------

// Fetches the firm manifest the relay serves now. A newer one signed by the pinned firm root is
// adopted (journal key rotation: later entries are sealed to the new key; compliance keeps the
// old private keys for old epochs). One the root did not sign stops all sending: messages stay
// in the outbox (ES-10).
void Client::Impl::touchGuard() {
    // The relay was reached: the offline clock starts again; the policy follows the manifest.
    std::lock_guard lock(mutex);
    auto g = readGuard(paths);
    const auto before = g;
    if (manifestOk) {
        g.maxFailedUnlocks = manifest.policy.maxFailedUnlocks;
        g.maxOfflineDays = manifest.policy.maxOfflineDays;
    }
    const std::uint64_t now = nowMs();
    if (now > g.lastContactMs + 60'000) g.lastContactMs = now;
    if (g.lastContactMs != before.lastContactMs || g.maxFailedUnlocks != before.maxFailedUnlocks ||
        g.maxOfflineDays != before.maxOfflineDays)
        (void)writeGuard(paths, g);
    // The key file keeps the limit too, so that editing the guard alone cannot lift it.
    if (manifestOk) (void)setFailedUnlockLimit(paths, manifest.policy.maxFailedUnlocks);
}

bool Client::Impl::refreshManifest() {
    manifestStale = false;
    auto bytes = RelayConnection::fetchManifest(currentEndpoint());
    if (!bytes) return false;  // transient; keep what we have
    std::lock_guard lock(mutex);
    auto stored = accounts->get("manifest");
    if (stored && *stored && **stored == *bytes) {
        if (!manifestOk) {
            auto m = journal::FirmManifest::parse(view(*bytes));
            manifestOk = m && manifestAcceptable(*m, acct.firmFingerprint, acct.relay);
        }
        return true;
    }
    auto m = journal::FirmManifest::parse(view(*bytes));
    if (!m || !manifestAcceptable(*m, acct.firmFingerprint, acct.relay)) {
        if (manifestOk)
            emit({Event::Kind::JournalKeyRefused, {}, {}, {}, {}, {},
                  "the relay offers a journal key the firm did not sign; messages stay queued"});
        manifestOk = false;
        log::write(log::Level::Error, "client.manifest_refused", {{"relay", acct.relay}});
        return true;
    }
    // Never roll back: not below the newest manifest this device ever adopted, whether or not
    // the one it holds now verifies (a relay could first serve a broken one).
    std::uint64_t floor = manifestOk ? manifest.issuedMs : 0;
    if (auto seen = accounts->get("manifest_floor_ms"); seen && *seen) floor = std::max<std::uint64_t>(floor, std::stoull(**seen));
    if (m->issuedMs < floor) {
        log::write(log::Level::Warn, "client.manifest_rollback_refused", {{"relay", acct.relay}});
        return true;
    }
    if (!accounts->set("manifest", view(*bytes))) return true;
    (void)accounts->set("manifest_floor_ms", view(std::to_string(m->issuedMs)));
    const bool rotated = manifestOk && !constantTimeEqual(manifest.currentJournalKey()->publicKey, m->currentJournalKey()->publicKey);
    manifest = *m;
    manifestOk = true;
    acct.firmName = manifest.firmName;
    endpoint.tlsKeyPins = manifest.tlsKeyPins;  // a TLS key rotation takes effect at the next connection
    if (rotated) emit({Event::Kind::JournalKeyRotated, {}, {}, {}, {}, {}, "the firm rotated its journal key"});
    return true;
}

Result<void> Client::Impl::refreshConversations() {
    proto::Request req;
    req.mutable_list_conversations();
    auto resp = call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, resp->error());
    std::lock_guard lock(mutex);
    for (const auto& c : resp->conversations().conversations()) {
        auto prev = messages->members(c.id());
        if (auto r = messages->upsertConversation(c); !r) return r;
        std::vector<std::string> now(c.members().begin(), c.members().end());
        if (prev != now) deviceCache.erase(c.id());
    }
    return {};
}

Result<std::vector<ConversationView>> Client::conversations() {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->messages->conversations();
}

Result<std::string> Client::resolveConversation(const std::string& idOrTitle) {
    std::lock_guard lock(m->mutex);
    return m->resolveConversation(idOrTitle);
}

Result<std::string> Client::Impl::resolveConversation(const std::string& idOrTitle) {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    return messages->resolveConversation(idOrTitle);
}

Result<std::vector<DeviceView>> Client::devices() {
    proto::Request req;
    req.mutable_list_devices();
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    return deviceViews(resp->device_list(), m->acct);
}

Result<std::string> Client::createDeviceLink() {
    proto::Request req;
    req.mutable_create_device_link();
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::InvalidArgument, "relay refused: " + resp->error());
    if (auto r = m->checkRelayLink(resp->invite().link()); !r) return tl::unexpected(r.error());
    // The link also carries a secret of this device (never sent to the relay): the device that
    // redeems it proves it holds it, and only then does this device approve it (issue 15 break 2).
    SecureBytes secret = crypto::randomSecret(32);
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        if (auto r = m->accounts->rememberLinkSecret(secret, resp->invite().expires_ms(), nowMs()); !r) return tl::unexpected(r.error());
    }
    Result<Bytes> ownKey = fail(ErrorCode::NotFound, kErasedText);
    {
        std::lock_guard lock(m->mutex);
        if (m->sessions) ownKey = m->sessions->identityPublicKey();
    }
    if (!ownKey) return tl::unexpected(ownKey.error());
    auto makerHash = crypto::sha256(*ownKey);
    return resp->invite().link() + "&ls=" + toHex(secret) + "&lk=" + toHex(ByteView(makerHash.data(), makerHash.size()));
}


Result<void> Client::approveDevice(std::uint32_t device) {
    proto::Request req;
    req.mutable_list_devices();
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    for (const auto& d : resp->device_list().devices()) {
        if (d.device() != device) continue;
        if (d.revoked_ms()) return fail(ErrorCode::InvalidArgument, "that device was revoked");
        if (device == m->acct.device) return fail(ErrorCode::InvalidArgument, "a device cannot approve itself");
        if (auto r = m->sendApproval(device, view(d.identity_key())); !r) return tl::unexpected(r.error());
        // Re-read: the approved device is now traced to this one, and a hold it caused ends.
        auto again = m->call(req);
        if (again && again->status() == proto::STATUS_OK) m->reviewOwnDevices(again->device_list());
        return {};
    }
    return fail(ErrorCode::NotFound, "no such device of yours");
}

Result<std::vector<DeviceView>> Client::adminDevices(const std::string& user) {
    proto::Request req;
    req.mutable_admin_list_devices()->set_user(user);
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::AuthFailed, "relay refused: " + resp->error());
    return deviceViews(resp->device_list(), m->acct);
}

Result<void> Client::Impl::adminAction(const std::string& user, std::uint32_t device,
                                       proto::AdminDeviceAction::Action action) {
    proto::Request req;
    auto* a = req.mutable_admin_device_action();
    a->set_user(user);
    a->set_device(device);
    a->set_action(action);
    auto resp = call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() == proto::STATUS_NOT_FOUND) return fail(ErrorCode::NotFound, resp->error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::AuthFailed, "relay refused: " + resp->error());
    return {};
}

Result<void> Client::adminRevoke(const std::string& user, std::uint32_t device) {
    return m->adminAction(user, device, proto::AdminDeviceAction::REVOKE);
}

Result<void> Client::adminWipe(const std::string& user, std::uint32_t device) {
    return m->adminAction(user, device, proto::AdminDeviceAction::WIPE);
}

Result<std::string> Client::firmManifest() {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    if (!m->manifestOk) return fail(ErrorCode::AuthFailed, "the stored firm manifest is not signed by the firm root");
    auto stored = m->accounts->get("manifest");
    if (!stored) return tl::unexpected(stored.error());
    if (!*stored) return fail(ErrorCode::NotFound, "no firm manifest in this profile");
    return **stored;
}

Result<std::string> Client::pullJournalPage(std::uint64_t afterSequence, std::uint32_t limit) {
    proto::Request req;
    req.mutable_pull_journal()->set_after_sequence(afterSequence);
    req.mutable_pull_journal()->set_limit(limit);
    auto resp = m->call(req, std::chrono::seconds(120));
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() == proto::STATUS_FORBIDDEN)
        return fail(ErrorCode::AuthFailed, "the relay refused: this profile is not a compliance account");
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    return resp->journal_page().SerializeAsString();
}

Result<std::string> Client::fetchBlob(const std::string& blobIdHex, std::uint64_t maxBytes) {
    return RelayConnection::downloadBlob(m->currentEndpoint(), m->creds, blobIdHex, maxBytes);
}

Result<std::string> Client::createConversation(const std::string& title, bool isMatter,
                                               const std::vector<std::string>& membersList) {
    proto::Request req;
    auto* cc = req.mutable_create_conversation();
    cc->set_title(title);
    cc->set_is_matter(isMatter);
    for (auto& mbr : membersList) cc->add_members(mbr);
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::InvalidArgument, "relay refused: " + resp->error());
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    if (auto r = m->messages->upsertConversation(resp->conversation()); !r) return tl::unexpected(r.error());
    return resp->conversation().id();
}

Result<std::string> Client::createInvite(const std::string& matterTitle) {
    std::string id;
    if (auto existing = resolveConversation(matterTitle)) {
        id = *existing;
    } else {
        auto created = createConversation(matterTitle, true, {});
        if (!created) return created;
        id = *created;
    }
    proto::Request req;
    req.mutable_create_invite()->set_conversation_id(id);
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::InvalidArgument, "relay refused the invite: " + resp->error());
    if (auto r = m->checkRelayLink(resp->invite().link()); !r) return tl::unexpected(r.error());
    return resp->invite().link();
}

namespace {
const char* inviteStateName(proto::InviteState s) {
    switch (s) {
    case proto::INVITE_OPEN: return "open";
    case proto::INVITE_REDEEMED: return "redeemed";
    case proto::INVITE_EXPIRED: return "expired";
    case proto::INVITE_REVOKED: return "revoked";
    case proto::INVITE_INVITER_REVOKED: return "inviter-revoked";
    default: return "unknown";
    }
}

InviteView inviteView(const proto::InviteInfo& i) {
    InviteView v;
    v.id = i.id();
    v.conversationId = i.conversation_id();
    v.matterTitle = i.matter_title();
    v.inviter = i.inviter();
    v.inviterDevice = i.inviter_device();
    v.createdMs = i.created_ms();
    v.expiresMs = i.expires_ms();
    v.redeemedMs = i.redeemed_ms();
    v.redeemedBy = i.redeemed_by();
    v.redeemedName = i.redeemed_name();
    v.revokedMs = i.revoked_ms();
    v.revokedBy = i.revoked_by();
    v.state = inviteStateName(i.state());
    return v;
}
}  // namespace

Result<std::vector<InviteView>> Client::invites() {
    proto::Request req;
    req.mutable_list_invites();
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::AuthFailed, "relay refused: " + resp->error());
    std::vector<InviteView> out;
    for (const auto& i : resp->invite_list().invites()) out.push_back(inviteView(i));
    return out;
}

Result<InviteView> Client::revokeInvite(const std::string& id) {
    proto::Request req;
    req.mutable_revoke_invite()->set_id(id);
    auto resp = m->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() == proto::STATUS_NOT_FOUND) return fail(ErrorCode::NotFound, "no invite of yours has the id " + id);
    if (resp->status() == proto::STATUS_BAD_REQUEST) return fail(ErrorCode::InvalidArgument, resp->error());
    if (resp->status() != proto::STATUS_OK || resp->invite_list().invites_size() != 1)
        return fail(ErrorCode::InvalidArgument, "relay refused: " + resp->error());
    return inviteView(resp->invite_list().invites(0));
}

// ---- sessions and safety numbers --------------------------------------------------------------------



Result<void> Client::Impl::checkRelayLink(const std::string& text) {
    auto link = parseLink(text);
    if (!link) return tl::unexpected(link.error());
    std::lock_guard lock(mutex);
    const std::string address = link->host + ":" + std::to_string(link->port);
    if (!constantTimeEqual(view(link->firm), view(acct.firmFingerprint)) || !manifestOk || !manifest.namesRelay(address) ||
        link->tlsPin != endpoint.tlsPin || link->minManifestMs < manifest.issuedMs)
        return fail(ErrorCode::AuthFailed,
                    "the relay returned a link to another firm, relay or certificate than this device's: not handing it out");
    return {};
}

Result<std::string> Client::Impl::sendApproval(std::uint32_t device, ByteView identityKey) {
    proto::Request req;
    {
        std::lock_guard lock(mutex);
        if (!sessions) return fail(ErrorCode::NotFound, kErasedText);
        auto a = journal::DeviceApproval::make(acct.user, device, identityKey, acct.device, nowMs(),
                                               [&](ByteView m) { return sessions->sign(m); });
        if (!a) return tl::unexpected(a.error());
        req.mutable_approve_device()->set_approval(str(a->serialize()));
    }
    auto resp = call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::AuthFailed, "relay refused the approval: " + resp->error());
    return req.approve_device().approval();
}

void Client::Impl::reviewOwnDevices(const proto::DeviceList& list) {
    std::vector<ContactTrust::KeyedDevice> active;
    std::vector<proto::DeviceInfo> pending;
    for (const auto& d : list.devices()) {
        if (d.revoked_ms() || d.device() == 0) continue;
        if (d.pending_ms()) {
            pending.push_back(d);
            continue;
        }
        active.push_back({d.device(), toBytes(view(d.identity_key())), d.approval(), {}});
    }
    auto when = [](std::uint64_t ms) { return std::to_string(ms / 1000); };
    for (const auto& d : pending) {
        // Ours to approve when it proves it holds the secret of a link this device made.
        bool vouched = false;
        {
            std::lock_guard lock(mutex);
            if (!db) return;
            auto secrets = accounts->linkSecrets(nowMs());
            if (d.link_proof().size() == 32)
                for (auto it = secrets.begin(); it != secrets.end(); ++it)
                    if (constantTimeEqual(journal::deviceLinkProof(it->secret, view(d.identity_key())),
                                          view(d.link_proof()))) {
                        vouched = true;
                        secrets.erase(it);  // single use
                        (void)accounts->storeLinkSecrets(secrets);
                        break;
                    }
        }
        if (vouched) {
            if (auto approval = sendApproval(d.device(), view(d.identity_key())); approval) {
                emit({Event::Kind::DeviceAdded, {}, {}, {}, acct.user + "/" + std::to_string(d.device()), {},
                      "a device was added to your account: " + (d.platform().empty() ? std::string("device") : d.platform()) +
                          " " + std::to_string(d.device()) + ", registered at " + when(d.pending_ms()) +
                          " (approved through this device's link)"});
                active.push_back({d.device(), toBytes(view(d.identity_key())), *approval, {}});
            } else {
                log::write(log::Level::Warn, "client.approval_failed", {{"device", std::to_string(d.device())}});
            }
            continue;
        }
        std::lock_guard lock(mutex);
        if (approvalRequested.insert(d.device()).second)
            emit({Event::Kind::DeviceApprovalRequested, {}, {}, {}, acct.user + "/" + std::to_string(d.device()), {},
                  "a new device (" + std::to_string(d.device()) + ", " + d.platform() +
                      ") waits for your approval; approve it only if it is yours"});
    }
    std::lock_guard lock(mutex);
    if (!db) return;
    trust->checkOwnDevices(active, nullptr);
}

Result<void> Client::Impl::ensureSessions(const std::vector<proto::DeviceAddress>& devices,
                                          std::set<std::string>* changedUsers) {
    std::set<std::string> missingUsers;
    {
        std::lock_guard lock(mutex);
        if (!sessions) return fail(ErrorCode::NotFound, kErasedText);
        for (const auto& d : devices) {
            if (d.user() == acct.user && d.device() == acct.device) continue;
            if (!sessions->hasSession({d.user(), std::int32_t(d.device())})) missingUsers.insert(d.user());
        }
    }
    for (const auto& user : missingUsers) {
        proto::Request req;
        req.mutable_fetch_bundles()->set_user(user);
        auto resp = call(req);
        if (!resp) return tl::unexpected(resp.error());
        if (resp->status() == proto::STATUS_RATE_LIMITED) return fail(ErrorCode::Storage, "bundle fetch rate limited");
        if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, "bundle fetch refused: " + resp->error());
        // trust->processBundles() skips devices that got a session meanwhile.
        std::lock_guard lock(mutex);
        if (!sessions) return fail(ErrorCode::NotFound, kErasedText);
        if (auto r = trust->processBundles(resp->bundles(), changedUsers); !r) return r;
    }
    return {};
}

Result<std::vector<proto::DeviceAddress>> Client::Impl::memberDevices(const std::string& conversation, bool refresh) {
    if (!refresh) {
        std::lock_guard lock(mutex);
        if (auto it = deviceCache.find(conversation); it != deviceCache.end()) return it->second;
    }
    proto::Request req;
    req.mutable_list_member_devices()->set_conversation_id(conversation);
    auto resp = call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() == proto::STATUS_FORBIDDEN || resp->status() == proto::STATUS_NOT_FOUND)
        return fail(ErrorCode::NotFound, "not a member of this conversation", 403);
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, "member list refused: " + resp->error());
    std::vector<proto::DeviceAddress> out(resp->member_devices().devices().begin(), resp->member_devices().devices().end());
    std::lock_guard lock(mutex);
    deviceCache[conversation] = out;
    return out;
}

// Never talked to them: start sessions now (fetching their bundles, with no lock held) so that
// there is a key to show.
void Client::Impl::fetchIdentityIfUnknown(const std::string& user) {
    {
        std::lock_guard lock(mutex);
        if (!db || user == acct.user || !trust->identityKeys(user).empty()) return;
    }
    if (!connection()) return;
    proto::Request req;
    req.mutable_fetch_bundles()->set_user(user);
    auto resp = call(req);
    if (!resp || resp->status() != proto::STATUS_OK) return;
    std::lock_guard lock(mutex);
    if (db) (void)trust->processBundles(resp->bundles(), nullptr);
}

Result<Client::SafetyNumber> Client::safetyNumber(const std::string& user) {
    m->fetchIdentityIfUnknown(user);
    return knownSafetyNumber(user);
}

Result<Client::SafetyNumber> Client::knownSafetyNumber(const std::string& user) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->trust->safetyNumber(user);
}

Result<void> Client::acceptSafetyNumber(const std::string& user) {
    m->fetchIdentityIfUnknown(user);
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto number = m->trust->safetyNumber(user);
    if (!number) return tl::unexpected(number.error());
    Transaction tx(*m->db);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = m->trust->accept(user); !r) return r;
    // Journal the acceptance once per conversation shared with the user.
    auto convs = m->db->prepare("SELECT id, members FROM conversations");
    if (!convs) return tl::unexpected(convs.error());
    std::vector<std::string> shared;
    while (true) {
        auto row = convs->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        auto mem = splitMembers(convs->columnText(1));
        if (std::find(mem.begin(), mem.end(), user) != mem.end()) shared.push_back(convs->columnText(0));
    }
    for (auto& c : shared) {
        auto rec = m->newRecord(c, proto::SAFETY_NUMBER_ACCEPTED);
        rec.set_body("{\"user\":" + jsonQuote(user) + ",\"safety_number\":\"" + number->digits + "\"}");
        if (auto r = m->enqueue(std::move(rec), MessageKind::System, true); !r) return tl::unexpected(r.error());
    }
    if (auto r = tx.commit(); !r) return r;
    m->scheduleFlush();
    return {};
}

// ---- outbox ------------------------------------------------------------------------------------------

proto::JournalRecord Client::Impl::newRecord(const std::string& conversation, proto::MessageType type) {
    proto::JournalRecord rec;
    rec.set_version(2);
    rec.set_message_id(journal::newMessageId(nowMs()));
    rec.set_conversation_id(conversation);
    rec.mutable_sender()->set_user(acct.user);
    rec.mutable_sender()->set_device(acct.device);
    rec.set_client_time_ms(nowMs());
    rec.set_type(type);
    rec.set_commit_key(str(crypto::randomBytes(32)));
    return rec;
}

// Stores the record in the outbox (and, for what users see, in the message list) in one
// transaction. The caller holds `mutex`.
Result<std::string> Client::Impl::enqueue(proto::JournalRecord rec, MessageKind localKind, bool storeLocally) {
    Transaction tx(*db);
    const bool own = !db->inTransaction();
    if (own)
        if (auto r = tx.begin(); !r) return tl::unexpected(r.error());
    if (storeLocally) {
        std::string body = rec.type() == proto::SAFETY_NUMBER_ACCEPTED ? "You accepted a new safety number" : rec.body();
        if (rec.type() == proto::NOTICE_ACCEPTED) body = "You accepted the recording notice";
        if (auto r = messages->insert(rec, localKind, true, MessageState::Queued, 0, 0, body); !r)
            return tl::unexpected(r.error());
    }
    if (auto r = outbox->add(rec); !r) return tl::unexpected(r.error());
    if (own)
        if (auto r = tx.commit(); !r) return tl::unexpected(r.error());
    {
        std::lock_guard lock(queueMutex);
        outboxIdle = false;
    }
    return hexOf(rec.message_id());
}

// Sends the outbox in order, pipelined: up to kWindow messages are prepared (encrypted, sealed)
// and in flight at once, so that the relay's group commit stores them together. Responses are
// handled in order; a message the relay refused for a changed device list (409) stays queued
// and is prepared again with the new list.
void Client::Impl::flushOutbox() {
    if (wiped || revoked()) return;
    {
        std::lock_guard lock(queueMutex);
        if (retryAt != std::chrono::steady_clock::time_point{} && std::chrono::steady_clock::now() < retryAt) return;
        retryAt = {};
    }
    auto retryLater = [this] {
        // The relay's Retry-After when it rate-limited us, else 2 s.
        auto wait = retryAfterMs ? std::chrono::milliseconds(std::min<std::uint64_t>(retryAfterMs, 60000))
                                 : std::chrono::milliseconds(2000);
        retryAfterMs = 0;
        std::lock_guard lock(queueMutex);
        retryAt = std::chrono::steady_clock::now() + wait;
    };
    std::set<std::string> refresh;  // conversations whose device list the relay said changed
    int conflictRounds = 0;
    while (true) {
        std::vector<Outbox::Row> rows;
        if (manifestStale && refreshManifest()) touchGuard();
        {
            std::lock_guard lock(mutex);
            if (!db || !manifestOk) break;  // ES-10: no verified journal key, nothing leaves; it stays queued
            auto window = outbox->window(kWindow);
            if (!window) break;
            rows = std::move(*window);
        }
        if (rows.empty()) break;
        auto c = connection();
        if (!c || !c->isOpen()) break;

        std::vector<PreparedSend> batch;
        bool stalled = false;
        for (auto& r : rows) {
            auto p = prepareSend(r.seq, r.conversation, std::move(r.record), refresh.count(r.conversation) > 0);
            if (p.outcome == SendOutcome::Retry) {
                stalled = true;
                break;
            }
            if (p.outcome == SendOutcome::Sent) batch.push_back(std::move(p));  // ready to go
        }
        refresh.clear();
        // In flight together; the callbacks may outlive this frame (connection loss), so they
        // share their state.
        struct Flight {
            std::mutex m;
            std::condition_variable cv;
            std::vector<std::optional<proto::Response>> responses;
            std::size_t remaining = 0;
        };
        auto flight = std::make_shared<Flight>();
        flight->responses.resize(batch.size());
        flight->remaining = batch.size();
        for (std::size_t i = 0; i < batch.size(); ++i)
            c->request(batch[i].request, [flight, i](proto::Response r) {
                std::lock_guard lock(flight->m);
                flight->responses[i] = std::move(r);
                --flight->remaining;
                flight->cv.notify_all();
            });
        {
            std::unique_lock lock(flight->m);
            flight->cv.wait_for(lock, std::chrono::seconds(60), [&] { return flight->remaining == 0; });
        }
        bool conflict = false, again = stalled;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::optional<proto::Response> resp;
            {
                std::lock_guard lock(flight->m);
                resp = flight->responses[i];
            }
            auto outcome = finishSend(batch[i], resp);
            if (outcome == SendOutcome::Held) {  // 409: prepare again with the new device list
                conflict = true;
                refresh.insert(batch[i].conversation);
            }
            if (outcome == SendOutcome::Retry) again = true;
        }
        if (conflict && ++conflictRounds > kMaxSendAttempts) again = true;
        if (again) {
            retryLater();
            break;
        }
    }
    {
        std::lock_guard lock(queueMutex);
        outboxIdle = true;
    }
    syncCv.notify_all();
}

void Client::Impl::dropFromOutbox(std::int64_t seq, const proto::JournalRecord& rec, MessageState state,
                                  const std::string& why) {
    Transaction tx(*db);
    if (!tx.begin()) return;
    (void)outbox->remove(seq);
    (void)messages->setState(rec.message_id(), state);
    (void)tx.commit();
    emit({Event::Kind::SendFailed, rec.conversation_id(), hexOf(rec.message_id()), {}, {}, {}, why});
}

// Builds the SendMessage for one outbox row: outcome Sent means "ready", Held and Failed mean
// the row was set aside, Retry means stop for now.
Client::Impl::PreparedSend Client::Impl::prepareSend(std::int64_t seq, const std::string& conversation,
                                                     proto::JournalRecord rec, bool refreshDevices) {
    PreparedSend out{SendOutcome::Retry, seq, conversation, {}, {}};
    const std::string hexId = hexOf(rec.message_id());
    // The two round trips (member devices, missing bundles) run without `mutex`, each taking it
    // only to read or store; the rest (hold check, encryption, sealing) runs under it.
    auto devices = memberDevices(conversation, refreshDevices);
    if (!devices) {
        if (devices.error().detail == 403) {
            std::lock_guard lock(mutex);
            if (!db) return out;
            dropFromOutbox(seq, rec, MessageState::Failed, "not a member of this conversation");
            out.outcome = SendOutcome::Failed;
        }
        return out;
    }
    std::set<std::string> changed;
    if (auto r = ensureSessions(*devices, &changed); !r) return out;
    std::lock_guard lock(mutex);
    if (!db) return out;  // wiped meanwhile
    for (auto& u : changed) {
        emit({Event::Kind::SafetyNumberChanged, conversation, {}, {}, u, {}, "safety number of " + u + " changed"});
        (void)messages->systemMessage(conversation, "The safety number of " + u + " changed. Verify it, then accept to keep sending.");
    }
    // Held while a participant's safety number change is not accepted (PR-08).
    bool held = false;
    for (const auto& d : *devices)
        if (auto h = trust->userHeld(d.user()); h && *h) held = true;  // own user too: an unapproved own device
    if (held) {
        (void)outbox->hold(seq);
        (void)messages->setState(rec.message_id(), MessageState::Blocked);
        const bool ownDevice = [&] {
            auto h = trust->userHeld(acct.user);
            return h && *h;
        }();
        emit({Event::Kind::SendFailed, conversation, hexId, {}, {}, {},
              ownDevice ? "held: a device you did not approve was added to your account"
                        : "held: a safety number changed"});
        out.outcome = SendOutcome::Held;
        return out;
    }
    rec.clear_recipients();
    for (const auto& d : *devices)
        if (!(d.user() == acct.user && d.device() == acct.device)) *rec.add_recipients() = d;
    // Sealed before encrypting: the end-to-end copy carries the entry's ephemeral secret, so that
    // every recipient can open the journal's copy as compliance will (journal copy check).
    auto chain = accounts->deviceChain();
    if (!chain) return out;
    SecureBytes ephemeral;
    auto sealed = journal::sealRecord(rec, manifest.currentJournalKey()->publicKey,
                                      [&](ByteView msg) { return sessions->sign(msg); }, *chain, &ephemeral);
    if (!sealed) return out;
    std::string payload;
    {
        proto::JournalRecord e2e = rec;
        e2e.set_journal_ephemeral(str(ephemeral));
        payload = e2e.SerializeAsString();
    }
    auto* send = out.request.mutable_send();
    send->set_message_id(rec.message_id());
    send->set_conversation_id(conversation);
    // Encrypt to every device and persist the advanced sessions before anything leaves: a crash
    // after sending must never reuse a message key (CF-05, PR-16).
    {
        Transaction tx(*db);
        if (!tx.begin()) return out;
        for (const auto& d : rec.recipients()) {
            signal::Address a{d.user(), std::int32_t(d.device())};
            if (!sessions->hasSession(a)) continue;  // no bundle: the relay's 409 will tell
            auto ct = sessions->encrypt(a, view(payload));
            if (!ct) {
                log::write(log::Level::Warn, "client.encrypt_failed", {{"user", d.user()}, {"error", ct.error().message}});
                continue;
            }
            auto* e = send->add_envelopes();
            e->set_user(d.user());
            e->set_device(d.device());
            e->set_type(std::uint32_t(ct->type));
            e->set_body(str(ct->body));
        }
        if (!outbox->countAttempt(seq)) return out;
        if (!tx.commit()) return out;
    }
    send->set_journal_entry(str(sealed->serialize()));
    // The relay cannot read the record: the blobs it names are declared in clear, so that the
    // relay keeps them (an upload no send declares is removed after a grace period). Only this
    // device's uploads are accepted, which is all sendAttachment puts in a record.
    for (const auto& a : rec.attachments())
        if (std::find(send->blob_ids().begin(), send->blob_ids().end(), a.blob_id()) == send->blob_ids().end())
            send->add_blob_ids(a.blob_id());
    // Likewise the notice acceptance (issue 17): the one send a client may make before it.
    if (rec.type() == proto::NOTICE_ACCEPTED)
        if (auto a = journal::parseNoticeAcceptance(rec.body())) {
            send->mutable_notice_acceptance()->set_version(a->version);
            send->mutable_notice_acceptance()->set_text_sha256(str(a->textSha256));
        }
    out.rec = std::move(rec);
    out.outcome = SendOutcome::Sent;
    return out;
}

// Handles the relay's answer to one prepared send: Sent (stored, outbox row gone), Held (409:
// prepare again), Retry (later) or Failed (refused for good).
Client::Impl::SendOutcome Client::Impl::finishSend(const PreparedSend& p, const std::optional<proto::Response>& resp) {
    std::lock_guard lock(mutex);
    if (!resp) return SendOutcome::Retry;
    const auto& rec = p.rec;
    switch (resp->status()) {
    case proto::STATUS_OK: {
        const auto& r = resp->send_result();
        Transaction tx(*db);
        if (!tx.begin()) return SendOutcome::Retry;
        if (!outbox->remove(p.seq)) return SendOutcome::Retry;
        if (!messages->markSent(rec.message_id(), r.server_time_ms(), r.journal_sequence())) return SendOutcome::Retry;
        (void)messages->markProcessed(rec.message_id());
        // The journal has this entry now (or had it: a duplicate): it joins this device's chain,
        // which every later entry carries (issue 15 break 3).
        if (!accounts->advanceDeviceChain(view(rec.message_id()))) return SendOutcome::Retry;
        if (!tx.commit()) return SendOutcome::Retry;
        if (rec.type() != proto::RECEIPT)
            emit({Event::Kind::Sent, p.conversation, hexOf(rec.message_id()), {}, {}, {},
                  "journal_sequence=" + std::to_string(r.journal_sequence()), r.server_time_ms()});
        return SendOutcome::Sent;
    }
    case proto::STATUS_JOURNAL_KEY_CHANGED:
        manifestStale = true;  // fetch the manifest, then seal again
        return SendOutcome::Held;
    case proto::STATUS_CONFLICT:
        // The device list changed (a device joined, left or was revoked): refetch, retry.
        deviceCache.erase(p.conversation);
        for (const auto& x : resp->device_mismatch().extra())
            (void)sessions->store().deleteSession({x.user(), std::int32_t(x.device())});
        return SendOutcome::Held;
    case proto::STATUS_RATE_LIMITED:
        retryAfterMs = std::max<std::uint64_t>(retryAfterMs, std::max<std::uint64_t>(resp->retry_after_ms(), 50));
        return SendOutcome::Retry;
    case proto::STATUS_UNAVAILABLE:
    case proto::STATUS_INTERNAL:
        return SendOutcome::Retry;
    case proto::STATUS_NOTICE_REQUIRED:
        // No journaled acceptance of ours in this conversation (a relay upgraded to consent
        // enforcement, or a conversation joined after accepting): ask again, send nothing more.
        acct.noticeRequired = true;
        acct.noticeAccepted = false;
        (void)accounts->set("notice_required", view(std::string("1")));
        (void)accounts->set("notice_reset_ms", view(std::to_string(nowMs())));
        (void)accounts->remove("notice_accepted_ms");
        dropFromOutbox(p.seq, rec, MessageState::Failed, "relay refused the message: " + resp->error());
        return SendOutcome::Failed;
    default:
        dropFromOutbox(p.seq, rec, MessageState::Failed, "relay refused the message: " + resp->error());
        return SendOutcome::Failed;
    }
}

// An edit, retraction or reaction of this user: queued and applied here in one transaction
// (the other devices apply it when they receive it).
Result<std::string> Client::Impl::sendChange(const proto::JournalRecord& rec) {
    Transaction tx(*db);
    if (auto r = tx.begin(); !r) return tl::unexpected(r.error());
    auto id = enqueue(rec, MessageKind::System, false);
    if (!id) return id;
    std::vector<Event> events;
    if (auto r = messages->apply(rec, nowMs(), 0, events); !r) return tl::unexpected(r.error());
    if (auto r = tx.commit(); !r) return tl::unexpected(r.error());
    // A retraction's text may linger in old FTS segments until they merge: merge them now.
    if (rec.type() == proto::RETRACT) (void)db->exec("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')");
    scheduleFlush();
    return id;
}

Result<std::string> Client::sendText(const std::string& conversation, const std::string& text) {
    if (text.empty()) return fail(ErrorCode::InvalidArgument, "empty message");
    if (text.size() > 64 * 1024) return fail(ErrorCode::InvalidArgument, "message too long (64 KiB at most)");
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    if (m->acct.noticeRequired && !m->acct.noticeAccepted)
        return fail(ErrorCode::InvalidArgument, "accept the recording notice before sending (this matter is journaled)");
    auto conv = m->resolveConversation(conversation);
    if (!conv) return conv;
    auto rec = m->newRecord(*conv, proto::TEXT);
    rec.set_body(text);
    auto id = m->enqueue(std::move(rec), MessageKind::Text, true);
    if (id) m->scheduleFlush();
    return id;
}

Result<std::string> Client::edit(const std::string& messageId, const std::string& text) {
    if (text.empty()) return fail(ErrorCode::InvalidArgument, "empty message");
    auto raw = rawId(messageId);
    if (!raw) return raw;
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto msg = m->message(messageId);
    if (!msg) return tl::unexpected(msg.error());
    if (!*msg) return fail(ErrorCode::NotFound, "no such message");
    if ((*msg)->senderUser != m->acct.user) return fail(ErrorCode::InvalidArgument, "only your own messages can be edited");
    if ((*msg)->retracted) return fail(ErrorCode::InvalidArgument, "the message was deleted");
    if ((*msg)->kind != MessageKind::Text) return fail(ErrorCode::InvalidArgument, "only text messages can be edited");
    auto rec = m->newRecord((*msg)->conversation, proto::EDIT);
    rec.set_body(text);
    rec.set_ref_message_id(*raw);
    return m->sendChange(rec);
}

Result<std::string> Client::retract(const std::string& messageId) {
    auto raw = rawId(messageId);
    if (!raw) return raw;
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto msg = m->message(messageId);
    if (!msg) return tl::unexpected(msg.error());
    if (!*msg) return fail(ErrorCode::NotFound, "no such message");
    if ((*msg)->senderUser != m->acct.user) return fail(ErrorCode::InvalidArgument, "only your own messages can be deleted for everyone");
    if ((*msg)->retracted) return fail(ErrorCode::InvalidArgument, "already deleted");
    auto rec = m->newRecord((*msg)->conversation, proto::RETRACT);
    rec.set_ref_message_id(*raw);
    return m->sendChange(rec);
}

Result<std::string> Client::react(const std::string& messageId, const std::string& emoji) {
    auto raw = rawId(messageId);
    if (!raw) return raw;
    if (emoji.size() > 64) return fail(ErrorCode::InvalidArgument, "a reaction is one emoji");
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto msg = m->message(messageId);
    if (!msg) return tl::unexpected(msg.error());
    if (!*msg) return fail(ErrorCode::NotFound, "no such message");
    auto rec = m->newRecord((*msg)->conversation, proto::REACTION);
    rec.set_body(emoji);
    rec.set_ref_message_id(*raw);
    return m->sendChange(rec);
}

Result<void> Client::markRead(const std::string& conversation) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto conv = m->resolveConversation(conversation);
    if (!conv) return tl::unexpected(conv.error());
    auto st = m->db->prepare("SELECT row, id FROM messages WHERE conversation = ? AND outgoing = 0 AND kind IN (0, 1) "
                             "AND state = ? ORDER BY row DESC LIMIT 1");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(*conv)).bind(2, std::int64_t(MessageState::Received));
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
    if (m->acct.noticeRequired && !m->acct.noticeAccepted) return {};  // nothing leaves before consent
    std::int64_t last = st->columnInt(0);
    std::string id = str(st->columnBlob(1));
    auto cur = m->db->prepare("SELECT last_read_row FROM conversations WHERE id = ?");
    if (!cur) return tl::unexpected(cur.error());
    cur->bind(1, std::string_view(*conv));
    auto crow = cur->step();
    if (crow && *crow && cur->columnInt(0) >= last) return {};
    Transaction tx(*m->db);
    if (auto r = tx.begin(); !r) return r;
    auto up = m->db->prepare("UPDATE conversations SET last_read_row = ? WHERE id = ?");
    if (!up) return tl::unexpected(up.error());
    up->bind(1, last).bind(2, std::string_view(*conv));
    if (auto r = up->run(); !r) return r;
    auto rec = m->newRecord(*conv, proto::RECEIPT);
    rec.set_body("read");
    rec.set_ref_message_id(id);
    if (auto r = m->enqueue(std::move(rec), MessageKind::System, false); !r) return tl::unexpected(r.error());
    if (auto r = tx.commit(); !r) return r;
    m->scheduleFlush();
    return {};
}

Result<void> Client::acceptNotice() {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    if (!m->acct.noticeRequired) return {};
    if (m->acct.noticeAccepted) return {};
    // Consent is per conversation (the relay refuses a client's send into one without it): one
    // NOTICE_ACCEPTED, with the canonical notice's version and hash, into each conversation that
    // has none of ours yet (issue 17; docs/protocol.md, "Recording notice").
    // Acceptances made before the relay last refused a send for want of one (notice_reset_ms:
    // a relay upgraded to consent enforcement does not know them) do not count.
    std::int64_t since = 0;
    if (auto v = m->accounts->get("notice_reset_ms"); v && *v) since = std::atoll((*v)->c_str());
    auto st = m->db->prepare("SELECT c.id FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE "
                             "m.conversation = c.id AND m.outgoing = 1 AND m.kind = ? AND m.state != ? AND "
                             "m.client_time_ms >= ?) ORDER BY c.rowid");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(MessageKind::Notice)).bind(2, std::int64_t(MessageState::Failed)).bind(3, since);
    std::vector<std::string> convs;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        convs.push_back(st->columnText(0));
    }
    if (convs.empty()) {
        auto any = m->db->prepare("SELECT 1 FROM conversations LIMIT 1");
        if (!any) return tl::unexpected(any.error());
        auto row = any->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) return fail(ErrorCode::NotFound, "no matter to accept the notice for");
    }
    Transaction tx(*m->db);
    if (auto r = tx.begin(); !r) return r;
    for (const auto& conv : convs) {
        auto rec = m->newRecord(conv, proto::NOTICE_ACCEPTED);
        rec.set_body(journal::noticeAcceptanceBody(m->acct.firmName));
        if (auto r = m->enqueue(std::move(rec), MessageKind::Notice, true); !r) return tl::unexpected(r.error());
    }
    if (auto r = m->accounts->set("notice_accepted_ms", view(std::to_string(nowMs()))); !r) return r;
    if (auto r = tx.commit(); !r) return r;
    m->acct.noticeAccepted = true;
    m->scheduleFlush();
    return {};
}

Result<std::size_t> Client::outboxSize() {
    std::lock_guard lock(m->mutex);
    return m->outboxSize();
}

Result<std::size_t> Client::Impl::outboxSize() {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    return outbox->sendable();
}

// ---- attachments -------------------------------------------------------------------------------------

Result<std::string> Client::sendAttachment(const std::string& conversation, const std::string& path,
                                           const std::string& caption, const Progress& progress) {
    {
        std::lock_guard lock(m->mutex);
        if (m->acct.noticeRequired && !m->acct.noticeAccepted)
            return fail(ErrorCode::InvalidArgument, "accept the recording notice before sending (this matter is journaled)");
    }
    auto conv = resolveConversation(conversation);
    if (!conv) return conv;
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) return fail(ErrorCode::NotFound, "cannot read " + path);
    if (size > kMaxAttachment) return fail(ErrorCode::InvalidArgument, "attachment too large (100 MiB at most)");
    std::ifstream f(path, std::ios::binary);
    if (!f) return fail(ErrorCode::NotFound, "cannot read " + path);
    SecureBytes plain(size);
    f.read(reinterpret_cast<char*>(plain.data()), std::streamsize(size));
    if (!f) return fail(ErrorCode::Storage, "cannot read " + path);
    auto sealed = journal::sealAttachment(plain);
    if (!sealed) return tl::unexpected(sealed.error());
    const auto plainDigest = crypto::sha256(plain);  // committed with the key (issue 15 break 4)
    const SecureBytes& key = sealed->key;
    const auto& digest = sealed->digest;
    std::string blob = str(sealed->blob);
    auto id = RelayConnection::uploadBlob(m->currentEndpoint(), m->creds, blob, progress);
    if (!id) return tl::unexpected(id.error());
    // Keep our own copy (still encrypted) so that this device can open it without a download.
    {
        std::ofstream out(m->paths.blobs() + "/" + *id, std::ios::binary);
        out.write(blob.data(), std::streamsize(blob.size()));
    }
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto rec = m->newRecord(*conv, proto::ATTACHMENT);
    rec.set_body(caption);
    auto* a = rec.add_attachments();
    a->set_blob_id(str(*fromHex(*id)));
    a->set_key(str(key));
    a->set_digest(str(ByteView(digest.data(), digest.size())));
    a->set_plaintext_digest(str(ByteView(plainDigest.data(), plainDigest.size())));
    a->set_size(size);
    a->set_file_name(fs::path(path).filename().string());
    a->set_mime_type(detectMediaType(plain));  // from the content, not the name
    auto out = m->enqueue(std::move(rec), MessageKind::Attachment, true);
    if (out) m->scheduleFlush();
    return out;
}

Result<void> Client::saveAttachment(const std::string& messageId, std::size_t index, const std::string& outPath) {
    auto raw = rawId(messageId);
    if (!raw) return tl::unexpected(raw.error());
    proto::AttachmentList list;
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        auto st = m->db->prepare("SELECT attachments, retracted_ms FROM messages WHERE id = ?");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, view(*raw));
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) return fail(ErrorCode::NotFound, "no such message");
        if (st->columnInt(1)) return fail(ErrorCode::NotFound, "the message was deleted");
        Bytes b = st->columnBlob(0);
        list.ParseFromArray(b.data(), int(b.size()));
    }
    if (index >= std::size_t(list.items_size())) return fail(ErrorCode::NotFound, "no such attachment");
    const auto& a = list.items(int(index));
    const std::string idHex = toHex(view(a.blob_id()));
    const std::string local = m->paths.blobs() + "/" + idHex;
    std::string blob;
    if (std::ifstream in(local, std::ios::binary); in) {
        blob.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
        auto got = RelayConnection::downloadBlob(m->currentEndpoint(), m->creds, idHex, a.size() + 64);
        if (!got) return tl::unexpected(got.error());
        blob = std::move(*got);
    }
    auto plain = journal::openCommittedAttachment(view(a.key()), view(a.digest()), view(blob),
                                                  view(a.plaintext_digest()), a.size());
    if (!plain) {
        // Another file than the one committed to: withheld, and reported like a text mismatch.
        if (plain.error().code == ErrorCode::Crypto) m->withholdAttachment(*raw, plain.error().message);
        return tl::unexpected(plain.error());
    }
    if (!fs::exists(local)) {
        std::ofstream out(local, std::ios::binary);
        out.write(blob.data(), std::streamsize(blob.size()));
    }
    std::ofstream out(outPath, std::ios::binary | std::ios::trunc);
    if (!out) return fail(ErrorCode::Storage, "cannot write " + outPath);
    out.write(reinterpret_cast<const char*>(plain->data()), std::streamsize(plain->size()));
    if (!out) return fail(ErrorCode::Storage, "cannot write " + outPath);
    return {};
}

// ---- receive -----------------------------------------------------------------------------------------

void Client::Impl::acknowledge(std::uint64_t queueId) {
    auto c = connection();
    if (!c) return;
    proto::Request req;
    req.mutable_acknowledge()->add_queue_ids(queueId);
    // One-way: if the acknowledgement is lost the relay delivers again, and the message id
    // makes that a no-op here.
    c->notify(req);
}

void Client::Impl::onEnvelope(const proto::Envelope& e, std::uint64_t gen) {
    if (wiped || gen == failedGeneration) return;
    Receiver::Received got;
    {
        std::lock_guard lock(mutex);
        if (!db) return;
        got = receiver->receive(e);
        if (got.outcome == Receiver::Outcome::StorageTrouble)
            failedGeneration = gen;  // keep the order: everything after this comes again too
        else if (got.wantsDeliveryReceipt)
            pendingDelivered[got.conversation] = got.rawMessageId;
    }
    if (got.outcome == Receiver::Outcome::StorageTrouble) {
        // The envelope stays queued on the relay, which sends it again on the next connection:
        // drop this one (after a pause) so that it comes back once the disk has room.
        log::write(log::Level::Error, "client.store_failed", {{"queue_id", std::to_string(e.queue_id())}});
        emit({Event::Kind::Undecryptable, e.conversation_id(), hexOf(e.message_id()), {}, {}, {},
              "could not store the message (disk full?); it will be fetched again"});
        supervisor->reconnect();  // the supervisor drops the connection and reconnects after its backoff
        return;
    }
    for (auto& ev : got.events) emit(ev);
}

void Client::Impl::handleWipe(const std::string& bytes) {
    auto cmd = journal::WipeCommand::parse(view(bytes));
    // Only a command signed by the relay key in the firm manifest, addressed to this very device.
    if (!manifestOk || !cmd || !cmd->verify(manifest.relayPublicKey, acct.user, acct.device)) {
        log::write(log::Level::Warn, "client.wipe_refused", {{"reason", "bad signature or not for this device"}});
        return;
    }
    // Tell the firm before the keys are gone (best effort: the wipe goes ahead regardless).
    {
        proto::Request confirm;
        confirm.mutable_confirm_wipe();
        auto r = call(confirm, std::chrono::seconds(5));
        if (!r || r->status() != proto::STATUS_OK)
            log::write(log::Level::Warn, "client.wipe_unconfirmed", {{"reason", r ? r->error() : r.error().message}});
    }
    std::lock_guard lock(mutex);
    wiped = true;
    supervisor->retire();  // closes the connection and does not reconnect
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

// ---- queries ---------------------------------------------------------------------------------------

Result<std::vector<MessageView>> Client::history(const std::string& conversation, std::size_t limit, std::int64_t beforeRowId) {
    std::lock_guard lock(m->mutex);
    auto conv = m->resolveConversation(conversation);
    if (!conv) return tl::unexpected(conv.error());
    return m->messages->history(*conv, limit, beforeRowId);
}

Result<std::optional<MessageView>> Client::message(const std::string& messageId) {
    std::lock_guard lock(m->mutex);
    return m->message(messageId);
}

Result<std::optional<MessageView>> Client::Impl::message(const std::string& messageId) {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    return messages->message(messageId);
}

Result<std::vector<MessageView>> Client::search(const std::string& query, std::size_t limit) {
    if (query.empty()) return std::vector<MessageView>();
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->messages->search(query, limit);
}

}  // namespace verbatim::client
