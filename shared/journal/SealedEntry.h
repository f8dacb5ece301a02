#pragma once
/// @file SealedEntry.h
/// The journal entry as it travels and is stored: a clear header (authenticated data), the
/// AES-256-GCM ciphertext of the JournalRecord, and the sender device's XEdDSA signature.
/// Byte layout: docs/protocol.md, "Sealed journal entry".

#include <array>
#include <string>

#include "common/Bytes.h"

namespace verbatim::journal {

inline constexpr std::uint8_t kEntryVersion = 1; ///< the outer layout
/// The header layout written since issue 15 (conversation, recipients, device chain); version 1
/// headers are still read, for journals written before.
inline constexpr std::uint8_t kHeaderVersion = 2;
inline constexpr std::size_t kMaxConversationIdSize = 256;
inline constexpr std::size_t kKeyIdSize = 16;
inline constexpr std::size_t kMessageIdSize = 16;
inline constexpr std::size_t kMaxUserIdSize = 256;
/// Sealed records larger than this are refused (attachments travel as blobs, not inline).
inline constexpr std::size_t kMaxCiphertextSize = 1 << 20;

/// A new message id: the time (ms since the Unix epoch, 48 bits big-endian), then 80 random
/// bits, as in a UUIDv7. As unique as a random id for one sender, and later ids sort after
/// earlier ones, so the relay's duplicate-send index and the client's message table take new
/// ids at their end instead of on a random page each.
std::string newMessageId(std::uint64_t nowMs);

/// The clear, authenticated header of a sealed entry.
struct EntryHeader {
    std::uint8_t version = kHeaderVersion;
    std::array<std::uint8_t, kKeyIdSize> journalKeyId{};
    std::array<std::uint8_t, kMessageIdSize> messageId{};
    std::string senderUser;
    std::uint32_t senderDevice = 0;
    std::uint64_t timeMs = 0; ///< sender's clock when sealing, ms since the Unix epoch
    // Version 2 only:
    std::string
        conversationId; ///< the record's conversation; the relay checks it is the delivery's
    std::array<std::uint8_t, 32>
        recipientsDigest{}; ///< recipientsDigest() of the record's recipients
    /// The sender device's chain: how many of its entries the relay had acknowledged when it
    /// sealed this one, and the chain hash over their message ids (deviceChainStep).
    std::uint64_t deviceAcked = 0;
    std::array<std::uint8_t, 32> deviceHead{};
    std::array<std::uint8_t, 32> commitment{};
    std::array<std::uint8_t, 32> ephemeralPublic{};

    /// Canonical bytes (also the GCM associated data and part of what is signed).
    Bytes serialize() const;
    [[nodiscard]] static Result<EntryHeader> parse(ByteView bytes);
};

/// A complete sealed entry.
struct SealedEntry {
    EntryHeader header;
    Bytes ciphertext; ///< GCM ciphertext || 16-byte tag
    Bytes signature;  ///< 64-byte XEdDSA signature over signedBytes()

    /// The bytes the sender signs: label || field(header) || field(ciphertext).
    Bytes signedBytes() const;
    Bytes serialize() const;
    /// Strict parser: any trailing byte, oversize field or bad version is an error.
    [[nodiscard]] static Result<SealedEntry> parse(ByteView bytes);
};

} // namespace verbatim::journal
