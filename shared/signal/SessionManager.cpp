#include "signal/SessionManager.h"

#include <algorithm>
#include <chrono>
#include <curve.h>
#include <key_helper.h>
#include <protocol.h>
#include <ratchet.h>
#include <session_builder.h>
#include <session_cipher.h>
#include <session_pre_key.h>
#include <signal_protocol.h>

#include "common/Log.h"
#include "crypto/X25519.h"
#include "signal/SignalPtr.h"

namespace verbatim::signal {

namespace {

// Application error codes must lie below SG_ERR_MINIMUM (signal_protocol.h).
constexpr int kStoreFailure = SG_ERR_MINIMUM - 1;

ProtocolStore& storeOf(void* userData) {
    return *static_cast<ProtocolStore*>(userData);
}

Address toAddress(const signal_protocol_address* a) {
    return Address{std::string(a->name, a->name_len), a->device_id};
}

// Every callback is noexcept and converts both failures and exceptions into return codes:
// nothing may unwind through the C library.
template <class F> int guarded(F&& f) noexcept {
    try {
        return f();
    } catch (...) {
        return kStoreFailure;
    }
}

int loadSession(signal_buffer** record, signal_buffer** userRecord,
                const signal_protocol_address* address, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).loadSession(toAddress(address));
        if (!r) return kStoreFailure;
        if (!*r) return 0;
        *record = makeSignalBuffer(**r);
        return *record ? 1 : SG_ERR_NOMEM;
    });
}

int subDeviceSessions(signal_int_list** sessions, const char* name, size_t len, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).subDeviceSessions(std::string(name, len));
        if (!r) return kStoreFailure;
        signal_int_list* list = signal_int_list_alloc();
        if (!list) return SG_ERR_NOMEM;
        for (auto id : *r)
            signal_int_list_push_back(list, id);
        *sessions = list;
        return static_cast<int>(r->size());
    });
}

int storeSession(const signal_protocol_address* address, uint8_t* record, size_t len, uint8_t*,
                 size_t, void* ud) noexcept {
    return guarded([&] {
        return storeOf(ud).storeSession(toAddress(address), {record, len}) ? 0 : kStoreFailure;
    });
}

int containsSession(const signal_protocol_address* address, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).containsSession(toAddress(address));
        return r ? int(*r) : kStoreFailure;
    });
}

int deleteSession(const signal_protocol_address* address, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).deleteSession(toAddress(address));
        return r ? int(*r) : kStoreFailure;
    });
}

int deleteAllSessions(const char* name, size_t len, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).deleteAllSessions(std::string(name, len));
        return r ? *r : kStoreFailure;
    });
}

int loadPreKey(signal_buffer** record, uint32_t id, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).loadPreKey(id);
        if (!r) return kStoreFailure;
        if (!*r) return SG_ERR_INVALID_KEY_ID;
        *record = makeSignalBuffer(**r);
        return *record ? SG_SUCCESS : SG_ERR_NOMEM;
    });
}

int storePreKey(uint32_t id, uint8_t* record, size_t len, void* ud) noexcept {
    return guarded([&] { return storeOf(ud).storePreKey(id, {record, len}) ? 0 : kStoreFailure; });
}

int containsPreKey(uint32_t id, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).containsPreKey(id);
        return r ? int(*r) : kStoreFailure;
    });
}

int removePreKey(uint32_t id, void* ud) noexcept {
    return guarded([&] { return storeOf(ud).removePreKey(id) ? 0 : kStoreFailure; });
}

int loadSignedPreKey(signal_buffer** record, uint32_t id, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).loadSignedPreKey(id);
        if (!r) return kStoreFailure;
        if (!*r) return SG_ERR_INVALID_KEY_ID;
        *record = makeSignalBuffer(**r);
        return *record ? SG_SUCCESS : SG_ERR_NOMEM;
    });
}

int storeSignedPreKey(uint32_t id, uint8_t* record, size_t len, void* ud) noexcept {
    return guarded([&] {
        return storeOf(ud).storeSignedPreKey(id, {record, len}) ? 0 : kStoreFailure;
    });
}

int containsSignedPreKey(uint32_t id, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).containsSignedPreKey(id);
        return r ? int(*r) : kStoreFailure;
    });
}

int removeSignedPreKey(uint32_t id, void* ud) noexcept {
    return guarded([&] { return storeOf(ud).removeSignedPreKey(id) ? 0 : kStoreFailure; });
}

int getIdentityKeyPair(signal_buffer** publicData, signal_buffer** privateData, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).identityKeyPair();
        if (!r) return kStoreFailure;
        *publicData = makeSignalBuffer(r->publicKey);
        *privateData = makeSignalBuffer(r->privateKey);
        return (*publicData && *privateData) ? 0 : SG_ERR_NOMEM;
    });
}

int getLocalRegistrationId(void* ud, uint32_t* id) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).localRegistrationId();
        if (!r) return kStoreFailure;
        *id = *r;
        return 0;
    });
}

int saveIdentity(const signal_protocol_address* address, uint8_t* key, size_t len,
                 void* ud) noexcept {
    return guarded([&] {
        // Newer libsignal-protocol-c releases pass no key to undo a save; storing an empty key
        // would make every later key look changed.
        if (!key || len == 0)
            return storeOf(ud).deleteIdentity(toAddress(address)) ? 0 : kStoreFailure;
        return storeOf(ud).saveIdentity(toAddress(address), {key, len}) ? 0 : kStoreFailure;
    });
}

// Trust on first use; afterwards only the key we saved is trusted. A change must be accepted
// explicitly by the user (ProtocolStore::saveIdentity from the app), never silently here.
int isTrustedIdentity(const signal_protocol_address* address, uint8_t* key, size_t len,
                      void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).loadIdentity(toAddress(address));
        if (!r) return kStoreFailure;
        if (!*r) return 1;
        return constantTimeEqual(**r, {key, len}) ? 1 : 0;
    });
}

int storeSenderKey(const signal_protocol_sender_key_name* name, uint8_t* record, size_t len,
                   uint8_t*, size_t, void* ud) noexcept {
    return guarded([&] {
        return storeOf(ud).storeSenderKey(std::string(name->group_id, name->group_id_len),
                                          toAddress(&name->sender), {record, len})
                   ? 0
                   : kStoreFailure;
    });
}

int loadSenderKey(signal_buffer** record, signal_buffer**,
                  const signal_protocol_sender_key_name* name, void* ud) noexcept {
    return guarded([&] {
        auto r = storeOf(ud).loadSenderKey(std::string(name->group_id, name->group_id_len),
                                           toAddress(&name->sender));
        if (!r) return kStoreFailure;
        if (!*r) return 0;
        *record = makeSignalBuffer(**r);
        return *record ? 1 : SG_ERR_NOMEM;
    });
}

tl::unexpected<Error> sgFail(int rc, const char* what) {
    return tl::unexpected(SignalContext::toError(rc, what));
}

Result<Bytes> serializePublic(const ec_public_key* key) {
    SignalBuffer buf;
    int rc = ec_public_key_serialize(buf.out(), key);
    if (rc != 0) return sgFail(rc, "public key serialization");
    return toBytes(buf.view());
}

// Holds the C address struct together with the string it points into: session builders and
// ciphers keep the pointer, so both must live as long as they do.
struct CAddress {
    explicit CAddress(const Address& a) : name(a.name) {
        raw.name = name.c_str();
        raw.name_len = name.size();
        raw.device_id = a.deviceId;
    }
    std::string name;
    signal_protocol_address raw{};
};

struct CipherDeleter {
    void operator()(session_cipher* c) const { session_cipher_free(c); }
};
struct BuilderDeleter {
    void operator()(session_builder* b) const { session_builder_free(b); }
};

} // namespace

bool isAcceptablePublicKey(ByteView key) {
    if (key.size() != 33 || key[0] != 0x05) return false;
    // Only canonical encodings (u < p = 2^255 - 19, bit 255 clear), as every X25519
    // implementation outputs. X25519 ignores bit 255 and reduces u mod p, so a second encoding
    // of the same point would defeat libsignal's byte-wise "base key already seen" replay check.
    ByteView u = key.subspan(1);
    if (u[31] & 0x80) return false;
    if (u[31] == 0x7f && u[0] >= 0xed &&
        std::all_of(u.begin() + 1, u.begin() + 31, [](std::uint8_t b) { return b == 0xff; }))
        return false;
    return !crypto::x25519IsLowOrder(u);
}

SessionManager::SessionManager(std::shared_ptr<SignalContext> context, ProtocolStore& store)
    : m_context(std::move(context)), m_store(store) {}

SessionManager::~SessionManager() {
    if (m_storeContext) signal_protocol_store_context_destroy(m_storeContext);
}

Result<std::unique_ptr<SessionManager>>
SessionManager::create(std::shared_ptr<SignalContext> context, ProtocolStore& store) {
    std::unique_ptr<SessionManager> self(new SessionManager(std::move(context), store));
    int rc = signal_protocol_store_context_create(&self->m_storeContext, self->m_context->get());
    if (rc != 0) return sgFail(rc, "store context");
    void* ud = &store;

    signal_protocol_session_store sessions{
        loadSession,   subDeviceSessions, storeSession, containsSession,
        deleteSession, deleteAllSessions, nullptr,      ud};
    signal_protocol_pre_key_store preKeys{loadPreKey,   storePreKey, containsPreKey,
                                          removePreKey, nullptr,     ud};
    signal_protocol_signed_pre_key_store signedPreKeys{
        loadSignedPreKey, storeSignedPreKey, containsSignedPreKey, removeSignedPreKey, nullptr, ud};
    signal_protocol_identity_key_store identity{
        getIdentityKeyPair, getLocalRegistrationId, saveIdentity, isTrustedIdentity, nullptr, ud};
    signal_protocol_sender_key_store senderKeys{storeSenderKey, loadSenderKey, nullptr, ud};
    if ((rc = signal_protocol_store_context_set_session_store(self->m_storeContext, &sessions)) ||
        (rc = signal_protocol_store_context_set_pre_key_store(self->m_storeContext, &preKeys)) ||
        (rc = signal_protocol_store_context_set_signed_pre_key_store(self->m_storeContext,
                                                                     &signedPreKeys)) ||
        (rc = signal_protocol_store_context_set_identity_key_store(self->m_storeContext,
                                                                   &identity)) ||
        (rc =
             signal_protocol_store_context_set_sender_key_store(self->m_storeContext, &senderKeys)))
        return sgFail(rc, "store registration");
    return self;
}

Result<IdentityKeyPair> SessionManager::generateIdentity(SignalContext& context) {
    SignalPtr<ratchet_identity_key_pair> kp;
    int rc = signal_protocol_key_helper_generate_identity_key_pair(kp.out(), context.get());
    if (rc != 0) return sgFail(rc, "identity generation");
    IdentityKeyPair out;
    auto pub = serializePublic(ratchet_identity_key_pair_get_public(kp.get()));
    if (!pub) return tl::unexpected(pub.error());
    out.publicKey = std::move(*pub);
    SignalBuffer priv;
    if ((rc =
             ec_private_key_serialize(priv.out(), ratchet_identity_key_pair_get_private(kp.get()))))
        return sgFail(rc, "identity serialization");
    out.privateKey = toSecure(priv.view());
    return out;
}

Result<std::uint32_t> SessionManager::generateRegistrationId(SignalContext& context) {
    std::uint32_t id = 0;
    int rc = signal_protocol_key_helper_generate_registration_id(&id, 0, context.get());
    if (rc != 0) return sgFail(rc, "registration id");
    return id;
}

Result<SignedPreKeyPublic> SessionManager::generateSignedPreKey(std::uint32_t id) {
    SignalPtr<ratchet_identity_key_pair> identity;
    int rc = signal_protocol_identity_get_key_pair(m_storeContext, identity.out());
    if (rc != 0) return sgFail(rc, "identity load");
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    SignalPtr<session_signed_pre_key> spk;
    rc = signal_protocol_key_helper_generate_signed_pre_key(spk.out(), identity.get(), id,
                                                            std::uint64_t(now), m_context->get());
    if (rc != 0) return sgFail(rc, "signed pre-key generation");
    if ((rc = signal_protocol_signed_pre_key_store_key(m_storeContext, spk.get())))
        return sgFail(rc, "signed pre-key store");
    SignedPreKeyPublic out;
    out.id = id;
    out.timestampMs = std::uint64_t(now);
    auto pub =
        serializePublic(ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk.get())));
    if (!pub) return tl::unexpected(pub.error());
    out.publicKey = std::move(*pub);
    const uint8_t* sig = session_signed_pre_key_get_signature(spk.get());
    out.signature.assign(sig, sig + session_signed_pre_key_get_signature_len(spk.get()));
    return out;
}

Result<std::vector<PreKeyPublic>> SessionManager::generatePreKeys(std::uint32_t start,
                                                                  unsigned count) {
    std::vector<PreKeyPublic> out;
    out.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        // Ids wrap inside 1..0xFFFFFE like Signal's PreKey ids; 0 is never used.
        std::uint32_t id = ((start - 1 + i) % 0xFFFFFE) + 1;
        SignalPtr<ec_key_pair> pair;
        int rc = curve_generate_key_pair(m_context->get(), pair.out());
        if (rc != 0) return sgFail(rc, "pre-key generation");
        SignalPtr<session_pre_key> pk;
        if ((rc = session_pre_key_create(pk.out(), id, pair.get())))
            return sgFail(rc, "pre-key creation");
        if ((rc = signal_protocol_pre_key_store_key(m_storeContext, pk.get())))
            return sgFail(rc, "pre-key store");
        auto pub = serializePublic(ec_key_pair_get_public(pair.get()));
        if (!pub) return tl::unexpected(pub.error());
        out.push_back({id, std::move(*pub)});
    }
    return out;
}

Result<void> SessionManager::processBundle(const Address& address, const PreKeyBundle& b) {
    // Refuse weak or malformed keys before libsignal sees them: curve25519-donna happily
    // agrees with a low-order point and yields a secret everyone knows.
    auto reject = [&](const char* why) {
        log::write(log::Level::Warn, "bundle.rejected",
                   {{"peer_device", std::to_string(address.deviceId)}, {"reason", why}});
        return fail(ErrorCode::AuthFailed, std::string("pre-key bundle rejected: ") + why);
    };
    if (!isAcceptablePublicKey(b.identityKey)) return reject("bad identity key");
    if (!isAcceptablePublicKey(b.signedPreKeyPublic)) return reject("bad signed pre-key");
    if (b.preKeyId && !isAcceptablePublicKey(b.preKeyPublic)) return reject("bad one-time pre-key");
    if (b.signedPreKeySignature.size() != 64) return reject("bad signature length");
    if (!verify(b.identityKey, b.signedPreKeyPublic, b.signedPreKeySignature))
        return reject("signed pre-key signature does not verify");

    SignalPtr<ec_public_key> identity, signedPreKey, preKey;
    signal_context* ctx = m_context->get();
    int rc = curve_decode_point(identity.out(), b.identityKey.data(), b.identityKey.size(), ctx);
    if (rc == 0)
        rc = curve_decode_point(signedPreKey.out(), b.signedPreKeyPublic.data(),
                                b.signedPreKeyPublic.size(), ctx);
    if (rc == 0 && b.preKeyId)
        rc = curve_decode_point(preKey.out(), b.preKeyPublic.data(), b.preKeyPublic.size(), ctx);
    if (rc != 0) return sgFail(rc, "bundle key decoding");

    SignalPtr<session_pre_key_bundle> bundle;
    rc = session_pre_key_bundle_create(bundle.out(), b.registrationId, b.deviceId,
                                       b.preKeyId.value_or(0), preKey.get(), b.signedPreKeyId,
                                       signedPreKey.get(), b.signedPreKeySignature.data(),
                                       b.signedPreKeySignature.size(), identity.get());
    if (rc != 0) return sgFail(rc, "bundle creation");
    CAddress addr(address);
    session_builder* raw = nullptr;
    if ((rc = session_builder_create(&raw, m_storeContext, &addr.raw, ctx)))
        return sgFail(rc, "session builder");
    std::unique_ptr<session_builder, BuilderDeleter> builder(raw);
    if ((rc = session_builder_process_pre_key_bundle(builder.get(), bundle.get())))
        return sgFail(rc, "bundle processing");
    return {};
}

bool SessionManager::hasSession(const Address& address) {
    CAddress addr(address);
    return signal_protocol_session_contains_session(m_storeContext, &addr.raw) == 1;
}

Result<CipherMessage> SessionManager::encrypt(const Address& address, ByteView plaintext) {
    CAddress addr(address);
    session_cipher* raw = nullptr;
    int rc = session_cipher_create(&raw, m_storeContext, &addr.raw, m_context->get());
    if (rc != 0) return sgFail(rc, "cipher creation");
    std::unique_ptr<session_cipher, CipherDeleter> cipher(raw);
    if (!hasSession(address)) return fail(ErrorCode::NotFound, "no session with this device");
    SignalPtr<ciphertext_message> msg;
    if ((rc = session_cipher_encrypt(cipher.get(), plaintext.data(), plaintext.size(), msg.out())))
        return sgFail(rc, "encrypt");
    CipherMessage out;
    out.type = ciphertext_message_get_type(msg.get()) == CIPHERTEXT_PREKEY_TYPE
                   ? CipherMessage::Type::PreKey
                   : CipherMessage::Type::Whisper;
    // The serialized buffer belongs to the message: copy, never free.
    signal_buffer* ser = ciphertext_message_get_serialized(msg.get());
    out.body.assign(signal_buffer_const_data(ser),
                    signal_buffer_const_data(ser) + signal_buffer_len(ser));
    return out;
}

Result<SecureBytes> SessionManager::decrypt(const Address& address, const CipherMessage& message) {
    CAddress addr(address);
    session_cipher* raw = nullptr;
    int rc = session_cipher_create(&raw, m_storeContext, &addr.raw, m_context->get());
    if (rc != 0) return sgFail(rc, "cipher creation");
    std::unique_ptr<session_cipher, CipherDeleter> cipher(raw);
    SignalBuffer plaintext;
    if (message.type == CipherMessage::Type::PreKey) {
        SignalPtr<pre_key_signal_message> msg;
        rc = pre_key_signal_message_deserialize(msg.out(), message.body.data(), message.body.size(),
                                                m_context->get());
        if (rc != 0) return sgFail(rc, "pre-key message parse");
        for (const ec_public_key* key : {pre_key_signal_message_get_base_key(msg.get()),
                                         pre_key_signal_message_get_identity_key(msg.get())}) {
            auto serialized = serializePublic(key);
            if (!serialized) return tl::unexpected(serialized.error());
            if (!isAcceptablePublicKey(*serialized)) {
                log::write(log::Level::Warn, "prekey_message.rejected",
                           {{"peer_device", std::to_string(address.deviceId)},
                            {"reason", "non-canonical or low-order key"}});
                return fail(ErrorCode::Malformed,
                            "pre-key message rejected: non-canonical or low-order key");
            }
        }
        // libsignal 2.3.3 saves the sender's identity (trust on first use) before it checks the
        // message's MAC and never takes it back: one corrupted or forged first message would pin
        // a wrong key, and the genuine one would then fail as an identity change. Undo that
        // save when decryption fails, under the library's lock so no other call sees it.
        auto guard = m_context->lock();
        auto identityBefore = m_store.loadIdentity(address);
        if (!identityBefore) return tl::unexpected(identityBefore.error());
        rc = session_cipher_decrypt_pre_key_signal_message(cipher.get(), msg.get(), nullptr,
                                                           plaintext.out());
        if (rc != 0) {
            auto identityAfter = m_store.loadIdentity(address);
            if (!identityAfter || *identityAfter != *identityBefore) {
                auto undone = *identityBefore ? m_store.saveIdentity(address, **identityBefore)
                                              : m_store.deleteIdentity(address);
                if (!undone) return tl::unexpected(undone.error());
            }
        }
    } else if (message.type == CipherMessage::Type::Whisper) {
        SignalPtr<signal_message> msg;
        rc = signal_message_deserialize(msg.out(), message.body.data(), message.body.size(),
                                        m_context->get());
        if (rc != 0) return sgFail(rc, "message parse");
        rc = session_cipher_decrypt_signal_message(cipher.get(), msg.get(), nullptr,
                                                   plaintext.out());
    } else {
        return fail(ErrorCode::Malformed, "unknown message type");
    }
    if (rc != 0) return sgFail(rc, "decrypt");
    return toSecure(plaintext.view());
}

Result<Bytes> SessionManager::sign(ByteView message) {
    auto identity = m_store.identityKeyPair();
    if (!identity) return tl::unexpected(identity.error());
    return signWith(*m_context, identity->privateKey, message);
}

Result<Bytes> SessionManager::signWith(SignalContext& context, ByteView privateKey,
                                       ByteView message) {
    SignalPtr<ec_private_key> priv;
    int rc =
        curve_decode_private_point(priv.out(), privateKey.data(), privateKey.size(), context.get());
    if (rc != 0) return sgFail(rc, "identity key decoding");
    SignalBuffer sig;
    if ((rc = curve_calculate_signature(context.get(), sig.out(), priv.get(), message.data(),
                                        message.size())))
        return sgFail(rc, "signature");
    return toBytes(sig.view());
}

bool SessionManager::verify(ByteView identityKey, ByteView message, ByteView signature) {
    if (identityKey.size() != 33 || identityKey[0] != 0x05 || signature.size() != 64) return false;
    SignalPtr<ec_public_key> pub;
    // curve_decode_point needs no context for 0x05 keys; it is only used for logging.
    if (curve_decode_point(pub.out(), identityKey.data(), identityKey.size(), nullptr) != 0)
        return false;
    return curve_verify_signature(pub.get(), message.data(), message.size(), signature.data(),
                                  signature.size()) == 1;
}

Result<Bytes> SessionManager::identityPublicKey() {
    auto identity = m_store.identityKeyPair();
    if (!identity) return tl::unexpected(identity.error());
    return identity->publicKey;
}

} // namespace verbatim::signal
