// Client, sending: the outbox pipeline (prepare, seal, send pipelined, finish) and the message
// operations that queue records (see ClientImpl.h; attachments are in ClientAttachments.cpp).
#include "client/core/ClientImpl.h"
#include "common/Try.h"
#include "journal/HistoryTransfer.h"

#include "client/core/Emoji.h"

namespace verbatim::client {

proto::JournalRecord Client::Impl::newRecord(const std::string& conversation,
                                             proto::MessageType type) {
    proto::JournalRecord rec;
    rec.set_version(2);
    rec.set_message_id(journal::newMessageId(nowMs()));
    rec.set_conversation_id(conversation);
    rec.mutable_sender()->set_user(acct.user);
    rec.mutable_sender()->set_device(acct.device);
    rec.set_client_time_ms(nowMs());
    rec.set_type(type);
    rec.set_commit_key(str(crypto::randomBytes(32)));
    return rec;
}

// Stores the record in the outbox (and, for what users see, in the message list) in one
// transaction. The caller holds `mutex`.
Result<std::string> Client::Impl::enqueue(proto::JournalRecord rec, MessageKind localKind,
                                          bool storeLocally) {
    // Every string of a record is UTF-8 (C-UTF8-1): a record that is not could never be sent
    // (protobuf refuses it) and would sit in the outbox for good, so it is refused here, clearly.
    bool utf8 = isUtf8(rec.body());
    for (const auto& a : rec.attachments())
        utf8 = utf8 && isUtf8(a.file_name()) && isUtf8(a.mime_type());
    if (!utf8)
        return fail(ErrorCode::InvalidArgument,
                    "the message text is not valid UTF-8; nothing was sent");
    Transaction tx(*db);
    const bool own = !db->inTransaction();
    if (own) VERBATIM_TRY(tx.begin());
    if (storeLocally) {
        std::string body = rec.type() == proto::SAFETY_NUMBER_ACCEPTED
                               ? "You accepted a new safety number"
                               : rec.body();
        if (rec.type() == proto::NOTICE_ACCEPTED) body = "You accepted the recording notice";
        if (auto r = messages->insert(rec, localKind, true, MessageState::Queued, 0, 0, body); !r)
            return tl::unexpected(r.error());
    }
    VERBATIM_TRY(outbox->add(rec));
    if (own) VERBATIM_TRY(tx.commit());
    {
        std::lock_guard lock(queueMutex);
        outboxIdle = false;
    }
    return hexOf(rec.message_id());
}

// Sends the outbox in order, pipelined: up to kWindow messages are prepared (encrypted, sealed)
// and in flight at once, so that the relay's group commit stores them together. Responses are
// handled in order; a message the relay refused for a changed device list (409) stays queued
// and is prepared again with the new list.
void Client::Impl::flushOutbox() {
    if (wiped || revoked()) return;
    {
        std::lock_guard lock(queueMutex);
        // Nothing leaves on a connection before its QueueDrained was checked for a restore:
        // entries sent to a restored relay must carry the chain its journal continues.
        if (restoreCheckedGeneration != generation) return;
        if (retryAt != std::chrono::steady_clock::time_point{} &&
            std::chrono::steady_clock::now() < retryAt)
            return;
        retryAt = {};
    }
    auto retryLater = [this] {
        // The relay's Retry-After when it rate-limited us, else 2 s.
        auto wait = retryAfterMs
                        ? std::chrono::milliseconds(std::min<std::uint64_t>(retryAfterMs, 60000))
                        : std::chrono::milliseconds(2000);
        retryAfterMs = 0;
        std::lock_guard lock(queueMutex);
        retryAt = std::chrono::steady_clock::now() + wait;
    };
    std::set<std::string> refresh; // conversations whose device list the relay said changed
    int conflictRounds = 0;
    while (true) {
        std::vector<Outbox::Row> rows;
        if (manifestStale && refreshManifest()) touchGuard();
        {
            std::lock_guard lock(mutex);
            if (!db || !manifestOk)
                break; // ES-10: no verified journal key, nothing leaves; it stays queued
            auto window = outbox->window(kWindow);
            if (!window) break;
            rows = std::move(*window);
        }
        if (rows.empty()) break;
        auto c = connection();
        if (!c || !c->isOpen()) break;

        std::vector<PreparedSend> batch;
        bool stalled = false;
        for (auto& r : rows) {
            auto p = prepareSend(r.seq, r.conversation, std::move(r.record),
                                 refresh.count(r.conversation) > 0);
            if (p.outcome == SendOutcome::Retry) {
                stalled = true;
                break;
            }
            if (p.outcome == SendOutcome::Sent) batch.push_back(std::move(p)); // ready to go
        }
        refresh.clear();
        // In flight together; the callbacks may outlive this frame (connection loss), so they
        // share their state.
        struct Flight {
            std::mutex m;
            std::condition_variable cv;
            std::vector<std::optional<proto::Response>> responses;
            std::size_t remaining = 0;
        };
        auto flight = std::make_shared<Flight>();
        flight->responses.resize(batch.size());
        flight->remaining = batch.size();
        for (std::size_t i = 0; i < batch.size(); ++i)
            c->request(batch[i].request, [flight, i](proto::Response r) {
                std::lock_guard lock(flight->m);
                flight->responses[i] = std::move(r);
                --flight->remaining;
                flight->cv.notify_all();
            });
        {
            std::unique_lock lock(flight->m);
            flight->cv.wait_for(lock, std::chrono::seconds(60),
                                [&] { return flight->remaining == 0; });
        }
        bool conflict = false, again = stalled;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::optional<proto::Response> resp;
            {
                std::lock_guard lock(flight->m);
                resp = flight->responses[i];
            }
            auto outcome = finishSend(batch[i], resp);
            if (outcome == SendOutcome::Held) { // 409: prepare again with the new device list
                conflict = true;
                refresh.insert(batch[i].conversation);
            }
            if (outcome == SendOutcome::Retry) again = true;
        }
        if (conflict && ++conflictRounds > kMaxSendAttempts) again = true;
        if (again) {
            retryLater();
            break;
        }
    }
    {
        std::lock_guard lock(queueMutex);
        outboxIdle = true;
    }
    syncCv.notify_all();
}

void Client::Impl::dropFromOutbox(std::int64_t seq, const proto::JournalRecord& rec,
                                  MessageState state, const std::string& why) {
    Transaction tx(*db);
    if (!tx.begin()) return;
    (void)outbox->remove(seq);
    (void)messages->setState(rec.message_id(), state);
    (void)tx.commit();
    emit(
        {Event::Kind::SendFailed, rec.conversation_id(), hexOf(rec.message_id()), {}, {}, {}, why});
}

// Builds the SendMessage for one outbox row: outcome Sent means "ready", Held and Failed mean
// the row was set aside, Retry means stop for now.
Client::Impl::PreparedSend Client::Impl::prepareSend(std::int64_t seq,
                                                     const std::string& conversation,
                                                     proto::JournalRecord rec,
                                                     bool refreshDevices) {
    PreparedSend out{SendOutcome::Retry, seq, conversation, {}, {}};
    const std::string hexId = hexOf(rec.message_id());
    // The two round trips (member devices, missing bundles) run without `mutex`, each taking it
    // only to read or store; the rest (hold check, encryption, sealing) runs under it.
    auto devices = memberDevices(conversation, refreshDevices);
    if (!devices) {
        if (devices.error().code == ErrorCode::Forbidden) {
            std::lock_guard lock(mutex);
            if (!db) return out;
            dropFromOutbox(seq, rec, MessageState::Failed, "not a member of this conversation");
            out.outcome = SendOutcome::Failed;
        }
        return out;
    }
    // A record to one of the user's own devices names a device the cached list may not know yet
    // (a device linked since the list was cached, the usual case for a history transfer): the
    // relay is asked again before the record is given up.
    if (!refreshDevices && !journal::ownDevicesUser(conversation).empty()) {
        auto probe = *devices;
        if (!addressOwnDevices(conversation, rec, probe))
            devices = memberDevices(conversation, true);
        if (!devices) return out;
    }
    if (!addressOwnDevices(conversation, rec, *devices)) { // ClientHistory.cpp
        std::lock_guard lock(mutex);
        if (db) dropFromOutbox(seq, rec, MessageState::Failed, "no longer your active device");
        out.outcome = db ? SendOutcome::Failed : SendOutcome::Retry;
        return out;
    }
    std::set<std::string> changed;
    if (auto r = ensureSessions(*devices, &changed); !r) return out;
    std::lock_guard lock(mutex);
    if (!db) return out; // wiped meanwhile
    for (auto& u : changed) {
        emit({Event::Kind::SafetyNumberChanged,
              conversation,
              {},
              {},
              u,
              {},
              "safety number of " + u + " changed"});
        (void)messages->systemMessage(conversation,
                                      "The safety number of " + u +
                                          " changed. Verify it, then accept to keep sending.");
    }
    // Held while a participant's safety number change is not accepted (PR-08).
    bool held = false;
    for (const auto& d : *devices)
        if (auto h = trust->userHeld(d.user()); h && *h)
            held = true; // own user too: an unapproved own device
    if (held) {
        (void)outbox->hold(seq);
        (void)messages->setState(rec.message_id(), MessageState::Blocked);
        const bool ownDevice = [&] {
            auto h = trust->userHeld(acct.user);
            return h && *h;
        }();
        emit({Event::Kind::SendFailed,
              conversation,
              hexId,
              {},
              {},
              {},
              ownDevice ? "held: a device you did not approve was added to your account"
                        : "held: a safety number changed"});
        out.outcome = SendOutcome::Held;
        return out;
    }
    // The recipients the entry names are exactly the devices that get an envelope: the relay
    // compares the envelope list with the members' current devices (409 when they differ) and
    // then the entry's recipients digest with that list. A device listed here without a session
    // (its bundle was gone: revoked, say, since the list was cached) gets no envelope, so naming
    // it would have the send refused for good; left out, the relay's 409 says whether it is
    // still a current device, and the next round fetches its bundle.
    rec.clear_recipients();
    for (const auto& d : *devices)
        if (!(d.user() == acct.user && d.device() == acct.device) &&
            sessions->hasSession({d.user(), std::int32_t(d.device())}))
            *rec.add_recipients() = d;
    // Sealed before encrypting: the end-to-end copy carries the entry's ephemeral secret, so that
    // every recipient can open the journal's copy as compliance will (journal copy check).
    auto chain = accounts->deviceChain();
    if (!chain) return out;
    const std::string historyKey = rec.history_key(); // to the target only, never the journal
    rec.clear_history_key();
    SecureBytes ephemeral;
    auto sealed = journal::sealRecord(
        rec, manifest.currentJournalKey()->publicKey,
        [&](ByteView msg) { return sessions->sign(msg); }, *chain, &ephemeral);
    if (!sealed) return out;
    std::string payload;
    {
        proto::JournalRecord e2e = rec;
        e2e.set_journal_ephemeral(str(ephemeral));
        if (!historyKey.empty()) e2e.set_history_key(historyKey);
        payload = e2e.SerializeAsString();
    }
    auto* send = out.request.mutable_send();
    send->set_message_id(rec.message_id());
    send->set_conversation_id(conversation);
    // Encrypt to every device and persist the advanced sessions before anything leaves: a crash
    // after sending must never reuse a message key (CF-05, PR-16).
    std::optional<signal::Address> broken;
    {
        Transaction tx(*db);
        if (!tx.begin()) return out;
        for (const auto& d : rec.recipients()) {
            signal::Address a{d.user(), std::int32_t(d.device())};
            auto ct = sessions->encrypt(a, view(payload));
            if (!ct) {
                log::write(log::Level::Warn, "client.encrypt_failed",
                           {{"user", d.user()}, {"error", ct.error().message}});
                broken = a;
                break;
            }
            auto* e = send->add_envelopes();
            e->set_user(d.user());
            e->set_device(d.device());
            e->set_type(std::uint32_t(ct->type));
            e->set_body(str(ct->body));
        }
        if (!broken) {
            if (!outbox->countAttempt(seq)) return out;
            if (!tx.commit()) return out;
        }
    }
    if (broken) {
        // Nothing of this attempt was kept (rolled back); the next one starts that session afresh
        // from a new bundle rather than send an entry naming a device that got no envelope.
        (void)sessions->store().deleteSession(*broken);
        return out;
    }
    send->set_journal_entry(str(sealed->serialize()));
    // The relay cannot read the record: the blobs it names are declared in clear, so that the
    // relay keeps them (an upload no send declares is removed after a grace period). Only this
    // device's uploads are accepted, which is all sendAttachment puts in a record.
    for (const auto& a : rec.attachments())
        if (std::find(send->blob_ids().begin(), send->blob_ids().end(), a.blob_id()) ==
            send->blob_ids().end())
            send->add_blob_ids(a.blob_id());
    // Likewise whether a person wrote it (issue 21): supervisors see when a client waits for an
    // answer, which a receipt or a reaction is not.
    if (rec.type() == proto::TEXT || rec.type() == proto::ATTACHMENT) send->set_is_message(true);
    // And whether it is a supervision record (issue 22): the relay keeps those whole in its
    // boundary snapshot when it prunes, and prunes everything else a compliance officer sends.
    if (rec.type() == proto::SUPERVISION) send->set_supervision_record(true);
    // Likewise the notice acceptance (issue 17): the one send a client may make before it.
    if (rec.type() == proto::NOTICE_ACCEPTED)
        if (auto a = journal::parseNoticeAcceptance(rec.body())) {
            send->mutable_notice_acceptance()->set_version(a->version);
            send->mutable_notice_acceptance()->set_text_sha256(str(a->textSha256));
        }
    out.rec = std::move(rec);
    out.outcome = SendOutcome::Sent;
    return out;
}

// Handles the relay's answer to one prepared send: Sent (stored, outbox row gone), Held (409:
// prepare again), Retry (later) or Failed (refused for good).
Client::Impl::SendOutcome Client::Impl::finishSend(const PreparedSend& p,
                                                   const std::optional<proto::Response>& resp) {
    std::lock_guard lock(mutex);
    if (!resp) return SendOutcome::Retry;
    const auto& rec = p.rec;
    switch (resp->status()) {
    case proto::STATUS_OK: {
        const auto& r = resp->send_result();
        Transaction tx(*db);
        if (!tx.begin()) return SendOutcome::Retry;
        if (!outbox->remove(p.seq)) return SendOutcome::Retry;
        if (!messages->markSent(rec.message_id(), r.server_time_ms(), r.journal_sequence()) ||
            !messages->recordRecipients(rec, r.server_time_ms()))
            return SendOutcome::Retry;
        (void)messages->markProcessed(rec.message_id());
        // Kept, with the chain before it, for a resend should the relay be restored from a
        // backup taken before this (C-RESTORE-1).
        auto chainBefore = accounts->deviceChain();
        if (!chainBefore || !outbox->recordSent(rec, r.journal_sequence(), *chainBefore, nowMs()))
            return SendOutcome::Retry;
        // The journal has this entry now (or had it: a duplicate): it joins this device's chain,
        // which every later entry carries (issue 15 break 3).
        if (!accounts->advanceDeviceChain(view(rec.message_id()))) return SendOutcome::Retry;
        if (!tx.commit()) return SendOutcome::Retry;
        if (rec.type() != proto::RECEIPT)
            emit({Event::Kind::Sent,
                  p.conversation,
                  hexOf(rec.message_id()),
                  {},
                  {},
                  {},
                  "journal_sequence=" + std::to_string(r.journal_sequence()),
                  r.server_time_ms()});
        return SendOutcome::Sent;
    }
    case proto::STATUS_JOURNAL_KEY_CHANGED:
        manifestStale = true; // fetch the manifest, then seal again
        return SendOutcome::Held;
    case proto::STATUS_CONFLICT:
        // The device list changed (a device joined, left or was revoked): refetch, retry.
        deviceCache.erase(p.conversation);
        for (const auto& x : resp->device_mismatch().extra())
            (void)sessions->store().deleteSession({x.user(), std::int32_t(x.device())});
        return SendOutcome::Held;
    case proto::STATUS_RATE_LIMITED:
        retryAfterMs = std::max<std::uint64_t>(retryAfterMs,
                                               std::max<std::uint64_t>(resp->retry_after_ms(), 50));
        return SendOutcome::Retry;
    case proto::STATUS_UNAVAILABLE:
    case proto::STATUS_INTERNAL:
        return SendOutcome::Retry;
    case proto::STATUS_NOTICE_REQUIRED:
        // No journaled acceptance of ours in this conversation (a relay upgraded to consent
        // enforcement, or a conversation joined after accepting): ask again, send nothing more.
        acct.noticeRequired = true;
        acct.noticeAccepted = false;
        (void)accounts->set("notice_required", view(std::string("1")));
        (void)accounts->set("notice_reset_ms", view(std::to_string(nowMs())));
        (void)accounts->remove("notice_accepted_ms");
        dropFromOutbox(p.seq, rec, MessageState::Failed,
                       "relay refused the message: " + resp->error());
        return SendOutcome::Failed;
    default:
        dropFromOutbox(p.seq, rec, MessageState::Failed,
                       "relay refused the message: " + resp->error());
        return SendOutcome::Failed;
    }
}

// An edit, retraction or reaction of this user: queued and applied here in one transaction
// (the other devices apply it when they receive it).
Result<std::string> Client::Impl::sendChange(const proto::JournalRecord& rec) {
    Transaction tx(*db);
    VERBATIM_TRY(tx.begin());
    auto id = enqueue(rec, MessageKind::System, false);
    if (!id) return id;
    std::vector<Event> events;
    VERBATIM_TRY(messages->apply(rec, nowMs(), 0, events));
    VERBATIM_TRY(tx.commit());
    // A retraction's text may linger in old FTS segments until they merge: merge them now.
    if (rec.type() == proto::RETRACT)
        (void)db->exec("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')");
    scheduleFlush();
    return id;
}

Result<std::string> Client::sendText(const std::string& conversation, const std::string& text) {
    if (text.empty()) return fail(ErrorCode::InvalidArgument, "empty message");
    if (text.size() > 64 * 1024)
        return fail(ErrorCode::InvalidArgument, "message too long (64 KiB at most)");
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    if (m->acct.noticeRequired && !m->acct.noticeAccepted)
        return fail(ErrorCode::InvalidArgument,
                    "accept the recording notice before sending (this matter is journaled)");
    auto conv = m->resolveConversation(conversation);
    if (!conv) return conv;
    auto rec = m->newRecord(*conv, proto::TEXT);
    rec.set_body(text);
    auto id = m->enqueue(std::move(rec), MessageKind::Text, true);
    if (id) m->scheduleFlush();
    return id;
}

Result<std::string> Client::edit(const std::string& messageId, const std::string& text) {
    if (text.empty()) return fail(ErrorCode::InvalidArgument, "empty message");
    auto raw = rawId(messageId);
    if (!raw) return raw;
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY_LET(msg, m->message(messageId));
    if (!*msg) return fail(ErrorCode::NotFound, "no such message");
    if ((*msg)->senderUser != m->acct.user)
        return fail(ErrorCode::InvalidArgument, "only your own messages can be edited");
    if ((*msg)->retracted) return fail(ErrorCode::InvalidArgument, "the message was deleted");
    if ((*msg)->kind != MessageKind::Text)
        return fail(ErrorCode::InvalidArgument, "only text messages can be edited");
    auto rec = m->newRecord((*msg)->conversation, proto::EDIT);
    rec.set_body(text);
    rec.set_ref_message_id(*raw);
    return m->sendChange(rec);
}

Result<std::string> Client::retract(const std::string& messageId) {
    auto raw = rawId(messageId);
    if (!raw) return raw;
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY_LET(msg, m->message(messageId));
    if (!*msg) return fail(ErrorCode::NotFound, "no such message");
    if ((*msg)->senderUser != m->acct.user)
        return fail(ErrorCode::InvalidArgument,
                    "only your own messages can be deleted for everyone");
    if ((*msg)->retracted) return fail(ErrorCode::InvalidArgument, "already deleted");
    auto rec = m->newRecord((*msg)->conversation, proto::RETRACT);
    rec.set_ref_message_id(*raw);
    return m->sendChange(rec);
}

Result<std::string> Client::react(const std::string& messageId, const std::string& emoji) {
    auto raw = rawId(messageId);
    if (!raw) return raw;
    // Checked again by every receiver (Emoji.h); refused here so that nothing is queued for it.
    if (!emoji.empty() && !isSingleEmoji(emoji))
        return fail(ErrorCode::InvalidArgument, "a reaction is exactly one emoji");
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY_LET(msg, m->message(messageId));
    if (!*msg) return fail(ErrorCode::NotFound, "no such message");
    auto rec = m->newRecord((*msg)->conversation, proto::REACTION);
    rec.set_body(emoji);
    rec.set_ref_message_id(*raw);
    return m->sendChange(rec);
}

Result<MessageInfoView> Client::messageInfo(const std::string& messageId) {
    auto raw = rawId(messageId);
    if (!raw) return tl::unexpected(raw.error());
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY_LET(msg, m->message(messageId));
    if (!*msg) return fail(ErrorCode::NotFound, "no such message");
    if (!(*msg)->outgoing) return fail(ErrorCode::InvalidArgument, "not a message you sent");
    MessageInfoView info;
    info.message = std::move(**msg);
    VERBATIM_TRY_LET(devices, m->messages->recipients(*raw, m->acct.device));
    info.recipients = std::move(*devices);
    for (auto& r : info.recipients)
        if (auto it = m->deviceNames.find({r.user, r.device}); it != m->deviceNames.end())
            r.deviceName = it->second;
    return info;
}

Result<void> Client::markRead(const std::string& conversation) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY_LET(conv, m->resolveConversation(conversation));
    auto st = m->db->prepare(
        "SELECT row, id FROM messages WHERE conversation = ? AND outgoing = 0 AND kind IN (0, 1) "
        "AND state = ? ORDER BY row DESC LIMIT 1");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(*conv)).bind(2, std::int64_t(MessageState::Received));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return {};
    if (m->acct.noticeRequired && !m->acct.noticeAccepted)
        return {}; // nothing leaves before consent
    std::int64_t last = st->columnInt(0);
    std::string id = str(st->columnBlob(1));
    VERBATIM_TRY_LET(cur, m->db->prepare("SELECT last_read_row FROM conversations WHERE id = ?"));
    cur->bind(1, std::string_view(*conv));
    auto crow = cur->step();
    if (crow && *crow && cur->columnInt(0) >= last) return {};
    Transaction tx(*m->db);
    if (auto r = tx.begin(); !r) return r;
    VERBATIM_TRY_LET(up, m->db->prepare("UPDATE conversations SET last_read_row = ? WHERE id = ?"));
    up->bind(1, last).bind(2, std::string_view(*conv));
    if (auto r = up->run(); !r) return r;
    auto rec = m->newRecord(*conv, proto::RECEIPT);
    rec.set_body("read");
    rec.set_ref_message_id(id);
    VERBATIM_TRY(m->enqueue(std::move(rec), MessageKind::System, false));
    if (auto r = tx.commit(); !r) return r;
    m->scheduleFlush();
    return {};
}

Result<void> Client::acceptNotice(const std::string& facts) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    if (!m->acct.noticeRequired) return {};
    if (m->acct.noticeAccepted) return {};
    if (!facts.empty() && !parseFlatJsonObject("{" + facts + "}"))
        return fail(ErrorCode::InvalidArgument, "the notice's facts are not a flat JSON object's "
                                                "names and values (noticeFactsJson)");
    // Consent is per conversation (the relay refuses a client's send into one without it): one
    // NOTICE_ACCEPTED, with the canonical notice's version and hash, into each conversation that
    // has none of ours yet (issue 17; docs/protocol.md, "Recording notice").
    // Acceptances made before the relay last refused a send for want of one (notice_reset_ms:
    // a relay upgraded to consent enforcement does not know them) do not count.
    std::int64_t since = 0;
    if (auto v = m->accounts->get("notice_reset_ms"); v && *v) since = std::atoll((*v)->c_str());
    auto st = m->db->prepare(
        "SELECT c.id FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE "
        "m.conversation = c.id AND m.outgoing = 1 AND m.kind = ? AND m.state != ? AND "
        "m.client_time_ms >= ?) ORDER BY c.rowid");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(MessageKind::Notice))
        .bind(2, std::int64_t(MessageState::Failed))
        .bind(3, since);
    std::vector<std::string> convs;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        convs.push_back(st->columnText(0));
    }
    if (convs.empty()) {
        VERBATIM_TRY_LET(any, m->db->prepare("SELECT 1 FROM conversations LIMIT 1"));
        VERBATIM_TRY_LET(row, any->step());
        if (!*row) return fail(ErrorCode::NotFound, "no matter to accept the notice for");
    }
    Transaction tx(*m->db);
    if (auto r = tx.begin(); !r) return r;
    for (const auto& conv : convs) {
        auto rec = m->newRecord(conv, proto::NOTICE_ACCEPTED);
        // Issue 22: the facts the notice stated (inviter, matter, retention, privacy notice,
        // erasure) are part of what was accepted, after the version, hash and firm.
        std::string body = journal::noticeAcceptanceBody(m->acct.firmName);
        if (!facts.empty()) body.insert(body.size() - 1, "," + facts);
        rec.set_body(body);
        VERBATIM_TRY(m->enqueue(std::move(rec), MessageKind::Notice, true));
    }
    if (auto r = m->accounts->set("notice_accepted_ms", view(std::to_string(nowMs()))); !r)
        return r;
    if (auto r = tx.commit(); !r) return r;
    m->acct.noticeAccepted = true;
    m->scheduleFlush();
    return {};
}

Result<std::size_t> Client::outboxSize() {
    std::lock_guard lock(m->mutex);
    return m->outboxSize();
}

Result<std::size_t> Client::Impl::outboxSize() {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    return outbox->sendable();
}

} // namespace verbatim::client
