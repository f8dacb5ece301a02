#pragma once
/// @file ClientImpl.h
/// Private to the client core: Client::Impl, the state the façade's parts share (the profile's
/// units, the data lock, the worker, the supervisor), and the helpers they use. Client.cpp
/// (names, start and stop, the worker, pushes, conversations, receiving), ClientKeys.cpp
/// (pre-keys, the firm manifest), ClientProfile.cpp (open, join, remote wipe), ClientRelayCalls.cpp
/// (round trips the user asks for: devices, links, approvals, invites, administration, sessions),
/// ClientSend.cpp (the outbox pipeline, message operations) and ClientAttachments.cpp (upload,
/// send, fetch and save of files) each define a part of it. Not for the app or the command-line
/// client: they use Client.h.
#include "client/core/Client.h"
#include "client/core/MediaType.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "client/core/AccountStore.h"
#include "client/core/ConnectionSupervisor.h"
#include "client/core/ContactTrust.h"
#include "client/core/CoreUtil.h"
#include "client/core/Link.h"
#include "client/core/MessageStore.h"
#include "client/core/Outbox.h"
#include "client/core/Profile.h"
#include "client/core/Receiver.h"
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

// A manifest a client may act on: signed by the firm root it pinned, with a journal key, and
// naming the relay it talks to (issue 15 break 8).
inline bool manifestAcceptable(const journal::FirmManifest& m, std::string_view fingerprint,
                               std::string_view relay) {
    return m.verify(fingerprint) && m.currentJournalKey() && m.namesRelay(relay);
}

inline constexpr std::uint32_t kPreKeyBatch = 100;
inline constexpr std::size_t kMaxAttachment = 100ull * 1024 * 1024;
inline constexpr int kMaxSendAttempts = 4;
inline constexpr int kWindow = 32; ///< outbox messages in flight at once

/// The relay's device list as views; `self` marks this device (own lists carry no user).
inline std::vector<DeviceView> deviceViews(const proto::DeviceList& list, const Account& self) {
    std::vector<DeviceView> out;
    for (const auto& d : list.devices()) {
        DeviceView v;
        v.device = d.device();
        v.platform = d.platform();
        v.appVersion = d.app_version();
        v.name = d.device_name();
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
    std::unique_ptr<MessageStore> messages; ///< over `db`; reset with it
    std::unique_ptr<AccountStore> accounts; ///< over `db`; reset with it
    std::unique_ptr<Outbox> outbox;         ///< over `db`; reset with it
    std::unique_ptr<ContactTrust> trust;    ///< over `db` and `sessions`; reset with them
    std::unique_ptr<Receiver> receiver;     ///< over the above; reset with them
    journal::FirmManifest manifest;
    Account acct;
    DeviceCredentials creds;
    Endpoint endpoint;
    bool manifestOk = false;
    /// `manifest` is one this device verified (at open or when it adopted it): its addresses
    /// are the device's, whatever a node serves now (issue 20). Guarded by `mutex`.
    bool heldManifestOk = false;
    /// HOST:PORT of nodes that served a manifest this device refused, and until when they are
    /// passed over (docs/protocol.md C-FAIL-7). Guarded by `mutex`.
    std::map<std::string, std::chrono::steady_clock::time_point> refusedNodes;
    /// Every address the device may contact now (C-LINK-2): the current one first, then the
    /// others the held manifest names, without refused nodes (all of them when every one was
    /// refused); the link's alone without a verified manifest. Call with `mutex` held.
    std::vector<Endpoint> relayEndpointsLocked();
    /// The same, taken under `mutex`: what one-shot HTTPS calls try in order (C-FAIL-6).
    std::vector<Endpoint> relayEndpoints() {
        std::lock_guard lock(mutex);
        return relayEndpointsLocked();
    }

    // Data: everything that touches the database or the sessions. Never held across a relay
    // call: take what the call needs under it, release it, call, then take it again and check
    // that the profile is still there (a wipe may have come in meanwhile).
    DataMutex mutex;

    // Events.
    std::mutex handlerMutex;
    EventHandler handler;

    // Connection.
    std::unique_ptr<ConnectionSupervisor> supervisor; ///< made by open(), with the credentials
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
    /// The connection (generation) whose QueueDrained was checked for a relay restore: the
    /// outbox sends nothing on a connection before that (ClientRestore.cpp).
    std::uint64_t restoreCheckedGeneration = 0;
    /// What the last QueueDrained said of a relay restore (Client::relayRestore()).
    bool restoreNoticeKnown = false;
    std::string restoreNoticeEpoch;
    std::uint64_t restoreNoticeSequence = 0;
    bool outboxIdle = true;
    std::chrono::steady_clock::time_point retryAt{};

    // Worker-thread state.
    std::map<std::string, std::vector<proto::DeviceAddress>> deviceCache;
    /// (user, device) -> the device's name, from the last member-device lists (under `mutex`).
    std::map<std::pair<std::string, std::uint32_t>, std::string> deviceNames;
    std::map<std::string, std::string> pendingDelivered; ///< conversation -> newest received id

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
    std::set<std::uint32_t> approvalRequested; ///< own pending devices already announced (mutex)
    /// Approves own pending devices that prove they hold one of our link secrets; announces the
    /// others. Runs on the worker.
    void reviewOwnDevices(const proto::DeviceList& list);
    Result<ConversationView> changedConversation(const proto::Response& resp);
    /// Signs and sends an approval of own device `device`; returns the approval's bytes.
    Result<std::string> sendApproval(std::uint32_t device, ByteView identityKey);
    /// Attachment `index` of a message did not open to its committed file: marked and reported.
    void withholdAttachment(const std::string& messageId, std::size_t index,
                            const std::string& blob, const std::string& why);
    Result<std::string> queueMismatchReport(const std::string& conversation,
                                            const std::string& messageId, const std::string& sender,
                                            std::uint64_t journalSeq, const std::string& fields);
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
    std::shared_ptr<RelayConnection> connection() {
        return supervisor ? supervisor->connection() : nullptr;
    }
    Result<proto::Response> call(const proto::Request& r,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (mutex.heldHere()) {
            log::write(log::Level::Error, "client.call_under_lock", {});
            return fail(ErrorCode::Internal, "a relay call was made under the client's data lock");
        }
        auto c = connection();
        if (!c || !c->isOpen()) return fail(ErrorCode::Unavailable, "not connected to the relay");
        return c->call(r, timeout);
    }
    void onPush(const proto::Push& p);

    // ---- protocol -----------------------------------------------------------------------------
    /// `replace`: the relay drops this device's stored one-time pre-keys first (after a restore).
    Result<proto::Request> preparePreKeyUpload(bool newSignedPreKey, bool replace = false);
    /// Takes `mutex` itself, not across the call.
    Result<void> uploadPreKeys(bool newSignedPreKey, bool replace = false);
    Result<std::vector<proto::DeviceAddress>> memberDevices(const std::string& conversation,
                                                            bool refresh);
    Result<void> ensureSessions(const std::vector<proto::DeviceAddress>& devices,
                                std::set<std::string>* changedUsers);
    /// Fetches `user`'s bundles when no identity key of theirs is known (takes `mutex` itself).
    void fetchIdentityIfUnknown(const std::string& user);
    Result<void> refreshConversations();
    /// False when the relay could not be reached. A node serving a refused manifest is passed
    /// over (C-FAIL-7, ClientKeys.cpp).
    bool refreshManifest();
    /// Stores and takes a newer manifest that verified; `mutex` held.
    bool adoptManifest(const std::string& bytes, const journal::FirmManifest& fresh);
    void touchGuard();
    Result<void> adminAction(const std::string& user, std::uint32_t device,
                             proto::AdminDeviceAction::Action action);
    void rotateSignedPreKeyIfDue();
    /// C-RESTORE-1 (ClientRestore.cpp): on a restore epoch this device has not seen, queues again
    /// what the restored relay lost and replaces its pre-keys there. Runs on the worker; false
    /// when it could not finish (it is tried again on the next connection).
    bool reactToRestore(const proto::QueueDrained& drained);
    /// Re-uploads the attachments of `rec` from this device's copies; the record then names the
    /// new blobs. Takes no lock (network).
    void reuploadAttachments(proto::JournalRecord& rec);
    bool manifestStale = false; ///< worker: the relay said our journal key is not current

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
    PreparedSend prepareSend(std::int64_t seq, const std::string& conversation,
                             proto::JournalRecord rec, bool refreshDevices);
    SendOutcome finishSend(const PreparedSend& p, const std::optional<proto::Response>& resp);
    void dropFromOutbox(std::int64_t seq, const proto::JournalRecord& rec, MessageState state,
                        const std::string& why);

    // ---- receive ------------------------------------------------------------------------------
    void onEnvelope(const proto::Envelope& e, std::uint64_t gen);
    /// a connection whose later envelopes are left for redelivery
    std::uint64_t failedGeneration = 0;
    std::uint64_t retryAfterMs = 0; ///< worker: the relay's Retry-After from the last 429
    void acknowledge(std::uint64_t queueId);
    void handleWipe(const std::string& bytes);

    // ---- history transfer (ClientHistory.cpp; docs/protocol.md, "History transfer") ----------
    /// A received HISTORY_TRANSFER: checks that this user's own device sent it to this device
    /// and keeps it (account key `history_offer`) for importHistoryOffer(); the caller holds
    /// `mutex` and the receive's transaction. Answers the sentence for the user, or why it was
    /// refused (nothing kept).
    Result<std::string> acceptHistoryOffer(const proto::JournalRecord& rec,
                                           const proto::Envelope& e);
    /// Worker: fetches the kept offer's blob, checks and opens it, imports it (all or nothing)
    /// and forgets the offer; emits HistoryImported or HistoryFailed. A relay that cannot be
    /// reached leaves the offer for the next connection.
    void importHistoryOffer();
    /// Between this user's own devices a record is addressed: keeps of `devices` (the relay's
    /// list of this user's active devices) those `rec` names; false when none is left. Any
    /// other conversation: true, `devices` unchanged.
    bool addressOwnDevices(const std::string& conversation, const proto::JournalRecord& rec,
                           std::vector<proto::DeviceAddress>& devices) const;

    // ---- the firm's device policy (ClientDevicePolicy.cpp) -------------------------------------
    /// The policy for this user from the manifest held (the caller holds `mutex`).
    DevicePolicyView policyView() const;
    /// Worker, when idle: device retention at unlock, then hourly.
    void retentionTick();
    std::chrono::steady_clock::time_point nextRetention{}; ///< worker
    /// Removes what the device retention says is too old as of `nowMs`, batch by batch (takes
    /// `mutex` per batch); emits MessagesExpired per conversation.
    Result<std::size_t> applyRetention(std::uint64_t nowMs);
    /// Worker, before obeying a wipe command: a client's device obeys only when the firm's signed
    /// policy lets the firm erase clients' devices (the manifest is fetched again first, in case
    /// the firm just allowed it); otherwise it logs, emits WipeRefused and erases nothing.
    bool wipeAllowedByPolicy();
    /// Queues the ATTACHMENT_SAVED record of a save of attachment `index` of message
    /// `rawMessageId` (the caller holds `mutex`; ClientAttachments.cpp). Refused where the relay
    /// would refuse it for good (a closed matter, a removed member, the notice not accepted).
    Result<std::string> queueSaveRecord(const std::string& conversation,
                                        const std::string& rawMessageId, std::size_t index,
                                        const std::string& fileName, bool open = false);
    /// Attachment `index` of message `messageId` (hex), from this device's copy or downloaded,
    /// checked against the record and decrypted (ClientAttachments.cpp; takes `mutex` itself, not
    /// across the download). A file other than the one committed to is withheld and reported.
    struct FetchedAttachment {
        std::string rawMessageId, conversation;
        proto::AttachmentRef ref;
        SecureBytes plain;
    };
    Result<FetchedAttachment> fetchAttachment(const std::string& messageId, std::size_t index);
    /// Writes `plain` to `path` as ".verbatim-part" first, queues the ATTACHMENT_SAVED record,
    /// then renames: no unrecorded save (ClientAttachments.cpp).
    Result<void> writeJournaled(const FetchedAttachment& f, std::size_t index,
                                const std::string& path, bool open);

    // ---- queries (the caller holds `mutex`) ----------------------------------------------------
    Result<std::string> resolveConversation(const std::string& idOrTitle);
    Result<std::optional<MessageView>> message(const std::string& messageId);
    Result<std::size_t> outboxSize();
};

} // namespace verbatim::client
