#pragma once
/// @file Client.h
/// The Verbatim client core (no Qt): one profile (an encrypted SQLCipher database unlocked by the
/// user's passphrase), the Signal sessions of this device, the message store with full-text
/// search, a durable outbox, and the connection to the relay (Beast over TLS on its own thread,
/// reconnecting with backoff). The Qt app and verbatim-cli are thin layers over this class.
///
/// The class is a façade over units with one job each (client/core/): MessageStore
/// (conversations, messages, search), AccountStore (settings, credentials, journal chain),
/// Outbox (the durable send queue), Receiver (one envelope in), ContactTrust (identity keys,
/// approvals, sessions, safety numbers), ConnectionSupervisor (connect, reconnect, backoff).
/// ClientImpl.h holds the state they share.
///
/// Threading: public methods may be called from any thread. The profile's data (database,
/// sessions, account) sits behind one plain data lock, which is never held across a relay call:
/// a method takes what a call needs under it, releases it, makes the call, then takes it again
/// and checks the profile is still there. Methods that only read or write the profile never wait
/// on the network; methods documented as asking the relay block their caller until it answers
/// (up to 30 s): a GUI calls those from a worker thread. The connection (connect, reconnect,
/// pushes) has a lock of its own, and so does the worker's job queue. Incoming frames are handled
/// on the client's worker thread, which also runs the event callback: keep it short and do not
/// call back into the client from it (the Qt layer queues onto the GUI thread).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/core/WallViews.h"
#include "common/Bytes.h"
#include "common/Result.h"

namespace verbatim::client {

enum class MessageKind { Text, Attachment, System, Notice, Mismatch };

/// Where an outgoing message is, or that a message was received.
enum class MessageState {
    Queued,    ///< in the outbox, not yet accepted by the relay
    Sent,      ///< the relay stored it (journal sequence known)
    Delivered, ///< every other member's device stored it
    Read,      ///< every other member read it
    Received,  ///< incoming
    Blocked,   ///< held: a participant's safety number changed and was not yet accepted
    Failed,    ///< refused by the relay for good (see the event's detail)
    Mismatch,  ///< incoming whose content does not open the journal commitment: not shown
};
const char* stateName(MessageState s);
const char* kindName(MessageKind k);

struct AttachmentInfo {
    std::string fileName, mimeType;
    std::uint64_t size = 0;
    bool downloaded = false;
    /// An image's thumbnail (issue 23) exactly as the sender sent it: untrusted bytes, meant to
    /// be a small JPEG; decode them only under qt::Thumbnail::decode's limits. Empty without.
    std::string thumbnail;
    /// The full image's size in pixels as the sender claims it (0: not said). A label, never a
    /// size to allocate or lay out by: the thumbnail's own pixels give the aspect ratio.
    std::uint32_t width = 0, height = 0;
    /// A voice note's (audio/ogg, issue 23) length in ms and peak levels (one byte 0..255 per
    /// bar) as the sender's record says, already clamped (at most 15 minutes and 256 bytes):
    /// labels for drawing, never a size; playing takes the length from the file. 0 / empty
    /// without.
    std::uint32_t durationMs = 0;
    std::string waveform;
};

/// One file of a send (Client::sendAttachments).
struct OutgoingFile {
    std::string path;
    /// An image's thumbnail made on this device (the app: qt::Thumbnail::make), a JPEG of at most
    /// kMaxThumbnailBytes; empty for other files.
    std::string thumbnail;
    std::uint32_t width = 0, height = 0; ///< the image's size in pixels (0 when not an image)
};
/// Files in one message (one send): more are refused with a plain message, nothing sent.
inline constexpr std::size_t kMaxFilesPerSend = 10;
/// One thumbnail's bytes, and all of one message's together: a message travels once per
/// recipient device inside one frame, so its size is kept small (docs/protocol.md, Thumbnails).
inline constexpr std::size_t kMaxThumbnailBytes = 16 * 1024;
inline constexpr std::size_t kMaxThumbnailBytesPerSend = 64 * 1024;

struct MessageView {
    std::int64_t rowId = 0; ///< local order
    std::string id;         ///< message id, 32 hex
    std::string conversation;
    std::string senderUser;
    std::string senderName; ///< display name (the user id when unknown)
    std::uint32_t senderDevice = 0;
    bool outgoing = false;
    MessageKind kind = MessageKind::Text;
    std::string body; ///< empty when retracted or withheld (mismatch)
    std::vector<AttachmentInfo> attachments;
    std::uint64_t clientTimeMs = 0, serverTimeMs = 0, journalSequence = 0;
    MessageState state = MessageState::Received;
    bool edited = false;
    bool retracted = false;
    std::string retractedBy;
    std::vector<std::pair<std::string, std::string>> reactions; ///< (user, emoji)
    /// Not 0: copied from this device of the user's own by a history transfer and not verified
    /// here (no commitment or journal copy check); shown as such until the sender's own envelope
    /// for it arrives and replaces it.
    std::uint32_t importedFromDevice = 0;
};

/// One device an own message was encrypted to, for the message's info (issue 23).
struct RecipientView {
    std::string user;
    std::string displayName; ///< as a conversation lists the user ("" when unknown)
    std::uint32_t device = 0;
    /// The name its user gave the device ("Bob's phone (Pixel 8)"), as the relay last listed the
    /// conversation's devices to this one; "" when not known (Client::refreshMemberDevices).
    std::string deviceName;
    /// When that device's delivered and read receipts first covered the message: their server
    /// times in ms since the epoch; 0: not yet. A read receipt counts as delivered too.
    std::uint64_t deliveredMs = 0, readMs = 0;
};

/// An own message and where it went (Client::messageInfo).
struct MessageInfoView {
    MessageView message; ///< its serverTimeMs is when the relay stored it (0: not yet sent)
    /// Every device it went to but this one; empty when not known (a message sent before the
    /// profile kept them, issue 23).
    std::vector<RecipientView> recipients;
};

struct ConversationView {
    std::string id, title;
    bool isMatter = false;
    std::vector<std::string> members;
    std::vector<std::string> memberNames; ///< display names, parallel to members
    std::vector<std::string> memberRoles; ///< client, lawyer, supervisor, ..., parallel to members
    std::uint64_t unread = 0;
    std::string lastMessage; ///< preview
    std::uint64_t lastTimeMs = 0;
    /// A closed matter (issue 22): read-only for every member, the relay refuses sends into it.
    std::uint64_t closedMs = 0;
    std::string closedBy; ///< USER/DEVICE of the device that closed it, or admin-cli
    /// The firm's reference for a matter and the client it is for (issue 23), as its lawyer
    /// typed them when starting it; empty when none was given.
    std::string matterNumber, clientName;
    /// This user was removed from the matter (issue 22): the relay sends nothing more of it and
    /// refuses sends into it; what was received before stays.
    bool removed = false;
};

/// One of this user's devices, as the relay lists them.
struct DeviceView {
    std::uint32_t device = 0;
    std::string platform, appVersion;
    std::string name; ///< the name its user gave it (empty: none; devices from before names)
    std::uint64_t enrolledMs = 0, lastSeenMs = 0, revokedMs = 0, wipeRequestedMs = 0;
    bool thisDevice = false;
    // Admin lists only:
    std::string user, displayName, role;
    std::uint64_t wipedMs = 0; ///< when the device confirmed its wipe
    std::uint64_t pendingMs =
        0; ///< (own lists) registered then, waiting for approval by a device of the user
    bool approved = false; ///< (own lists) admitted by a signed approval (false: a first device)
    /// active, revoked, wipe pending, wiped, awaiting approval
    std::string status() const {
        return wipedMs           ? "wiped"
               : wipeRequestedMs ? "wipe pending"
               : revokedMs       ? "revoked"
               : pendingMs       ? "awaiting approval"
                                 : "active";
    }
};

/// A matter a supervising partner sees (issue 21, ListSupervisedMatters): metadata the relay
/// keeps, never content. Times are the relay's, in ms since the Unix epoch; 0 means none.
struct SupervisedMatterView {
    struct Participant {
        std::string user, displayName, role; ///< role: client, lawyer, supervisor, ...
    };
    std::string conversationId, title, matterNumber, clientName;
    std::vector<Participant> participants;
    std::vector<std::string> supervised; ///< the supervisor's lawyers among the members
    std::uint64_t lastClientMs = 0, lastLawyerMs = 0;
    std::uint64_t waitingSinceMs = 0;  ///< the first client message staff has not answered since
    std::uint64_t waitingMs = 0;       ///< how long that client has waited (0: nobody waits)
    bool overdue = false;              ///< waited longer than the firm's threshold
    std::vector<std::uint32_t> weekly; ///< messages per week, oldest first; the last is this week
    std::uint64_t closedMs = 0, createdMs = 0;
    bool member = false; ///< the supervisor is a member: the matter can be opened
};

/// What a supervisor sees: the lawyers they supervise and those lawyers' matters.
struct SupervisionView {
    std::vector<SupervisedMatterView> matters; ///< overdue first, then longest waiting
    std::vector<std::string> lawyers;
    std::uint64_t thresholdMs = 0; ///< the firm's threshold (0: none set)
    std::uint64_t nowMs = 0, firstWeekMs = 0;
};

/// An invite this lawyer made, as the relay lists it (ListInvites).
struct InviteView {
    std::string id; ///< 8 hex digits, for revokeInvite()
    std::string conversationId, matterTitle;
    std::string inviter;             ///< the lawyer
    std::uint32_t inviterDevice = 0; ///< the device that made it; 0: the firm's administrator
    std::uint64_t createdMs = 0, expiresMs = 0;
    std::uint64_t redeemedMs = 0;         ///< 0: not redeemed
    std::string redeemedBy, redeemedName; ///< the client it enrolled (user id, display name)
    std::uint64_t revokedMs = 0;          ///< 0: not revoked
    std::string revokedBy;                ///< USER/DEVICE or admin-cli
    std::uint64_t declinedMs = 0; ///< 0: not declined (the client declined the notice: issue 22)
    std::string state;            ///< open, redeemed, expired, revoked, inviter-revoked, declined
};

struct Account {
    std::string user, displayName, role; ///< role: client, lawyer, supervisor, compliance, admin
    std::uint32_t device = 0;
    std::string relay; ///< HOST:PORT
    std::string firmName, firmFingerprint;
    bool noticeRequired = false; ///< joined by invite: the recording notice applies
    bool noticeAccepted = false;
};

/// Something that happened, for the UI and `verbatim-cli sync` (one JSON line each).
struct Event {
    enum class Kind {
        Message, ///< a new message (incoming, or sent from another own device)
        Edited,
        Retracted,
        Reaction,
        Receipt, ///< delivered / read state of own messages changed
        Sent,    ///< the relay accepted an outgoing message
        SendFailed,
        ConversationChanged,
        SafetyNumberChanged,
        JournalMismatch, ///< a received message did not open its journal commitment
        Undecryptable,
        Connected,
        Disconnected,
        Synced,            ///< the offline queue was drained
        Revoked,           ///< the relay refused this device (revoked)
        Wiped,             ///< the firm wiped this device: the profile is gone
        JournalKeyRotated, ///< the firm root signed a new journal key; it is used from now on
        JournalKeyRefused, ///< the relay offers a manifest the firm root did not sign: nothing is
                           ///< sent
        AwaitingApproval,  ///< this device waits for one of the user's devices to approve it
        DeviceAdded, ///< a device was added to this user's account (detail: its name and time)
        DeviceApprovalRequested, ///< a device waits for this user's approval and no link of ours
                                 ///< vouches for it
        ConnectedElsewhere, ///< another copy of this profile connected as this device: no reconnect
                            ///< until start()
        RelayRestored,      ///< the relay was restored from a backup: what it lost is sent again
                            ///< (detail: the sentence for the user, with how many messages; once,
                            ///< when anything was sent again)
        MessagesExpired,    ///< the firm's device retention removed old messages of `conversation`
                            ///< from this device (detail: how many); the journal keeps them
        WipeRefused,      ///< a wipe command came for this client's device while the firm's policy
                          ///< does not let the firm erase clients' devices: nothing was erased
        PolicyChanged,    ///< a newer root-signed manifest changed the firm policy (devicePolicy())
        HistoryImporting, ///< another device of this user sent its history: being fetched
                          ///< (detail: from which device, how many bytes)
        HistoryImported,  ///< that history is imported (detail: the sentence for the user)
        HistoryFailed,    ///< it was refused or could not be fetched; nothing was imported
                          ///< (detail: why)
    };
    Event(Kind k, std::string conversation_ = {}, std::string messageId_ = {},
          std::string refId_ = {}, std::string sender_ = {}, std::string text_ = {},
          std::string detail_ = {}, std::uint64_t serverTimeMs_ = 0)
        : kind(k), conversation(std::move(conversation_)), messageId(std::move(messageId_)),
          refId(std::move(refId_)), sender(std::move(sender_)), text(std::move(text_)),
          detail(std::move(detail_)), serverTimeMs(serverTimeMs_) {}
    Kind kind;
    std::string conversation;
    std::string messageId; ///< hex
    std::string refId;     ///< hex: the message an edit, retraction or reaction refers to
    std::string sender;    ///< user/device
    std::string text;
    std::string detail;
    std::uint64_t serverTimeMs = 0;
    std::string json() const;
};
const char* eventName(Event::Kind k);

/// The firm's device policy (issue 22) as it applies to this user, from the root-signed manifest
/// the profile holds (docs/protocol.md, "Firm policy"). Staff: every role but client.
struct DevicePolicyView {
    bool known = false;              ///< a verified manifest is held (else: the defaults below)
    bool staff = true;               ///< this user is staff (false: a client)
    std::uint32_t messageDays = 0;   ///< messages older than this leave this device (0: kept)
    bool maySave = true;             ///< this user may save attachments outside the app
    bool mayCopy = true;             ///< this user may copy message text
    bool firmMayWipeClients = false; ///< the firm may erase clients' devices
    /// The firm's longest idle lock in minutes (manifest version 4; 0: no firm maximum): the app
    /// locks after at most this long without input, whatever its user chose.
    std::uint32_t maxIdleLockMinutes = 0;
    /// The rules for both roles, for a settings page that shows the whole policy.
    bool staffMaySave = true, clientsMaySave = true, staffMayCopy = true, clientsMayCopy = true;
};

struct JoinOptions {
    std::string displayName;
    std::string platform = "cli";
    std::string appVersion = "0.1.0";
    /// This device's name in device lists ("Alice's ThinkPad — Debian 12"): at most 64 bytes of
    /// plain text (the relay refuses control characters); empty: none.
    std::string deviceName;
    bool acceptNotice = false; ///< accept the recording notice now (invite links)
    /// The facts the invite's notice showed (noticeFactsJson() of previewInvite()), journaled
    /// with the acceptance (issue 22); empty: only the canonical text was shown.
    std::string noticeFacts;
};

class Client {
public:
    using EventHandler = std::function<void(const Event&)>;

    /// Creates a profile in `dir` (which must not hold one) by redeeming an enrollment or invite
    /// link. The firm manifest returned by the relay must be signed by the root key whose
    /// fingerprint the link carries, else nothing is kept.
    [[nodiscard]] static Result<std::unique_ptr<Client>> join(const std::string& dir,
                                                              std::string_view passphrase,
                                                              std::string_view link,
                                                              const JoinOptions& options);
    /// Opens an existing profile: one counted unlock attempt (client/core/Profile.h). A wrong
    /// passphrase fails with ErrorCode::WrongKey and changes nothing but the failed-unlock
    /// count; the attempt that reaches the firm's limit erases the profile.
    [[nodiscard]] static Result<std::unique_ptr<Client>> open(const std::string& dir,
                                                              std::string_view passphrase);
    static bool profileExists(const std::string& dir);
    ~Client();

    /// Changes the passphrase and re-keys the open database in place (client::changePassphrase
    /// with this client's connection; crash-safe). Holds the client's lock for the two scrypt
    /// runs (about 0.75 s). A wrong `current` counts as a failed unlock and, at the firm's
    /// limit, erases the profile: then profileExists() is false and the client must be closed.
    [[nodiscard]] Result<void> changePassphrase(std::string_view current, std::string_view next);

    Account account();
    /// This device's Signal identity key (33 bytes, hex): what compliance checks its journal
    /// entries against.
    std::string identityKeyHex();
    /// Caps the database at `pages` pages (PRAGMA max_page_count): a full disk, for tests of
    /// what a failed write leaves behind (CF-05). 0 lifts the cap.
    [[nodiscard]] Result<void> limitDatabasePages(std::int64_t pages);
    void setEventHandler(EventHandler handler);

    // ---- connection ---------------------------------------------------------------------------
    /// Connects in the background and keeps reconnecting (backoff 0.25 s .. 30 s) until stop(),
    /// a revocation or a wipe; or until the relay replaces this session by another copy of the
    /// profile connecting as this device (Event ConnectedElsewhere): then it stays offline until
    /// stop() and start() again, so that two copies do not take turns closing each other.
    void start();
    void stop();
    bool isConnected() const;
    /// Waits until the relay's offline queue was drained on the current connection and the
    /// outbox is empty (or nothing more can be sent now); false on timeout.
    bool waitUntilSynced(std::chrono::milliseconds timeout);
    /// Waits until the outbox holds nothing that can be sent now; false on timeout.
    bool waitForOutbox(std::chrono::milliseconds timeout);
    /// Registers (or replaces) this device's UnifiedPush endpoint, the URL its distributor gave
    /// the app (issue 23): the relay then POSTs a content-free wake-up there when something is
    /// queued for this device while it is not connected. An empty `url` removes it. A URL the
    /// relay refuses (not https://, a private address, ...) is InvalidArgument with its reason.
    /// ClientPush.cpp.
    [[nodiscard]] Result<void> setPushEndpoint(const std::string& url);
    /// The matters of the lawyers this user supervises (issue 21), metadata only, with `weeks`
    /// weeks of volume (1-52). Forbidden when the user supervises nobody. ClientSupervisors.cpp.
    [[nodiscard]] Result<SupervisionView> supervisedMatters(std::uint32_t weeks = 8);

    // ---- onboarding ---------------------------------------------------------------------------
    /// Accepts the recording notice (journaled as a NOTICE_ACCEPTED message in the matter).
    /// `facts`: what the notice stated beyond its text (noticeFactsJson()), journaled in the
    /// acceptance's body; empty when only the canonical text was shown.
    [[nodiscard]] Result<void> acceptNotice(const std::string& facts = {});

    // ---- conversations ----------------------------------------------------------------------
    [[nodiscard]] Result<std::vector<ConversationView>> conversations();
    /// Creates a matter (or direct chat) on the relay; returns its id. A matter may carry the
    /// firm's matter number and its client's name (issue 23; at most 40 and 100 bytes of
    /// printable text, the relay checks).
    [[nodiscard]] Result<std::string> createConversation(const std::string& title, bool isMatter,
                                                         const std::vector<std::string>& members,
                                                         const std::string& matterNumber = {},
                                                         const std::string& clientName = {});
    /// An invite link for a client to join the matter `title` (created if needed). Lawyers and
    /// supervisors only.
    [[nodiscard]] Result<std::string> createInvite(const std::string& matterTitle);
    /// The invites this lawyer made (from any device, or by the administrator for them), newest
    /// first, with their state now.
    [[nodiscard]] Result<std::vector<InviteView>> invites();
    /// Revokes invite `id` (one of this lawyer's): its link enrols nobody from now on. Journaled.
    /// Returns the invite as it is now; an error for an unknown or already redeemed invite.
    [[nodiscard]] Result<InviteView> revokeInvite(const std::string& id);
    /// Closes (`closed`) or reopens the matter `idOrTitle` (issue 22): its lawyer, a supervisor
    /// or an administrator. A closed matter is read-only: the relay refuses every send into it
    /// (STATUS_MATTER_CLOSED) and its open invites die. Journaled; every member's device gets the
    /// new state. `idOrTitle` is a title or id this device knows, or any matter's id (for a
    /// supervisor or an administrator outside the matter). Returns the matter as the relay has
    /// it now.
    [[nodiscard]] Result<ConversationView> setMatterClosed(const std::string& idOrTitle,
                                                           bool closed);
    /// Removes `user` from the matter `idOrTitle` (issue 22): its lawyer, a supervisor or an
    /// administrator. The user's devices get nothing more of it from the relay's commit on;
    /// journaled as `member-removed`. Returns the matter as it is now.
    [[nodiscard]] Result<ConversationView> removeMember(const std::string& idOrTitle,
                                                        const std::string& user);
    /// Resolves a conversation id or a title (exact) to an id.
    [[nodiscard]] Result<std::string> resolveConversation(const std::string& idOrTitle);
    /// This user's devices (asks the relay).
    [[nodiscard]] Result<std::vector<DeviceView>> devices();
    /// A one-time link (15 minutes) that enrolls another device of this staff user; making it
    /// is this device's approval. Journaled. Clients get an error (they join by invite).
    [[nodiscard]] Result<std::string> createDeviceLink();
    /// Approves device `device` of this user by signing it with this device's identity key
    /// (issue 15 break 2): for a device that joined without one of our links (an enrollment by the
    /// firm's admin) or that the relay shows as added without an approval. Only after checking
    /// with the person who owns it.
    [[nodiscard]] Result<void> approveDevice(std::uint32_t device);
    /// What sendHistory() sent.
    struct HistorySent {
        std::string messageId;           ///< the HISTORY_TRANSFER record's id (hex)
        std::uint32_t conversations = 0; ///< in the document
        std::uint32_t messages = 0;
        std::uint64_t blobBytes = 0; ///< the encrypted blob the relay stores
    };
    /// Copies this profile's history to `device`, another active, approved device of this user
    /// (issue 23; docs/protocol.md, "History transfer"): exports it, encrypts it under a fresh
    /// key, uploads the blob and queues a HISTORY_TRANSFER record (journaled) to that device
    /// alone, carrying the key. The target imports it by itself when it receives the record.
    /// Refused (InvalidArgument) for this device, another user's or a pending or revoked one,
    /// and for a history over the transfer's limits; nothing is uploaded then. `progress` gets
    /// the blob's bytes sent and total, on the calling thread. Blocks while uploading.
    [[nodiscard]] Result<HistorySent>
    sendHistory(std::uint32_t device,
                const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
    /// Unlinks a lost device of this user (issue 23): the relay revokes it at once and, with
    /// `erase`, sends it the signed wipe command (staff always; clients where the firm's device
    /// policy allows it, else ErrorCode::AuthFailed). `user` empty means this user; the relay
    /// refuses any other user's device (AuthFailed) and this device itself (InvalidArgument).
    [[nodiscard]] Result<void> unlinkDevice(std::uint32_t device, bool erase,
                                            const std::string& user = {});
    /// Renames this device in its user's device lists (at most 64 bytes of plain text, else
    /// ErrorCode::InvalidArgument with the relay's rule).
    [[nodiscard]] Result<void> setDeviceName(const std::string& name);

    // ---- administration (admin role) ------------------------------------------------------------
    /// Every device of every user (or of `user`), with its status.
    [[nodiscard]] Result<std::vector<DeviceView>> adminDevices(const std::string& user = {});
    /// Revokes a device at once (its connections close, senders stop encrypting to it).
    [[nodiscard]] Result<void> adminRevoke(const std::string& user, std::uint32_t device);
    /// Queues a relay-signed remote wipe, delivered at the device's next connection.
    [[nodiscard]] Result<void> adminWipe(const std::string& user, std::uint32_t device);
    /// Ethical walls (H6; ClientWalls.cpp): every wall with its conflicts now (administrators
    /// and compliance; journaled `walls-listed`); an administrator adds one (the relay's checks
    /// and reasons, journaled `wall-added`) or removes one (`wall-removed`; the walls after it).
    /// The relay's refusals: Forbidden (not your role), InvalidArgument, NotFound, with its text.
    [[nodiscard]] Result<std::vector<WallView>> walls();
    [[nodiscard]] Result<WallView> addWall(const WallRequest& wall);
    [[nodiscard]] Result<std::vector<WallView>> removeWall(const std::string& name);

    // ---- messages -----------------------------------------------------------------------------
    /// Queues a text message; returns its id (hex). Sending continues in the background.
    [[nodiscard]] Result<std::string> sendText(const std::string& conversation,
                                               const std::string& text);
    /// Encrypts and uploads a file, then queues the message. `progress` (optional) gets the
    /// encrypted upload's bytes sent and its total as it goes, on the calling thread.
    using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;
    [[nodiscard]] Result<std::string> sendAttachment(const std::string& conversation,
                                                     const std::string& path,
                                                     const std::string& caption = {},
                                                     const Progress& progress = {});
    /// Several files as one message (issue 23): each is read, encrypted and uploaded in turn,
    /// then one ATTACHMENT record names them all (and their thumbnails). Nothing is queued unless
    /// every file was uploaded; more than kMaxFilesPerSend files, none, or thumbnails over their
    /// limits are refused before anything is read. `progress` gets the file's index with its
    /// encrypted bytes sent and total, on the calling thread. Blocks while uploading.
    using FilesProgress =
        std::function<void(std::size_t file, std::uint64_t done, std::uint64_t total)>;
    [[nodiscard]] Result<std::string> sendAttachments(const std::string& conversation,
                                                      const std::vector<OutgoingFile>& files,
                                                      const std::string& caption = {},
                                                      const FilesProgress& progress = {});
    [[nodiscard]] Result<std::string> edit(const std::string& messageId, const std::string& text);
    /// Delete for everyone: the message disappears from every device; the journal keeps it.
    [[nodiscard]] Result<std::string> retract(const std::string& messageId);
    /// An empty emoji removes this user's reaction.
    [[nodiscard]] Result<std::string> react(const std::string& messageId, const std::string& emoji);
    /// An own message's info: when it was sent, and for each device it went to when its
    /// delivered and read receipts came (issue 23). Profile only, no relay call. NotFound for an
    /// unknown message, InvalidArgument for someone else's.
    [[nodiscard]] Result<MessageInfoView> messageInfo(const std::string& messageId);
    /// Asks the relay for `conversation`'s member devices now (ListMemberDevices), with the names
    /// their users gave them, for messageInfo() to show. A relay round trip: not on the GUI
    /// thread.
    [[nodiscard]] Result<void> refreshMemberDevices(const std::string& conversation);
    /// Marks the conversation read and tells the other members (read receipt).
    [[nodiscard]] Result<void> markRead(const std::string& conversation);
    /// Downloads (if needed), checks and decrypts attachment `index` of a message into `outPath`:
    /// a save outside the app (issue 22). Refused (ErrorCode::Forbidden, "Your firm does not allow
    /// saving attachments") when the firm's device policy forbids it for this user's role. Each
    /// save is journaled: an ATTACHMENT_SAVED record naming the message, the file name and this
    /// device is queued durably in the outbox before the file is written, and the save is refused
    /// when it cannot be (a closed matter, a full disk); it reaches the journal when online.
    [[nodiscard]] Result<void> saveAttachment(const std::string& messageId, std::size_t index,
                                              const std::string& outPath);
    /// "Open" (issue 23): like saveAttachment (the same device policy, refused alike, and
    /// journaled alike, the record saying `"action":"open"`), but into `dir` (the app's private
    /// folder, created 0700 if missing) under a random name that keeps the file's extension,
    /// mode 0600. Returns the file's path, for the caller to hand to the system's viewer.
    [[nodiscard]] Result<std::string> openAttachment(const std::string& messageId,
                                                     std::size_t index, const std::string& dir);
    /// Attachment `index` of a message, downloaded if needed, checked and decrypted, for showing
    /// inside the app (an image viewer): nothing leaves the app, so the device policy allows it
    /// and nothing is journaled. Asks the relay when the blob is not here yet.
    [[nodiscard]] Result<SecureBytes> attachmentContent(const std::string& messageId,
                                                        std::size_t index);

    // ---- the firm's device policy (issue 22; ClientDevicePolicy.cpp) -------------------------
    /// The policy as it applies to this user now.
    DevicePolicyView devicePolicy();
    /// Removes messages older than the policy's messageDays from this profile now, as of `nowMs`
    /// (0: the clock; tests pass a later time instead of waiting). The client also does this on
    /// its worker at unlock and hourly. Emits MessagesExpired per conversation touched; returns
    /// the number of messages removed (0 when the policy keeps messages).
    [[nodiscard]] Result<std::size_t> applyDeviceRetention(std::uint64_t nowMs = 0);

    /// Messages of a conversation, oldest first: at most `limit` before `beforeRowId` (0: latest).
    [[nodiscard]] Result<std::vector<MessageView>>
    history(const std::string& conversation, std::size_t limit = 200, std::int64_t beforeRowId = 0);
    [[nodiscard]] Result<std::optional<MessageView>> message(const std::string& messageId);
    /// Full-text search over this device's messages (FTS5 syntax); newest first.
    [[nodiscard]] Result<std::vector<MessageView>> search(const std::string& query,
                                                          std::size_t limit = 100);
    /// Messages waiting in the outbox.
    [[nodiscard]] Result<std::size_t> outboxSize();

    // ---- drafts (this device only; ClientDrafts.cpp) ----------------------------------------
    /// The unsent text of `conversation`'s composer kept in the profile ("" when none).
    std::string draft(const std::string& conversation);
    /// Keeps `text` as the draft of `conversation` (an empty text removes it); never sent.
    [[nodiscard]] Result<void> setDraft(const std::string& conversation, const std::string& text);

    // ---- safety numbers -----------------------------------------------------------------------
    struct SafetyNumber {
        std::string digits;      ///< 60 digits
        bool changed = false;    ///< changed since last accepted: sending to this user is held
        std::size_t devices = 0; ///< identity keys of the other user covered
    };
    /// Fetches `user`'s bundles from the relay first when no key of theirs is known.
    [[nodiscard]] Result<SafetyNumber> safetyNumber(const std::string& user);
    /// The same from what this device knows, without asking the relay (NotFound when no key of
    /// `user` is known yet).
    [[nodiscard]] Result<SafetyNumber> knownSafetyNumber(const std::string& user);
    /// Accepts a changed safety number: held messages are sent again; the acceptance is journaled.
    [[nodiscard]] Result<void> acceptSafetyNumber(const std::string& user);

    // ---- compliance -----------------------------------------------------------------------------
    /// The firm manifest this profile holds, verified against the pinned firm root (the relay's
    /// checkpoint and audit keys, the journal keys).
    [[nodiscard]] Result<std::string> firmManifest();
    /// One page of the relay's journal log after `afterSequence` (compliance role only): the
    /// serialized proto::JournalPage.
    [[nodiscard]] Result<std::string> pullJournalPage(std::uint64_t afterSequence,
                                                      std::uint32_t limit = 1000);
    /// One page of the relay's signed boundary snapshot after `afterSequence` (compliance role
    /// only; issue 22): the serialized proto::BoundarySnapshotPage.
    [[nodiscard]] Result<std::string> pullBoundarySnapshotPage(std::uint64_t afterSequence);
    /// Acknowledges to the relay that this compliance device's archive holds and verified the
    /// journal up to `sequence`, whose chain hash is `chainHash` (32 raw bytes), and asks it to keep
    /// the inclusive sequence ranges `keep` (legal holds) when it prunes (issue 22; signed by
    /// this device's identity key, journal::JournalAck). Returns the serialized
    /// proto::JournalPruneState; a refusal's Error::detail is the relay's status. `stateRows`
    /// (32 raw bytes, journal::stateRowsDigest of the archive's state rows 1..sequence) makes it
    /// a version 2 acknowledgement, which also attests which rows carry state; empty: version 1.
    [[nodiscard]] Result<std::string>
    acknowledgeJournal(std::uint64_t sequence, const std::string& chainHash,
                       const std::vector<std::pair<std::uint64_t, std::uint64_t>>& keep,
                       const std::string& stateRows = {});
    /// What the relay said of a restore from a backup in the last QueueDrained this client met
    /// (docs/protocol.md "Restore"): the compliance archive follows a restored relay only with it
    /// (compliance::RelayRestore). `known` is false until a QueueDrained came.
    struct RelayRestoreNotice {
        bool known = false;
        std::string epoch;                  ///< 16 bytes; empty: the relay was never restored
        std::uint64_t restoredSequence = 0; ///< the last journal sequence its backup held
    };
    RelayRestoreNotice relayRestore() const;
    /// Downloads an encrypted blob by its relay id (hex), at most `maxBytes`.
    [[nodiscard]] Result<std::string> fetchBlob(const std::string& blobIdHex,
                                                std::uint64_t maxBytes);
    /// Queues a SUPERVISION record (docs/protocol.md, "Supervision records") with `body` into
    /// `conversation`: sealed to the journal and signed by this device like any message. Nothing
    /// is shown on any device; compliance honours it only from a compliance device. Returns the
    /// message id (hex); Event::Kind::Sent or SendFailed with that id says how it ended.
    [[nodiscard]] Result<std::string> sendSupervisionRecord(const std::string& conversation,
                                                            const std::string& body);

    struct Impl;

private:
    Client();
    std::unique_ptr<Impl> m;
};

} // namespace verbatim::client
