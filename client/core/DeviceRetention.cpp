/// @file DeviceRetention.cpp
/// Removing messages past the firm's device retention from a profile (DeviceRetention.h).
#include "client/core/DeviceRetention.h"
#include "common/Try.h"

#include <filesystem>
#include <vector>

#include "common/Bytes.h"
#include "common/Log.h"
#include "wire.pb.h"

namespace verbatim::client {

namespace fs = std::filesystem;

std::uint64_t retentionCutoffMs(std::uint64_t nowMs, std::uint32_t days) {
    const std::uint64_t span = std::uint64_t(days) * 86'400'000ULL;
    if (days == 0 || span >= nowMs) return 0;
    return nowMs - span;
}

Result<RetentionBatch> removeMessagesBefore(storage::Database& db, const std::string& blobsDir,
                                            std::uint64_t cutoffMs, std::size_t limit) {
    RetentionBatch out;
    if (cutoffMs == 0 || limit == 0) return out;
    struct Victim {
        std::int64_t row;
        Bytes id;
        std::string conversation;
        Bytes attachments;
    };
    std::vector<Victim> victims;
    std::vector<std::string> blobs;
    storage::Transaction tx(db);
    VERBATIM_TRY(tx.begin());
    {
        // server_time_ms is 0 only for own messages the relay has not stored yet: those stay,
        // as does anything still queued in the outbox.
        VERBATIM_TRY_LET(st, db.prepare("SELECT row, id, conversation, attachments FROM messages "
                                        "WHERE server_time_ms > 0 AND server_time_ms < ? AND id "
                                        "NOT IN (SELECT message FROM outbox) "
                                        "ORDER BY server_time_ms LIMIT ?"));
        st->bind(1, std::int64_t(cutoffMs)).bind(2, std::int64_t(limit));
        while (true) {
            VERBATIM_TRY_LET(row, st->step());
            if (!*row) break;
            victims.push_back({st->columnInt(0), st->columnBlob(1), st->columnText(2),
                               st->columnIsNull(3) ? Bytes() : st->columnBlob(3)});
        }
    }
    for (const auto& v : victims) {
        // The search index row goes with the message (trigger messages_ad), as do its devices
        // for message info; earlier versions and reactions are removed here.
        for (const char* sql :
             {"DELETE FROM edits WHERE message = ?", "DELETE FROM reactions WHERE message = ?",
              "DELETE FROM messages WHERE id = ?"}) {
            VERBATIM_TRY_LET(d, db.cached(sql));
            d->bind(1, ByteView(v.id.data(), v.id.size()));
            VERBATIM_TRY(d->run());
        }
        if (!v.attachments.empty()) {
            proto::AttachmentList list;
            if (list.ParseFromArray(v.attachments.data(), int(v.attachments.size())))
                for (const auto& a : list.items())
                    if (!a.blob_id().empty()) blobs.push_back(toHex(view(a.blob_id())));
        }
        ++out.byConversation[v.conversation];
    }
    out.messages = victims.size();
    {
        // The copies kept for a resend after a relay restore hold the same content: the firm's
        // rule wins over that 30-day window (a relay restored from an older backup then misses
        // those messages; the journal and the recipients still hold them).
        VERBATIM_TRY_LET(d, db.cached("DELETE FROM sent WHERE acked_ms < ?"));
        d->bind(1, std::int64_t(cutoffMs));
        VERBATIM_TRY(d->run());
    }
    VERBATIM_TRY(tx.commit());
    for (const auto& b : blobs) {
        std::error_code ec;
        if (fs::remove(fs::path(blobsDir) / b, ec)) ++out.blobFiles;
    }
    return out;
}

} // namespace verbatim::client
