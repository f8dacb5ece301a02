#pragma once
/// @file RelayService.h
/// The relay's domain logic, with no networking: accounts and devices, pre-keys, conversations,
/// the store-and-forward queue, the journal log and invites. Every request runs as a job on the
/// StorageThread (group commit) and completes through a callback after the data is durable.
/// The network layer (relay/net) authenticates devices, turns frames into handle() calls and
/// implements PushSink; tests drive this class directly.
///
/// One class, defined by role across relay/core: RelayService.cpp (lifecycle, handle()'s table
/// from request kind to handler), KeysService.cpp, MessagesService.cpp (the queue),
/// ConversationsService.cpp (with invites), MattersService.cpp (closing, removing, offboarding),
/// WallsService.cpp (ethical walls), DevicesService.cpp, EnrollmentService.cpp and
/// JournalService.cpp (the journal log); what they share is in RelayServiceImpl.h.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crypto/Ed25519.h"
#include "journal/HashChain.h"
#include "relay/core/BlobStore.h"
#include "relay/core/Checkpointer.h"
#include "relay/core/PushWaker.h"
#include "relay/core/RateLimiter.h"
#include "relay/core/StorageThread.h"
#include "relay/core/Walls.h"
#include "signal/SignalContext.h"
#include "wire.pb.h"

namespace verbatim::relay {

/// The `ADMIN_ACTION` body version this relay writes (its `"version"` field; a body without one
/// is version 1). Version 2: `actor` is always who caused the act (docs/protocol.md).
inline constexpr std::string_view kAdminBodyVersion = "2";
/// The `actor` of an act done with `verbatim-relay admin` on the relay's host.
inline constexpr const char* kAdminCliActor = "admin-cli";
/// The `actor` of an act a presented token caused (a registration, an invite's redemption).
inline constexpr const char* kTokenActor = "token";

/// An authenticated device.
struct DeviceId {
    std::string user;
    std::uint32_t device = 0;
    proto::Role role = proto::ROLE_UNSPECIFIED;
    Bytes identityKey; ///< the device's Signal identity key (33 bytes), to check its signatures
    bool wipeOnly =
        false; ///< revoked, connected only to receive its wipe: every request is refused
    bool operator<(const DeviceId& o) const {
        return std::tie(user, device) < std::tie(o.user, o.device);
    }
};

/// Where the relay pushes frames for one connected device. Implemented by the WebSocket session;
/// push() may be called from the storage thread and must only queue (never block).
class PushSink {
public:
    virtual ~PushSink() = default;
    /// Queue a frame for the device. Returns false when the sink is closed or over its limit;
    /// the relay then stops live pushing to it (the data stays queued for the next drain).
    virtual bool push(const proto::Frame& frame) = 0;
    /// Queue several frames, in order, as one hand-over (a drain page): a connection can send
    /// them together. Same result as push() of each; stops at the first refusal.
    virtual bool pushAll(std::span<const proto::Frame> frames) {
        for (const auto& f : frames)
            if (!push(f)) return false;
        return true;
    }
    /// Close the connection (revocation): `code` is a WebSocket close code.
    virtual void close(std::uint16_t code, const char* reason) = 0;
    /// The device was wiped (and so revoked) while connected: the connection stays open only to
    /// carry the wipe command and the device's ConfirmWipe; every other request on it is refused
    /// from now on, as for a device that authenticated with a wipe pending (DeviceId::wipeOnly).
    /// Called before the wipe command is pushed. The relay refuses a revoked device's requests
    /// in storage anyway; this only stops them earlier.
    virtual void restrictToWipe() {}
};

class PgListener;
class JournalPruner;

struct RelayConfig {
    std::string publicAddress = "127.0.0.1:8443"; ///< HOST:PORT put into links
    Bytes journalPublicKey;                       ///< 32 bytes, current journal key
    crypto::Ed25519KeyPair relayKey;              ///< signs checkpoints
    Bytes firmManifest;                           ///< signed by the firm root key
    std::string firmFingerprint;                  ///< hex, put into links
    /// SHA-256 of the relay's TLS certificate (hex), put into links so that a new device can pin
    /// a self-signed certificate; empty when the certificate is CA-issued.
    std::string tlsPin;
    std::uint32_t checkpointEvery = 256; ///< sign a checkpoint every N entries
    std::size_t maxEnvelopesPerSend = 1000;
    std::size_t maxEnvelopeBytes = 256 * 1024;
    std::uint32_t preKeyLowWatermark = 20;
    /// One-time pre-keys stored per device at most. An upload that would pass it stores what fits
    /// and answers how many it refused (PreKeyCount.refused); a registration with more is 413.
    std::uint32_t maxStoredPreKeys = 200;
    std::uint32_t drainPage = 256;
    /// Group-commit delay of the storage thread (see StorageThread): only used while sends keep
    /// arriving, so an idle relay still commits at once.
    std::chrono::microseconds commitWindow{1000};
    /// Whether the relay verifies each send's journal-entry signature (XEdDSA by the sending
    /// device's identity key) before storing it. Compliance verifies every signature on pull in
    /// any case (DL-05); with this off the relay still checks that the entry parses, names this
    /// message and the authenticated device, and is sealed to the current journal key, and an
    /// entry with a bad signature is flagged by `verbatim-journal verify` by sequence number.
    /// Off trades an early refusal for about 120 µs of relay CPU per send.
    bool verifyJournalSignatures = true;
    /// Consent enforced (issue 17): a device of a user with role CLIENT may send into a
    /// conversation only once its notice acceptance there is journaled (else
    /// STATUS_NOTICE_REQUIRED). Off only in tests that send from client devices without
    /// accepting, and in tests that need a relay that lets such a send through.
    bool requireNoticeAcceptance = true;
    /// Opens a second connection to the relay database. When set, SQLite's automatic
    /// checkpoint is turned off and a Checkpointer thread checkpoints on this connection every
    /// `checkpointInterval` instead, off the storage thread. When empty, SQLite checkpoints
    /// inside commits as usual.
    std::function<Result<std::unique_ptr<storage::Database>>()> openCheckpointConnection;
    std::chrono::milliseconds checkpointInterval{500};
    /// The PostgreSQL store's URL (issue 20), when the relay runs on one: it then listens there
    /// for other nodes' sends (LISTEN/NOTIFY) and pushes to its own live devices what they queued.
    std::string postgresUrl;
    RateLimits limits;
    /// Attachment blobs: per-role quota and rate, disk reserve, grace before removal (BlobStore).
    BlobPolicy blobs;
    /// Journal pruning (issue 22, JournalPruning.cpp): rows every active compliance device
    /// acknowledged are deleted once older than this safety window (0: at once).
    std::chrono::milliseconds journalPruneAfter{std::chrono::hours(24 * 30)};
    /// How often the relay looks for rows to prune (and at once after each acknowledgement);
    /// 0: never on its own (admin processes; tests call pruneJournalNow()).
    std::chrono::milliseconds journalPruneInterval{0};
    /// Rows one pruning step deletes, in one storage job: a send waits for one step at most.
    std::uint32_t journalPruneBatch = 250;
    /// UnifiedPush wake-ups (issue 23, PushWaker.h): what endpoints may be registered and how
    /// often a device is woken. Pushes start with startPush().
    PushPolicy push;
    /// Signs the relay's own journal entries (the audit trail). Generated at open() when empty;
    /// the manifest publishes its public half so that compliance can verify them.
    Bytes relayIdentityPublic;        ///< 33 bytes
    SecureBytes relayIdentityPrivate; ///< 32 bytes
};

class RelayService {
public:
    using Done = std::function<void(proto::Response)>;

    /// Opens the service on an opened relay database (migrations run here).
    [[nodiscard]] static Result<std::unique_ptr<RelayService>>
    open(std::unique_ptr<storage::Database> db, RelayConfig config);
    ~RelayService();

    // ---- administration (CLI, tests) ---------------------------------------------------------
    [[nodiscard]] Result<void> createUser(const std::string& id, proto::Role role,
                                          const std::string& displayName, const std::string& actor);
    /// A single-use enrollment token for `user` (created by createUser). Returns the token.
    [[nodiscard]] Result<std::string>
    createEnrollmentToken(const std::string& user, std::uint64_t ttlMs, const std::string& actor);
    /// The verbatim:// link for a token.
    std::string linkFor(const std::string& kind, const std::string& token) const;
    struct UserRow {
        std::string id, displayName;
        proto::Role role;
        std::uint64_t createdMs;
    };
    struct DeviceRow {
        std::string user;
        std::uint32_t device;
        proto::Role role;
        std::string platform, appVersion;
        std::uint64_t enrolledMs, lastSeenMs, revokedMs; ///< 0 when never / not revoked
        std::uint64_t wipeRequestedMs;                   ///< 0 when no wipe was asked for
        std::uint64_t wipedMs = 0;                       ///< when the device confirmed its wipe
        std::uint64_t pendingMs = 0; ///< registered then, awaiting its user's approval
    };
    [[nodiscard]] Result<std::vector<UserRow>> listUsers();
    /// All devices, or one user's when `user` is not empty.
    [[nodiscard]] Result<std::vector<DeviceRow>> listDevices(const std::string& user);
    /// Opens (or reuses) the matter `title` of lawyer `from` and returns an invite link to it
    /// (`admin invite`: journaled with the actor kAdminCliActor, `from` as creator and inviter).
    [[nodiscard]] Result<std::string> inviteToMatter(const std::string& from,
                                                     const std::string& title, std::uint64_t ttlMs);
    /// The invites `inviter` made (everyone's when empty), newest first, at most `limit`, with
    /// their state as redemption would judge it now.
    [[nodiscard]] Result<std::vector<proto::InviteInfo>> listInvites(const std::string& inviter,
                                                                     std::size_t limit = 500);
    /// Revokes invite `id` (whoever made it): redeeming it is refused from the commit on.
    /// Journaled as `invite-revoked` by `actor`. NotFound for an unknown id, InvalidArgument
    /// (detail 409) for a redeemed one or an id that names two invites.
    [[nodiscard]] Result<proto::InviteInfo> revokeInvite(const std::string& id,
                                                         const std::string& actor);
    /// Queues a remote wipe signed by the relay key, and revokes the device in the same
    /// transaction: from the commit on it can do nothing but receive the wipe and confirm it
    /// (ConfirmWipe). The command is pushed at once if the device is online (the connection
    /// turns wipe-only), else before anything else on its next connection; the device's queued
    /// envelopes and pre-keys are purged now, and links it made stop working.
    [[nodiscard]] Result<void> queueWipe(const std::string& user, std::uint32_t device,
                                         const std::string& actor);
    [[nodiscard]] Result<void> revokeDevice(const std::string& user, std::uint32_t device,
                                            const std::string& actor);
    /// What offboard() did: counts for the administrator.
    struct Offboarded {
        std::size_t matters = 0, memberships = 0, devices = 0, invites = 0;
    };
    /// Offboards departing staff user `user` in one transaction (issue 22): the matters they
    /// opened are handed to `to` (a lawyer or supervisor, made a member; `matter-handed-over`),
    /// they leave every conversation (`member-removed`), every device of theirs is revoked
    /// (`revoke-device`) and every open invite of theirs is revoked (`invite-revoked`); then
    /// `user-offboarded`. All journaled by `actor`.
    [[nodiscard]] Result<Offboarded> offboard(const std::string& user, const std::string& to,
                                              const std::string& actor);
    /// Ethical walls (issue 22, relay/core/Walls.h; WallsService.cpp). addWall() checks every
    /// name (unknown users and matters, a user or matter on both sides, an empty side, a name in
    /// use are InvalidArgument or NotFound, and change nothing), stores the wall and journals
    /// `wall-added` by `actor` in one transaction, and answers it with the conversations that
    /// already cross it (nobody is removed).
    [[nodiscard]] Result<WallInfo> addWall(const WallSpec& spec, const std::string& actor);
    /// Every wall, by name, with the conversations that cross it now.
    [[nodiscard]] Result<std::vector<WallInfo>> listWalls();
    /// One wall (NotFound when there is none of that name).
    [[nodiscard]] Result<WallInfo> showWall(const std::string& name);
    /// Removes a wall (journaled `wall-removed`): what it refused is allowed from the commit on.
    [[nodiscard]] Result<void> removeWall(const std::string& name, const std::string& actor);
    /// An administrator removes `user` from `conversation`, a direct conversation included (the
    /// way to resolve a conversation that crosses a wall; `verbatim-relay admin wall cut`).
    /// Journals `member-removed` by `actor`, tells the members' live devices, and answers the
    /// conversation as it is now. NotFound when there is no such conversation or membership.
    [[nodiscard]] Result<proto::Conversation> cutFromConversation(const std::string& conversation,
                                                                  const std::string& user,
                                                                  const std::string& actor);
    /// Supervising partners (issue 21; SupervisorsService.cpp). addSupervisor() makes staff user
    /// `supervisor` (a lawyer, supervisor or admin) supervise `lawyer` (a lawyer or supervisor,
    /// not themselves) and journals `supervisor-added` by `actor` in one transaction; false when
    /// the assignment existed already (nothing journaled). Unknown users are NotFound, wrong
    /// roles InvalidArgument.
    [[nodiscard]] Result<bool> addSupervisor(const std::string& lawyer,
                                             const std::string& supervisor,
                                             const std::string& actor);
    /// Ends an assignment (`supervisor-removed`); NotFound when there is none.
    [[nodiscard]] Result<void> removeSupervisor(const std::string& lawyer,
                                                const std::string& supervisor,
                                                const std::string& actor);
    struct SupervisorRow {
        std::string supervisor, lawyer, assignedBy;
        std::uint64_t assignedMs = 0;
    };
    /// Every assignment, by supervisor then lawyer.
    [[nodiscard]] Result<std::vector<SupervisorRow>> listSupervisors();
    /// The firm's "client waiting too long" threshold in milliseconds (0: none; meta
    /// `supervision_threshold_ms`); setting it journals `supervision-threshold-set`.
    [[nodiscard]] Result<void> setSupervisionThreshold(std::uint64_t ms, const std::string& actor);
    [[nodiscard]] Result<std::uint64_t> supervisionThreshold();

    // ---- devices --------------------------------------------------------------------------------
    /// Redeems an enrollment or invite token and creates the device. `clientAddress` keys the
    /// per-address rate limit.
    void
    registerDevice(const proto::RegisterDevice& request, const std::string& clientAddress,
                   std::function<void(Result<proto::Registered>, std::uint64_t retryAfterMs)> done);
    /// What an unredeemed invite is (its lawyer's name, the matter), for the recording notice a
    /// client shows before it registers; with `decline`, also kills the invite (`declined_ms`,
    /// journaled as `invite-declined`) without registering anyone (issue 22). Refused as
    /// redemption would refuse the token (401 unknown, 410 used, revoked, declined, expired or
    /// dead with its inviter), and 400 for an enrollment link; rate-limited as redemption.
    /// InviteNoticeService.cpp.
    void answerInvite(
        const proto::InviteToken& request, bool decline, const std::string& clientAddress,
        std::function<void(Result<proto::InviteDetails>, std::uint64_t retryAfterMs)> done);
    /// Checks a device's credentials (constant-time against the stored hash).
    void authenticate(const std::string& user, std::uint32_t device, ByteView secret,
                      std::function<void(Result<DeviceId>)> done);

    /// Handles one request from an authenticated device: looks its kind up in the request
    /// table and runs that handler (an unknown kind is STATUS_BAD_REQUEST "unknown request").
    /// `done` runs once, on any thread.
    void handle(const DeviceId& from, proto::Request request, Done done);

    /// Attaches a connected device: queued envelopes are pushed in order, then live ones.
    void connect(const DeviceId& device, std::shared_ptr<PushSink> sink);
    void disconnect(const DeviceId& device, const PushSink* sink);

    /// Picks up revocations and wipes written by another process (the admin CLI beside a running
    /// relay) since the last call, and acts on them: revoked devices are disconnected (4403),
    /// wipes are pushed. Call periodically; cheap when nothing changed.
    void applyExternalChanges();

    /// Starts UnifiedPush wake-ups through `sender` (the network layer's HTTP client) when
    /// config().push.enabled; until then, and without it, registrations are stored but nobody is
    /// woken. Once (a second call is ignored). PushService.cpp.
    void startPush(std::unique_ptr<PushSender> sender);
    /// The push waker (null before startPush()), for /metrics and tests.
    const PushWaker* pushWaker() const { return m_push.get(); }

    /// Current journal head (sequence, chain hash), read on the storage thread.
    std::pair<std::uint64_t, journal::ChainHash> journalHead();
    /// The journal's pruning state (issue 22; `verbatim-relay admin journal status`): head, the
    /// pruned boundary, rows stored and every active compliance device's acknowledgement.
    [[nodiscard]] Result<proto::JournalPruneState> journalPruneState();
    /// Prunes now, step by step, until nothing more may go; returns the rows deleted.
    [[nodiscard]] Result<std::uint64_t> pruneJournalNow();
    /// Rows pruned since this service started (for /metrics).
    std::uint64_t prunedRows() const { return m_prunedRows; }
    /// PostgreSQL store: queue ids pushed to live devices and kept until they are acknowledged
    /// (so that another node's wake-up pushes each row once), over all devices. Waits for the
    /// storage thread. For tests.
    std::size_t pushedIdsKept();
    StorageThread& storage() { return *m_storage; }
    /// Attachment blobs: the network layer opens it on the blob directory before serving.
    BlobStore& blobs() { return *m_blobs; }
    const RelayConfig& config() const { return m_config; }

private:
    RelayService(std::unique_ptr<storage::Database> db, RelayConfig config);
    Result<void> loadState(storage::Database& db);
    Result<void> loadRateLimits(storage::Database& db);
    Result<void> loadRestoreEpoch(storage::Database& db);
    /// Runs `work` as a storage job and waits until it is durable and its completion has run.
    Result<void>
    runAndWait(const std::function<Result<std::function<void()>>(storage::Database&)>& work);
    /// Appends a sealed entry to the journal chain (storage thread, inside a job); returns its
    /// sequence and signs a checkpoint when one is due.
    Result<std::uint64_t> appendJournal(storage::Database& db, ByteView entry, std::uint64_t nowMs);
    /// Stores a single-use enrollment token for `user` and records `action` by `actor`.
    /// `mintedBy` ("USER/DEVICE") names the device that made a device link: the link dies when
    /// that device is revoked or wiped. Empty for links the administrator makes.
    Result<void> enrollmentTokenJob(storage::Database& db, const std::string& user,
                                    const std::string& token, std::uint64_t ttlMs,
                                    const std::string& actor, std::string_view action,
                                    const std::string& mintedBy = {});
    /// The storage jobs behind revokeDevice() and queueWipe() (also run by admin requests).
    /// The storage job behind revokeInvite() and RevokeInvite: `inviter`, when not empty, must
    /// have made the invite (otherwise it is not found).
    Result<proto::InviteInfo> revokeInviteJob(storage::Database& db, const std::string& id,
                                              const std::string& inviter, const std::string& actor);
    /// Closes (`closed`) or reopens matter `id` (issue 22). `owner`, when not empty, must have
    /// opened the matter (a lawyer's request; supervisors and admins pass it empty). Closing
    /// revokes the matter's open invites. Journaled as `matter-closed` / `matter-reopened` by
    /// `actor` unless the matter is in that state already. Answers the conversation as it is now
    /// and the pushes for its member devices (to send once durable).
    Result<std::pair<proto::Conversation, std::vector<std::pair<DeviceId, proto::Frame>>>>
    setMatterClosedJob(storage::Database& db, const std::string& id, bool closed,
                       const std::string& owner, const std::string& actor);
    Result<std::function<void()>> revokeJob(storage::Database& db, const std::string& user,
                                            std::uint32_t device, const std::string& actor);
    Result<std::function<void()>> wipeJob(storage::Database& db, const std::string& user,
                                          std::uint32_t device, const std::string& actor);
    /// Writes the audit row and journals the action as an ADMIN_ACTION entry by relay/0. The
    /// entry's body is a flat JSON object {version, actor, action, target, detail, ...extra};
    /// `actor` is who caused the act (`USER/DEVICE`, kAdminCliActor or kTokenActor); compliance
    /// reads device identity keys, names, titles and revocations from it (docs/protocol.md).
    using AuditFields = std::vector<std::pair<std::string, std::string>>;
    Result<void> recordAdminAction(storage::Database& db, const std::string& actor,
                                   std::string_view action, const std::string& target,
                                   std::string_view detail = {}, const AuditFields& extra = {});
    /// The wall check of a request that would make `users` the members of `conversation`
    /// (empty: one not created yet): when that crosses a wall, journals `wall-refused` by `actor`
    /// (`request` names what was refused, `extra` adds fields) and answers the refusal's text,
    /// which names the wall; "" when no wall is crossed (WallsService.cpp). Run it before the
    /// job writes anything: a refused job commits the refusal's entry and nothing else.
    Result<std::string> refuseAtWalls(storage::Database& db, const std::string& conversation,
                                      const std::set<std::string>& users, std::string_view request,
                                      const std::string& actor, const AuditFields& extra = {});
    /// The first wall (by name) that the members of `conversation` cross now; "" when none
    /// (WallsService.cpp). Sends read it through the member-device cache (MemberSet::wall).
    Result<std::string> wallCrossedBy(storage::Database& db, const std::string& conversation);
    /// A send into `conversation`, which crosses `wall`, is refused: journals `wall-refused`
    /// (request "send") the first time for this conversation and wall in this relay's run, and
    /// answers the refusal's text (issue 22, B2). Storage thread only.
    Result<std::string> refuseSendAtWall(storage::Database& db, const std::string& conversation,
                                         const std::string& wall, const std::string& actor);
    /// The storage jobs behind addWall() and removeWall(), also run by the AddWall and RemoveWall
    /// requests (WallsService.cpp): the checks, the change and its journal entry by `actor`.
    Result<WallInfo> addWallJob(storage::Database& db, const WallSpec& spec,
                                const std::string& actor);
    Result<void> removeWallJob(storage::Database& db, const std::string& name,
                               const std::string& actor);

    // ---- requests: handle() looks the kind up in a table of these (RelayService.cpp) ----------
    // Each handler checks what it can without storage, answers `done` at once when it refuses,
    // and otherwise posts its job through `run` (RelayServiceImpl.h). Defined by role:
    // KeysService.cpp, MessagesService.cpp, ConversationsService.cpp, MattersService.cpp,
    // DevicesService.cpp, EnrollmentService.cpp, JournalService.cpp.
    struct RequestRun;
    using Handler = void (RelayService::*)(const DeviceId& from, proto::Request& request,
                                           Done& done, const RequestRun& run);
    void onConfirmWipe(const DeviceId& from, proto::Request& request, Done& done,
                       const RequestRun& run);
    void onApproveDevice(const DeviceId& from, proto::Request& request, Done& done,
                         const RequestRun& run);
    void onListDevices(const DeviceId& from, proto::Request& request, Done& done,
                       const RequestRun& run);
    void onUnlinkDevice(const DeviceId& from, proto::Request& request, Done& done,
                        const RequestRun& run);
    void onSetDeviceName(const DeviceId& from, proto::Request& request, Done& done,
                         const RequestRun& run);
    /// The firm manifest's device policy lets a client's device erase another of the client's.
    bool clientWipeAllowed() const;
    void onAdminListDevices(const DeviceId& from, proto::Request& request, Done& done,
                            const RequestRun& run);
    void onAdminDeviceAction(const DeviceId& from, proto::Request& request, Done& done,
                             const RequestRun& run);
    void onCreateDeviceLink(const DeviceId& from, proto::Request& request, Done& done,
                            const RequestRun& run);
    void onUploadPreKeys(const DeviceId& from, proto::Request& request, Done& done,
                         const RequestRun& run);
    void onFetchBundles(const DeviceId& from, proto::Request& request, Done& done,
                        const RequestRun& run);
    void onCreateConversation(const DeviceId& from, proto::Request& request, Done& done,
                              const RequestRun& run);
    void onListConversations(const DeviceId& from, proto::Request& request, Done& done,
                             const RequestRun& run);
    void onListMemberDevices(const DeviceId& from, proto::Request& request, Done& done,
                             const RequestRun& run);
    void onCreateInvite(const DeviceId& from, proto::Request& request, Done& done,
                        const RequestRun& run);
    void onListInvites(const DeviceId& from, proto::Request& request, Done& done,
                       const RequestRun& run);
    void onRevokeInvite(const DeviceId& from, proto::Request& request, Done& done,
                        const RequestRun& run);
    void onSetMatterClosed(const DeviceId& from, proto::Request& request, Done& done,
                           const RequestRun& run);
    void onRemoveMember(const DeviceId& from, proto::Request& request, Done& done,
                        const RequestRun& run);
    void onSend(const DeviceId& from, proto::Request& request, Done& done, const RequestRun& run);
    void onAcknowledge(const DeviceId& from, proto::Request& request, Done& done,
                       const RequestRun& run);
    void onPullJournal(const DeviceId& from, proto::Request& request, Done& done,
                       const RequestRun& run);
    // journal acknowledgements and pruning (JournalPruning.cpp)
    void onAckJournal(const DeviceId& from, proto::Request& request, Done& done,
                      const RequestRun& run);
    // the boundary snapshot (BoundarySnapshotService.cpp)
    void onPullBoundarySnapshot(const DeviceId& from, proto::Request& request, Done& done,
                                const RequestRun& run);
    /// Keeps the hash (and, for a state row, the entry) of the journal rows (from, last] that a
    /// pruning step is about to delete, and chain[last] (inside the step's transaction).
    Result<void> recordPrunedRows(storage::Database& db, std::uint64_t from, std::uint64_t last);
    struct PruneStep {
        std::uint64_t deleted = 0; ///< journal rows deleted
        std::vector<Bytes> blobs;  ///< blobs no row refers to any more (files go after COMMIT)
        bool more = false;         ///< more may go now
    };
    /// One pruning step (storage thread, inside a job): at most journalPruneBatch rows.
    Result<PruneStep> pruneJournalStep(storage::Database& db);
    /// Runs one step as a storage job and waits for it; true when more may go now.
    bool runPruneStep(std::uint64_t* deleted);
    Result<void> loadPruneState(storage::Database& db);
    Result<void> fillPruneState(storage::Database& db, proto::JournalPruneState& out);
    /// A pull after `after`: 410 below the pruned boundary; else the page learns the boundary.
    Result<void> checkPull(storage::Database& db, std::uint64_t after, proto::JournalPage& page);
    void onPing(const DeviceId& from, proto::Request& request, Done& done, const RequestRun& run);
    // supervising partners (SupervisorsService.cpp)
    void onListSupervisedMatters(const DeviceId& from, proto::Request& request, Done& done,
                                 const RequestRun& run);
    // ethical walls in the app (WallsRequests.cpp)
    void onListWalls(const DeviceId& from, proto::Request& request, Done& done,
                     const RequestRun& run);
    void onAddWall(const DeviceId& from, proto::Request& request, Done& done,
                   const RequestRun& run);
    void onRemoveWall(const DeviceId& from, proto::Request& request, Done& done,
                      const RequestRun& run);
    // push endpoints (PushService.cpp)
    void onSetPushEndpoint(const DeviceId& from, proto::Request& request, Done& done,
                           const RequestRun& run);
    /// After a send is durable: each device of `frames` with no live connection here may be woken
    /// through its push endpoint (PushWaker).
    void wakeOffline(const std::vector<std::pair<DeviceId, proto::Frame>>& frames);

    void handleSend(const DeviceId& from, proto::SendMessage send, Done done);
    /// Removes `device`'s live sink and returns it (null when it has none): a revocation closes
    /// it, a wipe pushes the command through it.
    std::shared_ptr<PushSink> takeLiveSink(const DeviceId& device);
    void drain(const DeviceId& device, std::shared_ptr<PushSink> sink, std::uint64_t afterId,
               std::uint64_t delivered);
    void pushLive(const std::vector<std::pair<DeviceId, proto::Frame>>& frames);

    RelayConfig m_config;
    std::shared_ptr<signal::SignalContext> m_signal;
    std::unique_ptr<StorageThread> m_storage;
    std::unique_ptr<Checkpointer> m_checkpointer; ///< after m_storage: stopped once the writer is
    std::unique_ptr<BlobStore> m_blobs;           ///< after m_storage: its sweeper posts there
    /// PostgreSQL store: other nodes' sends (stopped first: it posts to m_storage).
    std::unique_ptr<PgListener> m_listener;
    /// UnifiedPush wake-ups (stopped before the storage thread: its jobs run there).
    std::unique_ptr<PushWaker> m_push;
    /// This process among the store's nodes (random): its own NOTIFYs are not woken on.
    std::string m_nodeId;
    /// Per live device, on the PostgreSQL store: the last queue id its drain pushed and the ids
    /// pushed since (live, or caught up from another node), so that a wake-up pushes each row once.
    /// Storage thread only.
    struct LiveQueue {
        std::uint64_t floor = 0;
        std::set<std::uint64_t> pushed;
    };
    std::map<DeviceId, LiveQueue> m_liveQueues;
    /// PostgreSQL store: whether a send was stored before is asked for every waiting send at
    /// once when a batch begins (prefetchSends: one round trip per 128 sends instead of one per
    /// send, each statement sized to its chunk). A send joins m_pendingSends when posted and
    /// leaves when its job runs or fails.
    struct SendKey {
        std::string user;
        std::uint32_t device = 0;
        std::string messageId;
        auto operator<=>(const SendKey&) const = default;
    };
    bool m_onPostgres = false;
    std::mutex m_pendingSendsMutex;
    std::map<std::uint64_t, SendKey> m_pendingSends; ///< by ticket, in posting order
    std::uint64_t m_nextSendTicket = 0;              ///< under m_pendingSendsMutex
    /// Sends the batch's prefetch found no row for (storage thread only). The writers' lock is
    /// held from BEGIN to COMMIT, so only this batch's own sends can add such a row: each key
    /// leaves the set as its send reads it, and a second send of the same key looks it up.
    /// Emptied at every batch start and on any rollback.
    std::set<SendKey> m_sendsAbsent;
    /// Devices a send's NOTIFY already named in this batch (storage thread; emptied like
    /// m_sendsAbsent): one notification per device and batch.
    std::set<std::pair<std::string, std::uint32_t>> m_batchNotified;
    Result<void> prefetchSends(storage::Database& db);
    /// PostgreSQL store: the supervision metadata of the batch's sends (issue 21), summed per
    /// conversation and written once before COMMIT (flushMessageActivity, the batch-end hook)
    /// instead of two upserts of the same rows per send. Storage thread only; emptied at every
    /// batch start, so a lost batch's counts go with it.
    struct BatchActivity {
        std::uint64_t lastClientMs = 0, lastStaffMs = 0;
        std::uint64_t waitingSinceMs = 0; ///< the first client message after the last staff one
        bool staff = false;               ///< a staff message in the batch
        std::map<std::uint64_t, std::int64_t> weeks; ///< week -> messages
    };
    std::map<std::string, BatchActivity> m_batchActivity;
    void noteMessageActivity(const std::string& conversation, bool fromClient, std::uint64_t nowMs);
    Result<void> flushMessageActivity(storage::Database& db);
    std::uint64_t notePendingSend(SendKey key); ///< 0 when the store needs no prefetch
    void forgetPendingSend(std::uint64_t ticket);
    /// A NOTIFY from another node: the devices it queued for ("" after a lost listener: all).
    void onNotify(std::string_view payload);
    /// Pushes to `device`'s live sink what its queue holds that it was not pushed (storage thread).
    void catchUp(storage::Database& db, const DeviceId& device);
    RateLimiter m_limiter;

    // Storage-thread state.
    journal::ChainBuilder m_chain;
    std::uint64_t m_lastCheckpoint = 0;
    /// Journal rows 1..m_prunedThrough are pruned (meta journal_pruned_through; issue 22).
    std::uint64_t m_prunedThrough = 0;
    std::atomic<std::uint64_t> m_prunedRows{0};
    /// Prunes acknowledged rows (serve only; reset first in the destructor: it waits on storage).
    std::unique_ptr<JournalPruner> m_pruner;
    // Set by verbatim-relay restore (meta restore_epoch); sent in every QueueDrained. Read at open.
    std::string m_restoreEpoch;
    std::uint64_t m_restoredSequence = 0;
    std::uint64_t m_externalWatermarkMs = 0;
    std::int64_t m_dataVersion = -1; ///< PRAGMA data_version when the head was last read
    /// Active devices of each conversation's members, as sends check them (storage thread only).
    /// Emptied whenever this connection writes `members` or `devices` (update hook), when another
    /// process has committed (data_version), and when a batch or job rolls back (loadState).
    /// Also emptied when `conversations` is written (a matter closed or reopened).
    struct MemberSet {
        bool closed = false; ///< a closed matter (issue 22): nothing is sent into it
        std::string wall;    ///< an ethical wall its members cross: sends are refused (451)
        std::vector<std::pair<std::string, std::uint32_t>> devices; ///< sorted
        /// Users whose recording-notice acceptance a send found in `notices` (issue 17). Rows
        /// there are never deleted, and this goes with the set on a rollback or another
        /// process's commit: a client's later sends skip the lookup (a round trip on PostgreSQL).
        std::set<std::string> noticed;
    };
    std::unordered_map<std::string, MemberSet> m_memberCache;
    /// Devices a request's check (RequestRun) found active, emptied whenever m_memberCache is:
    /// an acknowledgement, the commonest request after a send, then needs no lookup (a round
    /// trip on PostgreSQL). Only found rows are kept. Storage thread only.
    std::set<std::pair<std::string, std::uint32_t>> m_activeDevices;
    Result<bool> cachedIsActive(storage::Database& db, const std::string& user,
                                std::uint32_t device);
    /// (conversation, wall) whose refused sends were journaled in this run (storage thread only;
    /// emptied with the cache on a rollback, so a rolled-back entry is written again).
    std::set<std::pair<std::string, std::string>> m_wallSendRefusals;
    /// Reloads in-memory state (journal head, device sets) if another process (verbatim-relay
    /// admin) committed since: PRAGMA data_version changes only then. Run before appendJournal().
    Result<void> syncExternalChanges(storage::Database& db);
    Result<const MemberSet*> cachedMemberDevices(storage::Database& db,
                                                 const std::string& conversation);

    // Live sinks; guarded by m_sinksMutex (pushes copy the pointer under the lock and push
    // outside it).
    std::mutex m_sinksMutex;
    std::map<DeviceId, std::weak_ptr<PushSink>> m_live;
};

} // namespace verbatim::relay
