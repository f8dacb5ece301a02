#pragma once
/// @file ArchiveImpl.h
/// The archive's inside, shared by its files (private to the compliance library):
///   Archive.cpp          opening, state, reports
///   ArchiveChecks.cpp    the checks of a batch of rows: chain, opening, devices
///   ArchiveIngest.cpp    pull: pages in, through the checks, to the writer; the rewrite probe
///   ArchiveStore.cpp     the writer: a checked batch into the tables, then its attachments
///   ArchiveJudge.cpp     the content checks (ContentJudge) over the stored records
///   ArchiveRestore.cpp   following a relay restored from a backup: superseded entries
///   ArchiveVerify.cpp    verify: everything again from the stored rows
///   ArchiveRetention.cpp legal holds, the held ranges, disposal (Retention.h)
///   ArchiveQueries.cpp   browsing, timelines, search, attachments, the audit trail
/// and, beside them, ArchiveSchema (tables), Faults (fault ids), ContentJudge, TimeText.
#include <array>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compliance/Archive.h"
#include "compliance/ArchiveText.h"
#include "compliance/ContentJudge.h"
#include "compliance/Faults.h"
#include "crypto/Digest.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"
#include "verbatim.pb.h"

namespace verbatim::compliance {

using storage::Database;

/// A device as the relay-signed log registered it.
struct DeviceReg {
    Bytes identityKey;
    std::uint64_t registeredSeq = 0;
    std::uint64_t revokedSeq = 0;
    // Issue 15 break 2: a device of a user who already had an active device counts only once a
    // device of that user approved it (a `device-approved` record whose approval verifies).
    std::uint64_t endedSeq = 0; ///< revoked or wiped
    bool needsApproval = false;
    std::uint64_t approvedSeq = 0;
    bool reported = false; ///< `unapproved-device` already reported at its registration
};

/// A device's own chain of entries (issue 15 break 3), as far as its next entry needs it: every
/// header-version-2 entry claims how many of the device's entries the relay had acknowledged when
/// it was sealed (`deviceAcked`, never less than before) and the chain over their message ids
/// (`deviceHead`). The archive keeps the chain at the count last claimed (`base`) and the ids of
/// the device's entries after it; honest devices have at most a send window of entries in flight.
struct DeviceChainState {
    std::uint64_t claimed = 0;
    std::uint64_t base = 0;
    crypto::Hash256 head{};
    std::deque<std::array<std::uint8_t, journal::kMessageIdSize>> ids; ///< positions base+1...
};
/// More unacknowledged entries than this are folded into `base` (a client has 32 in flight at most).
constexpr std::size_t kDeviceWindow = 256;

/// One log row after the checks: what the writer stores.
struct Decoded {
    std::uint64_t seq = 0;
    std::uint64_t serverTimeMs = 0;
    std::string entry; // raw bytes
    std::string chainHash;
    crypto::Hash256 entryHash{};
    bool parsed = false;
    journal::SealedEntry sealed;
    bool opened = false;
    proto::JournalRecord record;
    std::vector<Problem> problems;
    std::map<std::string, std::string> admin; // parsed ADMIN_ACTION body (relay entries only)
    // Issue 22: an entry whose content a disposition removed (`entry` is empty): the record that
    // did, the SHA-256 of the entry and its clear header as kept (verify walks the chain on them).
    std::uint64_t disposedBy = 0;
    std::string keptHash, keptHeader;
};

/// What a record countersigns (issue 15 break 3): a receipt names the newest message its
/// device received, a mismatch report the message it received; "" for anything else.
inline std::string countersigns(const proto::JournalRecord& rec) {
    if (rec.ref_message_id().empty()) return {};
    if (rec.type() == proto::RECEIPT && (rec.body() == "delivered" || rec.body() == "read"))
        return "a " + rec.body() + " receipt";
    if (rec.type() == proto::MISMATCH_REPORT) return "a mismatch report";
    return {};
}

/// What the full-text index holds for a record: message text, attachment captions and names,
/// edited text. The index keeps no content: a row is removed by giving this text again.
inline std::string indexText(const proto::JournalRecord& rec) {
    std::string text;
    if (rec.type() == proto::TEXT || rec.type() == proto::EDIT || rec.type() == proto::ATTACHMENT)
        text = rec.body();
    // A save outside the app (issue 22) is found by its file name, device and the word "saved".
    if (rec.type() == proto::ATTACHMENT_SAVED) text = attachmentSavedText(rec.body());
    for (const auto& a : rec.attachments())
        text += " " + a.file_name();
    return text;
}

inline std::string missingEntryDetail(const proto::JournalRecord& rec, const std::string& what) {
    return what + " signed by " + deviceName(rec.sender().user(), rec.sender().device()) +
           " names message " + hexOf(rec.ref_message_id()) +
           ", which the journal does not hold before it: that entry was removed or withheld";
}

struct Archive::Impl {
    std::unique_ptr<Database> db;
    std::vector<crypto::X25519Key> keys;
    std::map<std::array<std::uint8_t, journal::kKeyIdSize>, std::size_t> keyIndex;
    std::optional<journal::FirmManifest> manifest;

    /// What the checks carry from one batch of rows to the next.
    using DeviceKey = std::pair<std::string, std::uint32_t>;
    struct CheckState {
        std::uint64_t headSeq = 0;
        journal::ChainHash head = journal::genesisChainHash();
        std::map<DeviceKey, DeviceReg> registry;
        std::array<std::uint8_t, journal::kKeyIdSize> lastKeyId{};
        std::map<DeviceKey, DeviceChainState> chains;
        /// Devices registered up to here were pulled before the device checks existed: their
        /// approval is not judged and their chain starts at their first entry's claim.
        std::uint64_t checksFrom = 0;
        /// Issue 22: the pruned boundary an archive started at. A device registered up to here
        /// may have had entries before it, which the archive never held: its chain starts at its
        /// first entry's claim (its approval is still judged from the relay's records).
        std::uint64_t chainsFrom = 0;
        std::set<DeviceKey> touched; ///< devices whose state changed since the last snapshot
    };
    /// One device's state after a batch (what the writer persists with that batch).
    struct DeviceSnapshot {
        DeviceKey key;
        DeviceReg reg;
        bool hasChain = false;
        DeviceChainState chain;
    };
    CheckState state; // the pull's state, persisted in meta and the devices and device_state tables
    /// Issue 22: the pruned boundary this archive started at (meta `boundary_seq`; 0: none).
    std::uint64_t boundary = 0;
    /// verify's part for such an archive: the stored snapshot checked again, the anchors of its
    /// state entries (chain[s-1] by s) and the report's lines. ArchiveBoundary.cpp.
    Result<std::map<std::uint64_t, journal::ChainHash>> verifyBoundary(VerifyReport& report,
                                                                       std::vector<Problem>& found);
    /// After a pull or verify of such an archive: each stored acknowledgement of a co-signer
    /// known independently of the relay (meta `boundary_cosigners`) whose sequence the archive
    /// holds must verify under that known key, be a compliance officer's and carry the
    /// archive's chain hash there. Lines for the report; problems into `found`; with no such
    /// co-signer a problem, or a warning when started with --trust-relay-prefix.
    Result<std::vector<std::string>> boundaryCosigners(VerifyReport& report,
                                                       std::vector<Problem>& found);
    std::vector<DeviceSnapshot> snapshot(CheckState& st);
    Result<ConversationInfo> conversationInfo(const std::string& id);
    /// Judges the stored records (ContentJudge) and stores the verdict: the `forged-edit` and
    /// `not-a-member` problems and the conversations' participants.
    Result<void> judgeStored();
    Result<void> storeJudgement(ContentJudge::Outcome& outcome);

    Result<void> loadState();
    Result<void> saveHead(Database& d, std::uint64_t headSeq, const journal::ChainHash& head);
    /// Chain, signature and content checks of a batch of rows in log order (used by pull and verify).
    void check(std::vector<Decoded>& rows, std::vector<journal::Checkpoint> checkpoints,
               CheckState& st, std::vector<Problem>& chainProblems, std::uint64_t& checkpointCount,
               unsigned workers);
    void openOne(Decoded& d, const CheckState& st);
    /// A relay-signed record about devices (registration, approval, revocation, wipe), in log order.
    void deviceRecord(Decoded& d, CheckState& st);
    /// What an entry's own device vouches for: its approval and its chain (in log order).
    void deviceEntry(Decoded& d, CheckState& st);
    /// The first sequence at which the relay's log no longer matches the rows this archive pulled
    /// (0: it still continues them). Asks the relay for single rows.
    Result<std::uint64_t> firstRewritten(const PageSource& pages, std::string& detail);
    Result<void> store(std::vector<Decoded>& rows, const std::vector<std::string>& checkpoints,
                       const std::vector<Problem>& chainProblems, const BlobSource& blobs,
                       PullStats& stats, std::uint64_t headSeq, const journal::ChainHash& head,
                       const std::vector<DeviceSnapshot>& devices);
    Result<void> addProblem(std::uint64_t seq, const std::string& fault, const std::string& detail,
                            const char* origin);
    /// Each device's approval and chain state as of a batch (the device_state table).
    Result<void> storeDevices(const std::vector<DeviceSnapshot>& devices);

    // Relay restores (ArchiveRestore.cpp; docs/protocol.md "Restore", J-RESTORE-1).
    /// After firstRewritten() found the relay's log differing from `rewrittenAt` on: when
    /// `restore` announces an epoch not followed yet whose restored sequence is below
    /// `rewrittenAt` and this archive's head, moves what the archive holds above it aside as
    /// superseded, puts the checks' state back to that sequence and returns true (the pull then
    /// goes on from there). Otherwise returns false and says why in `why`.
    Result<bool> followRestore(const RelayRestore& restore, std::uint64_t rewrittenAt,
                               PullStats& stats, std::string& why, unsigned workers);
    /// The checks' state after the stored entries up to `upTo`, recomputed from the raw rows.
    Result<CheckState> replayState(std::uint64_t upTo, unsigned workers);
    /// verify's part: each superseded history rechecked against the entry it continued from and
    /// its own signed checkpoints; the informational lines of the report.
    Result<void> verifySuperseded(VerifyReport& report, std::vector<Problem>& found,
                                  const RestoreLimits& limits);
};

} // namespace verbatim::compliance
