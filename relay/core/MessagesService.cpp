/// @file MessagesService.cpp
/// RelayService's messages: send (validation, journal entry, fan-out into the
/// queue) and acknowledgements. The queue drain and live pushes: QueueDelivery.cpp.

#include <array>

#include "relay/core/JournalRows.h"
#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace {

// PostgreSQL store: NOTIFY verbatim_queue with this node's id and one "user<TAB>device" line per
// recipient device (several notifications when they would pass PostgreSQL's 8000-byte limit).
// A device `notified` earlier in the transaction is left out: its wake-up reads all queued.
Result<void>
notifyQueued(Database& db, const std::string& nodeId,
             const google::protobuf::RepeatedPtrField<proto::OutgoingEnvelope>& envelopes,
             std::set<std::pair<std::string, std::uint32_t>>& notified) {
    std::string payload = nodeId + "\n";
    auto flush = [&]() -> Result<void> {
        if (payload.size() <= nodeId.size() + 1) return {};
        VERBATIM_TRY(
            execute(db, "SELECT pg_notify('verbatim_queue', ?)", std::string_view(payload)));
        payload = nodeId + "\n";
        return {};
    };
    for (const auto& e : envelopes) {
        if (e.user().find_first_of("\t\n") != std::string::npos) continue;
        if (!notified.emplace(e.user(), e.device()).second) continue;
        std::string line = e.user() + "\t" + std::to_string(e.device()) + "\n";
        if (payload.size() + line.size() > 7000) VERBATIM_TRY(flush());
        payload += line;
    }
    return flush();
}

// Acknowledged ids are deleted up to kAckChunk per statement. A chunk of n ids runs the
// statement for the next power of two, so that seven statement texts (1 to 64 ids) cover every
// count and each is prepared once per connection.
constexpr int kAckChunk = 64;
int ackStatementSize(int n) {
    int size = 1;
    while (size < n)
        size *= 2;
    return size;
}
const std::string& ackDeleteSql(int n) {
    static const std::array<std::string, 7> texts = [] {
        std::array<std::string, 7> out;
        for (std::size_t k = 0; k < out.size(); ++k) {
            std::string s = "DELETE FROM queue WHERE user = ? AND device = ? AND id IN (?";
            for (std::size_t i = 1; i < (std::size_t(1) << k); ++i)
                s += ", ?";
            out[k] = s + ")";
        }
        return out;
    }();
    std::size_t k = 0;
    while ((1 << k) < n)
        ++k;
    return texts[k];
}

} // namespace

void RelayService::handleSend(const DeviceId& from, proto::SendMessage send, Done done) {
    if (auto wait = m_limiter.take("send:" + from.user + "/" + std::to_string(from.device),
                                   m_config.limits.send, monotonicMs()))
        return done(errorResponse(proto::STATUS_RATE_LIMITED, "sending too fast", wait));
    if (send.message_id().size() != journal::kMessageIdSize)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "message id must be 16 bytes"));
    // No envelope is right when the sender is its conversation's only active device (a lawyer
    // alone in a new matter); otherwise the device-set check below answers 409 with `missing`.
    if (std::size_t(send.envelopes_size()) > m_config.maxEnvelopesPerSend)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "envelope count out of range"));
    for (const auto& e : send.envelopes()) {
        if (e.body().empty() || e.body().size() > m_config.maxEnvelopeBytes)
            return done(errorResponse(proto::STATUS_TOO_LARGE, "envelope body size out of range"));
        if (e.type() != 2 && e.type() != 3)
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "unknown envelope type"));
    }
    // The blobs this message's attachments name, declared in clear (the relay cannot read the
    // message): checked against their uploader in the job, then kept for good (BlobStore).
    if (send.blob_ids_size() > BlobStore::kMaxReferencesPerSend)
        return done(
            errorResponse(proto::STATUS_BAD_REQUEST, "too many attachments in one message"));
    for (int i = 0; i < send.blob_ids_size(); ++i) {
        if (send.blob_ids(i).size() != 32)
            return done(errorResponse(proto::STATUS_BAD_REQUEST, "a blob id is 32 bytes"));
        for (int j = 0; j < i; ++j)
            if (send.blob_ids(j) == send.blob_ids(i))
                return done(errorResponse(proto::STATUS_BAD_REQUEST, "a blob is declared twice"));
    }
    // No journal, no delivery: the entry must parse, name this message and this device, be
    // sealed to the current journal key and (unless the firm leaves signatures to compliance)
    // carry this device's signature. All of it is checked here, off the storage thread.
    if (send.journal_entry().empty())
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry missing"));
    auto entry = journal::SealedEntry::parse(view(send.journal_entry()));
    if (!entry) return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry malformed"));
    const auto& h = entry->header;
    if (!constantTimeEqual(h.messageId, view(send.message_id())))
        return done(
            errorResponse(proto::STATUS_BAD_REQUEST, "journal entry is for another message"));
    if (h.senderUser != from.user || h.senderDevice != from.device)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "journal entry names another sender"));
    // Issue 15 break 6: the journal's conversation and recipients are those of the delivery.
    // Header version 1 did not name them: such a sender is refused, not downgraded.
    if (h.version < journal::kHeaderVersion)
        return done(errorResponse(proto::STATUS_BAD_REQUEST,
                                  "journal entry format 1 is no longer accepted: update the app"));
    if (h.conversationId != send.conversation_id())
        return done(
            errorResponse(proto::STATUS_BAD_REQUEST, "journal entry names another conversation"));
    if (!constantTimeEqual(h.journalKeyId, journal::journalKeyId(m_config.journalPublicKey)))
        return done(errorResponse(proto::STATUS_JOURNAL_KEY_CHANGED,
                                  "journal entry sealed to a journal key that is not current"));
    if (m_config.verifyJournalSignatures &&
        !journal::verifyEntrySignature(*entry, from.identityKey))
        return done(
            errorResponse(proto::STATUS_BAD_REQUEST, "journal entry signature does not verify"));
    Bytes commitment(h.commitment.begin(), h.commitment.end());
    // Consent (issue 17): a declared acceptance must name a notice this relay knows, exactly.
    const bool declaresNotice = send.has_notice_acceptance();
    if (declaresNotice && !journal::isKnownNotice(send.notice_acceptance().version(),
                                                  view(send.notice_acceptance().text_sha256())))
        return done(errorResponse(proto::STATUS_BAD_REQUEST,
                                  "the accepted recording notice is not one this relay knows"));
    const bool needsNotice =
        m_config.requireNoticeAcceptance && from.role == proto::ROLE_CLIENT && !declaresNotice;

    SendKey key{from.user, from.device, send.message_id()};
    const std::uint64_t ticket = notePendingSend(key);
    auto sendPtr = std::make_shared<proto::SendMessage>(std::move(send));
    auto response = std::make_shared<proto::Response>();
    // Every refusal below comes before the first write, and the writes are plain INSERTs: the
    // job needs no savepoint (StorageThread::postWritesLast).
    m_storage->postWritesLast(
        [this, from, sendPtr, commitment, response, done, recipients = h.recipientsDigest,
         needsNotice, declaresNotice, key = std::move(key),
         ticket](Database& db) -> Result<Completion> {
            const auto& s = *sendPtr;
            forgetPendingSend(ticket);
            // Idempotent retry: the same (device, message id) was stored before. On PostgreSQL
            // the batch asked for all its sends at once (prefetchSends); a send known new skips.
            std::optional<storage::StatementLease> prior;
            if (m_sendsAbsent.erase(key) == 0) {
                VERBATIM_TRY_LET(st, db.cached("SELECT s.journal_seq, s.server_time_ms, "
                                               "j.chain_hash, j.entry FROM sends s JOIN journal j "
                                               "ON j.seq = s.journal_seq WHERE s.sender_user = ? "
                                               "AND s.sender_device = ? AND s.message_id = ?"));
                st->bind(1, std::string_view(from.user))
                    .bind(2, std::int64_t(from.device))
                    .bind(3, view(s.message_id()));
                VERBATIM_TRY_LET(seen, st->step());
                if (*seen) prior.emplace(std::move(*st));
            }
            if (prior) {
                // Even a repeat is answered only to a device that is still active.
                VERBATIM_TRY_LET(active, isActive(db, from.user, from.device));
                if (!*active) return reject(proto::STATUS_FORBIDDEN, "device revoked");
                // A retry is the same message: one reusing the id in another conversation would
                // otherwise be told "stored" and go nowhere. (The sealed bytes of honest retries
                // differ, so the conversation the stored entry names is what is compared.)
                auto stored = journal::SealedEntry::parse(prior->columnBlob(3));
                if (stored && stored->header.conversationId != s.conversation_id())
                    return reject(proto::STATUS_CONFLICT,
                                  "this message id was already used in another conversation");
                auto* r = response->mutable_send_result();
                r->set_journal_sequence(std::uint64_t(prior->columnInt(0)));
                r->set_server_time_ms(std::uint64_t(prior->columnInt(1)));
                Bytes ch = prior->columnBlob(2);
                r->set_chain_hash(std::string(ch.begin(), ch.end()));
                r->set_duplicate(true);
                return Completion([response, done] { done(*response); });
            }
            // One query gives the membership check, the device check and the device set: the set
            // holds active devices only, so the sender is listed exactly when its user is a member
            // and it is still active (not revoked or wiped since it authenticated). Changes by
            // another process (`verbatim-relay admin`) were picked up when the batch began.
            VERBATIM_TRY_LET(members, cachedMemberDevices(db, s.conversation_id()));
            const auto& all = (*members)->devices; // sorted
            const std::pair<std::string, std::uint32_t> self{from.user, from.device};
            if (!std::binary_search(all.begin(), all.end(), self)) {
                VERBATIM_TRY_LET(active, isActive(db, from.user, from.device));
                if (!*active) return reject(proto::STATUS_FORBIDDEN, "device revoked");
                return reject(proto::STATUS_FORBIDDEN, "not a member of this conversation");
            }
            // A closed matter is read-only for every member (issue 22).
            if ((*members)->closed)
                return reject(proto::STATUS_MATTER_CLOSED,
                              "this matter is closed; nothing more can be sent in it");
            // A conversation that crosses an ethical wall carries nothing until an administrator
            // resolves it (issue 22): the refusal is journaled once, not per send.
            if (!(*members)->wall.empty()) {
                const std::string wall = (*members)->wall; // the cache may be emptied below
                VERBATIM_TRY_LET(text,
                                 refuseSendAtWall(db, s.conversation_id(), wall,
                                                  from.user + "/" + std::to_string(from.device)));
                response->set_status(kStatusEthicalWall);
                response->set_error(*text);
                return Completion([response, done] { done(*response); });
            }
            // Consent: an outside party's first send into a conversation is its notice
            // acceptance; anything else waits until one is journaled (docs/protocol.md).
            if (needsNotice && !(*members)->noticed.count(from.user)) {
                VERBATIM_TRY_LET(
                    accepted,
                    db.cached("SELECT 1 FROM notices WHERE conversation = ? AND user = ?"));
                accepted->bind(1, std::string_view(s.conversation_id()))
                    .bind(2, std::string_view(from.user));
                VERBATIM_TRY_LET(row, accepted->step());
                if (!*row)
                    return reject(proto::STATUS_NOTICE_REQUIRED,
                                  "accept the recording notice first");
                if (auto slot = m_memberCache.find(s.conversation_id());
                    slot != m_memberCache.end())
                    slot->second.noticed.insert(from.user);
            }

            // The envelope list must match the current device set exactly (Signal-Server's 409).
            std::vector<std::pair<std::string_view, std::uint32_t>> givenList;
            givenList.reserve(std::size_t(s.envelopes_size()));
            for (const auto& e : s.envelopes())
                givenList.emplace_back(e.user(), e.device());
            std::sort(givenList.begin(), givenList.end());
            if (std::adjacent_find(givenList.begin(), givenList.end()) != givenList.end())
                return reject(proto::STATUS_BAD_REQUEST, "two envelopes for one device");
            // Between a user's own devices (history transfer, issue 23) a message is addressed:
            // any of the user's other active devices, at least one; none is `missing`.
            const bool addressed = !journal::ownDevicesUser(s.conversation_id()).empty();
            if (addressed && givenList.empty())
                return reject(proto::STATUS_BAD_REQUEST,
                              "a message between your own devices names at least one of them");
            bool same = addressed || givenList.size() + 1 == all.size();
            for (std::size_t i = 0, j = 0; !addressed && same && i < all.size(); ++i) {
                if (all[i] == self) continue;
                same = all[i].first == givenList[j].first && all[i].second == givenList[j].second;
                ++j;
            }
            for (const auto& [user, device] : givenList)
                if (addressed && (std::pair{std::string(user), device} == self ||
                                  !std::binary_search(all.begin(), all.end(),
                                                      std::pair{std::string(user), device})))
                    same = false;
            if (!same) {
                std::set<std::pair<std::string, std::uint32_t>> expected, given;
                for (const auto& d : all)
                    if (d != self) expected.insert(d);
                for (const auto& [user, device] : givenList)
                    given.insert({std::string(user), device});
                auto* mm = response->mutable_device_mismatch();
                for (const auto& d : expected)
                    if (!addressed && !given.count(d)) {
                        auto* a = mm->add_missing();
                        a->set_user(d.first);
                        a->set_device(d.second);
                    }
                for (const auto& d : given)
                    if (!expected.count(d)) {
                        auto* a = mm->add_extra();
                        a->set_user(d.first);
                        a->set_device(d.second);
                    }
                response->set_status(proto::STATUS_CONFLICT);
                response->set_error("device list changed");
                // Nothing was written, and the error refuses the send; the response must still
                // carry the lists, so signal through the response object.
                return reject(proto::STATUS_CONFLICT, "device list changed");
            }
            // The envelope list is now the members' current devices: the header's recipients
            // digest must be over exactly these.
            if (!constantTimeEqual(journal::recipientsDigest(givenList), recipients))
                return reject(proto::STATUS_BAD_REQUEST,
                              "journal entry names other recipients than the delivery");

            VERBATIM_TRY(BlobStore::checkReferences(db, from.user, from.device, s.blob_ids()));

            std::uint64_t now = wallClockMs();
            VERBATIM_TRY_LET(appended, appendJournal(db, view(s.journal_entry()), now));
            std::uint64_t seq = *appended;
            VERBATIM_TRY(BlobStore::recordReferences(db, s.blob_ids(), seq, now));
            if (declaresNotice) { // counted once journaled: same transaction as the entry
                VERBATIM_TRY_LET(n, db.cached("INSERT OR IGNORE INTO notices (conversation, user, "
                                              "journal_seq, version, accepted_ms) "
                                              "VALUES (?, ?, ?, ?, ?)"));
                n->bind(1, std::string_view(s.conversation_id()))
                    .bind(2, std::string_view(from.user))
                    .bind(3, std::int64_t(seq))
                    .bind(4, std::int64_t(s.notice_acceptance().version()))
                    .bind(5, std::int64_t(now));
                VERBATIM_TRY(n->run());
                VERBATIM_TRY(recordStateRow(db, seq, kStateNotice));
            }
            // A state row is decided now, by the role at this send, never later when pruning
            // (issue 22, M1): a compliance device's declared supervision record (M2: its other
            // sends are pruned like anyone's). Declared by others, it means nothing.
            if (s.supervision_record() && from.role == proto::ROLE_COMPLIANCE)
                VERBATIM_TRY(recordStateRow(db, seq, kStateSupervision));
            const journal::ChainHash head = m_chain.head();

            VERBATIM_TRY_LET(q, db.cached("INSERT INTO queue (user, device, message_id, "
                                          "conversation, sender_user, sender_device, "
                                          "type, body, server_time_ms, commitment, journal_seq) "
                                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            std::vector<std::pair<DeviceId, proto::Frame>> frames;
            frames.reserve(std::size_t(s.envelopes_size()));
            for (const auto& e : s.envelopes()) {
                q->bind(1, std::string_view(e.user()))
                    .bind(2, std::int64_t(e.device()))
                    .bind(3, view(s.message_id()))
                    .bind(4, std::string_view(s.conversation_id()))
                    .bind(5, std::string_view(from.user))
                    .bind(6, std::int64_t(from.device))
                    .bind(7, std::int64_t(e.type()))
                    .bind(8, view(e.body()))
                    .bind(9, std::int64_t(now))
                    .bind(10, commitment)
                    .bind(11, std::int64_t(seq));
                VERBATIM_TRY(q->run());
                proto::Push p;
                auto* env = p.mutable_envelope();
                env->set_queue_id(std::uint64_t(db.lastInsertRowId()));
                env->set_message_id(s.message_id());
                env->set_conversation_id(s.conversation_id());
                env->mutable_sender()->set_user(from.user);
                env->mutable_sender()->set_device(from.device);
                env->set_type(e.type());
                env->set_body(e.body());
                env->set_server_time_ms(now);
                env->set_commitment(std::string(commitment.begin(), commitment.end()));
                env->set_journal_sequence(seq);
                env->set_journal_entry(s.journal_entry());
                frames.push_back({DeviceId{e.user(), e.device(), {}, {}}, pushFrame(std::move(p))});
            }
            VERBATIM_TRY_LET(
                sent,
                db.cached("INSERT INTO sends (sender_user, sender_device, message_id, journal_seq, "
                          "server_time_ms) VALUES (?, ?, ?, ?, ?)"));
            sent->bind(1, std::string_view(from.user))
                .bind(2, std::int64_t(from.device))
                .bind(3, view(s.message_id()))
                .bind(4, std::int64_t(seq))
                .bind(5, std::int64_t(now));
            VERBATIM_TRY(sent->run());
            // Supervising partners (issue 21): when, by a client or staff; never what.
            if (s.is_message() && m_onPostgres) // PostgreSQL: once per batch
                noteMessageActivity(s.conversation_id(), from.role == proto::ROLE_CLIENT, now);
            else if (s.is_message())
                VERBATIM_TRY(recordMessageActivity(db, s.conversation_id(),
                                                   from.role == proto::ROLE_CLIENT, now));
            // On the PostgreSQL store other nodes may hold recipients' live connections: they
            // hear of the queued rows once this commits (a NOTIFY goes out only then).
            if (db.engine())
                VERBATIM_TRY(notifyQueued(db, m_nodeId, s.envelopes(), m_batchNotified));

            auto* r = response->mutable_send_result();
            r->set_server_time_ms(now);
            r->set_journal_sequence(seq);
            r->set_chain_hash(std::string(head.begin(), head.end()));
            return Completion([this, frames = std::move(frames), response, done] {
                done(*response);
                pushLive(frames);
                wakeOffline(frames);
            });
        },
        [this, done, response, ticket](const Error& e) {
            forgetPendingSend(ticket); // a job that never ran (its batch could not begin)
            // A 409 carries its device lists in the response the job filled in.
            if (response->status() == proto::STATUS_CONFLICT) return done(*response);
            done(responseFor(e));
        });
}

void RelayService::onSend(const DeviceId& from, proto::Request& request, Done& done,
                          const RequestRun& run) {
    return handleSend(from, std::move(*request.mutable_send()), std::move(done));
}

void RelayService::onAcknowledge(const DeviceId& from, proto::Request& request, Done& done,
                                 const RequestRun& run) {
    auto ids = request.acknowledge().queue_ids();
    if (ids.size() > 1000) return done(errorResponse(proto::STATUS_TOO_LARGE, "at most 1000 ids"));
    return run(
        [this, from, ids](Database& db, proto::Response&) -> Result<Completion> {
            // Scoped to the acknowledging device: nobody can delete another device's queue.
            // One statement per 64 ids instead of one per id: on PostgreSQL each statement is
            // work for its backend (and, outside a pipeline, a round trip).
            for (int at = 0; at < ids.size(); at += kAckChunk) {
                const int n = std::min(kAckChunk, ids.size() - at);
                VERBATIM_TRY_LET(st, db.cached(ackDeleteSql(n)));
                st->bind(1, std::string_view(from.user)).bind(2, std::int64_t(from.device));
                // A short chunk repeats its last id up to the statement's size.
                for (int i = 0, size = ackStatementSize(n); i < size; ++i)
                    st->bind(3 + i, std::int64_t(ids[at + std::min(i, n - 1)]));
                VERBATIM_TRY(st->run());
            }
            if (!m_listener) return Completion();
            // Once committed the rows are gone and no catch-up can push them again: forget them.
            // Only a catch-up after another node's NOTIFY prunes the set otherwise, so on a node
            // no other wakes it would grow for as long as the device stays connected.
            return Completion([this, from, ids] {
                auto it = m_liveQueues.find(from);
                if (it == m_liveQueues.end()) return;
                for (auto id : ids)
                    it->second.pushed.erase(id);
            });
        },
        /*repeatable: a row deleted before a failure may stay deleted; the device acknowledged it*/
        true);
}

} // namespace verbatim::relay
