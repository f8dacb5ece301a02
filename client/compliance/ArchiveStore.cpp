/// @file ArchiveStore.cpp
/// The pull's writer: a checked batch of rows into the archive's tables in one transaction (entries, records, the full-text index, administrative actions, devices, device state), then the attachments it names, fetched and checked.
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
        const std::string text = indexText(rec);
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
            // An archive started at the pruned boundary cannot tell a message pruned before it
            // (issue 22) from one withheld: it judges only what it holds.
            if (!held && !boundary)
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
    if (auto r = storeDevices(devices); !r) return r;
    if (auto r = saveHead(*db, headSeq, head); !r) return r;
    if (auto r = tx.commit(); !r) return r;

    // Attachments: fetched after the rows are safe, each checked against its committed digest.
    for (auto& p : pending) {
        std::string problem;
        SecureBytes plain;
        // The size is the sender's claim and bounds the download: over the largest attachment
        // a client sends (kMaxAttachment, 100 MiB), nothing is fetched.
        constexpr std::uint64_t kMaxAttachmentBytes = 100ull * 1024 * 1024;
        Result<std::string> blob = fail(ErrorCode::NotFound, "no blob source");
        if (p.ref.size() > kMaxAttachmentBytes)
            blob = fail(ErrorCode::InvalidArgument,
                        "its reference claims " + std::to_string(p.ref.size()) +
                            " bytes, over the 100 MiB an attachment may have: not downloaded");
        else if (blobs)
            blob = blobs(toHex(view(p.ref.blob_id())),
                         std::min<std::uint64_t>(p.ref.size(), kMaxAttachmentBytes) + 64);
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

Result<void> Archive::Impl::storeDevices(const std::vector<DeviceSnapshot>& devices) {
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
    return {};
}

} // namespace verbatim::compliance
