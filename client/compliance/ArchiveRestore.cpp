/// @file ArchiveRestore.cpp
/// Following a relay restored from a backup (docs/protocol.md "Restore", J-RESTORE-1).
///
/// A restored relay has lost what it journaled after its backup and serves, from the backup's
/// last sequence on, a new history: the devices' resends and whatever came since. An archive
/// that pulled past that point meets, at those sequence numbers, other entries than it holds,
/// exactly what a relay rewriting its log would serve. The difference is the announcement: a
/// restored relay puts its restore epoch (new at each restore) and the backup's last sequence
/// into every QueueDrained. The archive follows a restore only when
///   - the relay announces an epoch this archive has not followed before,
///   - the relay's log still matches the archive's up to the restored sequence (the chain hash
///     there is the one the archive pulled and checked against the relay's signed checkpoints),
///   - and the archive holds entries above it;
/// everything else that differs stays `history-rewritten`. Nothing is deleted: the rows above
/// the restored sequence move aside intact (superseded_* tables), verify rechecks them against
/// the entry they continued from and the relay's checkpoints that signed them, and the report
/// lists them as an expected fact. Messages the devices sent again come back under their own
/// message ids in the new history, so browsing, search and export show each message once.
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"

#include <algorithm>
#include <chrono>

namespace verbatim::compliance {

namespace {

std::uint64_t nowMs() {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
}

std::string shortHex(ByteView b) {
    return toHex(b).substr(0, 16);
}

// What the search index holds for a stored record row whose columns 1 to 3 are its type, body
// and attachment list (records and superseded_records alike).
std::string indexTextOfRow(storage::Statement& q) {
    proto::JournalRecord rec;
    rec.set_type(proto::MessageType(q.columnInt(1)));
    rec.set_body(str(q.columnBlob(2)));
    proto::AttachmentList list;
    if (list.ParseFromString(str(q.columnBlob(3)))) *rec.mutable_attachments() = list.items();
    return indexText(rec);
}

} // namespace

// ArchiveVerify.cpp: the chain and device checks over a run of disposed entries (issue 22).
void walkDisposed(Archive::Impl& m, std::vector<Decoded>& rows,
                  std::vector<journal::Checkpoint> checkpoints, Archive::Impl::CheckState& st,
                  std::vector<Problem>& found, std::uint64_t& checkpointCount);

Result<Archive::Impl::CheckState> Archive::Impl::replayState(std::uint64_t upTo, unsigned workers) {
    CheckState st;
    st.checksFrom = state.checksFrom;
    st.chainsFrom = state.chainsFrom;
    std::vector<Problem> ignored; // on record already, from the pull and verify that saw them
    std::uint64_t checkpoints = 0, last = 0;
    constexpr int kChunk = 4000;
    while (last < upTo) {
        std::vector<Decoded> rows;
        VERBATIM_TRY_LET(q, db->prepare("SELECT seq, entry, chain_hash, server_time_ms, "
                                        "disposed_by, kept_hash, kept_header FROM entries WHERE "
                                        "seq > ? AND seq <= ? ORDER BY seq LIMIT ?"));
        q->bind(1, std::int64_t(last)).bind(2, std::int64_t(upTo)).bind(3, std::int64_t(kChunk));
        while (true) {
            VERBATIM_TRY_LET(row, q->step());
            if (!*row) break;
            Decoded d;
            d.seq = std::uint64_t(q->columnInt(0));
            d.entry = str(q->columnBlob(1));
            d.chainHash = str(q->columnBlob(2));
            d.serverTimeMs = std::uint64_t(q->columnInt(3));
            if (!q->columnIsNull(4)) {
                d.disposedBy = std::uint64_t(q->columnInt(4));
                d.keptHash = str(q->columnBlob(5));
                d.keptHeader = str(q->columnBlob(6));
            }
            rows.push_back(std::move(d));
        }
        if (rows.empty()) break;
        std::vector<journal::Checkpoint> cps;
        VERBATIM_TRY_LET(c, db->prepare("SELECT data FROM checkpoints WHERE seq > ? AND seq <= ?"));
        c->bind(1, std::int64_t(last)).bind(2, std::int64_t(rows.back().seq));
        while (true) {
            VERBATIM_TRY_LET(row, c->step());
            if (!*row) break;
            if (auto cp = journal::Checkpoint::parse(c->columnBlob(0))) cps.push_back(*cp);
        }
        last = rows.back().seq;
        // Disposed entries (issue 22) have no bytes to check: their runs are walked on the hash
        // and header they kept, as verify does, so that each device's chain stays whole.
        std::vector<Decoded> part;
        auto flush = [&] {
            if (part.empty()) return;
            if (part.front().disposedBy)
                walkDisposed(*this, part, cps, st, ignored, checkpoints);
            else
                check(part, cps, st, ignored, checkpoints, workers);
            part.clear();
        };
        for (auto& d : rows) {
            if (!part.empty() && (part.back().disposedBy != 0) != (d.disposedBy != 0)) flush();
            part.push_back(std::move(d));
        }
        flush();
    }
    VERBATIM_TRY_LET(k, db->prepare("SELECT key_id FROM records WHERE seq <= ? AND user != 'relay' "
                                    "ORDER BY seq DESC LIMIT 1"));
    k->bind(1, std::int64_t(upTo));
    VERBATIM_TRY_LET(row, k->step());
    if (*row) {
        Bytes id = k->columnBlob(0);
        if (id.size() == st.lastKeyId.size()) std::copy(id.begin(), id.end(), st.lastKeyId.begin());
    }
    // Every device's state is written again, not only those the replay changed last.
    for (const auto& [key, reg] : st.registry)
        st.touched.insert(key);
    for (const auto& [key, chain] : st.chains)
        st.touched.insert(key);
    return st;
}

Result<bool> Archive::Impl::followRestore(const RelayRestore& restore, std::uint64_t rewrittenAt,
                                          PullStats& stats, std::string& why, unsigned workers) {
    const std::uint64_t head = state.headSeq;
    const std::uint64_t restored = restore.restoredSequence;
    if (restore.epoch.empty()) {
        why = "the relay announced no restore from a backup";
        return false;
    }
    const ByteView epoch = view(restore.epoch);
    if (restore.epoch.size() != 16) {
        why = "the relay's restore epoch is malformed";
        return false;
    }
    {
        VERBATIM_TRY_LET(q, db->prepare("SELECT restored_seq FROM restores WHERE epoch = ?"));
        q->bind(1, epoch);
        VERBATIM_TRY_LET(row, q->step());
        if (*row) {
            why = "its restore epoch " + shortHex(epoch) + "... was followed before (from seq " +
                  std::to_string(q->columnInt(0)) + "); a restore announces a new epoch";
            return false;
        }
    }
    if (restored >= rewrittenAt || restored >= head) {
        why = "its restore epoch " + shortHex(epoch) + "... says the backup ended at seq " +
              std::to_string(restored) + ", but the log differs from what this archive pulled " +
              "at seq " + std::to_string(rewrittenAt) + ", at or before that";
        return false;
    }
    // Following a restore is the compliance officer's decision, never the relay's (J-RESTORE-3):
    // the epoch is signed by nothing its operator cannot forge, so until the officer accepts this
    // very epoch the archive stays as it is, and says what following would supersede.
    if (restore.accepted != restore.epoch) {
        stats.pendingEpoch = toHex(epoch);
        stats.pendingRestoredSequence = restored;
        VERBATIM_TRY_LET(
            q, db->prepare("SELECT e.seq, e.server_time_ms, r.message_id, r.conversation, "
                           "r.user, r.device, r.type FROM entries e LEFT JOIN records r ON "
                           "r.seq = e.seq WHERE e.seq > ? ORDER BY e.seq"));
        q->bind(1, std::int64_t(restored));
        while (true) {
            VERBATIM_TRY_LET(row, q->step());
            if (!*row) break;
            SupersededEntry e;
            e.sequence = std::uint64_t(q->columnInt(0));
            e.epoch = stats.pendingEpoch;
            e.restoredSequence = restored;
            e.serverTimeMs = std::uint64_t(q->columnInt(1));
            Bytes id = q->columnBlob(2);
            if (!id.empty()) e.messageId = toHex(id);
            e.conversation = q->columnText(3);
            e.user = q->columnText(4);
            e.device = std::uint32_t(q->columnInt(5));
            e.type = int(q->columnInt(6));
            stats.pendingSuperseded.push_back(std::move(e));
        }
        const std::string pending = stats.pendingEpoch + " " + std::to_string(restored) + " " +
                                    std::to_string(stats.pendingSuperseded.size());
        VERBATIM_TRY_LET(st, db->prepare("INSERT OR REPLACE INTO meta (k, v) VALUES "
                                         "('restore_pending', ?)"));
        st->bind(1, view(pending));
        VERBATIM_TRY(st->run());
        why = "its restore epoch " + shortHex(epoch) + "... is not accepted";
        return false;
    }
    // The checks' state as it was after the restored sequence (read before anything changes).
    VERBATIM_TRY_LET(rebuilt, replayState(restored, workers));

    storage::Transaction tx(*db);
    VERBATIM_TRY(tx.begin());
    auto run = [&](const char* sql, bool withEpoch) -> Result<void> {
        VERBATIM_TRY_LET(st, db->prepare(sql));
        if (withEpoch)
            st->bind(1, epoch).bind(2, std::int64_t(restored));
        else
            st->bind(1, std::int64_t(restored));
        return st->run();
    };
    std::uint64_t count = 0;
    {
        VERBATIM_TRY_LET(q, db->prepare("SELECT count(*) FROM entries WHERE seq > ?"));
        q->bind(1, std::int64_t(restored));
        VERBATIM_TRY(q->step());
        count = std::uint64_t(q->columnInt(0));
    }
    // The anchor: the chain hash at the restored sequence, which the superseded rows continued.
    // Kept with the restore so that a later restore to an earlier point, whose new history
    // reuses that sequence, cannot change what they are checked against (A5).
    Bytes anchor;
    if (restored == 0) {
        const auto g = journal::genesisChainHash();
        anchor.assign(g.begin(), g.end());
    } else {
        VERBATIM_TRY_LET(q, db->prepare("SELECT chain_hash FROM entries WHERE seq = ?"));
        q->bind(1, std::int64_t(restored));
        VERBATIM_TRY_LET(row, q->step());
        if (*row) anchor = q->columnBlob(0);
    }
    {
        VERBATIM_TRY_LET(st, db->prepare("INSERT INTO restores (epoch, restored_seq, "
                                         "archive_head, superseded, applied_ms, anchor, "
                                         "accepted_by) VALUES (?, ?, ?, ?, ?, ?, ?)"));
        st->bind(1, epoch)
            .bind(2, std::int64_t(restored))
            .bind(3, std::int64_t(head))
            .bind(4, std::int64_t(count))
            .bind(5, std::int64_t(nowMs()))
            .bind(6, ByteView(anchor))
            .bind(7, std::string_view(restore.acceptedBy));
        VERBATIM_TRY(st->run());
    }
    // A recorded problem is never deleted (A1): a relay that served a rewrite, was caught, and
    // then announced a restore to before it would otherwise wipe the record of the rewrite. The
    // problems above the restored sequence move aside with the epoch; verify reports them. Only
    // the restore-pending verdict goes: this is the acceptance it was waiting for.
    VERBATIM_TRY(
        run("INSERT OR IGNORE INTO superseded_problems (epoch, seq, fault, detail, "
            "origin) SELECT ?1, seq, fault, detail, origin FROM problems WHERE seq > ?2 AND "
            "fault != 'restore-pending'",
            true));
    // Moved aside whole: the raw rows and the checkpoints that signed them (verify rechecks
    // them), the opened records (listing), the checked attachments.
    VERBATIM_TRY(run("INSERT INTO superseded_entries (epoch, seq, entry, chain_hash, "
                     "server_time_ms) SELECT ?1, seq, entry, chain_hash, server_time_ms FROM "
                     "entries WHERE seq > ?2",
                     true));
    VERBATIM_TRY(run("INSERT INTO superseded_checkpoints (epoch, seq, data) SELECT ?1, seq, data "
                     "FROM checkpoints WHERE seq > ?2",
                     true));
    VERBATIM_TRY(run("INSERT INTO superseded_records (epoch, seq, message_id, conversation, user, "
                     "device, recipients, type, time_ms, server_time_ms, body, ref, attachments, "
                     "entry_hash, key_id) SELECT ?1, seq, message_id, conversation, user, device, "
                     "recipients, type, time_ms, server_time_ms, body, ref, attachments, "
                     "entry_hash, key_id FROM records WHERE seq > ?2",
                     true));
    VERBATIM_TRY(run("INSERT INTO superseded_attachments (epoch, seq, idx, file_name, mime, size, "
                     "data, problem) SELECT ?1, seq, idx, file_name, mime, size, data, problem "
                     "FROM attachments WHERE seq > ?2",
                     true));
    // The full-text index keeps no content: each row leaves it with the text it went in with.
    {
        VERBATIM_TRY_LET(q, db->prepare("SELECT seq, type, body, attachments FROM records WHERE "
                                        "seq > ?"));
        q->bind(1, std::int64_t(restored));
        VERBATIM_TRY_LET(del, db->prepare("INSERT INTO records_fts (records_fts, rowid, body) "
                                          "VALUES ('delete', ?, ?)"));
        while (true) {
            VERBATIM_TRY_LET(row, q->step());
            if (!*row) break;
            const std::string text = indexTextOfRow(*q);
            if (text.empty()) continue;
            del->bind(1, std::int64_t(q->columnInt(0))).bind(2, std::string_view(text));
            VERBATIM_TRY(del->run());
        }
    }
    // The superseded records go back into the index under their own rowids (minus the
    // superseded_records rowid, never a sequence): a message its sender never sent again stays
    // found by search (marked, ArchiveQueries.cpp) however the relay's new history reads.
    {
        VERBATIM_TRY_LET(q, db->prepare("SELECT rowid, type, body, attachments FROM "
                                        "superseded_records WHERE epoch = ?"));
        q->bind(1, epoch);
        VERBATIM_TRY_LET(add, db->prepare("INSERT INTO records_fts (rowid, body) VALUES (?, ?)"));
        while (true) {
            VERBATIM_TRY_LET(row, q->step());
            if (!*row) break;
            const std::string text = indexTextOfRow(*q);
            if (text.empty()) continue;
            add->bind(1, -std::int64_t(q->columnInt(0))).bind(2, std::string_view(text));
            VERBATIM_TRY(add->run());
        }
    }
    for (const char* sql :
         {"DELETE FROM entries WHERE seq > ?", "DELETE FROM checkpoints WHERE seq > ?",
          "DELETE FROM records WHERE seq > ?", "DELETE FROM attachments WHERE seq > ?",
          "DELETE FROM admin_actions WHERE seq > ?", "DELETE FROM unopened_ids WHERE seq > ?",
          // Copied to superseded_problems above, where they stay and are reported.
          "DELETE FROM problems WHERE seq > ?", "DELETE FROM devices WHERE registered_seq > ?",
          "UPDATE devices SET revoked_seq = 0, revoked_ms = 0 WHERE revoked_seq > ?",
          "DELETE FROM conversations WHERE created_seq > ?",
          // Supervision's tables are made from the records (Supervision.h): what
          // came from superseded ones goes, and it runs again from the restore
          // point over the new history.
          "DELETE FROM sv_alerts WHERE seq > ?1 OR source_seq > ?1",
          "DELETE FROM sv_reviews WHERE seq > ?", "DELETE FROM sv_samples WHERE seq > ?",
          "DELETE FROM sv_access WHERE seq > ?", "DELETE FROM sv_policies WHERE seq > ?",
          "UPDATE sv_progress SET evaluated_seq = ?1 WHERE evaluated_seq > ?1"})
        VERBATIM_TRY(run(sql, false));
    VERBATIM_TRY(db->exec("DELETE FROM device_state"));
    VERBATIM_TRY(db->exec("DELETE FROM meta WHERE k = 'restore_pending'"));
    state = std::move(*rebuilt);
    VERBATIM_TRY(storeDevices(snapshot(state)));
    VERBATIM_TRY(saveHead(*db, state.headSeq, state.head));
    if (auto r = tx.commit(); !r) {
        state = {};
        (void)loadState();
        return tl::unexpected(r.error());
    }
    stats.supersededFrom = restored + 1;
    stats.superseded = count;
    return true;
}

Result<void> Archive::Impl::verifySuperseded(VerifyReport& report, std::vector<Problem>& found,
                                             const RestoreLimits& limits) {
    struct Restore {
        Bytes epoch;
        std::uint64_t restored = 0, head = 0, appliedMs = 0;
        Bytes anchor;
    };
    std::vector<Restore> restores;
    {
        VERBATIM_TRY_LET(q, db->prepare("SELECT epoch, restored_seq, archive_head, applied_ms, "
                                        "anchor FROM restores ORDER BY applied_ms, rowid"));
        while (true) {
            VERBATIM_TRY_LET(row, q->step());
            if (!*row) break;
            restores.push_back({q->columnBlob(0), std::uint64_t(q->columnInt(1)),
                                std::uint64_t(q->columnInt(2)), std::uint64_t(q->columnInt(3)),
                                q->columnBlob(4)});
        }
    }
    // An announced restore not accepted yet is a fault until the officer decides (J-RESTORE-3).
    {
        VERBATIM_TRY_LET(q, db->prepare("SELECT v FROM meta WHERE k = 'restore_pending'"));
        VERBATIM_TRY_LET(row, q->step());
        if (*row) {
            const std::string v = str(q->columnBlob(0));
            std::string epochHex, seqText, countText;
            const auto a = v.find(' '), b = v.find(' ', a == std::string::npos ? a : a + 1);
            epochHex = v.substr(0, a);
            if (a != std::string::npos) seqText = v.substr(a + 1, b - a - 1);
            if (b != std::string::npos) countText = v.substr(b + 1);
            const std::uint64_t seq = std::strtoull(seqText.c_str(), nullptr, 10);
            found.push_back({seq + 1, "restore-pending",
                             "the relay announced restore epoch " + epochHex +
                                 " from a backup that ended at seq " + seqText +
                                 "; following it would supersede the " + countText +
                                 " entries this archive holds above it. Nothing was pulled "
                                 "since: accept it with verbatim-journal pull --accept-restore " +
                                 epochHex + ", or treat the relay as compromised"});
        }
    }
    std::uint64_t previousApplied = 0;
    for (const auto& r : restores) {
        const std::string name = "restore epoch " + shortHex(r.epoch) + "...";
        // The epoch is not signed by anything a relay operator cannot forge (J-RESTORE-2): a
        // restore is shown, and one that looks like cover for removing entries is flagged.
        if (limits.intervalMs && previousApplied &&
            r.appliedMs - previousApplied < limits.intervalMs)
            report.warnings.push_back({r.restored + 1, "restore-suspicious",
                                       name + ": followed " +
                                           std::to_string((r.appliedMs - previousApplied) / 60000) +
                                           " min after the previous restore (limit " +
                                           std::to_string(limits.intervalMs / 60000) + " min)"});
        previousApplied = r.appliedMs;
        // The entry the superseded history continued: in the log, or itself superseded by a
        // later restore to an earlier point.
        std::optional<journal::ChainHash> start;
        std::optional<std::uint64_t> startMs;
        if (r.restored == 0) start = journal::genesisChainHash();
        // The anchor kept when the restore was followed (A5): after a later restore to an earlier
        // point, the sequence it continued may hold another history's entry in `entries`.
        if (r.anchor.size() == 32) {
            journal::ChainHash c;
            std::copy(r.anchor.begin(), r.anchor.end(), c.begin());
            start = c;
        }
        for (const char* sql : {"SELECT chain_hash, server_time_ms FROM entries WHERE seq = ?",
                                "SELECT chain_hash, server_time_ms FROM superseded_entries WHERE "
                                "seq = ?"}) {
            if (startMs) break;
            VERBATIM_TRY_LET(q, db->prepare(sql));
            q->bind(1, std::int64_t(r.restored));
            VERBATIM_TRY_LET(row, q->step());
            Bytes h = *row ? q->columnBlob(0) : Bytes();
            if (h.size() == 32) {
                journal::ChainHash c;
                std::copy(h.begin(), h.end(), c.begin());
                if (!start) start = c;
                startMs = std::uint64_t(q->columnInt(1));
            }
        }
        std::vector<journal::ChainItem> items;
        {
            VERBATIM_TRY_LET(q, db->prepare("SELECT seq, entry, chain_hash FROM "
                                            "superseded_entries WHERE epoch = ? ORDER BY seq"));
            q->bind(1, ByteView(r.epoch));
            while (true) {
                VERBATIM_TRY_LET(row, q->step());
                if (!*row) break;
                journal::ChainItem it;
                it.sequence = std::uint64_t(q->columnInt(0));
                it.entry = q->columnBlob(1);
                Bytes h = q->columnBlob(2);
                if (h.size() == 32) {
                    journal::ChainHash c;
                    std::copy(h.begin(), h.end(), c.begin());
                    it.chainHash = c;
                }
                items.push_back(std::move(it));
            }
        }
        std::vector<journal::Checkpoint> cps;
        {
            VERBATIM_TRY_LET(q, db->prepare("SELECT data FROM superseded_checkpoints WHERE "
                                            "epoch = ? ORDER BY seq"));
            q->bind(1, ByteView(r.epoch));
            while (true) {
                VERBATIM_TRY_LET(row, q->step());
                if (!*row) break;
                if (auto cp = journal::Checkpoint::parse(q->columnBlob(0))) cps.push_back(*cp);
            }
        }
        if (!start) {
            found.push_back({r.restored, "superseded-altered",
                             name + ": the archive no longer holds the entry at seq " +
                                 std::to_string(r.restored) +
                                 " that the superseded entries continued"});
        } else {
            auto chain = journal::verifyChain(items, std::move(cps), manifest->relayPublicKey,
                                              r.restored, *start);
            for (const auto& p : chain.problems)
                found.push_back({p.sequence, "superseded-altered",
                                 name + ", superseded entry at seq " + std::to_string(p.sequence) +
                                     ": " + journal::chainFaultName(p.fault) +
                                     (p.detail.empty() ? "" : " (" + p.detail + ")")});
            if (items.size() != r.head - r.restored)
                found.push_back({r.restored + 1, "superseded-altered",
                                 name + ": " + std::to_string(r.head - r.restored) +
                                     " entries were superseded, the archive keeps " +
                                     std::to_string(items.size())});
        }
        if (limits.rollbackMs && startMs && !items.empty()) {
            std::uint64_t lastMs = 0;
            VERBATIM_TRY_LET(q, db->prepare("SELECT max(server_time_ms) FROM superseded_entries "
                                            "WHERE epoch = ?"));
            q->bind(1, ByteView(r.epoch));
            VERBATIM_TRY(q->step());
            lastMs = std::uint64_t(q->columnInt(0));
            if (lastMs > *startMs && lastMs - *startMs > limits.rollbackMs)
                report.warnings.push_back(
                    {r.restored + 1, "restore-suspicious",
                     name + ": the restored sequence " + std::to_string(r.restored) + " is " +
                         std::to_string((lastMs - *startMs) / 60000) +
                         " min (relay clock) before the last entry this archive had pulled "
                         "(limit " +
                         std::to_string(limits.rollbackMs / 60000) + " min)"});
        }
        // Each message of the superseded entries the new history does not hold: a warning that
        // names it (a restore that lost it, or a relay hiding it behind a restore it never had).
        std::uint64_t messages = 0, resent = 0;
        {
            VERBATIM_TRY_LET(
                q, db->prepare("SELECT s.seq, s.message_id, s.user, s.device, s.conversation, "
                               "s.type, EXISTS (SELECT 1 FROM records n WHERE n.message_id = "
                               "s.message_id), (SELECT n.seq FROM records n WHERE n.message_id = "
                               "s.message_id AND (n.body != s.body OR n.type != s.type OR "
                               "n.conversation != s.conversation OR n.user != s.user) LIMIT 1) "
                               "FROM superseded_records s WHERE s.epoch = ? ORDER BY s.seq"));
            q->bind(1, ByteView(r.epoch));
            while (true) {
                VERBATIM_TRY_LET(row, q->step());
                if (!*row) break;
                ++messages;
                if (q->columnInt(6)) {
                    ++resent;
                    // A4: a resend under the same id must carry what the superseded original
                    // did; recipients drop it as a duplicate, so only the archive can tell.
                    if (const auto differs = std::uint64_t(q->columnInt(7)))
                        found.push_back({differs, "resend-differs",
                                         name + ": message " + toHex(q->columnBlob(1)) +
                                             " at seq " + std::to_string(differs) +
                                             " differs from the superseded original " + "at seq " +
                                             std::to_string(q->columnInt(0)) +
                                             "; both are kept (superseded shows the original)"});
                    continue;
                }
                const auto type = proto::MessageType(q->columnInt(5));
                // Receipts are never sent again by design; they are counted, not warned about.
                if (type == proto::RECEIPT) continue;
                ++report.notResent;
                report.warnings.push_back(
                    {std::uint64_t(q->columnInt(0)), kSupersededNotResent,
                     name + ": message " + toHex(q->columnBlob(1)) + " (" +
                         proto::MessageType_Name(type) + " from " +
                         deviceName(q->columnText(2), std::uint32_t(q->columnInt(3))) + " in " +
                         q->columnText(4) + ", superseded at seq " +
                         std::to_string(q->columnInt(0)) +
                         ") is not in the relay's new history; it stays in timeline, search "
                         "and export, marked"});
            }
        }
        report.superseded += items.size();
        report.restores.push_back(
            name + ": the relay was restored from a backup that ended at seq " +
            std::to_string(r.restored) + "; the " + std::to_string(items.size()) +
            " entries this archive had pulled after it (seq " + std::to_string(r.restored + 1) +
            "-" + std::to_string(r.head) + ") are kept as superseded; " + std::to_string(resent) +
            " of their " + std::to_string(messages) + " messages were sent again, " +
            std::to_string(messages - resent) + " were not");
    }
    std::stable_sort(report.warnings.begin(), report.warnings.end(),
                     [](const Problem& a, const Problem& b) { return a.sequence < b.sequence; });
    return {};
}

Result<std::vector<SupersededEntry>> Archive::superseded() {
    VERBATIM_TRY_LET(
        q, m->db->prepare(
               "SELECT s.seq, r.epoch, r.restored_seq, sr.message_id, coalesce(sr.conversation, "
               "''), coalesce(sr.user, ''), coalesce(sr.device, 0), coalesce(sr.type, 0), "
               "s.server_time_ms, coalesce((SELECT n.seq FROM records n WHERE n.message_id = "
               "sr.message_id), 0) FROM superseded_entries s JOIN restores r ON r.epoch = s.epoch "
               "LEFT JOIN superseded_records sr ON sr.epoch = s.epoch AND sr.seq = s.seq ORDER BY "
               "r.applied_ms, r.rowid, s.seq"));
    std::vector<SupersededEntry> out;
    while (true) {
        VERBATIM_TRY_LET(row, q->step());
        if (!*row) break;
        SupersededEntry e;
        e.sequence = std::uint64_t(q->columnInt(0));
        e.epoch = toHex(q->columnBlob(1));
        e.restoredSequence = std::uint64_t(q->columnInt(2));
        Bytes id = q->columnBlob(3);
        if (!id.empty()) e.messageId = toHex(id);
        e.conversation = q->columnText(4);
        e.user = q->columnText(5);
        e.device = std::uint32_t(q->columnInt(6));
        e.type = int(q->columnInt(7));
        e.serverTimeMs = std::uint64_t(q->columnInt(8));
        e.resentAt = std::uint64_t(q->columnInt(9));
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace verbatim::compliance
