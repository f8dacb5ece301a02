// Client, after its relay was restored from a backup (C-RESTORE-1; docs/protocol.md, "Restore").
// A restored relay has lost whatever it stored after the backup: the entries this device sent
// since, the blobs they named, and the use of one-time pre-keys handed out since. It says so in
// every QueueDrained (a restore epoch, new at each restore, and the last journal sequence the
// backup held). A device meeting an epoch it has not seen queues again every record the relay
// acknowledged above that sequence (receipts aside), unchanged and under its message id
// (recipients that have it drop it as a duplicate), rewinds its journal chain to where the
// restored journal ends, and replaces its pre-keys on the relay (see ClientImpl.h for how the
// client is split).
#include "client/core/ClientImpl.h"
#include "common/Try.h"

namespace verbatim::client {

namespace {

// Account keys: the last restore epoch this device met (absent: none), and "1" while the
// pre-key replacement that follows a restore is still to be made.
constexpr const char* kEpochKey = "restore_epoch";
constexpr const char* kPreKeysDueKey = "restore_prekeys_due";
// The sentence for the user, from the transaction that queued the resends until it was shown:
// a crash in between shows it at the next connection instead of never.
constexpr const char* kNoticeKey = "restore_notice";

std::string messagesText(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " message" : " messages");
}

} // namespace

void Client::Impl::reuploadAttachments(proto::JournalRecord& rec) {
    for (auto& a : *rec.mutable_attachments()) {
        const std::string local = paths.blobs() + "/" + toHex(view(a.blob_id()));
        std::ifstream in(local, std::ios::binary);
        if (!in) continue; // no copy here: the send names the old blob (410 if it is gone)
        std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto id = RelayConnection::uploadBlob(relayEndpoints(), creds, std::move(blob));
        if (!id) {
            log::write(log::Level::Warn, "client.restore_reupload_failed",
                       {{"error", id.error().message}});
            continue;
        }
        auto raw = fromHex(*id);
        if (!raw || raw->size() != 32) continue;
        // This device opens its attachments from its own copy, under the old id or the new.
        std::error_code ec;
        fs::copy_file(local, paths.blobs() + "/" + *id, fs::copy_options::skip_existing, ec);
        a.set_blob_id(str(*raw));
    }
}

Client::RelayRestoreNotice Client::relayRestore() const {
    std::lock_guard lock(m->queueMutex);
    return {m->restoreNoticeKnown, m->restoreNoticeEpoch, m->restoreNoticeSequence};
}

bool Client::Impl::reactToRestore(const proto::QueueDrained& drained) {
    const std::string& epoch = drained.restore_epoch();
    {
        std::lock_guard q(queueMutex);
        restoreNoticeKnown = true;
        restoreNoticeEpoch = epoch;
        restoreNoticeSequence = drained.restored_journal_sequence();
    }
    std::vector<Outbox::SentRow> lost;
    bool react = false, preKeysDue = false;
    std::string notice;
    {
        std::lock_guard lock(mutex);
        if (!db) return false;
        auto seen = accounts->get(kEpochKey);
        if (!seen) return false;
        preKeysDue = accounts->text(kPreKeysDueKey) == "1";
        notice = accounts->text(kNoticeKey);
        // An empty epoch is a relay never restored: nothing to do, whatever was seen before.
        if (!epoch.empty() && (*seen ? **seen : std::string()) != epoch) {
            auto any = outbox->anySent();
            if (!any) return false;
            if (!*seen && !*any) {
                // The first epoch this device meets, with nothing acknowledged it could have
                // lost (a device that joined the restored relay): taken as is. Its pre-keys are
                // replaced all the same, in case it joined before the backup.
                Transaction tx(*db);
                if (!tx.begin() || !accounts->set(kEpochKey, view(epoch)) ||
                    !accounts->set(kPreKeysDueKey, view(std::string_view("1"))) || !tx.commit())
                    return false;
                preKeysDue = true;
            } else {
                auto rows = outbox->sentAfter(drained.restored_journal_sequence());
                if (!rows) return false;
                lost = std::move(*rows);
                react = true;
            }
        }
    }
    std::size_t resent = 0;
    if (react) {
        // Blobs uploaded after the backup are gone from the relay: each attachment goes up again
        // from this device's copy (an upload no send declares is swept by the relay later).
        for (auto& row : lost)
            if (row.record.attachments_size() > 0) reuploadAttachments(row.record);
        std::lock_guard lock(mutex);
        if (!db) return false;
        std::vector<proto::JournalRecord> records;
        std::map<std::string, std::size_t> perConversation;
        for (auto& row : lost) {
            // Receipts are not sent again: one could reach the journal before the message it
            // names (whose sender may reconnect later), which compliance reports as a missing
            // entry; a lost receipt is only a missing delivered or read mark.
            if (row.record.type() == proto::RECEIPT) continue;
            ++resent;
            ++perConversation[row.record.conversation_id()];
            records.push_back(std::move(row.record));
        }
        // The queue and the epoch change in one transaction: a crash before it commits meets the
        // epoch as new again and does all of this again; after it, the outbox holds the records
        // and sends them like any other (the same message ids: nothing shows twice).
        Transaction tx(*db);
        if (!tx.begin()) return false;
        // The restored journal ends before the first lost entry: the chain goes back to what it
        // was then, and the entries sent again advance it as they are acknowledged.
        if (!lost.empty() && !accounts->setDeviceChain(lost.front().chainBefore)) return false;
        if (!outbox->requeueFirst(records)) return false;
        for (const auto& [conversation, n] : perConversation)
            if (!messages->systemMessage(
                    conversation, "The relay was restored from a backup; " + messagesText(n) +
                                      " of yours here that it lost were sent again."))
                return false;
        if (resent > 0)
            notice = "The relay was restored from a backup; " + messagesText(resent) +
                     (resent == 1 ? " was" : " were") + " sent again.";
        if (!accounts->set(kEpochKey, view(epoch)) ||
            !accounts->set(kPreKeysDueKey, view(std::string_view("1"))) ||
            (resent > 0 && !accounts->set(kNoticeKey, view(notice))) || !tx.commit())
            return false;
        preKeysDue = true;
        log::write(
            log::Level::Info, "client.relay_restored",
            {{"resent", std::to_string(resent)},
             {"restored_journal_sequence", std::to_string(drained.restored_journal_sequence())}});
        if (resent > 0) {
            std::lock_guard q(queueMutex);
            outboxIdle = false;
        }
    }
    if (!notice.empty()) {
        emit({Event::Kind::RelayRestored, {}, {}, {}, {}, {}, notice});
        std::lock_guard lock(mutex);
        if (db) (void)accounts->remove(kNoticeKey);
    }
    if (preKeysDue) {
        // The restored relay may hand out one-time pre-keys that were used after the backup (this
        // device deleted their private halves) and may lack the last signed pre-key rotation: the
        // whole set is replaced, with a new signed pre-key.
        if (auto r = uploadPreKeys(true, true); !r) {
            log::write(log::Level::Warn, "client.restore_prekeys_failed",
                       {{"error", r.error().message}});
        } else {
            std::lock_guard lock(mutex);
            if (db) {
                (void)accounts->remove(kPreKeysDueKey);
                (void)accounts->set("signed_prekey_ms", view(std::to_string(nowMs())));
            }
        }
    }
    return true;
}

} // namespace verbatim::client
