#pragma once
/// @file Archive.h
/// The compliance archive: the firm's journal as pulled from the relay, checked and decrypted
/// into a local SQLCipher database with a full-text index (DESIGN.md section 7).
///
/// What it keeps, all encrypted under a key derived from the journal private key:
///  - every log row exactly as the relay served it (sequence, sealed entry, chain hash, time)
///    and every signed checkpoint, so that `verify` can recheck everything from the raw bytes;
///  - the device registry, rebuilt from the relay-signed ADMIN_ACTION entries in the log
///    (a device's identity key, when it was registered and revoked);
///  - the decrypted records (one per journal entry), attachments fetched from the relay and
///    checked against their committed digests, and an FTS5 index of the text;
///  - every problem found, by sequence number and kind.
/// No Qt and no network: pull() takes the page and blob sources as functions.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/Bytes.h"
#include "compliance/TimeText.h"
#include "crypto/X25519.h"

namespace verbatim::compliance {

/// One problem the checks found. `fault` is a stable id (see faultDescription()).
struct Problem {
    std::uint64_t sequence = 0;
    std::string fault;  ///< missing, altered, reordered, duplicate, bad-signature, ...
    std::string detail; ///< names ids, devices and checks; never message content
};
/// One line of plain English for a fault id.
const char* faultDescription(const std::string& fault);

/// What a relay restored from a backup announces in every QueueDrained (docs/protocol.md,
/// "Restore"): the archive takes a relay that no longer serves the rows it pulled past
/// `restoredSequence` for a restore, not a rewrite, only with this.
struct RelayRestore {
    std::string epoch;                  ///< 16 bytes, new at each restore; empty: never restored
    std::uint64_t restoredSequence = 0; ///< the last journal sequence the backup held
    /// The epoch (16 bytes) the compliance officer accepted to follow (`pull --accept-restore`);
    /// a restore is followed only when this equals `epoch` (J-RESTORE-3). Empty: none.
    std::string accepted;
    /// Who accepted it (the officer's device), kept in the archive's restores table.
    std::string acceptedBy;
};

/// The mark (SearchHit::status, TimelineEvent::verification) of an entry kept from before a relay
/// restore whose message never came again in the relay's new history: it stays visible wherever
/// compliance looks, since a relay can announce a restore it never had (docs/protocol.md
/// J-RESTORE-2).
inline constexpr const char* kSupersededNotResent = "superseded-not-resent";

/// An entry the archive pulled from a relay that was then restored from an older backup: the
/// relay lost it and its sequence number now holds another entry. Kept as evidence (never
/// deleted, rechecked by verify); its message usually came again from its sender.
struct SupersededEntry {
    std::uint64_t sequence = 0;
    std::string epoch;                  ///< hex restore epoch that superseded it
    std::uint64_t restoredSequence = 0; ///< where the restored log ended
    std::string messageId;              ///< hex; empty when the entry could not be opened
    std::string conversation;
    std::string user;
    std::uint32_t device = 0;
    int type = 0; ///< proto::MessageType
    std::uint64_t serverTimeMs = 0;
    std::uint64_t resentAt = 0; ///< the entry of the new history with its message id (0: none)
};

/// When verify flags a restore the archive followed as suspicious (`restore-suspicious`
/// warning; docs/protocol.md J-RESTORE-2). 0 turns a check off.
struct RestoreLimits {
    /// Two restores the archive followed less than this apart (archive clock, ms).
    std::uint64_t intervalMs = 7ull * 24 * 3600 * 1000;
    /// A restore whose restored sequence lies this much (relay clock, ms) before the last entry
    /// the archive had pulled past it.
    std::uint64_t rollbackMs = 48ull * 3600 * 1000;
};

struct VerifyReport {
    std::uint64_t entries = 0;
    std::uint64_t checkpoints = 0;
    std::uint64_t opened = 0; ///< entries decrypted and checked against their commitments
    std::uint64_t headSequence = 0;
    std::string headChainHash;     ///< hex
    std::vector<Problem> problems; ///< sorted by sequence
    /// Informational, not faults: entries superseded by an announced relay restore (kept and
    /// rechecked), one line per restore: "restore epoch E: entries A-B superseded, N sent again".
    std::uint64_t superseded = 0;
    std::vector<std::string> restores;
    /// Warnings, not faults (ok() is unchanged): each superseded message the relay's new history
    /// does not hold (fault "superseded-not-resent", its old sequence and message id), and each
    /// restore that looks like an attack (`restore-suspicious`: several in a short time, or one
    /// far behind what the archive had pulled; RestoreLimits).
    std::vector<Problem> warnings;
    std::uint64_t notResent = 0; ///< superseded messages not sent again
    /// Informational, not faults: entries whose content a valid disposition record removed
    /// (issue 22), one line per range: "entries A-B disposed by record #N".
    std::uint64_t disposed = 0;
    std::vector<std::string> dispositions;
    /// Informational (issue 22): for an archive started at the relay's pruned boundary, "starts
    /// at pruned boundary N, chain hash H, snapshot signed by relay key K" and which compliance
    /// devices' acknowledgements co-sign the chain through it. Empty: the archive starts at 1.
    std::vector<std::string> boundary;
    bool ok() const { return problems.empty() && entries > 0; }
    std::string text() const;
    std::string json() const;
};

/// Where an archive started at the relay's pruned boundary begins (issue 22).
struct BoundaryStart {
    std::uint64_t boundary = 0;     ///< entries 1..boundary were pruned before this archive
    std::string chainHash;          ///< chain[boundary], hex
    std::string relayKey;           ///< the relay key that signed the snapshot, hex
    std::uint64_t stateEntries = 0; ///< pruned entries the snapshot gave in full
    std::string absentByDesign;     ///< which parts of the prefix rest on whose word
};

/// A compliance device whose identity key is known independently of the relay: the pulling
/// device's own, or one an operator gives (`--cosigner USER/DEVICE:HEXKEY`). Only such a device's
/// acknowledgement co-signs the chain through a pruned boundary.
struct KnownCosigner {
    std::string user;
    std::uint32_t device = 0;
    Bytes identityKey; ///< 33 bytes, 0x05 first
};
/// "USER/DEVICE:HEXKEY" (66 hex digits, 05 first) as a KnownCosigner, or why not.
[[nodiscard]] Result<KnownCosigner> parseCosigner(const std::string& text);

struct PullStats {
    std::uint64_t entries = 0;     ///< new log rows stored
    std::uint64_t attachments = 0; ///< attachment files fetched and checked
    std::uint64_t headSequence = 0;
    std::size_t newProblems = 0;
    double seconds = 0;
    // Where the time went (wall time per stage; the stages overlap):
    double checkSeconds = 0; ///< chain, signatures, decryption (on every core)
    double storeSeconds = 0; ///< the writer: SQLCipher rows, index, full-text index
    double waitSeconds = 0;  ///< checking stage idle, waiting for the relay's next page
    /// Not 0: the relay no longer serves the rows this archive already pulled from this sequence
    /// on (`history-rewritten`); nothing was pulled.
    std::uint64_t rewrittenAt = 0;
    /// Not 0: the relay announced a restore (RelayRestore) and this pull kept the entries the
    /// archive held above its restored sequence as superseded, from this sequence on.
    std::uint64_t supersededFrom = 0;
    std::uint64_t superseded = 0; ///< how many
    /// Not empty: the relay announced a restore (hex epoch) that is consistent with this archive
    /// but that the compliance officer has not accepted (RelayRestore::accepted): nothing was
    /// pulled or moved, verify reports `restore-pending` until it is accepted (J-RESTORE-3).
    std::string pendingEpoch;
    std::uint64_t pendingRestoredSequence = 0; ///< where the relay says its backup ended
    /// What following it would supersede: every entry above the restored sequence (`messageId`
    /// empty for entries that are not messages), with no content.
    std::vector<SupersededEntry> pendingSuperseded;
};

/// Page source: the serialized proto::JournalPage after `afterSequence`.
using PageSource =
    std::function<Result<std::string>(std::uint64_t afterSequence, std::uint32_t limit)>;
/// Blob source: an encrypted attachment blob by relay id (hex), at most `maxBytes`.
using BlobSource =
    std::function<Result<std::string>(const std::string& blobIdHex, std::uint64_t maxBytes)>;
/// Progress: rows stored so far, the relay's head.
using Progress = std::function<void(std::uint64_t stored, std::uint64_t head)>;

struct Participant {
    std::string user;
    std::string name;
    std::string role; ///< ROLE_LAWYER, ROLE_CLIENT, ...
};

struct ConversationInfo {
    std::string id;
    std::string title;
    bool matter = false;
    /// every user seen sending or receiving in it (senders and recipients of entries that are
    /// not `not-a-member`)
    std::vector<std::string> participants;
    std::uint64_t events = 0;
};

struct AttachmentInfo {
    std::size_t index = 0;
    std::string fileName;
    std::string mimeType;
    std::uint64_t size = 0;
    bool available = false; ///< fetched, digest checked, decrypted
    std::string problem;
    /// The display hints the sender put beside the file (docs/protocol.md, "Voice notes" and
    /// "Thumbnails"), exactly as journaled: untrusted. A voice note's length in ms (0: none) and
    /// waveform (one byte per bar); an image's thumbnail (the sender's JPEG, not checked here)
    /// and its claimed size in pixels. timeline() and messageAttachments() fill them.
    std::uint32_t durationMs = 0;
    std::string waveform;
    std::string thumbnail;
    std::uint32_t width = 0, height = 0;
    /// Set by the export: `durationMs` is the file's own length (VoiceDecoder), not the hint.
    bool durationFromFile = false;
};

struct EditInfo {
    std::uint64_t sequence = 0;
    std::string user;
    std::uint64_t timeMs = 0;
    std::string previous;
    std::string next;
};

struct ReactionInfo {
    std::string user;
    std::string emoji;
    std::uint64_t timeMs = 0;
};

struct ReceiptInfo {
    std::string user;
    std::string action; ///< delivered, read
    std::uint64_t timeMs = 0;
};

/// A change to a message that compliance did not apply: an edit or retraction by someone other
/// than the message's author (`forged-edit`), or any change by a sender who was not a member of
/// the conversation (`not-a-member`). Kept beside the message as evidence.
struct RefusedChange {
    std::uint64_t sequence = 0;
    std::string kind; ///< edit, retract, reaction, receipt
    std::string user;
    std::uint32_t device = 0;
    std::uint64_t timeMs = 0; ///< relay's clock
    std::string body;         ///< the text the change claimed (an edit's new text, an emoji)
    std::string fault;        ///< forged-edit, not-a-member
};

/// One event of a conversation's timeline, with its history folded in.
struct TimelineEvent {
    /// AttachmentSaved (issue 22): a user saved an attachment outside the app; `body` is the
    /// record's JSON (message, attachment, file_name, device), attachmentSavedText() the sentence.
    enum class Kind { Message, Notice, Join, SafetyNumber, MismatchReport, AttachmentSaved };
    Kind kind = Kind::Message;
    std::uint64_t sequence = 0;
    std::string messageId; ///< hex
    std::string conversation;
    std::string user;
    std::uint32_t device = 0;
    std::uint64_t timeMs = 0;       ///< sender's clock
    std::uint64_t serverTimeMs = 0; ///< relay's clock
    std::string body;               ///< as last edited (the original if never edited)
    std::string originalBody;
    std::vector<EditInfo> edits;
    bool deleted = false;
    std::string deletedBy;
    std::uint64_t deletedMs = 0;
    std::uint64_t deletedSequence = 0;
    std::vector<AttachmentInfo> attachments;
    std::vector<ReactionInfo> reactions;
    std::vector<ReceiptInfo> receipts;
    std::vector<RefusedChange> refused; ///< changes not applied (see RefusedChange)
    std::string entryHash;              ///< hex SHA-256 of the sealed entry
    /// "verified", or the fault ids of this entry and of the refused changes to it, comma-separated.
    std::string verification;
};

/// What an ATTACHMENT_SAVED record's JSON `body` says, as the words after the user's name:
/// "saved lease.pdf on device alice/2 (message 0123…, attachment 0)". A body that is not such a
/// record's gives "saved an attachment (unreadable record)".
std::string attachmentSavedText(const std::string& body);

struct SearchQuery {
    std::string text;        ///< in the search language (SearchParser.h), never FTS5 syntax
    std::string matter;      ///< conversation id or title (empty: all)
    std::string participant; ///< user id (sender or recipient)
    std::uint64_t fromMs = 0;
    std::uint64_t toMs = 0; ///< 0: no bound
    std::size_t limit = 100;
};

struct SearchHit {
    std::uint64_t sequence = 0; ///< of the matching entry
    std::string messageId; ///< hex: the message the hit belongs to (for an edit, the edited one)
    std::string conversation;
    std::string conversationTitle;
    std::string user;
    std::uint64_t serverTimeMs = 0;
    std::string text;
    /// The words the query matched in `text`, for highlighting: {byte offset, byte length}, in
    /// order (none when the hit is on an attachment's name rather than the text).
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    /// "", "edited", "edit", "deleted"; "forged-edit" for an edit by someone other than the author
    /// (never applied), "not-a-member" for an entry whose sender was not a member of its
    /// conversation, kSupersededNotResent for an entry kept from before a relay restore whose
    /// message the relay's new history does not hold (`sequence` is then its old sequence)
    std::string status;
};

/// One line of the audit trail: an administrative action, an edit, a retraction, a key change.
struct AuditLine {
    std::uint64_t sequence = 0;
    std::uint64_t serverTimeMs = 0;
    std::string actor;
    std::string action;
    std::string target;
    std::string detail;
};

class Archive {
public:
    /// Opens ARCHIVE (a file) with the journal private keys (all epochs the firm used; the first
    /// one keys the archive). `create` allows a new file. A key that does not open an existing
    /// archive fails with ErrorCode::WrongKey and changes nothing.
    [[nodiscard]] static Result<std::unique_ptr<Archive>>
    open(const std::string& path, std::vector<crypto::X25519Key> keys, bool create);
    /// Opens an existing archive for reading only (a dry run): never migrates it (an archive of
    /// an older schema fails with ErrorCode::Unsupported, the file untouched) and refuses every
    /// write on its connection (PRAGMA query_only).
    [[nodiscard]] static Result<std::unique_ptr<Archive>>
    openReadOnly(const std::string& path, std::vector<crypto::X25519Key> keys);
    ~Archive();

    /// The firm manifest (serialized, root-signed) the archive checks against. Set at the first
    /// pull; a later pull with a manifest of another firm root is refused.
    [[nodiscard]] Result<void> setManifest(ByteView manifest, std::string_view firmFingerprint);

    /// Fetches every log row after the archive's head, page by page, checks and decrypts it on
    /// all cores, and stores it: incremental and resumable (each page commits on its own).
    /// Only a continuation of the chain the archive holds is accepted: when the relay now serves
    /// other rows up to the archive's head, the first that differs is reported
    /// (`history-rewritten`, PullStats::rewrittenAt) and nothing is pulled.
    /// `workers` 0 = one per core.
    /// `restore` is what the relay announced at connect: when it names a restore epoch this
    /// archive has not followed yet and the relay's log still matches the archive's up to the
    /// restored sequence, the archive's entries above it are kept as superseded (superseded())
    /// and the relay's new history is pulled from there (docs/protocol.md, "Restore",
    /// J-RESTORE-1). Without it, or when the log differs at or below that sequence, it is
    /// `history-rewritten`.
    [[nodiscard]] Result<PullStats> pull(const PageSource& pages, const BlobSource& blobs,
                                         const Progress& progress = {}, unsigned workers = 0,
                                         const RelayRestore& restore = {});
    /// Every entry superseded by a relay restore, by restore then sequence.
    [[nodiscard]] Result<std::vector<SupersededEntry>> superseded();

    /// Rechecks everything from the stored raw rows: chain continuity, checkpoint signatures,
    /// sender signatures and registrations, decryption and commitments, replays, the mismatch
    /// reports recipients filed, edits and retractions by someone other than the author
    /// (`forged-edit`), senders or recipients who were not members of the conversation
    /// (`not-a-member`, from the relay-signed membership records in the log), devices no device
    /// of their user approved (`unapproved-device`, `identity-reset`), each device's own chain of
    /// entries (`device-entry-missing`, `device-chain-mismatch`) and the messages receipts and
    /// mismatch reports name (`missing-entry`). Problems only a pull could see stay on record.
    /// Issue 22: starts this empty archive at the relay's pruned boundary from `snapshot` (a
    /// serialized journal::BoundarySnapshot): refused, storing nothing, unless the relay key of
    /// the archive's manifest signed it, its boundary is `relayPrunedThrough` (the relay's now),
    /// its rows reproduce its chain hash and `boundaryCheckpoint` (the relay's first signed
    /// checkpoint at or after the boundary; may be empty) agrees. The state entries it gives are
    /// checked and stored; the next pull goes on after the boundary; verify reports the range
    /// before it as pruned by design (docs/protocol.md, "Boundary snapshot").
    /// `cosigners`: the devices whose acknowledgements may co-sign the chain through the
    /// boundary; with none of them co-signing, verify (and so the start) fails unless
    /// `trustRelayPrefix`, and then warns on every run.
    [[nodiscard]] Result<BoundaryStart> startAtBoundary(ByteView snapshot,
                                                        std::uint64_t relayPrunedThrough,
                                                        ByteView boundaryCheckpoint,
                                                        const std::vector<KnownCosigner>& cosigners,
                                                        bool trustRelayPrefix);
    /// The boundary this archive started at (0: it starts at entry 1).
    std::uint64_t startedAtBoundary() const;
    /// The sequences 1..`through` this archive holds as state rows, ascending: entries of the
    /// relay (relay/0), recording-notice acceptances, and SUPERVISION records of compliance
    /// officers; what a version 2 acknowledgement attests (journal::stateRowsDigest; issue 22).
    [[nodiscard]] Result<std::vector<std::uint64_t>> stateRows(std::uint64_t through);
    [[nodiscard]] Result<VerifyReport> verify(unsigned workers = 0,
                                              const RestoreLimits& limits = {});

    [[nodiscard]] Result<std::vector<Participant>> participants();
    [[nodiscard]] Result<std::vector<ConversationInfo>> conversations();
    /// One conversation by id or title.
    [[nodiscard]] Result<ConversationInfo> conversation(const std::string& idOrTitle);
    /// Resolves a conversation id or a title (exact, then unique prefix).
    [[nodiscard]] Result<std::string> resolveConversation(const std::string& idOrTitle);
    /// The conversation's events in log order, with edits, retractions, reactions and receipts
    /// folded into the message they refer to; `fromMs`/`toMs` filter on the relay's time. An
    /// edit or retraction by anyone but the author, and any change by a non-member, is not
    /// applied: it is listed in the message's `refused` and its fault is in `verification`.
    [[nodiscard]] Result<std::vector<TimelineEvent>>
    timeline(const std::string& conversation, std::uint64_t fromMs = 0, std::uint64_t toMs = 0);
    [[nodiscard]] Result<std::vector<SearchHit>> search(const SearchQuery& query);
    /// The sequences of the entries `user` sent, or received as one of their recipients, whose
    /// relay time is in [fromMs, toMs] (0: open), ascending: one participant's share of the log,
    /// for a production scoped to a custodian (issue 21).
    [[nodiscard]] Result<std::vector<std::uint64_t>>
    entriesOf(const std::string& user, std::uint64_t fromMs = 0, std::uint64_t toMs = 0);
    /// The attachments of entry `sequence`, by index: names, types, sizes, whether the archive
    /// holds their bytes (never the bytes).
    [[nodiscard]] Result<std::vector<AttachmentInfo>> attachments(std::uint64_t sequence);
    /// The decrypted bytes of an attachment (checked against its digest when pulled).
    [[nodiscard]] Result<SecureBytes> attachment(std::uint64_t sequence, std::size_t index);
    /// The attachments of message `messageIdHex` (32 hex digits) with their display hints, and
    /// the sequence of the entry that sent them (what attachment() reads by): for a search hit,
    /// whose own entry may be an edit of that message. NotFound for an unknown message.
    [[nodiscard]] Result<std::pair<std::uint64_t, std::vector<AttachmentInfo>>>
    messageAttachments(const std::string& messageIdHex);
    /// Administrative actions, edits, retractions, key rotations and reports, in log order.
    [[nodiscard]] Result<std::vector<AuditLine>> auditTrail();
    /// Problems recorded so far (by pull or verify).
    [[nodiscard]] Result<std::vector<Problem>> problems();
    /// Number of stored log rows and the highest sequence.
    [[nodiscard]] Result<std::pair<std::uint64_t, std::uint64_t>> size();

    /// The log sequences under an open legal hold (issue 22, Retention.h), as ranges of
    /// consecutive sequences in ascending order: every entry of a held matter, and every entry a
    /// held custodian sent or received, among the entries this archive holds (up to its head).
    /// What the compliance acknowledgement sends to the relay so that it never prunes a held row
    /// (README "Retention and legal hold"); SUPERVISION records are applied by
    /// Supervision::refresh(), so call it after a pull first.
    [[nodiscard]] Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> heldRanges();

    struct Impl;

private:
    friend class Supervision; // Supervision.h: keeps its tables in this archive's database
    friend class Retention;   // Retention.h: holds and disposal, in this archive's database
    Archive();
    std::unique_ptr<Impl> m;
};

} // namespace verbatim::compliance
