#pragma once
/// @file SessionManager.h
/// Signal sessions of one device over a ProtocolStore: provisioning (identity, signed pre-key,
/// one-time pre-keys), X3DH from a pre-key bundle, double-ratchet encrypt/decrypt, and XEdDSA
/// signatures with the identity key.

#include <memory>
#include <optional>

#include "signal/ProtocolStore.h"
#include "signal/SignalContext.h"

struct signal_protocol_store_context;

namespace verbatim::signal {

/// What a device publishes so that others can start a session with it. Keys are serialized as
/// libsignal does: 33 bytes, 0x05 then the X25519 u-coordinate.
struct PreKeyBundle {
    std::uint32_t registrationId = 0;
    std::int32_t deviceId = 0;
    std::optional<std::uint32_t> preKeyId; ///< absent when the one-time pre-keys ran out
    Bytes preKeyPublic;
    std::uint32_t signedPreKeyId = 0;
    Bytes signedPreKeyPublic;
    Bytes signedPreKeySignature; ///< 64-byte XEdDSA signature by the identity key
    Bytes identityKey;
};

/// A public one-time pre-key, for upload.
struct PreKeyPublic {
    std::uint32_t id = 0;
    Bytes publicKey;
};

/// A public signed pre-key, for upload.
struct SignedPreKeyPublic {
    std::uint32_t id = 0;
    Bytes publicKey;
    Bytes signature;
    std::uint64_t timestampMs = 0;
};

/// One encrypted message for one remote device.
struct CipherMessage {
    enum class Type : std::uint8_t { PreKey = 3, Whisper = 2 };
    Type type = Type::Whisper;
    Bytes body;
};

/// Not copyable. All methods are thread-safe (serialised by the context's lock), but the store
/// must outlive the manager.
class SessionManager {
public:
    [[nodiscard]] static Result<std::unique_ptr<SessionManager>>
    create(std::shared_ptr<SignalContext> context, ProtocolStore& store);
    ~SessionManager();
    SessionManager(const SessionManager&) = delete;
    SessionManager& operator=(const SessionManager&) = delete;

    /// A new identity key pair and a random registration id (1..16380), for a new device.
    [[nodiscard]] static Result<IdentityKeyPair> generateIdentity(SignalContext& context);
    [[nodiscard]] static Result<std::uint32_t> generateRegistrationId(SignalContext& context);

    /// Generates a signed pre-key, stores its private half and returns the public part.
    [[nodiscard]] Result<SignedPreKeyPublic> generateSignedPreKey(std::uint32_t id);
    /// Generates `count` one-time pre-keys with ids start.., stores them, returns the publics.
    [[nodiscard]] Result<std::vector<PreKeyPublic>> generatePreKeys(std::uint32_t start,
                                                                    unsigned count);

    /// Checks `bundle` (lengths, key types, no low-order keys, signed pre-key signature) and
    /// starts a session with `address`. Nothing is stored when any check fails.
    [[nodiscard]] Result<void> processBundle(const Address& address, const PreKeyBundle& bundle);
    bool hasSession(const Address& address);

    /// Encrypts for `address`; a session must exist.
    [[nodiscard]] Result<CipherMessage> encrypt(const Address& address, ByteView plaintext);
    /// Decrypts a message from `address`. A replay fails with ErrorCode::Duplicate, a changed
    /// identity with ErrorCode::UntrustedIdentity, a pre-key message carrying a key that
    /// isAcceptablePublicKey refuses with ErrorCode::Malformed; on failure neither the session
    /// nor the stored identity of `address` is changed.
    [[nodiscard]] Result<SecureBytes> decrypt(const Address& address, const CipherMessage& message);

    /// XEdDSA signature over `message` with this device's identity key (64 bytes).
    [[nodiscard]] Result<Bytes> sign(ByteView message);
    /// XEdDSA signature with a bare identity private key (32 bytes), for signers without a
    /// protocol store (the relay's journal identity).
    [[nodiscard]] static Result<Bytes> signWith(SignalContext& context, ByteView privateKey,
                                                ByteView message);
    /// True when `signature` is a valid XEdDSA signature by `identityKey` (33 bytes, 0x05 prefix).
    static bool verify(ByteView identityKey, ByteView message, ByteView signature);

    /// This device's public identity key (33 bytes).
    Result<Bytes> identityPublicKey();

    SignalContext& context() const { return *m_context; }
    ProtocolStore& store() const { return m_store; }

private:
    SessionManager(std::shared_ptr<SignalContext> context, ProtocolStore& store);
    std::shared_ptr<SignalContext> m_context;
    ProtocolStore& m_store;
    signal_protocol_store_context* m_storeContext = nullptr;
};

/// True when a serialized public key (33 bytes, 0x05 prefix) is usable: right length and type,
/// canonically encoded (u < 2^255 - 19, bit 255 clear), and not a low-order X25519 point
/// (curve25519-donna does no such check itself).
bool isAcceptablePublicKey(ByteView serializedKey);

} // namespace verbatim::signal
