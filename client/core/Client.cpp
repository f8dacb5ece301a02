// Client, the façade's own part: event and state names, start and stop, the worker and what it
// does when idle, pushes from the relay, conversations, receiving, and the queries
// (client/core/ClientImpl.h says how the rest is split).
#include "client/core/ClientImpl.h"
#include "common/Try.h"

namespace verbatim::client {

const char* stateName(MessageState s) {
    switch (s) {
    case MessageState::Queued:
        return "queued";
    case MessageState::Sent:
        return "sent";
    case MessageState::Delivered:
        return "delivered";
    case MessageState::Read:
        return "read";
    case MessageState::Received:
        return "received";
    case MessageState::Blocked:
        return "blocked";
    case MessageState::Failed:
        return "failed";
    case MessageState::Mismatch:
        return "mismatch";
    }
    return "unknown";
}

const char* kindName(MessageKind k) {
    switch (k) {
    case MessageKind::Text:
        return "text";
    case MessageKind::Attachment:
        return "attachment";
    case MessageKind::System:
        return "system";
    case MessageKind::Notice:
        return "notice";
    case MessageKind::Mismatch:
        return "mismatch";
    }
    return "unknown";
}

const char* eventName(Event::Kind k) {
    switch (k) {
    case Event::Kind::Message:
        return "message";
    case Event::Kind::Edited:
        return "edited";
    case Event::Kind::Retracted:
        return "retracted";
    case Event::Kind::Reaction:
        return "reaction";
    case Event::Kind::Receipt:
        return "receipt";
    case Event::Kind::Sent:
        return "sent";
    case Event::Kind::SendFailed:
        return "send_failed";
    case Event::Kind::ConversationChanged:
        return "conversation_changed";
    case Event::Kind::SafetyNumberChanged:
        return "safety_number_changed";
    case Event::Kind::JournalMismatch:
        return "journal_mismatch";
    case Event::Kind::Undecryptable:
        return "undecryptable";
    case Event::Kind::Connected:
        return "connected";
    case Event::Kind::Disconnected:
        return "disconnected";
    case Event::Kind::Synced:
        return "synced";
    case Event::Kind::Revoked:
        return "revoked";
    case Event::Kind::Wiped:
        return "wiped";
    case Event::Kind::JournalKeyRotated:
        return "journal_key_rotated";
    case Event::Kind::JournalKeyRefused:
        return "journal_key_refused";
    case Event::Kind::AwaitingApproval:
        return "awaiting_approval";
    case Event::Kind::DeviceAdded:
        return "device_added";
    case Event::Kind::DeviceApprovalRequested:
        return "device_approval_requested";
    case Event::Kind::ConnectedElsewhere:
        return "connected_elsewhere";
    case Event::Kind::RelayRestored:
        return "relay_restored";
    case Event::Kind::MessagesExpired:
        return "messages_expired";
    case Event::Kind::WipeRefused:
        return "wipe_refused";
    case Event::Kind::PolicyChanged:
        return "policy_changed";
    case Event::Kind::HistoryImporting:
        return "history_importing";
    case Event::Kind::HistoryImported:
        return "history_imported";
    case Event::Kind::HistoryFailed:
        return "history_failed";
    }
    return "unknown";
}

std::string Event::json() const {
    std::string out = std::string("{\"event\":\"") + eventName(kind) + "\"";
    auto field = [&](const char* name, const std::string& v) {
        if (!v.empty()) out += std::string(",\"") + name + "\":" + jsonQuote(v);
    };
    field("conversation", conversation);
    field("id", messageId);
    field("ref", refId);
    field("sender", sender);
    field("text", text);
    field("detail", detail);
    if (serverTimeMs) out += ",\"server_time_ms\":" + std::to_string(serverTimeMs);
    out += "}";
    return out;
}

// ---- account key-value store ------------------------------------------------------------------

// The signed MISMATCH_REPORT a recipient journals about a message it withheld: which message,
// from whom, at which journal sequence, then `fields` (",\"name\":value..."), never content.
Result<std::string> Client::Impl::queueMismatchReport(const std::string& conversation,
                                                      const std::string& messageId,
                                                      const std::string& sender,
                                                      std::uint64_t journalSeq,
                                                      const std::string& fields) {
    auto report = newRecord(conversation, proto::MISMATCH_REPORT);
    report.set_ref_message_id(messageId);
    report.set_body("{\"message_id\":\"" + hexOf(messageId) + "\",\"sender\":" + jsonQuote(sender) +
                    ",\"journal_sequence\":" + std::to_string(journalSeq) + fields + "}");
    return enqueue(std::move(report), MessageKind::System, false);
}

Result<void> Client::Impl::checkJournalCopy(const proto::JournalRecord& rec,
                                            const proto::Envelope& e) const {
    std::vector<Bytes> keys;
    for (const auto& k : manifest.journalKeys)
        keys.push_back(k.publicKey);
    return journal::checkJournalCopy(view(e.journal_entry()), rec, view(e.commitment()), keys);
}

// An attachment whose file is not the one its sender committed to (issue 15 break 4): the
// message is marked like a text mismatch and a signed report goes to the journal.
void Client::Impl::withholdAttachment(const std::string& messageId, std::size_t index,
                                      const std::string& blob, const std::string& why) {
    std::lock_guard lock(mutex);
    if (!db) return;
    auto st = db->prepare(
        "SELECT conversation, sender_user, sender_device, journal_seq FROM messages WHERE id = ?");
    if (!st) return;
    st->bind(1, view(messageId));
    auto row = st->step();
    if (!row || !*row) return;
    const std::string conversation = st->columnText(0);
    const std::string sender = st->columnText(1) + "/" + std::to_string(st->columnInt(2));
    const auto journalSeq = st->columnInt(3);
    Transaction tx(*db);
    if (!tx.begin()) return;
    if (!messages->setState(messageId, MessageState::Mismatch)) return;
    // Which attachment, and what arrived (the blob as downloaded: the committed digest is of
    // the blob, so compliance compares it with the record's without the file).
    const auto got = crypto::sha256(view(blob));
    if (!queueMismatchReport(conversation, messageId, sender, std::uint64_t(journalSeq),
                             ",\"attachment\":\"not the committed file\",\"attachment_index\":" +
                                 std::to_string(index) + ",\"received_blob_sha256\":\"" +
                                 toHex(ByteView(got.data(), got.size())) + "\""))
        return;
    if (!tx.commit()) return;
    scheduleFlush();
    emit({Event::Kind::JournalMismatch,
          conversation,
          hexOf(messageId),
          {},
          sender,
          {},
          "the attachment is not the file its sender committed to; it is withheld and reported (" +
              why + ")"});
}

Result<void> Client::Impl::loadAccount() {
    VERBATIM_TRY_LET(loaded, accounts->load());
    acct = std::move(loaded->account);
    creds = std::move(loaded->credentials);
    endpoint = std::move(loaded->endpoint);
    // The manifest is checked at every start against the fingerprint pinned at join: a profile
    // whose manifest was swapped on disk (or damaged) will not send, and messages stay queued.
    auto m = journal::FirmManifest::parse(view(loaded->manifest));
    manifestOk = m && manifestAcceptable(*m, acct.firmFingerprint, acct.relay);
    heldManifestOk = manifestOk;
    if (manifestOk) {
        manifest = *m;
        acct.firmName = manifest.firmName;
        endpoint.tlsKeyPins = manifest.tlsKeyPins;
    } else {
        log::write(log::Level::Error, "client.manifest_invalid", {{"user", acct.user}});
    }
    return {};
}

// ---- construction -----------------------------------------------------------------------------

Client::Client() : m(std::make_unique<Impl>()) {}

Client::~Client() {
    stop();
    {
        std::lock_guard lock(m->queueMutex);
        m->workerStop = true;
    }
    m->queueCv.notify_all();
    if (m->worker.joinable()) m->worker.join();
}

Result<void> Client::changePassphrase(std::string_view current, std::string_view next) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, "the profile is not open");
    return client::changePassphrase(m->paths, current, next, m->db.get());
}

bool Client::profileExists(const std::string& dir) {
    std::error_code ec;
    return fs::exists(ProfilePaths{dir}.keyFile(), ec);
}

Account Client::account() {
    std::lock_guard lock(m->mutex);
    return m->acct;
}

std::string Client::identityKeyHex() {
    std::lock_guard lock(m->mutex);
    if (!m->db) return {};
    auto k = m->sessions ? m->sessions->identityPublicKey()
                         : Result<Bytes>(fail(ErrorCode::NotFound, ""));
    return k ? toHex(*k) : std::string();
}

Result<void> Client::limitDatabasePages(std::int64_t pages) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->db->exec("PRAGMA max_page_count = " + std::to_string(pages > 0 ? pages : 1073741823));
}

void Client::setEventHandler(EventHandler handler) {
    std::lock_guard lock(m->handlerMutex);
    m->handler = std::move(handler);
}

// ---- worker ------------------------------------------------------------------------------------

void Client::Impl::workerLoop() {
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(queueMutex);
            auto wake = retryAt == std::chrono::steady_clock::time_point{}
                            ? std::chrono::steady_clock::now() + std::chrono::seconds(5)
                            : retryAt;
            queueCv.wait_until(lock, wake, [&] { return workerStop || !queue.empty(); });
            if (workerStop) return;
            if (!queue.empty()) {
                job = std::move(queue.front());
                queue.pop_front();
            }
        }
        try {
            if (job) job();
            bool empty;
            {
                std::lock_guard lock(queueMutex);
                empty = queue.empty();
            }
            if (empty) idleWork();
        } catch (const std::exception& e) {
            log::write(log::Level::Error, "client.worker_exception", {{"what", e.what()}});
        }
    }
}

// When the queue runs dry: receipts for what was just stored, then anything in the outbox.
void Client::Impl::idleWork() {
    if (wiped) return;
    std::map<std::string, std::string> receipts;
    receipts.swap(pendingDelivered);
    for (auto& [conversation, id] : receipts) {
        std::lock_guard lock(mutex);
        auto rec = newRecord(conversation, proto::RECEIPT);
        rec.set_body("delivered");
        rec.set_ref_message_id(id);
        (void)enqueue(std::move(rec), MessageKind::System, false);
    }
    flushOutbox();
    retentionTick();
}

// ---- connection ---------------------------------------------------------------------------------

void Client::start() {
    if (!m->supervisor || m->supervisor->running()) return;
    {
        // waitUntilSynced() waits for a drain on this new connection, not an earlier one.
        std::lock_guard lock(m->queueMutex);
        ++m->generation;
    }
    m->supervisor->start();
}

void Client::stop() {
    if (!m->supervisor || !m->supervisor->running()) return;
    m->supervisor->stop();
    std::lock_guard lock(m->queueMutex);
    ++m->generation;
}

bool Client::isConnected() const {
    return m->supervisor && m->supervisor->isConnected();
}

void Client::Impl::onPush(const proto::Push& p) {
    // Runs on the connection's thread: only queue.
    switch (p.kind_case()) {
    case proto::Push::kEnvelope: {
        std::uint64_t gen;
        {
            std::lock_guard lock(queueMutex);
            gen = generation;
        }
        post([this, e = p.envelope(), gen] { onEnvelope(e, gen); });
    } break;
    case proto::Push::kQueueDrained:
        post([this, drained = p.queue_drained()] {
            std::uint64_t gen;
            {
                std::lock_guard lock(queueMutex);
                gen = generation;
            }
            // First: a restored relay says so here, and nothing is sent on this connection
            // before this device has reacted (C-RESTORE-1, ClientRestore.cpp).
            if (!reactToRestore(drained)) {
                supervisor->reconnect(); // tried again on the next connection
                return;
            }
            {
                std::lock_guard lock(queueMutex);
                restoreCheckedGeneration = gen;
            }
            if (refreshManifest()) touchGuard();
            rotateSignedPreKeyIfDue();
            if (auto r = refreshConversations(); !r)
                log::write(log::Level::Warn, "client.conversations_failed",
                           {{"error", r.error().message}});
            {
                proto::Request req;
                req.mutable_list_devices();
                auto resp = call(req);
                if (resp && resp->status() == proto::STATUS_OK)
                    reviewOwnDevices(resp->device_list());
            }
            flushOutbox();
            importHistoryOffer(); // one kept from a connection that could not fetch it
            {
                std::lock_guard lock(queueMutex);
                drainedGeneration = gen;
            }
            syncCv.notify_all();
            emit({Event::Kind::Synced});
        });
        break;
    case proto::Push::kDevicesChanged:
        post([this, list = p.devices_changed()] {
            reviewOwnDevices(list);
            flushOutbox();
        });
        break;
    case proto::Push::kPreKeysLow:
        post([this] {
            if (auto r = uploadPreKeys(false); !r)
                log::write(log::Level::Warn, "client.prekey_upload_failed",
                           {{"error", r.error().message}});
        });
        break;
    case proto::Push::kConversationChanged:
        post([this, c = p.conversation_changed()] {
            std::lock_guard lock(mutex);
            deviceCache.erase(c.id());
            (void)messages->upsertConversation(c);
            emit({Event::Kind::ConversationChanged, c.id(), {}, {}, {}, c.title()});
        });
        break;
    case proto::Push::kWipeCommand:
        post([this, w = p.wipe_command()] {
            // A client's device obeys only where the firm's signed policy lets it (issue 22).
            if (wipeAllowedByPolicy()) handleWipe(w);
        });
        break;
    default:
        break;
    }
}

bool Client::waitUntilSynced(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(m->queueMutex);
    return m->syncCv.wait_until(lock, deadline, [&] {
        return m->revoked() || m->wiped || m->connectedElsewhere() ||
               (m->generation > 0 && m->drainedGeneration == m->generation && m->queue.empty() &&
                m->outboxIdle);
    });
}

bool Client::waitForOutbox(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto n = outboxSize(); n && *n == 0) return true;
        {
            std::unique_lock lock(m->queueMutex);
            m->syncCv.wait_for(lock, std::chrono::milliseconds(50));
            if (m->revoked() || m->wiped || m->connectedElsewhere()) return false;
        }
    }
    return false;
}

// ---- conversations ------------------------------------------------------------------------------

Result<void> Client::Impl::refreshConversations() {
    proto::Request req;
    req.mutable_list_conversations();
    VERBATIM_TRY_LET(resp, call(req));
    if (resp->status() != proto::STATUS_OK) return fail(ErrorCode::Storage, resp->error());
    std::lock_guard lock(mutex);
    for (const auto& c : resp->conversations().conversations()) {
        auto prev = messages->members(c.id());
        if (auto r = messages->upsertConversation(c); !r) return r;
        std::vector<std::string> now(c.members().begin(), c.members().end());
        if (prev != now) deviceCache.erase(c.id());
    }
    return {};
}

Result<std::vector<ConversationView>> Client::conversations() {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->messages->conversations();
}

Result<std::string> Client::resolveConversation(const std::string& idOrTitle) {
    std::lock_guard lock(m->mutex);
    return m->resolveConversation(idOrTitle);
}

Result<std::string> Client::Impl::resolveConversation(const std::string& idOrTitle) {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    return messages->resolveConversation(idOrTitle);
}

void Client::Impl::acknowledge(std::uint64_t queueId) {
    auto c = connection();
    if (!c) return;
    proto::Request req;
    req.mutable_acknowledge()->add_queue_ids(queueId);
    // One-way: if the acknowledgement is lost the relay delivers again, and the message id
    // makes that a no-op here.
    c->notify(req);
}

void Client::Impl::onEnvelope(const proto::Envelope& e, std::uint64_t gen) {
    if (wiped || gen == failedGeneration) return;
    // A journal key rotation this device has not heard of yet (the envelope came before this
    // connection's manifest refresh): fetch the manifest first, with no lock held, so that the
    // journal copy check judges the entry against the firm's current keys.
    if (auto entry = journal::SealedEntry::parse(view(e.journal_entry())); entry) {
        bool known = false;
        {
            std::lock_guard lock(mutex);
            for (const auto& k : manifest.journalKeys)
                if (constantTimeEqual(journal::journalKeyId(k.publicKey),
                                      entry->header.journalKeyId))
                    known = true;
        }
        if (!known && refreshManifest()) touchGuard();
    }
    Receiver::Received got;
    {
        std::lock_guard lock(mutex);
        if (!db) return;
        got = receiver->receive(e);
        if (got.outcome == Receiver::Outcome::StorageTrouble)
            failedGeneration = gen; // keep the order: everything after this comes again too
        else if (got.wantsDeliveryReceipt)
            pendingDelivered[got.conversation] = got.rawMessageId;
    }
    if (got.historyOffered) post([this] { importHistoryOffer(); });
    if (got.outcome == Receiver::Outcome::StorageTrouble) {
        // The envelope stays queued on the relay, which sends it again on the next connection:
        // drop this one (after a pause) so that it comes back once the disk has room.
        log::write(log::Level::Error, "client.store_failed",
                   {{"queue_id", std::to_string(e.queue_id())}});
        emit({Event::Kind::Undecryptable,
              e.conversation_id(),
              hexOf(e.message_id()),
              {},
              {},
              {},
              "could not store the message (disk full?); it will be fetched again"});
        supervisor
            ->reconnect(); // the supervisor drops the connection and reconnects after its backoff
        return;
    }
    for (auto& ev : got.events)
        emit(ev);
}

// ---- queries ------------------------------------------------------------------------------------

Result<std::vector<MessageView>> Client::history(const std::string& conversation, std::size_t limit,
                                                 std::int64_t beforeRowId) {
    std::lock_guard lock(m->mutex);
    VERBATIM_TRY_LET(conv, m->resolveConversation(conversation));
    return m->messages->history(*conv, limit, beforeRowId);
}

Result<std::optional<MessageView>> Client::message(const std::string& messageId) {
    std::lock_guard lock(m->mutex);
    return m->message(messageId);
}

Result<std::optional<MessageView>> Client::Impl::message(const std::string& messageId) {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    return messages->message(messageId);
}

Result<std::vector<MessageView>> Client::search(const std::string& query, std::size_t limit) {
    if (query.empty()) return std::vector<MessageView>();
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->messages->search(query, limit);
}

} // namespace verbatim::client
