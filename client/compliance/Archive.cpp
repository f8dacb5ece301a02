#include "compliance/Archive.h"
#include "compliance/SearchParser.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "journal/RecordingNotice.h"
#include "journal/AttachmentBlob.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"
#include "verbatim.pb.h"
#include "wire.pb.h"

namespace verbatim::compliance {

using storage::Database;

namespace {

constexpr std::string_view kSchema = R"SQL(
CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE entries (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, chain_hash BLOB,
                      server_time_ms INTEGER NOT NULL);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL DEFAULT '');
CREATE TABLE devices (user TEXT NOT NULL, device INTEGER NOT NULL, identity_key BLOB NOT NULL,
                      platform TEXT NOT NULL DEFAULT '', app_version TEXT NOT NULL DEFAULT '',
                      registered_seq INTEGER NOT NULL, registered_ms INTEGER NOT NULL,
                      revoked_seq INTEGER NOT NULL DEFAULT 0, revoked_ms INTEGER NOT NULL DEFAULT 0,
                      PRIMARY KEY (user, device));
CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '',
                            matter INTEGER NOT NULL DEFAULT 0, created_seq INTEGER NOT NULL DEFAULT 0);
CREATE TABLE records (seq INTEGER PRIMARY KEY, message_id BLOB NOT NULL, conversation TEXT NOT NULL,
                      user TEXT NOT NULL, device INTEGER NOT NULL, recipients TEXT NOT NULL,
                      type INTEGER NOT NULL, time_ms INTEGER NOT NULL, server_time_ms INTEGER NOT NULL,
                      body BLOB NOT NULL, ref BLOB, attachments BLOB, entry_hash BLOB NOT NULL,
                      key_id BLOB NOT NULL);
CREATE UNIQUE INDEX records_message ON records (message_id);
CREATE INDEX records_ref ON records (ref) WHERE ref IS NOT NULL;
CREATE INDEX records_conversation ON records (conversation, seq);
CREATE TABLE admin_actions (seq INTEGER PRIMARY KEY, actor TEXT NOT NULL, action TEXT NOT NULL,
                            target TEXT NOT NULL, detail TEXT NOT NULL, conversation TEXT);
CREATE INDEX admin_conversation ON admin_actions (conversation) WHERE conversation IS NOT NULL;
CREATE TABLE attachments (seq INTEGER NOT NULL, idx INTEGER NOT NULL, file_name TEXT NOT NULL,
                          mime TEXT NOT NULL, size INTEGER NOT NULL, data BLOB, problem TEXT,
                          PRIMARY KEY (seq, idx));
CREATE TABLE problems (seq INTEGER NOT NULL, fault TEXT NOT NULL, detail TEXT NOT NULL,
                       origin TEXT NOT NULL, PRIMARY KEY (seq, fault));
CREATE TABLE members (conversation TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY (conversation, user))
  WITHOUT ROWID;
CREATE VIRTUAL TABLE records_fts USING fts5 (body, content='', tokenize='unicode61 remove_diacritics 2');
)SQL";

// The members a conversation was created with, when the relay lists them in its record.
constexpr std::string_view kSchemaV2 = R"SQL(
ALTER TABLE admin_actions ADD COLUMN members TEXT;
)SQL";

// Issue 15 breaks 2 and 3: what the pull carries from one page to the next about each device
// (its approval, and its own chain of entries: the entries after the count it last claimed), and
// the message ids of entries that could not be opened (receipts may name them). An archive pulled
// before keeps its verdicts on what it already holds: the device checks start after its head.
constexpr std::string_view kSchemaV3 = R"SQL(
CREATE TABLE device_state (user TEXT NOT NULL, device INTEGER NOT NULL,
                           needs_approval INTEGER NOT NULL DEFAULT 0, approved_seq INTEGER NOT NULL DEFAULT 0,
                           ended_seq INTEGER NOT NULL DEFAULT 0, reported INTEGER NOT NULL DEFAULT 0,
                           chain INTEGER NOT NULL DEFAULT 0, chain_claimed INTEGER NOT NULL DEFAULT 0,
                           chain_base INTEGER NOT NULL DEFAULT 0, chain_head BLOB, chain_ids BLOB,
                           PRIMARY KEY (user, device)) WITHOUT ROWID;
CREATE TABLE unopened_ids (message_id BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (k, v) SELECT 'device_checks_from', v FROM meta WHERE k = 'head_seq';
)SQL";

std::string str(ByteView b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

std::string hexOf(const std::string& raw) { return toHex(view(raw)); }

const char* chainFaultId(journal::ChainFault f) {
    using F = journal::ChainFault;
    switch (f) {
    case F::Missing: return "missing";
    case F::Reordered: return "reordered";
    case F::Duplicate: return "duplicate";
    case F::Altered: return "altered";
    case F::CheckpointMismatch: return "checkpoint-mismatch";
    case F::BadCheckpointSignature: return "bad-checkpoint-signature";
    case F::CheckpointTimeBackwards: return "checkpoint-time-backwards";
    case F::Truncated: return "truncated";
    }
    return "unknown";
}

const char* entryFaultId(journal::Fault f) {
    using F = journal::Fault;
    switch (f) {
    case F::None: return "none";
    case F::Malformed: return "malformed";
    case F::WrongJournalKey: return "no-journal-key";
    case F::BadSignature: return "bad-signature";
    case F::Decrypt: return "decrypt-failed";
    case F::RecordMalformed: return "record-malformed";
    case F::HeaderMismatch: return "header-mismatch";
    case F::CommitmentMismatch: return "commitment-mismatch";
    }
    return "unknown";
}

/// A device as the relay-signed log registered it.
struct DeviceReg {
    Bytes identityKey;
    std::uint64_t registeredSeq = 0;
    std::uint64_t revokedSeq = 0;
    // Issue 15 break 2: a device of a user who already had an active device counts only once a
    // device of that user approved it (a `device-approved` record whose approval verifies).
    std::uint64_t endedSeq = 0;      ///< revoked or wiped
    bool needsApproval = false;
    std::uint64_t approvedSeq = 0;
    bool reported = false;           ///< `unapproved-device` already reported at its registration
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
    std::deque<std::array<std::uint8_t, journal::kMessageIdSize>> ids;  ///< positions base+1...
};
/// More unacknowledged entries than this are folded into `base` (a client has 32 in flight at most).
constexpr std::size_t kDeviceWindow = 256;

std::string deviceName(const std::string& user, std::uint32_t device) { return user + "/" + std::to_string(device); }

/// One log row after the checks: what the writer stores.
struct Decoded {
    std::uint64_t seq = 0;
    std::uint64_t serverTimeMs = 0;
    std::string entry;      // raw bytes
    std::string chainHash;
    crypto::Hash256 entryHash{};
    bool parsed = false;
    journal::SealedEntry sealed;
    bool opened = false;
    proto::JournalRecord record;
    std::vector<Problem> problems;
    std::map<std::string, std::string> admin;  // parsed ADMIN_ACTION body (relay entries only)
};

/// What the journal says about itself beyond each entry's own checks (used by pull over the stored
/// records and by verify over the opened rows, so both reach the same verdict):
///  - `forged-edit`: an edit or retraction counts only from the author (user) of the message it
///    refers to, as recipients apply it. One whose message is not in the log (yet) is judged
///    when that message arrives; until then there is nothing it could change.
///  - `not-a-member`: an entry counts only from a member of its conversation, addressed to
///    members. Membership comes from the relay-signed records: `conversation-created` (its actor,
///    and the `members` it lists when the relay lists them), `invite-created` (its actor: the
///    relay lets only members invite; a member since creation) and `invite-redeemed` (the invited
///    client, from that entry on). When the creation record does not list the members (logs
///    written before the relay listed them), the ones added at creation are learnt from the
///    recipients of entries sent by those members: apart from invited clients, members are only
///    ever added at creation, so such a member counts from the creation on. This vouching is one
///    step only (a vouched member vouches for nobody), and an entry signed by a revoked or
///    unapproved device vouches for nobody. A log that records no conversation
///    creation at all (a synthetic log) is not judged for membership.
///  - `no-notice` (issue 17, consent): an outside party (a user an `invite-redeemed` record
///    names) sends nothing into a conversation before its own NOTICE_ACCEPTED there, one that
///    names a known notice (journal/RecordingNotice.h; the exact plain-text body of clients before
///    notice version 1 counts as the legacy acceptance). An acceptance naming an unknown version or
///    hash, or signed by a revoked or unapproved device, is no acceptance: the messages after it
///    are flagged, and the detail names it. Receipts are not judged (they carry no content).
class ContentJudge {
public:
    /// A NOTICE_ACCEPTED entry: whether its body names a notice this build knows.
    void notice(std::uint64_t seq, bool known) {
        if (known) m_knownNotices.insert(seq);
    }
    void admin(std::uint64_t seq, const std::string& action, const std::string& actor, const std::string& target,
               const std::string& conversation, const std::string& members) {
        if (action != "conversation-created" && action != "invite-created" && action != "invite-redeemed") return;
        m_admin.push_back({seq, action, actor, target, conversation, members});
    }
    /// Entries other than the relay's, in log order, each message id once (its first entry).
    void record(std::uint64_t seq, const std::string& messageId, const std::string& conversation,
                const std::string& user, std::uint32_t device, int type, const std::string& ref,
                const std::vector<std::string>& recipients, bool trusted) {
        if (type == proto::ADMIN_ACTION) return;  // forged-admin-action already
        Rec r;
        r.seq = seq;
        r.conv = m_convs.id(conversation);
        r.user = m_users.id(user);
        r.device = device;
        r.type = type;
        r.trusted = trusted;
        r.recBegin = std::uint32_t(m_recipients.size());
        for (const auto& u : recipients) m_recipients.push_back(m_users.id(u));
        r.recCount = std::uint32_t(m_recipients.size() - r.recBegin);
        if ((type == proto::EDIT || type == proto::RETRACT) && !ref.empty()) {
            r.ref = std::int32_t(m_refs.size());
            m_refs.push_back(ref);
        }
        m_byId.emplace(messageId, std::uint32_t(m_recs.size()));
        m_recs.push_back(r);
    }

    struct Outcome {
        std::vector<Problem> problems;
        /// Senders and recipients of the entries that are not `not-a-member`, by conversation.
        std::map<std::string, std::set<std::string>> participants;
    };

    Outcome finish() {
        Outcome out;
        struct Conv {
            std::uint64_t created = 0;
            bool listed = false;
            std::unordered_map<std::uint32_t, std::uint64_t> anchors;  // user -> member after this seq
            std::unordered_set<std::uint32_t> vouched;                 // members since the creation
        };
        std::unordered_map<std::uint32_t, Conv> convs;
        auto anchor = [&](Conv& c, const std::string& user, std::uint64_t since) {
            auto [it, fresh] = c.anchors.emplace(m_users.id(user), since);
            if (!fresh) it->second = std::min(it->second, since);
        };
        std::stable_sort(m_admin.begin(), m_admin.end(), [](const Admin& a, const Admin& b) { return a.seq < b.seq; });
        bool judgeMembership = false;
        for (const auto& a : m_admin) {
            if (a.action != "conversation-created") continue;
            judgeMembership = true;
            auto& c = convs[m_convs.id(a.target)];
            if (c.created) continue;  // created once; a second record changes nothing
            c.created = a.seq;
            anchor(c, a.actor, a.seq);
            if (a.members.empty()) continue;
            c.listed = true;
            std::string u;
            for (char ch : a.members + " ") {
                if (ch == ' ' || ch == ',') {
                    if (!u.empty()) anchor(c, u, a.seq);
                    u.clear();
                } else {
                    u += ch;
                }
            }
        }
        auto findConv = [&](std::uint32_t id) -> Conv* {
            auto it = convs.find(id);
            return it == convs.end() || !it->second.created ? nullptr : &it->second;
        };
        for (const auto& a : m_admin) {
            if (a.action == "invite-created") {
                if (auto* c = findConv(m_convs.id(a.target)); c && c->created < a.seq) anchor(*c, a.actor, c->created);
            } else if (a.action == "invite-redeemed") {
                if (auto* c = findConv(m_convs.id(a.conversation)); c && c->created < a.seq) anchor(*c, a.target, a.seq);
            }
        }
        auto isAnchor = [](const Conv& c, std::uint32_t user, std::uint64_t seq) {
            auto it = c.anchors.find(user);
            return it != c.anchors.end() && it->second < seq;
        };
        auto isMember = [&](const Conv& c, std::uint32_t user, std::uint64_t seq) {
            return isAnchor(c, user, seq) || (!c.listed && c.created < seq && c.vouched.count(user));
        };
        if (judgeMembership)
            for (const auto& r : m_recs) {
                auto* c = findConv(r.conv);
                if (!c || c->listed || !r.trusted || !isAnchor(*c, r.user, r.seq)) continue;
                for (std::uint32_t i = 0; i < r.recCount; ++i) c->vouched.insert(m_recipients[r.recBegin + i]);
            }

        std::map<std::string, std::set<std::string>> flaggedSenders;
        for (const auto& r : m_recs) {
            const std::string& conv = m_convs.name(r.conv);
            const std::string who = deviceName(m_users.name(r.user), r.device);
            bool accepted = true;
            if (judgeMembership) {
                const auto* c = findConv(r.conv);
                if (!c || c->created >= r.seq) {
                    out.problems.push_back({r.seq, "not-a-member",
                                            who + " sent into conversation " + conv +
                                                ", which the log does not show created before this point"});
                    accepted = false;
                } else {
                    const bool senderIn = isMember(*c, r.user, r.seq);
                    std::string strangers;
                    std::set<std::uint32_t> seen;
                    for (std::uint32_t i = 0; i < r.recCount; ++i) {
                        auto v = m_recipients[r.recBegin + i];
                        if (v == r.user || !seen.insert(v).second || isMember(*c, v, r.seq)) continue;
                        strangers += (strangers.empty() ? "" : ", ") + m_users.name(v);
                    }
                    if (!senderIn) {
                        out.problems.push_back({r.seq, "not-a-member",
                                                who + " was not a member of conversation " + conv + " at this point" +
                                                    (strangers.empty() ? std::string()
                                                                       : "; nor were the recipients it names: " + strangers)});
                        accepted = false;
                    } else if (!strangers.empty()) {
                        out.problems.push_back({r.seq, "not-a-member",
                                                who + " names recipients who were not members of conversation " + conv +
                                                    " at this point: " + strangers});
                        accepted = false;
                    }
                }
            }
            if (conv != "firm-audit") {
                if (accepted) {
                    auto& p = out.participants[conv];
                    p.insert(m_users.name(r.user));
                    for (std::uint32_t i = 0; i < r.recCount; ++i) p.insert(m_users.name(m_recipients[r.recBegin + i]));
                } else {
                    flaggedSenders[conv].insert(m_users.name(r.user));
                }
            }
            if (r.ref < 0) continue;
            const std::string& ref = m_refs[std::size_t(r.ref)];
            auto it = m_byId.find(ref);
            if (it == m_byId.end()) continue;  // not in the log (yet): nothing it could change
            const Rec& original = m_recs[it->second];
            if (original.user == r.user) continue;
            out.problems.push_back({r.seq, "forged-edit",
                                    std::string(r.type == proto::EDIT ? "an edit" : "a retraction") + " of message " +
                                        hexOf(ref) + " (seq " + std::to_string(original.seq) + ", by " +
                                        m_users.name(original.user) + ") sent by " + who +
                                        ", who is not its author; not applied"});
        }
        judgeConsent(out);
        // A conversation only non-members wrote into stays listed, under their names.
        for (auto& [conv, senders] : flaggedSenders)
            if (!out.participants.count(conv)) out.participants[conv] = std::move(senders);
        return out;
    }

private:
    void judgeConsent(Outcome& out) {
        std::unordered_map<std::uint32_t, std::uint64_t> outside;  // user -> first invite redeemed
        for (const auto& a : m_admin)
            if (a.action == "invite-redeemed") {
                auto [it, fresh] = outside.emplace(m_users.id(a.target), a.seq);
                if (!fresh) it->second = std::min(it->second, a.seq);
            }
        if (outside.empty()) return;
        std::set<std::pair<std::uint32_t, std::uint32_t>> consented;     // (conversation, user)
        std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> refused;  // last unknown acceptance
        for (const auto& r : m_recs) {
            if (!outside.count(r.user) || r.type == proto::RECEIPT) continue;
            const auto key = std::make_pair(r.conv, r.user);
            if (r.type == proto::NOTICE_ACCEPTED) {
                if (r.trusted && m_knownNotices.count(r.seq))
                    consented.insert(key);
                else
                    refused[key] = r.seq;
                continue;
            }
            if (consented.count(key)) continue;
            std::string detail = deviceName(m_users.name(r.user), r.device) + ", an outside party (invited at seq " +
                                 std::to_string(outside[r.user]) + "), sent a " +
                                 proto::MessageType_Name(proto::MessageType(r.type)) + " into conversation " +
                                 m_convs.name(r.conv) + " before accepting the recording notice there";
            if (auto it = refused.find(key); it != refused.end())
                detail += "; its acceptance at seq " + std::to_string(it->second) +
                          " names no known notice version and text hash, or was signed by a revoked or unapproved "
                          "device";
            out.problems.push_back({r.seq, "no-notice", std::move(detail)});
        }
    }

    struct Admin {
        std::uint64_t seq;
        std::string action, actor, target, conversation, members;
    };
    struct Rec {
        std::uint64_t seq = 0;
        std::uint32_t conv = 0, user = 0, device = 0;
        int type = 0;
        std::uint32_t recBegin = 0, recCount = 0;
        std::int32_t ref = -1;  // index into m_refs (edits and retractions)
        bool trusted = true;
    };
    struct Names {
        std::unordered_map<std::string, std::uint32_t> ids;
        std::vector<std::string> names;
        std::uint32_t id(const std::string& s) {
            auto [it, fresh] = ids.emplace(s, std::uint32_t(names.size()));
            if (fresh) names.push_back(s);
            return it->second;
        }
        const std::string& name(std::uint32_t i) const { return names[i]; }
    };
    std::vector<Admin> m_admin;
    std::vector<Rec> m_recs;
    std::vector<std::uint32_t> m_recipients;
    std::vector<std::string> m_refs;
    std::unordered_map<std::string, std::uint32_t> m_byId;  // message id -> its first entry
    std::unordered_set<std::uint64_t> m_knownNotices;       // NOTICE_ACCEPTED entries naming a known notice
    Names m_convs, m_users;
};

/// Whether a NOTICE_ACCEPTED body names a notice this build knows (see ContentJudge).
bool knownNoticeBody(std::string_view body) {
    if (body == journal::kLegacyNoticeAcceptanceBody) return true;
    auto a = journal::parseNoticeAcceptance(body);
    return a && journal::isKnownNotice(a->version, a->textSha256);
}

/// Splits [0, n) over `workers` threads (the caller is one of them).
void parallelFor(std::size_t n, unsigned workers, const std::function<void(std::size_t)>& fn) {
    if (workers <= 1 || n < 16) {
        for (std::size_t i = 0; i < n; ++i) fn(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    auto run = [&] {
        for (std::size_t i; (i = next.fetch_add(8)) < n;)
            for (std::size_t j = i; j < std::min(n, i + 8); ++j) fn(j);
    };
    std::vector<std::thread> threads;
    for (unsigned w = 1; w < workers; ++w) threads.emplace_back(run);
    run();
    for (auto& t : threads) t.join();
}

/// A bounded single-producer single-consumer queue; close() ends it.
template <class T>
class Channel {
public:
    explicit Channel(std::size_t capacity) : m_capacity(capacity) {}
    bool push(T v) {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_items.size() < m_capacity || m_closed; });
        if (m_closed) return false;
        m_items.push_back(std::move(v));
        m_cv.notify_all();
        return true;
    }
    std::optional<T> pop() {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return !m_items.empty() || m_closed; });
        if (m_items.empty()) return std::nullopt;
        T v = std::move(m_items.front());
        m_items.pop_front();
        m_cv.notify_all();
        return v;
    }
    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_cv.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<T> m_items;
    std::size_t m_capacity;
    bool m_closed = false;
};

/// What a record countersigns (issue 15 break 3): a receipt names the newest message its
/// device received, a mismatch report the message it received; "" for anything else.
std::string countersigns(const proto::JournalRecord& rec) {
    if (rec.ref_message_id().empty()) return {};
    if (rec.type() == proto::RECEIPT && (rec.body() == "delivered" || rec.body() == "read"))
        return "a " + rec.body() + " receipt";
    if (rec.type() == proto::MISMATCH_REPORT) return "a mismatch report";
    return {};
}

std::string missingEntryDetail(const proto::JournalRecord& rec, const std::string& what) {
    return what + " signed by " + deviceName(rec.sender().user(), rec.sender().device()) + " names message " +
           hexOf(rec.ref_message_id()) +
           ", which the journal does not hold before it: that entry was removed or withheld";
}

}  // namespace

const char* faultDescription(const std::string& f) {
    static const std::map<std::string, const char*> d = {
        {"missing", "the log has no entry with this sequence number"},
        {"altered", "the entry's bytes do not produce its chain hash: changed after it was logged"},
        {"reordered", "the entry is stored at another position than the one it was logged at"},
        {"duplicate", "the sequence number occurs twice"},
        {"checkpoint-mismatch", "the chain differs from the relay's signed checkpoint"},
        {"bad-checkpoint-signature", "a checkpoint is not signed by the relay key in the firm manifest"},
        {"checkpoint-time-backwards", "a later checkpoint carries an earlier time"},
        {"truncated", "a signed checkpoint covers entries the log no longer holds"},
        {"malformed", "the entry does not parse"},
        {"unknown-device", "the signing device was never registered in the log (or only later)"},
        {"revoked-signer", "the entry was signed by a device after its revocation"},
        {"bad-signature", "the entry is not signed by the device it names"},
        {"no-journal-key", "sealed to a journal key this archive was not given"},
        {"decrypt-failed", "the entry does not decrypt: header or ciphertext altered"},
        {"record-malformed", "the decrypted record does not parse"},
        {"header-mismatch", "the record's id, sender or time differ from its signed header"},
        {"commitment-mismatch", "the journaled content does not open the commitment recipients received"},
        {"replayed-message-id", "a message id that an earlier entry already used"},
        {"forged-admin-action", "an administrative record not written by the relay"},
        {"mismatch-report", "a recipient reported that what it received differs from what was journaled"},
        {"attachment-unavailable", "an attachment could not be fetched from the relay"},
        {"attachment-mismatch", "an attachment does not match its committed digest"},
        {"forged-edit", "an edit or retraction sent by someone other than the message's author: not applied"},
        {"not-a-member", "the sender, or a recipient it names, was not a member of the conversation at this point"},
        {"no-notice",
         "an outside party sent into a conversation before accepting the recording notice there (no acceptance of a "
         "known notice earlier in the log)"},
        {"unapproved-device",
         "a device registered for a user who already had an active device, which no device of that user approved "
         "(or an entry it signed)"},
        {"identity-reset",
         "a new first device of a user whose every earlier device was revoked or wiped: confirm with IT that the "
         "user lost them all"},
        {"device-entry-missing",
         "the signing device had more entries acknowledged before this one than the journal holds: one was removed "
         "or withheld"},
        {"device-chain-mismatch",
         "the signing device's chain over its earlier entries differs from the journal's: one was replaced, inserted "
         "or reordered"},
        {"missing-entry",
         "a receipt or mismatch report names a message the journal does not hold before it: removed or withheld"},
        {"history-rewritten",
         "the relay now serves another log up to the archive's last pull than it served then: entries were changed, "
         "removed or inserted"},
    };
    auto it = d.find(f);
    return it == d.end() ? "unknown fault" : it->second;
}

// ---- time ---------------------------------------------------------------------------------------

std::string isoTime(std::uint64_t ms) {
    std::time_t t = std::time_t(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::optional<std::uint64_t> parseTime(const std::string& text, bool endOfDay) {
    if (text.empty()) return std::nullopt;
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) && text.size() > 10)
        return std::stoull(text);
    std::tm tm{};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char tail[8] = {};
    bool dateOnly = false;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &s, tail) >= 6 ||
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%7s", &y, &mo, &d, &h, &mi, tail) >= 5) {
        if (tail[0] && std::strcmp(tail, "Z") != 0) return std::nullopt;
    } else if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3) {
        dateOnly = true;
    } else {
        return std::nullopt;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::uint64_t ms = std::uint64_t(timegm(&tm)) * 1000;
    if (dateOnly && endOfDay) ms += 86'400'000 - 1;
    return ms;
}

// ---- reports ------------------------------------------------------------------------------------

std::string VerifyReport::text() const {
    std::string out;
    out += "entries checked:      " + std::to_string(entries) + "\n";
    out += "entries decrypted:    " + std::to_string(opened) + "\n";
    out += "checkpoints checked:  " + std::to_string(checkpoints) + "\n";
    out += "head:                 " + std::to_string(headSequence) + " " + headChainHash + "\n";
    if (ok()) {
        out += "result:               OK: the chain, every checkpoint, signature and commitment verify\n";
        return out;
    }
    out += "result:               FAILED: " + std::to_string(problems.size()) + " problem(s)\n";
    if (entries == 0 && problems.empty()) out += "  the archive holds no entries\n";
    for (const auto& p : problems)
        out += "  seq " + std::to_string(p.sequence) + "  " + p.fault + ": " + p.detail + " (" +
               faultDescription(p.fault) + ")\n";
    return out;
}

std::string VerifyReport::json() const {
    std::string out = "{\"ok\":" + std::string(ok() ? "true" : "false") + ",\"entries\":" + std::to_string(entries) +
                      ",\"decrypted\":" + std::to_string(opened) + ",\"checkpoints\":" + std::to_string(checkpoints) +
                      ",\"head_sequence\":" + std::to_string(headSequence) + ",\"head_chain_hash\":\"" +
                      headChainHash + "\",\"problems\":[";
    for (std::size_t i = 0; i < problems.size(); ++i) {
        const auto& p = problems[i];
        out += (i ? "," : "") + std::string("{\"sequence\":") + std::to_string(p.sequence) +
               ",\"fault\":" + jsonQuote(p.fault) + ",\"detail\":" + jsonQuote(p.detail) +
               ",\"description\":" + jsonQuote(faultDescription(p.fault)) + "}";
    }
    return out + "]}";
}

// ---- implementation -----------------------------------------------------------------------------

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
        std::set<DeviceKey> touched;  ///< devices whose state changed since the last snapshot
    };
    /// One device's state after a batch (what the writer persists with that batch).
    struct DeviceSnapshot {
        DeviceKey key;
        DeviceReg reg;
        bool hasChain = false;
        DeviceChainState chain;
    };
    CheckState state;  // the pull's state, persisted in meta and the devices and device_state tables
    std::vector<DeviceSnapshot> snapshot(CheckState& st);
    Result<ConversationInfo> conversationInfo(const std::string& id);
    /// Judges the stored records (ContentJudge) and stores the verdict: the `forged-edit` and
    /// `not-a-member` problems and the conversations' participants.
    Result<void> judgeStored();
    Result<void> storeJudgement(ContentJudge::Outcome& outcome);

    Result<void> loadState();
    Result<void> saveHead(Database& d, std::uint64_t headSeq, const journal::ChainHash& head);
    /// Chain, signature and content checks of a batch of rows in log order (used by pull and verify).
    void check(std::vector<Decoded>& rows, std::vector<journal::Checkpoint> checkpoints, CheckState& st,
               std::vector<Problem>& chainProblems, std::uint64_t& checkpointCount, unsigned workers);
    void openOne(Decoded& d, const CheckState& st);
    /// A relay-signed record about devices (registration, approval, revocation, wipe), in log order.
    void deviceRecord(Decoded& d, CheckState& st);
    /// What an entry's own device vouches for: its approval and its chain (in log order).
    void deviceEntry(Decoded& d, CheckState& st);
    /// The first sequence at which the relay's log no longer matches the rows this archive pulled
    /// (0: it still continues them). Asks the relay for single rows.
    Result<std::uint64_t> firstRewritten(const PageSource& pages, std::string& detail);
    Result<void> store(std::vector<Decoded>& rows, const std::vector<std::string>& checkpoints,
                       const std::vector<Problem>& chainProblems, const BlobSource& blobs, PullStats& stats,
                       std::uint64_t headSeq, const journal::ChainHash& head,
                       const std::vector<DeviceSnapshot>& devices);
    Result<void> addProblem(std::uint64_t seq, const std::string& fault, const std::string& detail,
                            const char* origin);
};

Archive::Archive() : m(std::make_unique<Impl>()) {}
Archive::~Archive() = default;

Result<std::unique_ptr<Archive>> Archive::open(const std::string& path, std::vector<crypto::X25519Key> keys,
                                               bool create) {
    if (keys.empty()) return fail(ErrorCode::InvalidArgument, "no journal key given");
    auto priv = keys.front().privateKey();
    if (!priv) return tl::unexpected(priv.error());
    auto dbKey = crypto::hkdfSha256(*priv, view("verbatim-archive-v1"), view("archive database key"), 32);
    if (!dbKey) return tl::unexpected(dbKey.error());
    storage::OpenOptions opts;
    opts.create = create;
    auto db = Database::open(path, *dbKey, opts);
    if (!db) {
        if (db.error().code == ErrorCode::WrongKey)
            return fail(ErrorCode::WrongKey, "this archive was created with another journal key");
        if (!create) return fail(ErrorCode::NotFound, "cannot open the archive " + path + ": " + db.error().message);
        return tl::unexpected(db.error());
    }
    if (auto r = (*db)->migrate({kSchema, kSchemaV2, kSchemaV3}); !r) return tl::unexpected(r.error());
    // A million-entry archive inserts message ids (random keys) into a large index: keep its hot
    // pages decrypted in memory (128 MiB at most) instead of re-reading them for every page.
    if (auto r = (*db)->exec("PRAGMA cache_size = -131072"); !r) return tl::unexpected(r.error());
    std::unique_ptr<Archive> a(new Archive());
    a->m->db = std::move(*db);
    for (auto& k : keys) {
        a->m->keyIndex[journal::journalKeyId(k.publicKey())] = a->m->keys.size();
        a->m->keys.push_back(std::move(k));
    }
    if (auto r = a->m->loadState(); !r) return tl::unexpected(r.error());
    return a;
}

Result<void> Archive::Impl::loadState() {
    auto st = db->prepare("SELECT k, v FROM meta");
    if (!st) return tl::unexpected(st.error());
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        std::string k = st->columnText(0);
        Bytes v = st->columnBlob(1);
        if (k == "manifest") {
            auto mf = journal::FirmManifest::parse(v);
            if (!mf) return fail(ErrorCode::Malformed, "the archive's firm manifest is damaged");
            manifest = std::move(*mf);
        } else if (k == "head_seq") {
            state.headSeq = std::stoull(str(v));
        } else if (k == "head_hash" && v.size() == 32) {
            std::copy(v.begin(), v.end(), state.head.begin());
        } else if (k == "last_key_id" && v.size() == journal::kKeyIdSize) {
            std::copy(v.begin(), v.end(), state.lastKeyId.begin());
        } else if (k == "device_checks_from") {
            state.checksFrom = std::stoull(str(v));
        }
    }
    auto dv = db->prepare("SELECT user, device, identity_key, registered_seq, revoked_seq FROM devices");
    if (!dv) return tl::unexpected(dv.error());
    while (true) {
        auto row = dv->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        state.registry[{dv->columnText(0), std::uint32_t(dv->columnInt(1))}] =
            DeviceReg{dv->columnBlob(2), std::uint64_t(dv->columnInt(3)), std::uint64_t(dv->columnInt(4))};
    }
    auto ds = db->prepare("SELECT user, device, needs_approval, approved_seq, ended_seq, reported, chain, "
                          "chain_claimed, chain_base, chain_head, chain_ids FROM device_state");
    if (!ds) return tl::unexpected(ds.error());
    while (true) {
        auto row = ds->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        DeviceKey key{ds->columnText(0), std::uint32_t(ds->columnInt(1))};
        auto& reg = state.registry[key];
        reg.needsApproval = ds->columnInt(2) != 0;
        reg.approvedSeq = std::uint64_t(ds->columnInt(3));
        reg.endedSeq = std::uint64_t(ds->columnInt(4));
        reg.reported = ds->columnInt(5) != 0;
        if (!ds->columnInt(6)) continue;
        auto& c = state.chains[key];
        c.claimed = std::uint64_t(ds->columnInt(7));
        c.base = std::uint64_t(ds->columnInt(8));
        Bytes head = ds->columnBlob(9), ids = ds->columnBlob(10);
        if (head.size() != c.head.size() || ids.size() % journal::kMessageIdSize)
            return fail(ErrorCode::Malformed, "the archive's device state is damaged");
        std::copy(head.begin(), head.end(), c.head.begin());
        for (std::size_t i = 0; i < ids.size(); i += journal::kMessageIdSize) {
            auto& id = c.ids.emplace_back();
            std::copy_n(ids.begin() + std::ptrdiff_t(i), id.size(), id.begin());
        }
    }
    return {};
}

std::vector<Archive::Impl::DeviceSnapshot> Archive::Impl::snapshot(CheckState& st) {
    std::vector<DeviceSnapshot> out;
    out.reserve(st.touched.size());
    for (const auto& key : st.touched) {
        DeviceSnapshot s;
        s.key = key;
        if (auto r = st.registry.find(key); r != st.registry.end()) s.reg = r->second;
        if (auto c = st.chains.find(key); c != st.chains.end()) {
            s.hasChain = true;
            s.chain = c->second;
        }
        out.push_back(std::move(s));
    }
    st.touched.clear();
    return out;
}

Result<void> Archive::setManifest(ByteView bytes, std::string_view firmFingerprint) {
    auto mf = journal::FirmManifest::parse(bytes);
    if (!mf) return fail(ErrorCode::Malformed, "the firm manifest does not parse");
    if (auto v = mf->verify(firmFingerprint); !v) return tl::unexpected(v.error());
    if (m->manifest) {
        if (journal::firmFingerprint(m->manifest->rootPublicKey) != journal::firmFingerprint(mf->rootPublicKey))
            return fail(ErrorCode::AuthFailed, "this archive belongs to another firm (its root key differs)");
        if (mf->issuedMs < m->manifest->issuedMs) return {};  // never roll back
    }
    auto st = m->db->prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('manifest', ?)");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, bytes);
    if (auto r = st->run(); !r) return r;
    m->manifest = std::move(*mf);
    return {};
}

Result<void> Archive::Impl::addProblem(std::uint64_t seq, const std::string& fault, const std::string& detail,
                                       const char* origin) {
    auto st = db->cached("INSERT OR IGNORE INTO problems (seq, fault, detail, origin) VALUES (?, ?, ?, ?)");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(seq)).bind(2, std::string_view(fault)).bind(3, std::string_view(detail))
        .bind(4, std::string_view(origin));
    return st->run();
}

Result<void> Archive::Impl::saveHead(Database& d, std::uint64_t headSeq, const journal::ChainHash& head) {
    auto st = d.cached("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)");
    if (!st) return tl::unexpected(st.error());
    std::string seq = std::to_string(headSeq);
    st->bind(1, std::string_view("head_seq")).bind(2, view(seq));
    if (auto r = st->run(); !r) return r;
    st->bind(1, std::string_view("head_hash")).bind(2, ByteView(head.data(), head.size()));
    if (auto r = st->run(); !r) return r;
    st->bind(1, std::string_view("last_key_id")).bind(2, ByteView(state.lastKeyId.data(), state.lastKeyId.size()));
    return st->run();
}

// Opens one entry: registry lookup, signature, decryption, commitment. Thread-safe (reads only).
void Archive::Impl::openOne(Decoded& d, const CheckState& st) {
    auto problem = [&](const std::string& fault, std::string detail) {
        d.problems.push_back({d.seq, fault, std::move(detail)});
    };
    const auto& h = d.sealed.header;
    const std::string who = deviceName(h.senderUser, h.senderDevice);
    Bytes identity;
    if (h.senderUser == "relay" && h.senderDevice == 0) {
        identity = manifest->relayIdentityKey;
    } else {
        auto it = st.registry.find({h.senderUser, h.senderDevice});
        if (it == st.registry.end() || it->second.registeredSeq >= d.seq) {
            problem("unknown-device", "signed as " + who + ", which the relay had not registered at this point");
            return;
        }
        identity = it->second.identityKey;
        if (it->second.revokedSeq && it->second.revokedSeq < d.seq)
            problem("revoked-signer", "signed by " + who + " after its revocation at seq " +
                                          std::to_string(it->second.revokedSeq));
    }
    auto k = keyIndex.find(h.journalKeyId);
    if (k == keyIndex.end()) {
        if (!journal::verifyEntrySignature(d.sealed, identity))
            problem("bad-signature", "not signed by " + who);
        else
            problem("no-journal-key", "sealed to journal key " + toHex(ByteView(h.journalKeyId.data(), 8)) +
                                          "..., which was not given");
        return;
    }
    auto opened = journal::openEntry(d.sealed, keys[k->second], identity);
    if (!opened) {
        auto f = journal::Fault(opened.error().detail);
        std::string detail = opened.error().message;
        if (f == journal::Fault::BadSignature) detail = "not signed by " + who + ", the device it names";
        if (f == journal::Fault::CommitmentMismatch) detail = "sent by " + who + ": " + detail;
        problem(entryFaultId(f), detail);
        return;
    }
    d.record = std::move(opened->record);
    d.opened = true;
    if (d.record.type() == proto::ADMIN_ACTION && h.senderUser != "relay")
        problem("forged-admin-action", "an administrative record written by " + who);
}

void Archive::Impl::check(std::vector<Decoded>& rows, std::vector<journal::Checkpoint> checkpoints, CheckState& st,
                          std::vector<Problem>& chainProblems, std::uint64_t& checkpointCount, unsigned workers) {
    // 1. The chain over this batch, anchored on the previous head.
    std::vector<journal::ChainItem> items;
    items.reserve(rows.size());
    std::uint64_t last = st.headSeq;
    for (auto& r : rows) {
        journal::ChainItem it;
        it.sequence = r.seq;
        it.entry.assign(r.entry.begin(), r.entry.end());
        if (r.chainHash.size() == 32) {
            journal::ChainHash c;
            std::memcpy(c.data(), r.chainHash.data(), 32);
            it.chainHash = c;
        }
        items.push_back(std::move(it));
        last = std::max(last, r.seq);
    }
    std::erase_if(checkpoints, [&](const journal::Checkpoint& c) { return c.sequence <= st.headSeq || c.sequence > last; });
    auto report = journal::verifyChain(items, std::move(checkpoints), manifest->relayPublicKey, st.headSeq, st.head);
    checkpointCount += report.checkpointsChecked;
    // Entries swapped between two positions show as two altered entries; name them.
    std::map<std::uint64_t, const journal::ChainItem*> bySeq;
    for (auto& it : items) bySeq.emplace(it.sequence, &it);
    std::vector<std::uint64_t> altered;
    for (auto& p : report.problems)
        if (p.fault == journal::ChainFault::Altered) altered.push_back(p.sequence);
    std::map<std::uint64_t, std::uint64_t> belongs;
    if (altered.size() <= 256) {
        for (auto a : altered) {
            auto here = bySeq.find(a);
            auto before = bySeq.find(a - 1);
            journal::ChainHash prev = a - 1 == st.headSeq ? st.head : journal::ChainHash{};
            if (before != bySeq.end() && before->second->chainHash) prev = *before->second->chainHash;
            else if (a - 1 != st.headSeq) continue;
            if (here == bySeq.end() || !here->second->chainHash) continue;
            for (auto b : altered) {
                if (b == a) continue;
                auto other = bySeq.find(b);
                if (other != bySeq.end() && journal::nextChainHash(prev, a, other->second->entry) == *here->second->chainHash)
                    belongs[b] = a;
            }
        }
    }
    for (auto& p : report.problems) {
        if (p.fault == journal::ChainFault::Altered && belongs.count(p.sequence))
            chainProblems.push_back({p.sequence, "reordered",
                                     "the entry logged at seq " + std::to_string(p.sequence) + " is stored at seq " +
                                         std::to_string(belongs[p.sequence])});
        else if (p.fault == journal::ChainFault::Altered && std::any_of(belongs.begin(), belongs.end(), [&](auto& kv) {
                     return kv.second == p.sequence;
                 }))
            chainProblems.push_back({p.sequence, "reordered", "holds an entry logged at another sequence number"});
        else
            chainProblems.push_back({p.sequence, chainFaultId(p.fault), p.detail});
    }
    if (!rows.empty()) {
        st.head = report.head;
        st.headSeq = std::max(st.headSeq, last);
    }

    // 2. Parse; the relay's own entries first, in order: they register devices for the rest.
    std::vector<std::size_t> others;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto& d = rows[i];
        auto sealed = journal::SealedEntry::parse(view(d.entry));
        if (!sealed) {
            d.problems.push_back({d.seq, "malformed", "the entry does not parse: " + sealed.error().message});
            continue;
        }
        d.sealed = std::move(*sealed);
        d.parsed = true;
        d.entryHash = crypto::sha256(view(d.entry));
        if (d.sealed.header.senderUser != "relay") {
            others.push_back(i);
            continue;
        }
        openOne(d, st);
        if (!d.opened || d.record.type() != proto::ADMIN_ACTION) continue;
        auto body = parseFlatJsonObject(d.record.body());
        if (!body) continue;
        d.admin = std::move(*body);
        deviceRecord(d, st);
    }
    // 3. Everything else on all cores.
    parallelFor(others.size(), workers, [&](std::size_t i) { openOne(rows[others[i]], st); });
    // 4. What each entry's device vouches for, in log order.
    for (auto i : others) deviceEntry(rows[i], st);
}

namespace {
/// Whether `reg` counts as one of its user's devices now (in log order): registered, not revoked
/// or wiped, and the user's first device or approved.
bool activeDevice(const DeviceReg& reg) { return !reg.endedSeq && (!reg.needsApproval || reg.approvedSeq); }

std::optional<std::uint32_t> deviceNumber(const std::string& text) {
    if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    auto n = std::stoull(text);
    if (n > 0xFFFFFFFFull) return std::nullopt;
    return std::uint32_t(n);
}
}  // namespace

void Archive::Impl::deviceRecord(Decoded& d, CheckState& st) {
    auto& a = d.admin;
    const std::string& action = a["action"];
    if (action != "device-registered" && action != "device-approved" && action != "revoke-device" &&
        action != "wipe-device")
        return;
    auto dev = deviceNumber(a["device"]);
    if (!dev) return;
    const std::string& user = a["user"];
    const DeviceKey key{user, *dev};
    const std::string who = deviceName(user, *dev);
    auto unapproved = [&](DeviceReg& reg, std::uint64_t at, const std::string& why) {
        reg.reported = true;
        d.problems.push_back({at, "unapproved-device",
                              who + " was registered for " + user + ", who already had an active device, and no device of " +
                                  user + " approved it" + why});
    };
    if (action == "device-registered") {
        auto identity = fromHex(a["identity_key"]);
        if (!identity || identity->size() != 33) return;
        DeviceReg reg{*identity, d.seq, 0};
        if (d.seq > st.checksFrom) {
            // Issue 15 break 2: another device of a user who has an active one needs that user's
            // approval; a user none of whose devices is left starts again from a new first device.
            std::optional<std::uint32_t> active;
            bool earlier = false;
            for (auto it = st.registry.lower_bound({user, 0}); it != st.registry.end() && it->first.first == user; ++it) {
                earlier = true;
                if (activeDevice(it->second) && it->second.registeredSeq < d.seq) {
                    active = it->first.second;
                    break;
                }
            }
            if (active) {
                reg.needsApproval = true;
                // The relay recorded it active at once: only a relay that skips approvals does.
                if (a["pending"] != "1") unapproved(reg, d.seq, " (the relay recorded it as active at once)");
            } else if (earlier) {
                d.problems.push_back({d.seq, "identity-reset",
                                      who + " is a new first device of " + user +
                                          ": every earlier device of the user was revoked or wiped; confirm with IT "
                                          "that the user lost them all"});
            }
        }
        st.registry[key] = std::move(reg);
        st.touched.insert(key);
        return;
    }
    auto it = st.registry.find(key);
    if (it == st.registry.end()) return;
    auto& reg = it->second;
    if (action == "revoke-device" || action == "wipe-device") {
        if (action == "revoke-device" && !reg.revokedSeq) reg.revokedSeq = d.seq;
        if (!reg.endedSeq) reg.endedSeq = d.seq;
        st.touched.insert(key);
        return;
    }
    // device-approved: the approval must name this device and its key and verify under the key of
    // an active device of the same user.
    if (!reg.needsApproval || reg.approvedSeq || reg.endedSeq) return;
    std::string why;
    auto bytes = fromHex(a["approval"]);
    auto approval = bytes ? journal::DeviceApproval::parse(*bytes) : Result<journal::DeviceApproval>(tl::unexpected(bytes.error()));
    if (!approval) {
        why = "its approval does not parse";
    } else {
        auto approver = st.registry.find({user, approval->approver});
        if (approver == st.registry.end() || approver == it || approver->second.registeredSeq >= d.seq ||
            !activeDevice(approver->second))
            why = "its approval names " + deviceName(user, approval->approver) + ", which was not an active device of " +
                  user + " at this point";
        else if (!approval->verifies(user, *dev, reg.identityKey, approver->second.identityKey))
            why = "its approval does not verify under the key of " + deviceName(user, approval->approver) +
                  " for this device and its identity key";
    }
    if (why.empty()) {
        reg.approvedSeq = d.seq;
    } else {
        // The relay made the device active on an approval that does not hold.
        d.problems.push_back({d.seq, "unapproved-device", "the relay recorded " + who + " as approved, but " + why});
        if (!reg.reported) unapproved(reg, reg.registeredSeq, "");
    }
    st.touched.insert(key);
}

void Archive::Impl::deviceEntry(Decoded& d, CheckState& st) {
    if (!d.parsed) return;
    const auto& h = d.sealed.header;
    auto it = st.registry.find({h.senderUser, h.senderDevice});
    if (it == st.registry.end() || it->second.registeredSeq >= d.seq) return;  // unknown-device
    for (const auto& p : d.problems)
        if (p.fault == "bad-signature") return;  // not the device's entry
    const DeviceKey key{h.senderUser, h.senderDevice};
    const std::string who = deviceName(h.senderUser, h.senderDevice);
    auto& reg = it->second;
    if (reg.needsApproval && !(reg.approvedSeq && reg.approvedSeq < d.seq)) {
        d.problems.push_back({d.seq, "unapproved-device", "signed by " + who + ", a device no device of the user approved"});
        if (!reg.reported) {
            reg.reported = true;
            st.touched.insert(key);
            d.problems.push_back({reg.registeredSeq, "unapproved-device",
                                  who + " was registered for " + h.senderUser +
                                      ", who already had an active device, and no device of " + h.senderUser +
                                      " approved it"});
        }
    }
    if (h.version < 2) return;  // header version 1 carries no device chain

    // Issue 15 break 3: the device's own chain.
    const std::uint64_t claimed = h.deviceAcked;
    auto c = st.chains.find(key);
    if (c == st.chains.end()) {
        c = st.chains.emplace(key, DeviceChainState{}).first;
        if (reg.registeredSeq <= st.checksFrom) {
            // Pulled before the device checks: its chain so far is not in the archive's state.
            c->second.claimed = c->second.base = claimed;
            c->second.head = h.deviceHead;
        }
    }
    auto& chain = c->second;
    st.touched.insert(key);
    const std::uint64_t held = chain.base + chain.ids.size();
    auto fold = [](std::uint64_t count, const crypto::Hash256& head, const std::array<std::uint8_t, 16>& id) {
        return journal::DeviceChain{count, head}.next(ByteView(id.data(), id.size())).head;
    };
    if (claimed < chain.claimed) {
        d.problems.push_back({d.seq, "device-chain-mismatch",
                              who + " claims " + std::to_string(claimed) + " acknowledged entries, fewer than the " +
                                  std::to_string(chain.claimed) +
                                  " an earlier entry of this device claimed: its entries were replaced or reordered"});
    } else if (claimed > held) {
        d.problems.push_back({d.seq, "device-entry-missing",
                              who + " had " + std::to_string(claimed) + " entries acknowledged before this one; the journal holds " +
                                  std::to_string(held) + ": an entry of this device was removed or withheld"});
        // From here on the device's own claim is the reference.
        chain.claimed = chain.base = claimed;
        chain.head = h.deviceHead;
        chain.ids.clear();
    } else if (claimed < chain.base) {
        // More entries in flight than a device ever has: only the empty chain can still be checked.
        if (claimed == 0 && h.deviceHead != crypto::Hash256{})
            d.problems.push_back({d.seq, "device-chain-mismatch",
                                  who + " claims no acknowledged entry but a chain over some"});
        chain.claimed = claimed;
    } else {
        crypto::Hash256 head = chain.head;
        const std::size_t covered = std::size_t(claimed - chain.base);
        for (std::size_t i = 0; i < covered; ++i) head = fold(chain.base + i, head, chain.ids[i]);
        if (head != h.deviceHead) {
            d.problems.push_back({d.seq, "device-chain-mismatch",
                                  who + "'s chain over its first " + std::to_string(claimed) +
                                      " acknowledged entries differs from the journal's first " + std::to_string(claimed) +
                                      " entries of this device: an entry was replaced, inserted or reordered"});
            head = h.deviceHead;
        }
        chain.ids.erase(chain.ids.begin(), chain.ids.begin() + std::ptrdiff_t(covered));
        chain.claimed = chain.base = claimed;
        chain.head = head;
    }
    chain.ids.push_back(h.messageId);
    while (chain.ids.size() > kDeviceWindow) {
        chain.head = fold(chain.base, chain.head, chain.ids.front());
        ++chain.base;
        chain.ids.pop_front();
    }
}

Result<void> Archive::Impl::store(std::vector<Decoded>& rows, const std::vector<std::string>& checkpoints,
                                  const std::vector<Problem>& chainProblems, const BlobSource& blobs,
                                  PullStats& stats, std::uint64_t headSeq, const journal::ChainHash& head,
                                  const std::vector<DeviceSnapshot>& devices) {
    storage::Transaction tx(*db);
    if (auto r = tx.begin(); !r) return r;
    for (auto& c : checkpoints) {
        auto st = db->cached("INSERT OR IGNORE INTO checkpoints (seq, data) VALUES (?, ?)");
        if (!st) return tl::unexpected(st.error());
        auto parsed = journal::Checkpoint::parse(view(c));
        st->bind(1, std::int64_t(parsed ? parsed->sequence : 0)).bind(2, view(c));
        if (auto r = st->run(); !r) return r;
    }
    for (auto& p : chainProblems)
        if (auto r = addProblem(p.sequence, p.fault, p.detail, "pull"); !r) return r;
    struct PendingBlob {
        std::uint64_t seq;
        int idx;
        proto::AttachmentRef ref;
    };
    std::vector<PendingBlob> pending;
    for (auto& d : rows) {
        auto e = db->cached("INSERT OR IGNORE INTO entries (seq, entry, chain_hash, server_time_ms) VALUES (?, ?, ?, ?)");
        if (!e) return tl::unexpected(e.error());
        e->bind(1, std::int64_t(d.seq)).bind(2, view(d.entry)).bind(3, view(d.chainHash))
            .bind(4, std::int64_t(d.serverTimeMs));
        if (auto r = e->run(); !r) return r;
        if (db->changes() == 0) continue;  // a row served twice: the first copy stays
        ++stats.entries;
        for (auto& p : d.problems)
            if (auto r = addProblem(p.sequence, p.fault, p.detail, "pull"); !r) return r;
        if (!d.opened) {
            // Receipts may name it (missing-entry looks here as well as in records).
            if (!d.parsed) continue;
            auto u = db->cached("INSERT OR IGNORE INTO unopened_ids (message_id, seq) VALUES (?, ?)");
            if (!u) return tl::unexpected(u.error());
            u->bind(1, ByteView(d.sealed.header.messageId.data(), d.sealed.header.messageId.size()))
                .bind(2, std::int64_t(d.seq));
            if (auto r = u->run(); !r) return r;
            continue;
        }
        const auto& rec = d.record;
        const auto& h = d.sealed.header;
        if (h.journalKeyId != state.lastKeyId) {
            if (state.lastKeyId != std::array<std::uint8_t, journal::kKeyIdSize>{}) {
                auto a = db->cached("INSERT OR IGNORE INTO admin_actions (seq, actor, action, target, detail) "
                                    "VALUES (?, 'firm', 'journal-key-changed', ?, ?)");
                if (!a) return tl::unexpected(a.error());
                std::string to = toHex(ByteView(h.journalKeyId.data(), h.journalKeyId.size()));
                std::string from = "from " + toHex(ByteView(state.lastKeyId.data(), state.lastKeyId.size()));
                a->bind(1, std::int64_t(d.seq)).bind(2, std::string_view(to)).bind(3, std::string_view(from));
                if (auto r = a->run(); !r) return r;
            }
            state.lastKeyId = h.journalKeyId;
        }
        std::string recipients;
        std::set<std::string> seen;
        for (const auto& rc : rec.recipients())
            if (seen.insert(rc.user()).second) recipients += (recipients.empty() ? "" : " ") + rc.user();
        std::string attachments;
        if (rec.attachments_size()) {
            proto::AttachmentList list;
            *list.mutable_items() = rec.attachments();
            attachments = list.SerializeAsString();
        }
        auto ins = db->cached(
            "INSERT OR IGNORE INTO records (seq, message_id, conversation, user, device, recipients, type, time_ms, "
            "server_time_ms, body, ref, attachments, entry_hash, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!ins) return tl::unexpected(ins.error());
        ins->bind(1, std::int64_t(d.seq)).bind(2, view(rec.message_id())).bind(3, std::string_view(rec.conversation_id()))
            .bind(4, std::string_view(rec.sender().user())).bind(5, std::int64_t(rec.sender().device()))
            .bind(6, std::string_view(recipients)).bind(7, std::int64_t(rec.type()))
            .bind(8, std::int64_t(rec.client_time_ms())).bind(9, std::int64_t(d.serverTimeMs)).bind(10, view(rec.body()));
        if (rec.ref_message_id().empty()) ins->bindNull(11);
        else ins->bind(11, view(rec.ref_message_id()));
        if (attachments.empty()) ins->bindNull(12);
        else ins->bind(12, view(attachments));
        ins->bind(13, ByteView(d.entryHash.data(), d.entryHash.size()))
            .bind(14, ByteView(h.journalKeyId.data(), h.journalKeyId.size()));
        if (auto r = ins->run(); !r) return r;
        if (db->changes() == 0) {
            auto first = db->cached("SELECT seq FROM records WHERE message_id = ?");
            if (!first) return tl::unexpected(first.error());
            first->bind(1, view(rec.message_id()));
            auto row = first->step();
            std::string earlier = row && *row ? std::to_string(first->columnInt(0)) : "?";
            if (auto r = addProblem(d.seq, "replayed-message-id",
                                    "message id " + hexOf(rec.message_id()) + " was already logged at seq " + earlier,
                                    "pull");
                !r)
                return r;
            continue;
        }
        // The full-text index: message text, attachment captions and names, edited text.
        std::string text;
        if (rec.type() == proto::TEXT || rec.type() == proto::EDIT || rec.type() == proto::ATTACHMENT) text = rec.body();
        for (const auto& a : rec.attachments()) text += " " + a.file_name();
        if (!text.empty()) {
            auto f = db->cached("INSERT INTO records_fts (rowid, body) VALUES (?, ?)");
            if (!f) return tl::unexpected(f.error());
            f->bind(1, std::int64_t(d.seq)).bind(2, std::string_view(text));
            if (auto r = f->run(); !r) return r;
        }
        for (int i = 0; i < rec.attachments_size(); ++i) pending.push_back({d.seq, i, rec.attachments(i)});
        if (auto what = countersigns(rec); !what.empty()) {
            // Issue 15 break 3: what a recipient's device signed that it received is in the journal.
            bool held = false;
            for (const char* sql : {"SELECT 1 FROM records WHERE message_id = ? AND seq < ?",
                                    "SELECT 1 FROM unopened_ids WHERE message_id = ? AND seq < ?"}) {
                auto q = db->cached(sql);
                if (!q) return tl::unexpected(q.error());
                q->bind(1, view(rec.ref_message_id())).bind(2, std::int64_t(d.seq));
                auto row = q->step();
                if (!row) return tl::unexpected(row.error());
                if ((held = *row)) break;
            }
            if (!held)
                if (auto r = addProblem(d.seq, "missing-entry", missingEntryDetail(rec, what), "pull"); !r) return r;
        }
        if (rec.type() == proto::MISMATCH_REPORT) {
            auto q = db->cached("SELECT seq FROM records WHERE message_id = ?");
            if (!q) return tl::unexpected(q.error());
            q->bind(1, view(rec.ref_message_id()));
            auto row = q->step();
            std::uint64_t target = row && *row ? std::uint64_t(q->columnInt(0)) : d.seq;
            if (auto r = addProblem(target, "mismatch-report",
                                    deviceName(rec.sender().user(), rec.sender().device()) +
                                        " reported (seq " + std::to_string(d.seq) + ") that message " +
                                        hexOf(rec.ref_message_id()) + " differs from what its sender journaled",
                                    "pull");
                !r)
                return r;
        }
        if (d.admin.empty()) continue;
        auto& a = d.admin;
        std::string conversation = a["action"] == "invite-redeemed" ? a["conversation"] : std::string();
        auto ad = db->cached("INSERT OR IGNORE INTO admin_actions (seq, actor, action, target, detail, conversation, "
                             "members) VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!ad) return tl::unexpected(ad.error());
        ad->bind(1, std::int64_t(d.seq)).bind(2, std::string_view(a["actor"])).bind(3, std::string_view(a["action"]))
            .bind(4, std::string_view(a["target"])).bind(5, std::string_view(a["detail"]));
        if (conversation.empty()) ad->bindNull(6);
        else ad->bind(6, std::string_view(conversation));
        if (a["members"].empty()) ad->bindNull(7);
        else ad->bind(7, std::string_view(a["members"]));
        if (auto r = ad->run(); !r) return r;
        const std::string& action = a["action"];
        if (action == "enroll-user" || action == "invite-redeemed") {
            auto u = db->cached("INSERT INTO users (id, name, role) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                                "name = excluded.name, role = excluded.role");
            if (!u) return tl::unexpected(u.error());
            u->bind(1, std::string_view(a["target"])).bind(2, std::string_view(a["name"]))
                .bind(3, std::string_view(a["role"]));
            if (auto r = u->run(); !r) return r;
        } else if (action == "conversation-created") {
            auto c = db->cached("INSERT OR IGNORE INTO conversations (id, title, matter, created_seq) VALUES (?, ?, ?, ?)");
            if (!c) return tl::unexpected(c.error());
            c->bind(1, std::string_view(a["target"])).bind(2, std::string_view(a["title"].empty() ? a["detail"] : a["title"]))
                .bind(3, std::int64_t(a["matter"] != "false")).bind(4, std::int64_t(d.seq));
            if (auto r = c->run(); !r) return r;
        } else if (action == "device-registered") {
            auto key = fromHex(a["identity_key"]);
            if (!key) continue;
            auto dv = db->cached("INSERT OR REPLACE INTO devices (user, device, identity_key, platform, app_version, "
                                 "registered_seq, registered_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
            if (!dv) return tl::unexpected(dv.error());
            dv->bind(1, std::string_view(a["user"])).bind(2, std::int64_t(std::stoll("0" + a["device"])))
                .bind(3, ByteView(*key)).bind(4, std::string_view(a["platform"]))
                .bind(5, std::string_view(a["app_version"])).bind(6, std::int64_t(d.seq))
                .bind(7, std::int64_t(d.serverTimeMs));
            if (auto r = dv->run(); !r) return r;
        } else if (action == "revoke-device") {
            auto dv = db->cached("UPDATE devices SET revoked_seq = ?, revoked_ms = ? WHERE user = ? AND device = ? "
                                 "AND revoked_seq = 0");
            if (!dv) return tl::unexpected(dv.error());
            dv->bind(1, std::int64_t(d.seq)).bind(2, std::int64_t(d.serverTimeMs)).bind(3, std::string_view(a["user"]))
                .bind(4, std::int64_t(std::stoll("0" + a["device"])));
            if (auto r = dv->run(); !r) return r;
        }
    }
    for (const auto& dev : devices) {
        auto st = db->cached("INSERT OR REPLACE INTO device_state (user, device, needs_approval, approved_seq, ended_seq, "
                             "reported, chain, chain_claimed, chain_base, chain_head, chain_ids) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, std::string_view(dev.key.first)).bind(2, std::int64_t(dev.key.second))
            .bind(3, std::int64_t(dev.reg.needsApproval)).bind(4, std::int64_t(dev.reg.approvedSeq))
            .bind(5, std::int64_t(dev.reg.endedSeq)).bind(6, std::int64_t(dev.reg.reported))
            .bind(7, std::int64_t(dev.hasChain)).bind(8, std::int64_t(dev.chain.claimed))
            .bind(9, std::int64_t(dev.chain.base)).bind(10, ByteView(dev.chain.head.data(), dev.chain.head.size()));
        Bytes ids;
        ids.reserve(dev.chain.ids.size() * journal::kMessageIdSize);
        for (const auto& id : dev.chain.ids) ids.insert(ids.end(), id.begin(), id.end());
        st->bind(11, ByteView(ids));
        if (auto r = st->run(); !r) return r;
    }
    if (auto r = saveHead(*db, headSeq, head); !r) return r;
    if (auto r = tx.commit(); !r) return r;

    // Attachments: fetched after the rows are safe, each checked against its committed digest.
    for (auto& p : pending) {
        std::string problem;
        SecureBytes plain;
        auto blob = blobs ? blobs(toHex(view(p.ref.blob_id())), p.ref.size() + 64)
                          : Result<std::string>(fail(ErrorCode::NotFound, "no blob source"));
        if (!blob) {
            problem = "attachment-unavailable";
            (void)addProblem(p.seq, problem, "attachment " + std::to_string(p.idx) + ": " + blob.error().message, "pull");
        } else {
            auto opened = journal::openAttachment(view(p.ref.key()), view(p.ref.digest()), view(*blob));
            if (!opened) {
                problem = "attachment-mismatch";
                (void)addProblem(p.seq, problem, "attachment " + std::to_string(p.idx) + ": " + opened.error().message,
                                 "pull");
            } else {
                plain = std::move(*opened);
                ++stats.attachments;
            }
        }
        auto st = db->cached("INSERT OR REPLACE INTO attachments (seq, idx, file_name, mime, size, data, problem) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, std::int64_t(p.seq)).bind(2, std::int64_t(p.idx)).bind(3, std::string_view(p.ref.file_name()))
            .bind(4, std::string_view(p.ref.mime_type())).bind(5, std::int64_t(p.ref.size()));
        if (problem.empty()) st->bind(6, ByteView(plain.data(), plain.size())).bindNull(7);
        else st->bindNull(6).bind(7, std::string_view(problem));
        if (auto r = st->run(); !r) return r;
    }
    return {};
}

Result<std::uint64_t> Archive::Impl::firstRewritten(const PageSource& pages, std::string& detail) {
    struct Row {
        bool present = false;
        std::string entry, chainHash;
        std::uint64_t relayHead = 0;
    };
    // Row `seq` as the relay serves it now (with the retries of a page fetch).
    auto relayRow = [&](std::uint64_t seq) -> Result<Row> {
        auto bytes = pages(seq - 1, 1);
        for (int attempt = 1; !bytes && attempt <= 6 && bytes.error().code == ErrorCode::Storage; ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
            bytes = pages(seq - 1, 1);
        }
        if (!bytes) return tl::unexpected(bytes.error());
        proto::JournalPage page;
        if (!page.ParseFromString(*bytes)) return fail(ErrorCode::Malformed, "the relay sent a journal page that does not parse");
        Row out;
        out.relayHead = page.head_sequence();
        if (page.rows_size() == 0) return out;
        const auto& r = page.rows(0);
        if (r.sequence() < seq) return fail(ErrorCode::Malformed, "the relay's journal page goes backwards");
        if (r.sequence() > seq) return out;  // the relay no longer has it
        out.present = true;
        out.entry = r.entry();
        out.chainHash = r.chain_hash();
        return out;
    };
    // The row as this archive pulled it.
    auto storedRow = [&](std::uint64_t seq) -> Result<Row> {
        auto q = db->cached("SELECT entry, chain_hash FROM entries WHERE seq = ?");
        if (!q) return tl::unexpected(q.error());
        q->bind(1, std::int64_t(seq));
        auto row = q->step();
        if (!row) return tl::unexpected(row.error());
        Row out;
        if (*row) {
            out.present = true;
            out.entry = str(q->columnBlob(0));
            out.chainHash = str(q->columnBlob(1));
        }
        return out;
    };
    const std::uint64_t head = state.headSeq;
    auto last = relayRow(head);
    if (!last) return tl::unexpected(last.error());
    auto mine = storedRow(head);
    if (!mine) return tl::unexpected(mine.error());
    const std::string ours = toHex(ByteView(state.head.data(), state.head.size()));
    if (last->present && last->chainHash == mine->chainHash) {
        if (last->entry == mine->entry) return 0;
        detail = "the relay now serves another entry at seq " + std::to_string(head) +
                 ", the last one this archive pulled (its chain hash unchanged)";
        return head;
    }
    // Chain hashes cover everything before them: the first row whose hash differs is the first
    // one rewritten. Binary search between the genesis and the archive's head.
    std::uint64_t lo = 1, hi = head;  // hi differs; every row below lo matches
    Row firstRelay = *last, firstMine = *mine;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        auto r = relayRow(mid);
        if (!r) return tl::unexpected(r.error());
        auto s = storedRow(mid);
        if (!s) return tl::unexpected(s.error());
        if (r->present != s->present || (r->present && r->chainHash != s->chainHash)) {
            hi = mid;
            firstRelay = *r;
            firstMine = *s;
        } else {
            lo = mid + 1;
        }
    }
    std::string what;
    if (!firstRelay.present)
        what = "the relay no longer serves the entry at seq " + std::to_string(hi) + " (its log ends at " +
               std::to_string(firstRelay.relayHead) + " or skips it)";
    else if (firstRelay.entry != firstMine.entry)
        what = "the relay now serves another entry at seq " + std::to_string(hi);
    else
        what = "the relay now serves the entry at seq " + std::to_string(hi) + " with another chain hash";
    // The relay's own signed statement of the history it now contradicts, when the archive has one.
    std::string signedBefore;
    {
        auto c = db->cached("SELECT data FROM checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT 1");
        if (!c) return tl::unexpected(c.error());
        c->bind(1, std::int64_t(hi)).bind(2, std::int64_t(head));
        auto row = c->step();
        if (!row) return tl::unexpected(row.error());
        if (*row)
            if (auto cp = journal::Checkpoint::parse(c->columnBlob(0));
                cp && journal::verifyCheckpoint(*cp, manifest->relayPublicKey))
                signedBefore = "; the archive keeps the relay's signed checkpoint " + std::to_string(cp->sequence) +
                               " (chain hash " + toHex(ByteView(cp->chainHash.data(), 8)) + "...) for the history it pulled";
    }
    detail = what + ", which this archive pulled and verified before (its head: seq " + std::to_string(head) +
             ", chain hash " + ours.substr(0, 16) + "...)" + signedBefore +
             ": the relay rewrote the log's history; nothing more is pulled from it";
    return hi;
}

Result<void> Archive::Impl::judgeStored() {
    ContentJudge judge;
    {
        auto a = db->prepare("SELECT seq, actor, action, target, coalesce(conversation, ''), coalesce(members, '') "
                             "FROM admin_actions WHERE action IN ('conversation-created', 'invite-created', "
                             "'invite-redeemed')");
        if (!a) return tl::unexpected(a.error());
        while (true) {
            auto row = a->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            judge.admin(std::uint64_t(a->columnInt(0)), a->columnText(2), a->columnText(1), a->columnText(3),
                        a->columnText(4), a->columnText(5));
        }
    }
    std::unordered_set<std::uint64_t> revoked;  // entries signed after their device's revocation, or unapproved
    {
        auto p = db->prepare("SELECT seq FROM problems WHERE fault IN ('revoked-signer', 'unapproved-device')");
        if (!p) return tl::unexpected(p.error());
        while (true) {
            auto row = p->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            revoked.insert(std::uint64_t(p->columnInt(0)));
        }
    }
    auto st = db->prepare("SELECT seq, message_id, conversation, user, device, recipients, type, ref, "
                          "CASE WHEN type = ? THEN body END FROM records WHERE user != 'relay' ORDER BY seq");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(proto::NOTICE_ACCEPTED));
    std::vector<std::string> recipients;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        const auto seq = std::uint64_t(st->columnInt(0));
        recipients.clear();
        const std::string list = st->columnText(5);
        for (std::size_t i = 0; i < list.size();) {
            auto j = list.find(' ', i);
            if (j == std::string::npos) j = list.size();
            if (j > i) recipients.push_back(list.substr(i, j - i));
            i = j + 1;
        }
        judge.record(seq, str(st->columnBlob(1)), st->columnText(2), st->columnText(3),
                     std::uint32_t(st->columnInt(4)), int(st->columnInt(6)), str(st->columnBlob(7)), recipients,
                     !revoked.count(seq));
        if (st->columnInt(6) == proto::NOTICE_ACCEPTED) judge.notice(seq, knownNoticeBody(str(st->columnBlob(8))));
    }
    auto outcome = judge.finish();
    return storeJudgement(outcome);
}

Result<void> Archive::Impl::storeJudgement(ContentJudge::Outcome& outcome) {
    const bool own = !db->inTransaction();
    storage::Transaction tx(*db);
    if (own)
        if (auto r = tx.begin(); !r) return r;
    if (auto r = db->exec("DELETE FROM problems WHERE origin = 'content'"); !r) return r;
    for (auto& p : outcome.problems)
        if (auto r = addProblem(p.sequence, p.fault, p.detail, "content"); !r) return r;
    if (auto r = db->exec("DELETE FROM members"); !r) return r;
    auto st = db->cached("INSERT OR IGNORE INTO members (conversation, user) VALUES (?, ?)");
    if (!st) return tl::unexpected(st.error());
    for (auto& [conv, users] : outcome.participants)
        for (auto& u : users) {
            st->bind(1, std::string_view(conv)).bind(2, std::string_view(u));
            if (auto r = st->run(); !r) return r;
        }
    if (own)
        if (auto r = tx.commit(); !r) return r;
    return {};
}

Result<PullStats> Archive::pull(const PageSource& pages, const BlobSource& blobs, const Progress& progress,
                                unsigned workers) {
    if (!m->manifest) return fail(ErrorCode::InvalidArgument, "the archive has no firm manifest yet");
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    const auto started = std::chrono::steady_clock::now();
    PullStats stats;
    std::size_t problemsBefore = 0;
    if (auto p = problems()) problemsBefore = p->size();

    // Three stages: the fetcher asks for the next page while this thread checks and decrypts the
    // current one on every core and the writer stores the one before.
    struct Batch {
        std::vector<Decoded> rows;
        std::vector<std::string> checkpoints;
        std::vector<Problem> chainProblems;
        std::uint64_t head = 0;
        // The checks' state after this batch, which the writer stores with it.
        std::uint64_t headSeq = 0;
        journal::ChainHash headHash{};
        std::vector<Impl::DeviceSnapshot> devices;
    };
    // Issue 15 break 3: only a continuation of the chain this archive already holds is accepted.
    // A relay that now serves other rows up to the archive's head (an entry changed, removed or
    // inserted, the chain recomputed and the checkpoints signed again) is reported by the first
    // sequence that differs, and nothing more is pulled from it.
    if (m->state.headSeq) {
        std::string detail;
        auto rewritten = m->firstRewritten(pages, detail);
        if (!rewritten) return tl::unexpected(rewritten.error());
        if (*rewritten) {
            if (auto r = m->addProblem(*rewritten, "history-rewritten", detail, "pull"); !r) return tl::unexpected(r.error());
            stats.headSequence = m->state.headSeq;
            stats.rewrittenAt = *rewritten;
            if (auto p = problems()) stats.newProblems = p->size() - std::min(p->size(), problemsBefore);
            stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            return stats;
        }
    }
    Channel<proto::JournalPage> fetched(3);
    Channel<Batch> checked(2);
    std::optional<Error> fetchError, storeError;
    std::atomic<bool> stopping{false};
    std::thread fetcher([&] {
        std::uint64_t after = m->state.headSeq;
        while (!stopping) {
            auto bytes = pages(after, 1000);
            // A dropped connection is retried (the client reconnects by itself); a refusal is not.
            for (int attempt = 1; !bytes && attempt <= 6 && !stopping && bytes.error().code == ErrorCode::Storage;
                 ++attempt) {
                std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
                bytes = pages(after, 1000);
            }
            proto::JournalPage page;
            if (!bytes) {
                fetchError = bytes.error();
                break;
            }
            if (!page.ParseFromString(*bytes)) {
                fetchError = Error{ErrorCode::Malformed, "the relay sent a journal page that does not parse"};
                break;
            }
            bool last = page.rows_size() == 0 || page.rows(page.rows_size() - 1).sequence() >= page.head_sequence();
            if (page.rows_size()) {
                std::uint64_t next = page.rows(page.rows_size() - 1).sequence();
                if (next <= after) {
                    fetchError = Error{ErrorCode::Malformed, "the relay's journal page goes backwards"};
                    break;
                }
                after = next;
            }
            if (!fetched.push(std::move(page))) break;
            if (last) break;
        }
        fetched.close();
    });
    std::thread writer([&] {
        while (auto batch = checked.pop()) {
            if (storeError) continue;
            const auto storeStart = std::chrono::steady_clock::now();
            auto stored = m->store(batch->rows, batch->checkpoints, batch->chainProblems, blobs, stats, batch->headSeq,
                                   batch->headHash, batch->devices);
            stats.storeSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - storeStart).count();
            if (auto& r = stored; !r) {
                storeError = r.error();
                stopping = true;
                continue;
            }
            if (progress) progress(stats.entries, batch->head);
        }
    });
    std::uint64_t cpCount = 0;
    std::uint64_t truncatedAt = 0;
    for (auto waitStart = std::chrono::steady_clock::now();; waitStart = std::chrono::steady_clock::now()) {
        auto page = fetched.pop();
        const auto checkStart = std::chrono::steady_clock::now();
        stats.waitSeconds += std::chrono::duration<double>(checkStart - waitStart).count();
        if (!page) break;
        if (storeError) continue;
        Batch batch;
        batch.head = page->head_sequence();
        batch.rows.reserve(std::size_t(page->rows_size()));
        for (auto& r : *page->mutable_rows()) {
            Decoded d;
            d.seq = r.sequence();
            d.serverTimeMs = r.server_time_ms();
            d.entry = std::move(*r.mutable_entry());
            d.chainHash = std::move(*r.mutable_chain_hash());
            batch.rows.push_back(std::move(d));
        }
        std::vector<journal::Checkpoint> cps;
        std::uint64_t lastRow = batch.rows.empty() ? m->state.headSeq : batch.rows.back().seq;
        for (auto& c : page->checkpoints()) {
            auto cp = journal::Checkpoint::parse(view(c));
            if (!cp) {
                batch.chainProblems.push_back({lastRow, "bad-checkpoint-signature", "a checkpoint does not parse"});
                continue;
            }
            // A signed checkpoint beyond the head the relay claims: entries were cut off the log.
            if (cp->sequence > page->head_sequence() && journal::verifyCheckpoint(*cp, m->manifest->relayPublicKey))
                truncatedAt = std::max(truncatedAt, cp->sequence);
            if (cp->sequence > lastRow) continue;  // kept when the rows it covers arrive
            batch.checkpoints.push_back(c);
            cps.push_back(std::move(*cp));
        }
        m->check(batch.rows, std::move(cps), m->state, batch.chainProblems, cpCount, workers);
        batch.headSeq = m->state.headSeq;
        batch.headHash = m->state.head;
        batch.devices = m->snapshot(m->state);
        stats.checkSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - checkStart).count();
        if (!checked.push(std::move(batch))) break;
    }
    checked.close();
    writer.join();
    stopping = true;
    fetched.close();
    fetcher.join();
    if (storeError) {
        // The checks ran ahead of what was stored: start the next pull from the stored state.
        m->state = {};
        (void)m->loadState();
        return tl::unexpected(*storeError);
    }
    // What the new entries change in the content checks (an edit's message may have arrived now,
    // a member may now be known): judged again over everything stored.
    if (stats.entries)
        if (auto r = m->judgeStored(); !r) return tl::unexpected(r.error());
    if (truncatedAt)
        (void)m->addProblem(m->state.headSeq + 1, "truncated",
                            "the relay's signed checkpoint " + std::to_string(truncatedAt) +
                                " covers entries it no longer serves",
                            "pull");
    if (fetchError) return tl::unexpected(*fetchError);
    stats.headSequence = m->state.headSeq;
    if (auto p = problems()) stats.newProblems = p->size() - std::min(p->size(), problemsBefore);
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return stats;
}

Result<VerifyReport> Archive::verify(unsigned workers) {
    if (!m->manifest) return fail(ErrorCode::InvalidArgument, "the archive has no firm manifest: pull first");
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    VerifyReport report;
    Impl::CheckState st;
    std::vector<Problem> found;
    std::unordered_map<std::string, std::uint64_t> messageIds;
    std::unordered_set<std::string> unopenedIds;  // header message ids of entries not opened
    std::vector<std::pair<std::string, Problem>> reports;  // referenced message id -> report
    ContentJudge judge;
    std::vector<std::string> recipients;
    std::uint64_t last = 0;
    constexpr int kChunk = 4000;
    while (true) {
        std::vector<Decoded> rows;
        {
            auto q = m->db->prepare("SELECT seq, entry, chain_hash, server_time_ms FROM entries WHERE seq > ? "
                                    "ORDER BY seq LIMIT ?");
            if (!q) return tl::unexpected(q.error());
            q->bind(1, std::int64_t(last)).bind(2, std::int64_t(kChunk));
            while (true) {
                auto row = q->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) break;
                Decoded d;
                d.seq = std::uint64_t(q->columnInt(0));
                d.entry = str(q->columnBlob(1));
                d.chainHash = str(q->columnBlob(2));
                d.serverTimeMs = std::uint64_t(q->columnInt(3));
                rows.push_back(std::move(d));
            }
        }
        if (rows.empty()) break;
        std::vector<journal::Checkpoint> cps;
        auto c = m->db->prepare("SELECT data FROM checkpoints WHERE seq > ? AND seq <= ?");
        if (!c) return tl::unexpected(c.error());
        c->bind(1, std::int64_t(last)).bind(2, std::int64_t(rows.back().seq));
        while (true) {
            auto row = c->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            auto cp = journal::Checkpoint::parse(c->columnBlob(0));
            if (cp) cps.push_back(std::move(*cp));
            else found.push_back({0, "bad-checkpoint-signature", "a stored checkpoint does not parse"});
        }
        last = rows.back().seq;
        m->check(rows, std::move(cps), st, found, report.checkpoints, workers);
        for (auto& d : rows) {
            ++report.entries;
            found.insert(found.end(), d.problems.begin(), d.problems.end());
            if (!d.opened) {
                if (d.parsed)
                    unopenedIds.emplace(reinterpret_cast<const char*>(d.sealed.header.messageId.data()),
                                        d.sealed.header.messageId.size());
                continue;
            }
            ++report.opened;
            if (auto what = countersigns(d.record);
                !what.empty() && !messageIds.count(d.record.ref_message_id()) &&
                !unopenedIds.count(d.record.ref_message_id()))
                found.push_back({d.seq, "missing-entry", missingEntryDetail(d.record, what)});
            auto [it, fresh] = messageIds.emplace(d.record.message_id(), d.seq);
            if (!fresh)
                found.push_back({d.seq, "replayed-message-id",
                                 "message id " + hexOf(d.record.message_id()) + " was already logged at seq " +
                                     std::to_string(it->second)});
            else if (d.sealed.header.senderUser == "relay") {
                if (!d.admin.empty())
                    judge.admin(d.seq, d.admin["action"], d.admin["actor"], d.admin["target"],
                                d.admin["action"] == "invite-redeemed" ? d.admin["conversation"] : std::string(),
                                d.admin["members"]);
            } else {
                // As the pull stores them: each user once.
                recipients.clear();
                for (const auto& rc : d.record.recipients())
                    if (std::find(recipients.begin(), recipients.end(), rc.user()) == recipients.end())
                        recipients.push_back(rc.user());
                const bool trusted = std::none_of(d.problems.begin(), d.problems.end(), [&](const Problem& p) {
                    return p.sequence == d.seq && (p.fault == "revoked-signer" || p.fault == "unapproved-device");
                });
                judge.record(d.seq, d.record.message_id(), d.record.conversation_id(), d.record.sender().user(),
                             d.record.sender().device(), int(d.record.type()), d.record.ref_message_id(),
                             recipients, trusted);
                if (d.record.type() == proto::NOTICE_ACCEPTED) judge.notice(d.seq, knownNoticeBody(d.record.body()));
            }
            if (d.record.type() == proto::MISMATCH_REPORT)
                reports.push_back({d.record.ref_message_id(),
                                   {d.seq, "mismatch-report",
                                    deviceName(d.record.sender().user(), d.record.sender().device()) +
                                        " reported (seq " + std::to_string(d.seq) + ") that message " +
                                        hexOf(d.record.ref_message_id()) + " differs from what its sender journaled"}});
        }
    }
    for (auto& [id, p] : reports) {
        auto it = messageIds.find(id);
        if (it != messageIds.end()) p.sequence = it->second;
        found.push_back(p);
    }
    // A signed checkpoint beyond the last entry: the log was cut short.
    {
        auto c = m->db->prepare("SELECT data FROM checkpoints WHERE seq > ? ORDER BY seq DESC LIMIT 1");
        if (!c) return tl::unexpected(c.error());
        c->bind(1, std::int64_t(last));
        auto row = c->step();
        if (!row) return tl::unexpected(row.error());
        if (*row) {
            auto cp = journal::Checkpoint::parse(c->columnBlob(0));
            if (cp && journal::verifyCheckpoint(*cp, m->manifest->relayPublicKey))
                found.push_back({last + 1, "truncated",
                                 "signed checkpoint " + std::to_string(cp->sequence) +
                                     " covers entries the archive does not hold"});
        }
    }
    report.headSequence = st.headSeq;
    report.headChainHash = toHex(ByteView(st.head.data(), st.head.size()));

    // What only the pull could see (rows served twice or out of order, attachments) stays on record.
    storage::Transaction tx(*m->db);
    if (auto r = tx.begin(); !r) return tl::unexpected(r.error());
    if (auto r = m->db->exec("DELETE FROM problems WHERE origin = 'verify'"); !r) return tl::unexpected(r.error());
    for (auto& p : found)
        if (auto r = m->addProblem(p.sequence, p.fault, p.detail, "verify"); !r) return tl::unexpected(r.error());
    auto judged = judge.finish();
    if (auto r = m->storeJudgement(judged); !r) return tl::unexpected(r.error());
    if (auto r = tx.commit(); !r) return tl::unexpected(r.error());
    auto all = problems();
    if (!all) return tl::unexpected(all.error());
    report.problems = std::move(*all);
    return report;
}

Result<std::vector<Problem>> Archive::problems() {
    auto st = m->db->prepare("SELECT seq, fault, detail FROM problems ORDER BY seq, fault");
    if (!st) return tl::unexpected(st.error());
    std::vector<Problem> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        out.push_back({std::uint64_t(st->columnInt(0)), st->columnText(1), st->columnText(2)});
    }
    return out;
}

Result<std::pair<std::uint64_t, std::uint64_t>> Archive::size() {
    auto st = m->db->prepare("SELECT count(*), coalesce(max(seq), 0) FROM entries");
    if (!st) return tl::unexpected(st.error());
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    return std::pair<std::uint64_t, std::uint64_t>{std::uint64_t(st->columnInt(0)), std::uint64_t(st->columnInt(1))};
}

// ---- browsing -----------------------------------------------------------------------------------

Result<std::vector<Participant>> Archive::participants() {
    auto st = m->db->prepare(
        "SELECT id, name, role FROM users UNION SELECT DISTINCT user, '', '' FROM records WHERE user NOT IN "
        "(SELECT id FROM users) AND user != 'relay' ORDER BY 1");
    if (!st) return tl::unexpected(st.error());
    std::vector<Participant> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        out.push_back({st->columnText(0), st->columnText(1), st->columnText(2)});
    }
    return out;
}

Result<ConversationInfo> Archive::Impl::conversationInfo(const std::string& id) {
    ConversationInfo c;
    c.id = id;
    auto st = db->prepare("SELECT title, matter FROM conversations WHERE id = ?");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(id));
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (*row) {
        c.title = st->columnText(0);
        c.matter = st->columnInt(1) != 0;
    }
    auto n = db->prepare("SELECT count(*) FROM records WHERE conversation = ?");
    if (!n) return tl::unexpected(n.error());
    n->bind(1, std::string_view(id));
    if (auto r = n->step(); !r) return tl::unexpected(r.error());
    c.events = std::uint64_t(n->columnInt(0));
    auto mb = db->prepare("SELECT user FROM members WHERE conversation = ? ORDER BY user");
    if (!mb) return tl::unexpected(mb.error());
    mb->bind(1, std::string_view(id));
    while (true) {
        auto r = mb->step();
        if (!r) return tl::unexpected(r.error());
        if (!*r) break;
        c.participants.push_back(mb->columnText(0));
    }
    return c;
}

Result<std::vector<ConversationInfo>> Archive::conversations() {
    // Every conversation that has a member (so at least one record), first seen first.
    auto st = m->db->prepare(
        "SELECT m.conversation, (SELECT min(seq) FROM records r WHERE r.conversation = m.conversation) AS first "
        "FROM (SELECT DISTINCT conversation FROM members) m ORDER BY first");
    if (!st) return tl::unexpected(st.error());
    std::vector<std::string> ids;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        ids.push_back(st->columnText(0));
    }
    std::vector<ConversationInfo> out;
    for (auto& id : ids) {
        auto c = m->conversationInfo(id);
        if (!c) return tl::unexpected(c.error());
        out.push_back(std::move(*c));
    }
    return out;
}

Result<ConversationInfo> Archive::conversation(const std::string& idOrTitle) {
    auto id = resolveConversation(idOrTitle);
    if (!id) return tl::unexpected(id.error());
    return m->conversationInfo(*id);
}

Result<std::string> Archive::resolveConversation(const std::string& idOrTitle) {
    if (idOrTitle.empty()) return fail(ErrorCode::InvalidArgument, "no conversation named");
    auto exact = m->db->prepare("SELECT id FROM conversations WHERE id = ?1 OR title = ?1 "
                                "UNION SELECT conversation FROM members WHERE conversation = ?1 LIMIT 2");
    if (!exact) return tl::unexpected(exact.error());
    exact->bind(1, std::string_view(idOrTitle));
    std::vector<std::string> found;
    while (true) {
        auto row = exact->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        found.push_back(exact->columnText(0));
    }
    if (found.size() == 1) return found[0];
    if (found.size() > 1) return fail(ErrorCode::InvalidArgument, "\"" + idOrTitle + "\" names several conversations");
    // A unique prefix of a title or id.
    auto prefix = m->db->prepare("SELECT id FROM conversations WHERE substr(title, 1, length(?1)) = ?1 "
                                 "OR substr(id, 1, length(?1)) = ?1 LIMIT 2");
    if (!prefix) return tl::unexpected(prefix.error());
    prefix->bind(1, std::string_view(idOrTitle));
    while (true) {
        auto row = prefix->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        found.push_back(prefix->columnText(0));
    }
    if (found.size() > 1) return fail(ErrorCode::InvalidArgument, "\"" + idOrTitle + "\" names several conversations");
    if (found.empty()) return fail(ErrorCode::NotFound, "no conversation \"" + idOrTitle + "\" in the archive");
    return found[0];
}

Result<std::vector<TimelineEvent>> Archive::timeline(const std::string& conversation, std::uint64_t fromMs,
                                                     std::uint64_t toMs) {
    // Faults by sequence, for the verification status of each event.
    std::map<std::uint64_t, std::string> faults;
    {
        auto p = m->db->prepare("SELECT seq, group_concat(fault, ',') FROM problems GROUP BY seq");
        if (!p) return tl::unexpected(p.error());
        while (true) {
            auto row = p->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            faults[std::uint64_t(p->columnInt(0))] = p->columnText(1);
        }
    }
    std::vector<TimelineEvent> out;
    std::unordered_map<std::string, std::size_t> byId;
    auto status = [&](std::uint64_t seq) {
        auto it = faults.find(seq);
        return it == faults.end() ? std::string("verified") : it->second;
    };
    auto hasFault = [&](std::uint64_t seq, std::string_view fault) {
        auto it = faults.find(seq);
        if (it == faults.end()) return false;
        const std::string& list = it->second;
        for (std::size_t i = 0; i <= list.size();) {
            auto j = std::min(list.find(',', i), list.size());
            if (std::string_view(list).substr(i, j - i) == fault) return true;
            i = j + 1;
        }
        return false;
    };
    // Joins come from the relay's log of redeemed invites.
    struct Join {
        std::uint64_t seq, ms;
        std::string user, entryHash;
    };
    std::vector<Join> joins;
    {
        auto j = m->db->prepare("SELECT a.seq, e.server_time_ms, a.target, r.entry_hash FROM admin_actions a "
                                "JOIN entries e ON e.seq = a.seq LEFT JOIN records r ON r.seq = a.seq "
                                "WHERE a.conversation = ? AND a.action = 'invite-redeemed' ORDER BY a.seq");
        if (!j) return tl::unexpected(j.error());
        j->bind(1, std::string_view(conversation));
        while (true) {
            auto row = j->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            joins.push_back({std::uint64_t(j->columnInt(0)), std::uint64_t(j->columnInt(1)), j->columnText(2),
                             toHex(j->columnBlob(3))});
        }
    }
    std::size_t nextJoin = 0;
    auto flushJoins = [&](std::uint64_t beforeSeq) {
        for (; nextJoin < joins.size() && joins[nextJoin].seq < beforeSeq; ++nextJoin) {
            const auto& jn = joins[nextJoin];
            if ((fromMs && jn.ms < fromMs) || (toMs && jn.ms > toMs)) continue;
            TimelineEvent ev;
            ev.kind = TimelineEvent::Kind::Join;
            ev.sequence = jn.seq;
            ev.conversation = conversation;
            ev.user = jn.user;
            ev.timeMs = ev.serverTimeMs = jn.ms;
            ev.body = "joined by invite";
            ev.entryHash = jn.entryHash;
            ev.verification = status(jn.seq);
            out.push_back(std::move(ev));
        }
    };
    auto st = m->db->prepare("SELECT r.seq, r.message_id, r.user, r.device, r.type, r.time_ms, r.server_time_ms, "
                             "r.body, r.ref, r.attachments, r.entry_hash FROM records r WHERE r.conversation = ? "
                             "ORDER BY r.seq");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(conversation));
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        const auto seq = std::uint64_t(st->columnInt(0));
        flushJoins(seq);
        const std::string id = str(st->columnBlob(1));
        const std::string user = st->columnText(2);
        const auto device = std::uint32_t(st->columnInt(3));
        const auto type = proto::MessageType(st->columnInt(4));
        const auto timeMs = std::uint64_t(st->columnInt(5));
        const auto serverMs = std::uint64_t(st->columnInt(6));
        const std::string body = str(st->columnBlob(7));
        const std::string ref = str(st->columnBlob(8));
        auto target = [&]() -> TimelineEvent* {
            auto it = byId.find(ref);
            return it == byId.end() ? nullptr : &out[it->second];
        };
        const bool inRange = !(fromMs && serverMs < fromMs) && !(toMs && serverMs > toMs);
        // A change compliance does not apply: kept beside the message, whose status names it.
        auto refused = [&](TimelineEvent& t, const char* kind, const std::string& fault) {
            t.refused.push_back({seq, kind, user, device, serverMs, body, fault});
            if (t.verification == "verified") t.verification = fault;
            else if (("," + t.verification + ",").find("," + fault + ",") == std::string::npos) t.verification += "," + fault;
        };
        // Only the author edits or retracts (as recipients apply it); nobody outside the
        // conversation changes anything in it.
        auto refusal = [&](const TimelineEvent& t, bool authorOnly) -> std::string {
            if (authorOnly && user != t.user) return "forged-edit";
            if (hasFault(seq, "not-a-member")) return "not-a-member";
            return {};
        };
        switch (type) {
        case proto::EDIT:
            if (auto* t = target()) {
                if (auto f = refusal(*t, true); !f.empty()) {
                    refused(*t, "edit", f);
                    continue;
                }
                t->edits.push_back({seq, user, serverMs, t->body, body});
                t->body = body;
            }
            continue;
        case proto::RETRACT:
            if (auto* t = target()) {
                if (auto f = refusal(*t, true); !f.empty()) {
                    refused(*t, "retract", f);
                    continue;
                }
                t->deleted = true;
                t->deletedBy = user;
                t->deletedMs = serverMs;
                t->deletedSequence = seq;
            }
            continue;
        case proto::REACTION:
            if (auto* t = target()) {
                if (auto f = refusal(*t, false); !f.empty()) refused(*t, "reaction", f);
                else t->reactions.push_back({user, body, serverMs});
            }
            continue;
        case proto::RECEIPT:
            if (auto* t = target()) {
                if (auto f = refusal(*t, false); !f.empty()) refused(*t, "receipt", f);
                else t->receipts.push_back({user, body, serverMs});
            }
            continue;
        default: break;
        }
        if (!inRange) continue;
        TimelineEvent ev;
        ev.sequence = seq;
        ev.messageId = hexOf(id);
        ev.conversation = conversation;
        ev.user = user;
        ev.device = device;
        ev.timeMs = timeMs;
        ev.serverTimeMs = serverMs;
        ev.body = ev.originalBody = body;
        ev.entryHash = toHex(st->columnBlob(10));
        ev.verification = status(seq);
        switch (type) {
        case proto::TEXT:
        case proto::ATTACHMENT: ev.kind = TimelineEvent::Kind::Message; break;
        case proto::NOTICE_ACCEPTED: ev.kind = TimelineEvent::Kind::Notice; break;
        case proto::SAFETY_NUMBER_ACCEPTED: ev.kind = TimelineEvent::Kind::SafetyNumber; break;
        case proto::MISMATCH_REPORT: ev.kind = TimelineEvent::Kind::MismatchReport; break;
        default: continue;  // membership and other system records are not timeline events
        }
        if (!st->columnIsNull(9)) {
            proto::AttachmentList list;
            Bytes b = st->columnBlob(9);
            list.ParseFromArray(b.data(), int(b.size()));
            for (int i = 0; i < list.items_size(); ++i)
                ev.attachments.push_back({std::size_t(i), list.items(i).file_name(), list.items(i).mime_type(),
                                          list.items(i).size(), false, {}});
            auto a = m->db->prepare("SELECT idx, data IS NOT NULL, coalesce(problem, '') FROM attachments WHERE seq = ?");
            if (!a) return tl::unexpected(a.error());
            a->bind(1, std::int64_t(seq));
            while (true) {
                auto ar = a->step();
                if (!ar) return tl::unexpected(ar.error());
                if (!*ar) break;
                auto idx = std::size_t(a->columnInt(0));
                if (idx < ev.attachments.size()) {
                    ev.attachments[idx].available = a->columnInt(1) != 0;
                    ev.attachments[idx].problem = a->columnText(2);
                }
            }
        }
        byId[id] = out.size();
        out.push_back(std::move(ev));
    }
    flushJoins(~std::uint64_t(0));
    std::stable_sort(out.begin(), out.end(),
                     [](const TimelineEvent& a, const TimelineEvent& b) { return a.sequence < b.sequence; });
    return out;
}

Result<std::vector<SearchHit>> Archive::search(const SearchQuery& q) {
    // The text is in the search language (SearchParser.h); FTS5 sees only the expression built
    // from its parse tree, never what was typed.
    auto parsed = parseSearch(q.text);
    if (!parsed) return tl::unexpected(parsed.error());
    std::string conv;
    if (!q.matter.empty()) {
        auto c = resolveConversation(q.matter);
        if (!c) return tl::unexpected(c.error());
        conv = *c;
    }
    // Retractions and edits count only from the author, in the message's conversation, by a member
    // (as the timeline applies them). `o` is the message an edit refers to. The unary + keeps the
    // planner on records_ref (a conversation holds far more entries than one message's changes).
    std::string sql =
        "SELECT r.seq, r.message_id, r.conversation, coalesce(c.title, ''), r.user, r.server_time_ms, r.body, r.type, "
        "r.ref, EXISTS (SELECT 1 FROM records x WHERE x.ref = coalesce(r.ref, r.message_id) AND x.type = 4 "
        "AND +x.user = (CASE WHEN r.ref IS NULL THEN r.user ELSE o.user END) "
        "AND +x.conversation = (CASE WHEN r.ref IS NULL THEN r.conversation ELSE o.conversation END) "
        "AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.seq = x.seq AND p.fault = 'not-a-member')), "
        "EXISTS (SELECT 1 FROM records x WHERE x.ref = r.message_id AND x.type = 3 AND +x.user = r.user "
        "AND +x.conversation = r.conversation "
        "AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.seq = x.seq AND p.fault = 'not-a-member')), "
        "coalesce(o.user, ''), "
        "EXISTS (SELECT 1 FROM problems p WHERE p.seq = r.seq AND p.fault = 'not-a-member') "
        "FROM records_fts f JOIN records r ON r.seq = f.rowid LEFT JOIN records o ON o.message_id = r.ref "
        "LEFT JOIN conversations c ON c.id = r.conversation "
        "WHERE records_fts MATCH ?1";
    if (!conv.empty()) sql += " AND r.conversation = ?2";
    if (!q.participant.empty())
        sql += " AND (r.user = ?3 OR (' ' || r.recipients || ' ') LIKE ('% ' || ?3 || ' %'))";
    if (q.fromMs) sql += " AND r.server_time_ms >= ?4";
    if (q.toMs) sql += " AND r.server_time_ms <= ?5";
    sql += " ORDER BY f.rowid DESC LIMIT ?6";
    auto st = m->db->prepare(sql);
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(parsed->fts5));
    if (!conv.empty()) st->bind(2, std::string_view(conv));
    if (!q.participant.empty()) st->bind(3, std::string_view(q.participant));
    if (q.fromMs) st->bind(4, std::int64_t(q.fromMs));
    if (q.toMs) st->bind(5, std::int64_t(q.toMs));
    st->bind(6, std::int64_t(q.limit ? q.limit : 100));
    std::vector<SearchHit> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        SearchHit h;
        h.sequence = std::uint64_t(st->columnInt(0));
        const auto type = proto::MessageType(st->columnInt(7));
        h.messageId = hexOf(str(type == proto::EDIT ? st->columnBlob(8) : st->columnBlob(1)));
        h.conversation = st->columnText(2);
        h.conversationTitle = st->columnText(3);
        h.user = st->columnText(4);
        h.serverTimeMs = std::uint64_t(st->columnInt(5));
        h.text = str(st->columnBlob(6));
        const std::string author = st->columnText(11);
        if (st->columnInt(12)) h.status = "not-a-member";
        else if (type == proto::EDIT && !author.empty() && author != h.user) h.status = "forged-edit";
        else if (st->columnInt(9)) h.status = "deleted";
        else if (type == proto::EDIT) h.status = "edit";
        else if (st->columnInt(10)) h.status = "edited";
        out.push_back(std::move(h));
    }
    return out;
}

Result<SecureBytes> Archive::attachment(std::uint64_t sequence, std::size_t index) {
    auto st = m->db->prepare("SELECT data, coalesce(problem, '') FROM attachments WHERE seq = ? AND idx = ?");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(sequence)).bind(2, std::int64_t(index));
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return fail(ErrorCode::NotFound, "no such attachment");
    if (st->columnIsNull(0)) return fail(ErrorCode::NotFound, "attachment not available: " + st->columnText(1));
    Bytes b = st->columnBlob(0);
    SecureBytes out(b.begin(), b.end());
    std::fill(b.begin(), b.end(), 0);
    return out;
}

Result<std::vector<AuditLine>> Archive::auditTrail() {
    auto st = m->db->prepare(
        "SELECT a.seq, coalesce(e.server_time_ms, 0), a.actor, a.action, a.target, a.detail FROM admin_actions a "
        "LEFT JOIN entries e ON e.seq = a.seq "
        "UNION ALL SELECT r.seq, r.server_time_ms, r.user || '/' || r.device, "
        "CASE r.type WHEN 3 THEN 'edit' WHEN 4 THEN 'retract' WHEN 8 THEN 'notice-accepted' "
        "WHEN 9 THEN 'mismatch-report' WHEN 11 THEN 'safety-number-accepted' END, "
        "r.conversation, lower(hex(coalesce(r.ref, r.message_id))) FROM records r WHERE r.type IN (3, 4, 8, 9, 11) "
        "ORDER BY 1");
    if (!st) return tl::unexpected(st.error());
    std::vector<AuditLine> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        out.push_back({std::uint64_t(st->columnInt(0)), std::uint64_t(st->columnInt(1)), st->columnText(2),
                       st->columnText(3), st->columnText(4), st->columnText(5)});
    }
    return out;
}

}  // namespace verbatim::compliance
