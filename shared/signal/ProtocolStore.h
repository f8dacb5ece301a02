#pragma once
/// @file ProtocolStore.h
/// Storage contract for the Signal protocol state of one device: identity, pre-keys, signed
/// pre-keys, sessions and sender keys, as opaque serialized records. Implementations:
/// InMemoryProtocolStore (tests) and SqlProtocolStore (SQLCipher).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/Bytes.h"

namespace verbatim::signal {

/// A remote device: user name (account id) and device id.
struct Address {
    std::string name;
    std::int32_t deviceId = 0;
    bool operator==(const Address&) const = default;
    auto operator<=>(const Address&) const = default;
};

/// The device's own long-term identity, serialized as libsignal does (public 33 bytes with the
/// 0x05 type prefix, private 32 bytes).
struct IdentityKeyPair {
    Bytes publicKey;
    SecureBytes privateKey;
};

/// All methods may be called from any thread, but never concurrently: the SignalContext lock
/// serialises library calls. Implementations must not throw.
class ProtocolStore {
public:
    virtual ~ProtocolStore() = default;

    // Identity
    virtual Result<IdentityKeyPair> identityKeyPair() = 0;
    virtual Result<std::uint32_t> localRegistrationId() = 0;
    /// Stores (or replaces) the identity key of the remote device `address` (each device has its
    /// own identity).
    virtual Result<void> saveIdentity(const Address& address, ByteView identityKey) = 0;
    virtual Result<std::optional<Bytes>> loadIdentity(const Address& address) = 0;
    /// Forgets the identity key of `address` (the next one is trusted on first use again).
    /// Succeeds when there was none.
    virtual Result<void> deleteIdentity(const Address& address) = 0;

    // Sessions
    virtual Result<std::optional<Bytes>> loadSession(const Address& address) = 0;
    virtual Result<void> storeSession(const Address& address, ByteView record) = 0;
    virtual Result<bool> containsSession(const Address& address) = 0;
    virtual Result<bool> deleteSession(const Address& address) = 0;
    virtual Result<int> deleteAllSessions(const std::string& name) = 0;
    virtual Result<std::vector<std::int32_t>> subDeviceSessions(const std::string& name) = 0;

    // One-time pre-keys
    virtual Result<std::optional<Bytes>> loadPreKey(std::uint32_t id) = 0;
    virtual Result<void> storePreKey(std::uint32_t id, ByteView record) = 0;
    virtual Result<bool> containsPreKey(std::uint32_t id) = 0;
    virtual Result<bool> removePreKey(std::uint32_t id) = 0;

    // Signed pre-keys
    virtual Result<std::optional<Bytes>> loadSignedPreKey(std::uint32_t id) = 0;
    virtual Result<void> storeSignedPreKey(std::uint32_t id, ByteView record) = 0;
    virtual Result<bool> containsSignedPreKey(std::uint32_t id) = 0;
    virtual Result<bool> removeSignedPreKey(std::uint32_t id) = 0;

    // Sender keys (group sessions), keyed by group id and sender address
    virtual Result<std::optional<Bytes>> loadSenderKey(const std::string& groupId,
                                                       const Address& sender) = 0;
    virtual Result<void> storeSenderKey(const std::string& groupId, const Address& sender,
                                        ByteView record) = 0;
};

} // namespace verbatim::signal
