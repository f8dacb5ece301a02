/// @file ArchiveIngest.cpp
/// pull(): pages from the relay through the checks to the writer (a pipeline over a bounded channel), the history-rewritten probe, attachments, and judging the stored records.
#include "common/Concurrency.h"
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "journal/AttachmentBlob.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"
#include "verbatim.pb.h"
#include "wire.pb.h"

namespace verbatim::compliance {

using storage::Database;

Result<void> Archive::Impl::store(std::vector<Decoded>& rows,
                                  const std::vector<std::string>& checkpoints,
                                  const std::vector<Problem>& chainProblems,
                                  const BlobSource& blobs, PullStats& stats, std::uint64_t headSeq,
                                  const journal::ChainHash& head,
                                  const std::vector<DeviceSnapshot>& devices) {
    storage::Transaction tx(*db);
    if (auto r = tx.begin(); !r) return r;
    for (auto& c : checkpoints) {
        VERBATIM_TRY_LET(st,
                         db->cached("INSERT OR IGNORE INTO checkpoints (seq, data) VALUES (?, ?)"));
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
        VERBATIM_TRY_LET(e, db->cached("INSERT OR IGNORE INTO entries (seq, entry, chain_hash, "
                                       "server_time_ms) VALUES (?, ?, ?, ?)"));
        e->bind(1, std::int64_t(d.seq))
            .bind(2, view(d.entry))
            .bind(3, view(d.chainHash))
            .bind(4, std::int64_t(d.serverTimeMs));
        if (auto r = e->run(); !r) return r;
        if (db->changes() == 0) continue; // a row served twice: the first copy stays
        ++stats.entries;
        for (auto& p : d.problems)
            if (auto r = addProblem(p.sequence, p.fault, p.detail, "pull"); !r) return r;
        if (!d.opened) {
            // Receipts may name it (missing-entry looks here as well as in records).
            if (!d.parsed) continue;
            VERBATIM_TRY_LET(
                u,
                db->cached("INSERT OR IGNORE INTO unopened_ids (message_id, seq) VALUES (?, ?)"));
            u->bind(1, ByteView(d.sealed.header.messageId.data(), d.sealed.header.messageId.size()))
                .bind(2, std::int64_t(d.seq));
            if (auto r = u->run(); !r) return r;
            continue;
        }
        const auto& rec = d.record;
        const auto& h = d.sealed.header;
        if (h.journalKeyId != state.lastKeyId) {
            if (state.lastKeyId != std::array<std::uint8_t, journal::kKeyIdSize>{}) {
                auto a = db->cached(
                    "INSERT OR IGNORE INTO admin_actions (seq, actor, action, target, detail) "
                    "VALUES (?, 'firm', 'journal-key-changed', ?, ?)");
                if (!a) return tl::unexpected(a.error());
                std::string to = toHex(ByteView(h.journalKeyId.data(), h.journalKeyId.size()));
                std::string from =
                    "from " + toHex(ByteView(state.lastKeyId.data(), state.lastKeyId.size()));
                a->bind(1, std::int64_t(d.seq))
                    .bind(2, std::string_view(to))
                    .bind(3, std::string_view(from));
                if (auto r = a->run(); !r) return r;
            }
            state.lastKeyId = h.journalKeyId;
        }
        std::string recipients;
        std::set<std::string> seen;
        for (const auto& rc : rec.recipients())
            if (seen.insert(rc.user()).second)
                recipients += (recipients.empty() ? "" : " ") + rc.user();
        std::string attachments;
        if (rec.attachments_size()) {
            proto::AttachmentList list;
            *list.mutable_items() = rec.attachments();
            attachments = list.SerializeAsString();
        }
        auto ins = db->cached("INSERT OR IGNORE INTO records (seq, message_id, conversation, user, "
                              "device, recipients, type, time_ms, "
                              "server_time_ms, body, ref, attachments, entry_hash, key_id) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!ins) return tl::unexpected(ins.error());
        ins->bind(1, std::int64_t(d.seq))
            .bind(2, view(rec.message_id()))
            .bind(3, std::string_view(rec.conversation_id()))
            .bind(4, std::string_view(rec.sender().user()))
            .bind(5, std::int64_t(rec.sender().device()))
            .bind(6, std::string_view(recipients))
            .bind(7, std::int64_t(rec.type()))
            .bind(8, std::int64_t(rec.client_time_ms()))
            .bind(9, std::int64_t(d.serverTimeMs))
            .bind(10, view(rec.body()));
        if (rec.ref_message_id().empty())
            ins->bindNull(11);
        else
            ins->bind(11, view(rec.ref_message_id()));
        if (attachments.empty())
            ins->bindNull(12);
        else
            ins->bind(12, view(attachments));
        ins->bind(13, ByteView(d.entryHash.data(), d.entryHash.size()))
            .bind(14, ByteView(h.journalKeyId.data(), h.journalKeyId.size()));
        if (auto r = ins->run(); !r) return r;
        if (db->changes() == 0) {
            VERBATIM_TRY_LET(first, db->cached("SELECT seq FROM records WHERE message_id = ?"));
            first->bind(1, view(rec.message_id()));
            auto row = first->step();
            std::string earlier = row && *row ? std::to_string(first->columnInt(0)) : "?";
            if (auto r = addProblem(d.seq, "replayed-message-id",
                                    "message id " + hexOf(rec.message_id()) +
                                        " was already logged at seq " + earlier,
                                    "pull");
                !r)
                return r;
            continue;
        }
        // The full-text index: message text, attachment captions and names, edited text.
        std::string text;
        if (rec.type() == proto::TEXT || rec.type() == proto::EDIT ||
            rec.type() == proto::ATTACHMENT)
            text = rec.body();
        for (const auto& a : rec.attachments())
            text += " " + a.file_name();
        if (!text.empty()) {
            VERBATIM_TRY_LET(f, db->cached("INSERT INTO records_fts (rowid, body) VALUES (?, ?)"));
            f->bind(1, std::int64_t(d.seq)).bind(2, std::string_view(text));
            if (auto r = f->run(); !r) return r;
        }
        for (int i = 0; i < rec.attachments_size(); ++i)
            pending.push_back({d.seq, i, rec.attachments(i)});
        if (auto what = countersigns(rec); !what.empty()) {
            // Issue 15 break 3: what a recipient's device signed that it received is in the journal.
            bool held = false;
            for (const char* sql :
                 {"SELECT 1 FROM records WHERE message_id = ? AND seq < ?",
                  "SELECT 1 FROM unopened_ids WHERE message_id = ? AND seq < ?"}) {
                VERBATIM_TRY_LET(q, db->cached(sql));
                q->bind(1, view(rec.ref_message_id())).bind(2, std::int64_t(d.seq));
                VERBATIM_TRY_LET(row, q->step());
                if ((held = *row)) break;
            }
            if (!held)
                if (auto r =
                        addProblem(d.seq, "missing-entry", missingEntryDetail(rec, what), "pull");
                    !r)
                    return r;
        }
        if (rec.type() == proto::MISMATCH_REPORT) {
            VERBATIM_TRY_LET(q, db->cached("SELECT seq FROM records WHERE message_id = ?"));
            q->bind(1, view(rec.ref_message_id()));
            auto row = q->step();
            std::uint64_t target = row && *row ? std::uint64_t(q->columnInt(0)) : d.seq;
            if (auto r = addProblem(target, "mismatch-report",
                                    deviceName(rec.sender().user(), rec.sender().device()) +
                                        " reported (seq " + std::to_string(d.seq) +
                                        ") that message " + hexOf(rec.ref_message_id()) +
                                        " differs from what its sender journaled",
                                    "pull");
                !r)
                return r;
        }
        if (d.admin.empty()) continue;
        auto& a = d.admin;
        std::string conversation =
            a["action"] == "invite-redeemed" ? a["conversation"] : std::string();
        auto ad = db->cached("INSERT OR IGNORE INTO admin_actions (seq, actor, action, target, "
                             "detail, conversation, "
                             "members) VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!ad) return tl::unexpected(ad.error());
        ad->bind(1, std::int64_t(d.seq))
            .bind(2, std::string_view(a["actor"]))
            .bind(3, std::string_view(a["action"]))
            .bind(4, std::string_view(a["target"]))
            .bind(5, std::string_view(a["detail"]));
        if (conversation.empty())
            ad->bindNull(6);
        else
            ad->bind(6, std::string_view(conversation));
        if (a["members"].empty())
            ad->bindNull(7);
        else
            ad->bind(7, std::string_view(a["members"]));
        if (auto r = ad->run(); !r) return r;
        const std::string& action = a["action"];
        if (action == "enroll-user" || action == "invite-redeemed") {
            auto u = db->cached("INSERT INTO users (id, name, role) VALUES (?, ?, ?) ON CONFLICT "
                                "(id) DO UPDATE SET "
                                "name = excluded.name, role = excluded.role");
            if (!u) return tl::unexpected(u.error());
            u->bind(1, std::string_view(a["target"]))
                .bind(2, std::string_view(a["name"]))
                .bind(3, std::string_view(a["role"]));
            if (auto r = u->run(); !r) return r;
        } else if (action == "conversation-created") {
            VERBATIM_TRY_LET(c, db->cached("INSERT OR IGNORE INTO conversations (id, title, "
                                           "matter, created_seq) VALUES (?, ?, ?, ?)"));
            c->bind(1, std::string_view(a["target"]))
                .bind(2, std::string_view(a["title"].empty() ? a["detail"] : a["title"]))
                .bind(3, std::int64_t(a["matter"] != "false"))
                .bind(4, std::int64_t(d.seq));
            if (auto r = c->run(); !r) return r;
        } else if (action == "device-registered") {
            auto key = fromHex(a["identity_key"]);
            if (!key) continue;
            auto dv = db->cached("INSERT OR REPLACE INTO devices (user, device, identity_key, "
                                 "platform, app_version, "
                                 "registered_seq, registered_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
            if (!dv) return tl::unexpected(dv.error());
            dv->bind(1, std::string_view(a["user"]))
                .bind(2, std::int64_t(std::stoll("0" + a["device"])))
                .bind(3, ByteView(*key))
                .bind(4, std::string_view(a["platform"]))
                .bind(5, std::string_view(a["app_version"]))
                .bind(6, std::int64_t(d.seq))
                .bind(7, std::int64_t(d.serverTimeMs));
            if (auto r = dv->run(); !r) return r;
        } else if (action == "revoke-device") {
            auto dv = db->cached(
                "UPDATE devices SET revoked_seq = ?, revoked_ms = ? WHERE user = ? AND device = ? "
                "AND revoked_seq = 0");
            if (!dv) return tl::unexpected(dv.error());
            dv->bind(1, std::int64_t(d.seq))
                .bind(2, std::int64_t(d.serverTimeMs))
                .bind(3, std::string_view(a["user"]))
                .bind(4, std::int64_t(std::stoll("0" + a["device"])));
            if (auto r = dv->run(); !r) return r;
        }
    }
    for (const auto& dev : devices) {
        auto st = db->cached("INSERT OR REPLACE INTO device_state (user, device, needs_approval, "
                             "approved_seq, ended_seq, "
                             "reported, chain, chain_claimed, chain_base, chain_head, chain_ids) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, std::string_view(dev.key.first))
            .bind(2, std::int64_t(dev.key.second))
            .bind(3, std::int64_t(dev.reg.needsApproval))
            .bind(4, std::int64_t(dev.reg.approvedSeq))
            .bind(5, std::int64_t(dev.reg.endedSeq))
            .bind(6, std::int64_t(dev.reg.reported))
            .bind(7, std::int64_t(dev.hasChain))
            .bind(8, std::int64_t(dev.chain.claimed))
            .bind(9, std::int64_t(dev.chain.base))
            .bind(10, ByteView(dev.chain.head.data(), dev.chain.head.size()));
        Bytes ids;
        ids.reserve(dev.chain.ids.size() * journal::kMessageIdSize);
        for (const auto& id : dev.chain.ids)
            ids.insert(ids.end(), id.begin(), id.end());
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
            (void)addProblem(p.seq, problem,
                             "attachment " + std::to_string(p.idx) + ": " + blob.error().message,
                             "pull");
        } else {
            auto opened =
                journal::openAttachment(view(p.ref.key()), view(p.ref.digest()), view(*blob));
            if (!opened) {
                problem = "attachment-mismatch";
                (void)addProblem(
                    p.seq, problem,
                    "attachment " + std::to_string(p.idx) + ": " + opened.error().message, "pull");
            } else {
                plain = std::move(*opened);
                ++stats.attachments;
            }
        }
        auto st = db->cached(
            "INSERT OR REPLACE INTO attachments (seq, idx, file_name, mime, size, data, problem) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, std::int64_t(p.seq))
            .bind(2, std::int64_t(p.idx))
            .bind(3, std::string_view(p.ref.file_name()))
            .bind(4, std::string_view(p.ref.mime_type()))
            .bind(5, std::int64_t(p.ref.size()));
        if (problem.empty())
            st->bind(6, ByteView(plain.data(), plain.size())).bindNull(7);
        else
            st->bindNull(6).bind(7, std::string_view(problem));
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
        for (int attempt = 1; !bytes && attempt <= 6 && bytes.error().code == ErrorCode::Storage;
             ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
            bytes = pages(seq - 1, 1);
        }
        if (!bytes) return tl::unexpected(bytes.error());
        proto::JournalPage page;
        if (!page.ParseFromString(*bytes))
            return fail(ErrorCode::Malformed, "the relay sent a journal page that does not parse");
        Row out;
        out.relayHead = page.head_sequence();
        if (page.rows_size() == 0) return out;
        const auto& r = page.rows(0);
        if (r.sequence() < seq)
            return fail(ErrorCode::Malformed, "the relay's journal page goes backwards");
        if (r.sequence() > seq) return out; // the relay no longer has it
        out.present = true;
        out.entry = r.entry();
        out.chainHash = r.chain_hash();
        return out;
    };
    // The row as this archive pulled it.
    auto storedRow = [&](std::uint64_t seq) -> Result<Row> {
        VERBATIM_TRY_LET(q, db->cached("SELECT entry, chain_hash FROM entries WHERE seq = ?"));
        q->bind(1, std::int64_t(seq));
        VERBATIM_TRY_LET(row, q->step());
        Row out;
        if (*row) {
            out.present = true;
            out.entry = str(q->columnBlob(0));
            out.chainHash = str(q->columnBlob(1));
        }
        return out;
    };
    const std::uint64_t head = state.headSeq;
    VERBATIM_TRY_LET(last, relayRow(head));
    VERBATIM_TRY_LET(mine, storedRow(head));
    const std::string ours = toHex(ByteView(state.head.data(), state.head.size()));
    if (last->present && last->chainHash == mine->chainHash) {
        if (last->entry == mine->entry) return 0;
        detail = "the relay now serves another entry at seq " + std::to_string(head) +
                 ", the last one this archive pulled (its chain hash unchanged)";
        return head;
    }
    // Chain hashes cover everything before them: the first row whose hash differs is the first
    // one rewritten. Binary search between the genesis and the archive's head.
    std::uint64_t lo = 1, hi = head; // hi differs; every row below lo matches
    Row firstRelay = *last, firstMine = *mine;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        VERBATIM_TRY_LET(r, relayRow(mid));
        VERBATIM_TRY_LET(s, storedRow(mid));
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
        what = "the relay no longer serves the entry at seq " + std::to_string(hi) +
               " (its log ends at " + std::to_string(firstRelay.relayHead) + " or skips it)";
    else if (firstRelay.entry != firstMine.entry)
        what = "the relay now serves another entry at seq " + std::to_string(hi);
    else
        what = "the relay now serves the entry at seq " + std::to_string(hi) +
               " with another chain hash";
    // The relay's own signed statement of the history it now contradicts, when the archive has one.
    std::string signedBefore;
    {
        VERBATIM_TRY_LET(
            c,
            db->cached(
                "SELECT data FROM checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT 1"));
        c->bind(1, std::int64_t(hi)).bind(2, std::int64_t(head));
        VERBATIM_TRY_LET(row, c->step());
        if (*row)
            if (auto cp = journal::Checkpoint::parse(c->columnBlob(0));
                cp && journal::verifyCheckpoint(*cp, manifest->relayPublicKey))
                signedBefore = "; the archive keeps the relay's signed checkpoint " +
                               std::to_string(cp->sequence) + " (chain hash " +
                               toHex(ByteView(cp->chainHash.data(), 8)) +
                               "...) for the history it pulled";
    }
    detail = what + ", which this archive pulled and verified before (its head: seq " +
             std::to_string(head) + ", chain hash " + ours.substr(0, 16) + "...)" + signedBefore +
             ": the relay rewrote the log's history; nothing more is pulled from it";
    return hi;
}

Result<void> Archive::Impl::judgeStored() {
    ContentJudge judge;
    {
        // The member comes from the stored body: a version 2 body names it apart from the actor.
        auto a = db->prepare(
            "SELECT a.seq, a.actor, a.action, a.target, coalesce(a.conversation, ''), "
            "coalesce(a.members, ''), r.body FROM admin_actions a LEFT JOIN records r ON r.seq = "
            "a.seq WHERE a.action IN ('conversation-created', 'invite-created', "
            "'invite-redeemed', 'matter-closed', 'matter-reopened', 'member-removed', "
            "'matter-handed-over')");
        if (!a) return tl::unexpected(a.error());
        while (true) {
            VERBATIM_TRY_LET(row, a->step());
            if (!*row) break;
            auto body = parseFlatJsonObject(a->columnText(6));
            judge.admin(std::uint64_t(a->columnInt(0)), a->columnText(2),
                        body ? ContentJudge::memberOf(*body) : a->columnText(1), a->columnText(3),
                        a->columnText(4), a->columnText(5));
        }
    }
    std::unordered_set<std::uint64_t>
        revoked; // entries signed after their device's revocation, or unapproved
    {
        VERBATIM_TRY_LET(
            p,
            db->prepare(
                "SELECT seq FROM problems WHERE fault IN ('revoked-signer', 'unapproved-device')"));
        while (true) {
            VERBATIM_TRY_LET(row, p->step());
            if (!*row) break;
            revoked.insert(std::uint64_t(p->columnInt(0)));
        }
    }
    auto st = db->prepare(
        "SELECT seq, message_id, conversation, user, device, recipients, type, ref, "
        "CASE WHEN type = ? THEN body END FROM records WHERE user != 'relay' ORDER BY seq");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(proto::NOTICE_ACCEPTED));
    std::vector<std::string> recipients;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
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
                     std::uint32_t(st->columnInt(4)), int(st->columnInt(6)), str(st->columnBlob(7)),
                     recipients, !revoked.count(seq));
        if (st->columnInt(6) == proto::NOTICE_ACCEPTED)
            judge.notice(seq, knownNoticeBody(str(st->columnBlob(8))));
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
    VERBATIM_TRY_LET(
        st, db->cached("INSERT OR IGNORE INTO members (conversation, user) VALUES (?, ?)"));
    for (auto& [conv, users] : outcome.participants)
        for (auto& u : users) {
            st->bind(1, std::string_view(conv)).bind(2, std::string_view(u));
            if (auto r = st->run(); !r) return r;
        }
    if (own)
        if (auto r = tx.commit(); !r) return r;
    return {};
}

Result<PullStats> Archive::pull(const PageSource& pages, const BlobSource& blobs,
                                const Progress& progress, unsigned workers) {
    if (!m->manifest)
        return fail(ErrorCode::InvalidArgument, "the archive has no firm manifest yet");
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
        VERBATIM_TRY_LET(rewritten, m->firstRewritten(pages, detail));
        if (*rewritten) {
            VERBATIM_TRY(m->addProblem(*rewritten, "history-rewritten", detail, "pull"));
            stats.headSequence = m->state.headSeq;
            stats.rewrittenAt = *rewritten;
            if (auto p = problems())
                stats.newProblems = p->size() - std::min(p->size(), problemsBefore);
            stats.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
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
            for (int attempt = 1;
                 !bytes && attempt <= 6 && !stopping && bytes.error().code == ErrorCode::Storage;
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
                fetchError = Error{ErrorCode::Malformed,
                                   "the relay sent a journal page that does not parse"};
                break;
            }
            bool last = page.rows_size() == 0 ||
                        page.rows(page.rows_size() - 1).sequence() >= page.head_sequence();
            if (page.rows_size()) {
                std::uint64_t next = page.rows(page.rows_size() - 1).sequence();
                if (next <= after) {
                    fetchError =
                        Error{ErrorCode::Malformed, "the relay's journal page goes backwards"};
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
            auto stored = m->store(batch->rows, batch->checkpoints, batch->chainProblems, blobs,
                                   stats, batch->headSeq, batch->headHash, batch->devices);
            stats.storeSeconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - storeStart)
                    .count();
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
    for (auto waitStart = std::chrono::steady_clock::now();;
         waitStart = std::chrono::steady_clock::now()) {
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
                batch.chainProblems.push_back(
                    {lastRow, "bad-checkpoint-signature", "a checkpoint does not parse"});
                continue;
            }
            // A signed checkpoint beyond the head the relay claims: entries were cut off the log.
            if (cp->sequence > page->head_sequence() &&
                journal::verifyCheckpoint(*cp, m->manifest->relayPublicKey))
                truncatedAt = std::max(truncatedAt, cp->sequence);
            if (cp->sequence > lastRow) continue; // kept when the rows it covers arrive
            batch.checkpoints.push_back(c);
            cps.push_back(std::move(*cp));
        }
        m->check(batch.rows, std::move(cps), m->state, batch.chainProblems, cpCount, workers);
        batch.headSeq = m->state.headSeq;
        batch.headHash = m->state.head;
        batch.devices = m->snapshot(m->state);
        stats.checkSeconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - checkStart).count();
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
    if (stats.entries) VERBATIM_TRY(m->judgeStored());
    if (truncatedAt)
        (void)m->addProblem(m->state.headSeq + 1, "truncated",
                            "the relay's signed checkpoint " + std::to_string(truncatedAt) +
                                " covers entries it no longer serves",
                            "pull");
    if (fetchError) return tl::unexpected(*fetchError);
    stats.headSequence = m->state.headSeq;
    if (auto p = problems()) stats.newProblems = p->size() - std::min(p->size(), problemsBefore);
    stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return stats;
}

} // namespace verbatim::compliance
