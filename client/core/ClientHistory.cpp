// Client, history transfer (issue 23; docs/protocol.md, "History transfer"): one device of a
// user exports its history, encrypts it under a fresh key, uploads the blob and sends the key to
// one other device of the user in a HISTORY_TRANSFER record; that device checks, opens and
// imports it. The relay sees an opaque blob and its size.
#include "client/core/ClientImpl.h"
#include "client/core/HistoryStore.h"

#include <set>

#include "common/Try.h"
#include "journal/HistoryTransfer.h"

namespace verbatim::client {

namespace {

constexpr const char* kOfferKey = "history_offer";

// The largest blob a transfer names: the relay's upload limit.
constexpr std::uint64_t kMaxHistoryBlob = kMaxAttachment;

std::string deviceText(const std::string& user, std::uint32_t device) {
    return user + "/" + std::to_string(device);
}

} // namespace

Result<Client::HistorySent>
Client::sendHistory(std::uint32_t device,
                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
    // The target: an active, approved device of this user, not this one (asked of the relay).
    VERBATIM_TRY_LET(list, devices());
    std::string user;
    std::uint32_t self = 0;
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        user = m->acct.user;
        self = m->acct.device;
    }
    if (device == self)
        return fail(ErrorCode::InvalidArgument, "this is the device the history is on already");
    bool active = false;
    for (const auto& d : *list)
        if (d.device == device && !d.revokedMs && !d.pendingMs) active = true;
    if (!active)
        return fail(ErrorCode::InvalidArgument,
                    "device " + std::to_string(device) +
                        " is not an active, approved device of yours; nothing was sent");
    journal::HistoryDocument doc;
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY_LET(exported, HistoryStore(*m->db).exportHistory(user, self, nowMs()));
        doc = std::move(*exported);
    }
    // Encoded, encrypted and uploaded without the data lock: this may take a while.
    VERBATIM_TRY_LET(bytes, journal::encodeHistory(doc));
    VERBATIM_TRY_LET(sealed, journal::sealHistory(*bytes));
    secureWipe(bytes->data(), bytes->size());
    if (sealed->blob.size() > kMaxHistoryBlob)
        return fail(ErrorCode::InvalidArgument, "the history is too large to transfer");
    const std::uint64_t blobBytes = sealed->blob.size();
    RelayConnection::UploadProgress upload;
    if (progress)
        upload = [&progress](std::uint64_t done, std::uint64_t total) { progress(done, total); };
    VERBATIM_TRY_LET(
        id, RelayConnection::uploadBlob(m->relayEndpoints(), m->creds, str(sealed->blob), upload));
    HistorySent out;
    out.conversations = std::uint32_t(doc.conversations.size());
    out.messages = std::uint32_t(doc.messages.size());
    out.blobBytes = blobBytes;
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        // The journal learns what moved where (the digest, size and counts, never the key): the
        // record's body. The key goes in the end-to-end copy only (prepareSend moves it there).
        auto rec = m->newRecord(journal::ownDevicesConversation(user), proto::HISTORY_TRANSFER);
        rec.set_body("{\"device\":" + jsonQuote(deviceText(user, device)) + ",\"blob\":\"" + *id +
                     "\",\"sha256\":\"" +
                     toHex(ByteView(sealed->digest.data(), sealed->digest.size())) +
                     "\",\"size\":" + std::to_string(blobBytes) +
                     ",\"conversations\":" + std::to_string(out.conversations) +
                     ",\"messages\":" + std::to_string(out.messages) + "}");
        rec.set_history_key(str(sealed->key));
        auto* to = rec.add_recipients();
        to->set_user(user);
        to->set_device(device);
        VERBATIM_TRY_LET(queued, m->enqueue(std::move(rec), MessageKind::System, false));
        out.messageId = *queued;
    }
    m->scheduleFlush();
    return out;
}

bool Client::Impl::addressOwnDevices(const std::string& conversation,
                                     const proto::JournalRecord& rec,
                                     std::vector<proto::DeviceAddress>& devices) const {
    if (journal::ownDevicesUser(conversation).empty()) return true;
    std::vector<proto::DeviceAddress> addressed;
    for (const auto& d : devices)
        for (const auto& r : rec.recipients())
            if (d.user() == r.user() && d.device() == r.device()) addressed.push_back(d);
    devices = std::move(addressed);
    return !devices.empty();
}

Result<std::string> Client::Impl::acceptHistoryOffer(const proto::JournalRecord& rec,
                                                     const proto::Envelope& e) {
    const std::string from = deviceText(e.sender().user(), e.sender().device());
    // Only this user's own devices hand it a history, and only through their own conversation:
    // a history from anyone else would plant messages in this user's name.
    if (e.sender().user() != acct.user)
        return fail(ErrorCode::AuthFailed,
                    "a history transfer from " + from + ", another user's device, was refused");
    if (rec.conversation_id() != journal::ownDevicesConversation(acct.user) ||
        e.sender().device() == acct.device)
        return fail(ErrorCode::AuthFailed,
                    "a history transfer from " + from + " outside your own devices was refused");
    auto body = parseFlatJsonObject(rec.body());
    if (!body || (*body)["device"] != deviceText(acct.user, acct.device))
        return fail(ErrorCode::InvalidArgument,
                    "a history transfer from " + from + " was for another device; ignored");
    const std::string blob = (*body)["blob"], digest = (*body)["sha256"];
    std::uint64_t size = 0;
    try {
        size = std::stoull((*body)["size"]);
    } catch (...) {
        size = 0;
    }
    auto isHex64 = [](const std::string& s) {
        return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
    };
    if (!isHex64(blob) || !isHex64(digest) || rec.history_key().size() != 32 || size == 0)
        return fail(ErrorCode::Malformed,
                    "a history transfer from " + from + " was malformed; nothing was imported");
    if (size > kMaxHistoryBlob)
        return fail(ErrorCode::InvalidArgument,
                    "a history transfer from " + from + " is over the 100 MiB limit; refused");
    VERBATIM_TRY(accounts->set(kOfferKey, view(rec.SerializeAsString())));
    return "Your history is arriving from device " + std::to_string(e.sender().device()) + " (" +
           std::to_string((size + 1023) / 1024) + " KiB)";
}

void Client::Impl::importHistoryOffer() {
    proto::JournalRecord offer;
    std::string user;
    {
        std::lock_guard lock(mutex);
        if (!db) return;
        auto kept = accounts->get(kOfferKey);
        if (!kept || !*kept || !offer.ParseFromString(**kept)) return;
        user = acct.user;
    }
    auto body = parseFlatJsonObject(offer.body());
    if (!body) return;
    const std::string blobId = (*body)["blob"];
    std::uint64_t size = 0;
    try {
        size = std::stoull((*body)["size"]); // checked when the offer was kept
    } catch (...) {
        return;
    }
    auto forget = [this] {
        std::lock_guard lock(mutex);
        if (db) (void)accounts->remove(kOfferKey);
    };
    auto refuse = [&](const std::string& why) {
        forget();
        log::write(log::Level::Warn, "client.history_refused", {{"reason", why}});
        emit({Event::Kind::HistoryFailed, {}, hexOf(offer.message_id()), {}, {}, {}, why});
    };
    // Asked of the relay now, not when the offer came: the sending device must still be an
    // active device of this user (an offer queued by a device revoked since is not taken), and
    // only conversations the relay lists to this device are imported.
    proto::Request ask;
    ask.mutable_list_devices();
    auto listed = call(ask);
    if (!listed) return; // not connected: the next connection tries again
    if (listed->status() != proto::STATUS_OK)
        return refuse("the relay did not list your devices: " + listed->error() +
                      "; nothing was imported");
    bool senderActive = false;
    for (const auto& d : listed->device_list().devices())
        if (d.device() == offer.sender().device() && !d.revoked_ms() && !d.pending_ms())
            senderActive = true;
    if (!senderActive)
        return refuse("the history from device " + std::to_string(offer.sender().device()) +
                      " was refused: that device is no longer an active device of yours; "
                      "nothing was imported");
    ask.mutable_list_conversations();
    auto convs = call(ask);
    if (!convs) return;
    if (convs->status() != proto::STATUS_OK)
        return refuse("the relay did not list your conversations: " + convs->error() +
                      "; nothing was imported");
    std::set<std::string> mine;
    for (const auto& c : convs->conversations().conversations())
        mine.insert(c.id());
    auto blob = RelayConnection::downloadBlob(relayEndpoints(), creds, blobId, size);
    if (!blob) {
        if (blob.error().code == ErrorCode::Unavailable) return; // next connection tries again
        return refuse("the history could not be fetched from the relay (it keeps it 24 hours): " +
                      blob.error().message + "; nothing was imported");
    }
    auto digest = fromHex((*body)["sha256"]);
    if (!digest) return refuse("the history transfer was malformed; nothing was imported");
    auto plain = journal::openHistory(view(offer.history_key()), *digest, view(*blob));
    if (!plain)
        return refuse("the history was refused: " + plain.error().message +
                      "; nothing was imported");
    auto doc = journal::parseHistory(*plain);
    if (!doc)
        return refuse("the history was refused: " + doc.error().message + "; nothing was imported");
    // The document names whose history it is and which device made it: it must be the device
    // that sent the record, of this user.
    if (doc->user != user || doc->sourceDevice != offer.sender().device())
        return refuse("the history names another user or device than its sender; nothing was "
                      "imported");
    Result<HistoryImportCounts> counts = fail(ErrorCode::NotFound, kErasedText);
    {
        std::lock_guard lock(mutex);
        if (!db) return;
        counts = HistoryStore(*db).importHistory(*doc, mine);
        if (counts) (void)accounts->remove(kOfferKey);
    }
    if (!counts)
        return refuse("the history could not be stored: " + counts.error().message +
                      "; nothing was imported");
    emit({Event::Kind::HistoryImported,
          {},
          hexOf(offer.message_id()),
          {},
          deviceText(offer.sender().user(), offer.sender().device()),
          {},
          std::to_string(counts->messages) + " messages in " +
              std::to_string(doc->conversations.size() - counts->droppedConversations) +
              " conversations copied from device " + std::to_string(offer.sender().device()) +
              (counts->skipped ? " (" + std::to_string(counts->skipped) + " already here)" : "") +
              "; not verified on this device" +
              (counts->droppedConversations
                   ? "; " + std::to_string(counts->droppedConversations) +
                         " conversations the relay does not list to you were left out (" +
                         std::to_string(counts->droppedMessages) + " messages)"
                   : "")});
}

} // namespace verbatim::client
