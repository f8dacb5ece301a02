#pragma once
/// @file ConformanceParty.h
/// A device as a second implementation would build it from docs/protocol.md and the .proto
/// files: a Signal identity with pre-keys (shared/signal), the registration it posts, its
/// WebSocket session, and sends whose journal entries are sealed with shared/journal (the
/// byte-level reference). No code of the product's client is used. Test-only; one device is
/// used from one thread.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ConformanceWire.h"
#include "journal/JournalCrypto.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SessionManager.h"
#include "verbatim.pb.h"
#include "wire.pb.h"

namespace verbatim::conformance {

struct Device {
    std::string user;
    std::uint32_t device = 0;
    proto::Role role = proto::ROLE_UNSPECIFIED;
    std::string conversation; ///< the matter an invite joined (Registered.conversation_id)
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    Bytes identityKey; ///< 33 bytes
    std::uint32_t registrationId = 0;
    signal::SignedPreKeyPublic signedPreKey;
    std::vector<signal::PreKeyPublic> preKeys;
    Bytes secret;               ///< the 32-byte device secret (its hex is the bearer token)
    journal::DeviceChain chain; ///< this device's entries the relay acknowledged
    std::unique_ptr<WsSession> ws;

    /// A new identity, signed pre-key 1 and `preKeyCount` one-time pre-keys (ids 1..).
    [[nodiscard]] static Result<std::unique_ptr<Device>>
    create(std::shared_ptr<signal::SignalContext> context, unsigned preKeyCount = 20);
    /// The RegisterDevice a client posts for `token`.
    proto::RegisterDevice registration(const std::string& token,
                                       const std::string& displayName = {}) const;
    signal::Address address() const { return {user, std::int32_t(device)}; }
    proto::DeviceAddress deviceAddress() const;
    journal::Signer signer();
    /// Opens (or reopens) the WebSocket session with this device's credentials.
    [[nodiscard]] Result<void> connect(const Endpoint& endpoint);
    /// Reads pushes until queue_drained; returns the envelopes before it and sets `delivered`.
    [[nodiscard]] Result<std::vector<proto::Envelope>>
    drain(std::uint64_t& delivered, std::chrono::milliseconds timeout = 10s);
};

/// A send as it goes on the wire, with the record it journals.
struct Outgoing {
    proto::SendMessage send;
    proto::JournalRecord record;
    journal::SealedEntry entry;
};

/// Changes a record before it is encrypted and sealed (type, body, recipients…).
using RecordShape = std::function<void(proto::JournalRecord&)>;

/// The conversation's current devices but `from`'s (ListMembersDevices over `from`'s session).
[[nodiscard]] Result<std::vector<proto::DeviceAddress>>
otherMemberDevices(Device& from, const std::string& conversation);
/// Starts Signal sessions from `from` to each of `to` it has none with, from bundles fetched over
/// its session (FetchBundles).
[[nodiscard]] Result<void> ensureSessions(Device& from,
                                          const std::vector<proto::DeviceAddress>& to);
/// A TEXT record from `from` (fresh message id and commitment key) to `to`.
proto::JournalRecord makeRecord(const Device& from, const std::string& conversation,
                                const std::string& body,
                                const std::vector<proto::DeviceAddress>& to);
/// A valid send of `body` to `to`: each envelope the Signal encryption of the record, and the
/// entry sealed to `journalPublicKey` and signed by `from`. `shape` may change the record first.
[[nodiscard]] Result<Outgoing> buildSend(Device& from, const std::string& conversation,
                                         const std::string& body,
                                         const std::vector<proto::DeviceAddress>& to,
                                         ByteView journalPublicKey, const RecordShape& shape = {});
/// Re-signs `entry` as `from` after its header or ciphertext was changed.
[[nodiscard]] Result<void> resign(Device& from, journal::SealedEntry& entry);
/// The send as a Request.
proto::Request sendRequest(const proto::SendMessage& send);
/// Sends and, when the relay accepted it, advances `from.chain`.
[[nodiscard]] Result<proto::Response> send(Device& from, const proto::SendMessage& send);
/// Decrypts an envelope received by `to` into the record it carries.
[[nodiscard]] Result<proto::JournalRecord> openEnvelope(Device& to,
                                                        const proto::Envelope& envelope);

/// Bytes of a protobuf bytes field, and back.
inline Bytes bytesOf(const std::string& s) {
    return Bytes(s.begin(), s.end());
}
inline std::string stringOf(ByteView b) {
    return std::string(b.begin(), b.end());
}

} // namespace verbatim::conformance
