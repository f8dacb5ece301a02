// Devices and sends of the conformance suite (ConformanceParty.h).

#include "ConformanceParty.h"

#include <chrono>
#include <map>

#include "crypto/Random.h"

namespace verbatim::conformance {

namespace {

std::uint64_t nowMs() {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
}

} // namespace

Result<std::unique_ptr<Device>> Device::create(std::shared_ptr<signal::SignalContext> context,
                                               unsigned preKeyCount) {
    auto d = std::make_unique<Device>();
    auto identity = signal::SessionManager::generateIdentity(*context);
    if (!identity) return tl::unexpected(identity.error());
    auto registrationId = signal::SessionManager::generateRegistrationId(*context);
    if (!registrationId) return tl::unexpected(registrationId.error());
    d->identityKey = identity->publicKey;
    d->registrationId = *registrationId;
    d->store =
        std::make_unique<signal::InMemoryProtocolStore>(std::move(*identity), *registrationId);
    auto sessions = signal::SessionManager::create(context, *d->store);
    if (!sessions) return tl::unexpected(sessions.error());
    d->sessions = std::move(*sessions);
    auto spk = d->sessions->generateSignedPreKey(1);
    if (!spk) return tl::unexpected(spk.error());
    d->signedPreKey = std::move(*spk);
    if (preKeyCount > 0) {
        auto keys = d->sessions->generatePreKeys(1, preKeyCount);
        if (!keys) return tl::unexpected(keys.error());
        d->preKeys = std::move(*keys);
    }
    d->secret = crypto::randomBytes(32);
    return d;
}

proto::RegisterDevice Device::registration(const std::string& token,
                                           const std::string& displayName) const {
    proto::RegisterDevice r;
    r.set_token(token);
    r.set_device_secret(stringOf(secret));
    r.set_registration_id(registrationId);
    r.set_identity_key(stringOf(identityKey));
    auto* spk = r.mutable_signed_pre_key();
    spk->set_id(signedPreKey.id);
    spk->set_public_key(stringOf(signedPreKey.publicKey));
    spk->set_signature(stringOf(signedPreKey.signature));
    for (const auto& k : preKeys) {
        auto* p = r.add_pre_keys();
        p->set_id(k.id);
        p->set_public_key(stringOf(k.publicKey));
    }
    r.set_platform("conformance");
    r.set_app_version("conformance-1");
    r.set_display_name(displayName);
    return r;
}

proto::DeviceAddress Device::deviceAddress() const {
    proto::DeviceAddress a;
    a.set_user(user);
    a.set_device(device);
    return a;
}

journal::Signer Device::signer() {
    return [this](ByteView message) { return sessions->sign(message); };
}

Result<void> Device::connect(const Endpoint& endpoint) {
    ws.reset();
    auto session = WsSession::openDevice(endpoint, user, device, secret);
    if (!session) return tl::unexpected(session.error());
    ws = std::move(*session);
    return {};
}

Result<std::vector<proto::Envelope>> Device::drain(std::uint64_t& delivered,
                                                   std::chrono::milliseconds timeout) {
    if (!ws) return fail(ErrorCode::Internal, "not connected");
    std::vector<proto::Envelope> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return fail(ErrorCode::Internal, "no queue_drained push: timed out");
        auto push = ws->nextPush(left);
        if (!push) return fail(ErrorCode::Internal, "no queue_drained push (closed or timed out)");
        if (push->has_envelope()) out.push_back(push->envelope());
        if (push->has_queue_drained()) {
            delivered = push->queue_drained().delivered();
            return out;
        }
    }
}

Result<std::vector<proto::DeviceAddress>> otherMemberDevices(Device& from,
                                                             const std::string& conversation) {
    proto::Request req;
    req.mutable_list_member_devices()->set_conversation_id(conversation);
    auto resp = from.ws->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "list member devices: " + resp->error(),
                    resp->status());
    std::vector<proto::DeviceAddress> out;
    for (const auto& a : resp->member_devices().devices())
        if (!(a.user() == from.user && a.device() == from.device)) out.push_back(a);
    return out;
}

Result<void> ensureSessions(Device& from, const std::vector<proto::DeviceAddress>& to) {
    std::map<std::string, std::vector<std::uint32_t>> needed;
    for (const auto& a : to)
        if (!from.sessions->hasSession({a.user(), std::int32_t(a.device())}))
            needed[a.user()].push_back(a.device());
    for (const auto& [user, devices] : needed) {
        proto::Request req;
        req.mutable_fetch_bundles()->set_user(user);
        auto resp = from.ws->call(req);
        if (!resp) return tl::unexpected(resp.error());
        if (resp->status() != proto::STATUS_OK)
            return fail(ErrorCode::InvalidArgument, "fetch bundles: " + resp->error(),
                        resp->status());
        for (auto device : devices) {
            const proto::DeviceBundle* found = nullptr;
            for (const auto& b : resp->bundles().devices())
                if (b.device() == device) found = &b;
            if (!found)
                return fail(ErrorCode::NotFound,
                            "no bundle for " + user + "/" + std::to_string(device));
            signal::PreKeyBundle bundle;
            bundle.registrationId = found->registration_id();
            bundle.deviceId = std::int32_t(found->device());
            if (found->has_pre_key()) {
                bundle.preKeyId = found->pre_key().id();
                bundle.preKeyPublic = bytesOf(found->pre_key().public_key());
            }
            bundle.signedPreKeyId = found->signed_pre_key().id();
            bundle.signedPreKeyPublic = bytesOf(found->signed_pre_key().public_key());
            bundle.signedPreKeySignature = bytesOf(found->signed_pre_key().signature());
            bundle.identityKey = bytesOf(found->identity_key());
            if (auto r = from.sessions->processBundle({user, std::int32_t(device)}, bundle); !r)
                return r;
        }
    }
    return {};
}

proto::JournalRecord makeRecord(const Device& from, const std::string& conversation,
                                const std::string& body,
                                const std::vector<proto::DeviceAddress>& to) {
    proto::JournalRecord r;
    r.set_version(1);
    r.set_message_id(journal::newMessageId(nowMs()));
    r.set_conversation_id(conversation);
    r.mutable_sender()->set_user(from.user);
    r.mutable_sender()->set_device(from.device);
    for (const auto& a : to)
        *r.add_recipients() = a;
    r.set_client_time_ms(nowMs());
    r.set_type(proto::TEXT);
    r.set_body(body);
    r.set_commit_key(stringOf(crypto::randomBytes(32)));
    return r;
}

Result<Outgoing> buildSend(Device& from, const std::string& conversation, const std::string& body,
                           const std::vector<proto::DeviceAddress>& to, ByteView journalPublicKey,
                           const RecordShape& shape) {
    if (auto r = ensureSessions(from, to); !r) return tl::unexpected(r.error());
    Outgoing out;
    out.record = makeRecord(from, conversation, body, to);
    if (shape) shape(out.record);
    // The end-to-end payload is the serialized record itself (docs/protocol.md, Client payloads).
    const std::string payload = out.record.SerializeAsString();
    out.send.set_message_id(out.record.message_id());
    out.send.set_conversation_id(conversation);
    for (const auto& a : to) {
        auto message = from.sessions->encrypt({a.user(), std::int32_t(a.device())}, view(payload));
        if (!message) return tl::unexpected(message.error());
        auto* e = out.send.add_envelopes();
        e->set_user(a.user());
        e->set_device(a.device());
        e->set_type(std::uint32_t(message->type));
        e->set_body(stringOf(message->body));
    }
    auto entry = journal::sealRecord(out.record, journalPublicKey, from.signer(), from.chain);
    if (!entry) return tl::unexpected(entry.error());
    out.entry = std::move(*entry);
    out.send.set_journal_entry(stringOf(out.entry.serialize()));
    return out;
}

Result<void> resign(Device& from, journal::SealedEntry& entry) {
    auto signature = from.sessions->sign(entry.signedBytes());
    if (!signature) return tl::unexpected(signature.error());
    entry.signature = std::move(*signature);
    return {};
}

proto::Request sendRequest(const proto::SendMessage& send) {
    proto::Request req;
    *req.mutable_send() = send;
    return req;
}

Result<proto::Response> send(Device& from, const proto::SendMessage& message) {
    auto resp = from.ws->call(sendRequest(message));
    if (resp && resp->status() == proto::STATUS_OK && !resp->send_result().duplicate())
        from.chain = from.chain.next(view(message.message_id()));
    return resp;
}

Result<proto::JournalRecord> openEnvelope(Device& to, const proto::Envelope& envelope) {
    signal::CipherMessage message;
    message.type = signal::CipherMessage::Type(envelope.type());
    message.body = bytesOf(envelope.body());
    auto plain = to.sessions->decrypt(
        {envelope.sender().user(), std::int32_t(envelope.sender().device())}, message);
    if (!plain) return tl::unexpected(plain.error());
    proto::JournalRecord record;
    if (!record.ParseFromArray(plain->data(), int(plain->size())))
        return fail(ErrorCode::Malformed, "the end-to-end payload is not a JournalRecord");
    return record;
}

} // namespace verbatim::conformance
