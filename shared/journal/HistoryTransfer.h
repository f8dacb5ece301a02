#pragma once
/// @file HistoryTransfer.h
/// The history one device of a user hands another device of the same user (issue 23): a
/// versioned, length-prefixed document of conversations and messages, encrypted under a fresh
/// key in authenticated chunks so that a cut, reordered or altered blob never opens. The relay
/// stores only the encrypted blob; the key travels in an end-to-end Signal message to the one
/// target device. docs/protocol.md, "History transfer", is the contract:
///
///     document = "VBHIST" || u16(1) || field(user) || u32(source_device) || u64(created_ms)
///                || item* || u8(0) || u32(conversations) || u32(messages)
///     item     = u8(1) || field(HistoryConversation)   every conversation before any message
///              | u8(2) || field(HistoryMessage)
///     blob     = "VBHB" || u8(1) || u32(chunk_size) || chunk_0 || ... || chunk_n
///     chunk_i  = AES-256-GCM(key, nonce = u32(0) || u64(i),
///                            aad = "verbatim-history-v1" || header[9] || u64(i) || u8(last),
///                            plaintext_i) || tag[16]
///
/// No Qt, no network, no storage: pure functions, safe on any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Bytes.h"
#include "crypto/Digest.h"
#include "verbatim.pb.h"

namespace verbatim::journal {

/// Most bytes of a history document (plaintext): 96 MiB, so that its blob stays within the
/// relay's 100 MiB upload limit.
constexpr std::size_t kMaxHistoryBytes = 96u << 20;
/// Most bytes of one item (a message with 10 attachments and their thumbnails fits easily).
constexpr std::size_t kMaxHistoryItemBytes = 1u << 20;
/// Most conversations and messages one document may hold.
constexpr std::uint32_t kMaxHistoryConversations = 100000;
constexpr std::uint32_t kMaxHistoryMessages = 2000000;
/// Plaintext bytes per chunk that writers use; readers accept 1 KiB to 1 MiB.
constexpr std::uint32_t kHistoryChunkBytes = 64u << 10;

/// The conversation id of messages between one user's own devices ("devices:" + user): the
/// relay's device set for it is that user's active devices, and only they may send into it.
/// Relay-made conversation ids are 32 hex digits, so it never names a real conversation.
inline std::string ownDevicesConversation(std::string_view user) {
    return "devices:" + std::string(user);
}
/// The user an own-devices conversation id names; empty for any other id.
inline std::string ownDevicesUser(std::string_view conversation) {
    constexpr std::string_view prefix = "devices:";
    if (conversation.size() <= prefix.size() || conversation.substr(0, prefix.size()) != prefix)
        return {};
    return std::string(conversation.substr(prefix.size()));
}

/// A history as one device exports it and another imports it.
struct HistoryDocument {
    std::string user;               ///< whose history (the exporting device's user)
    std::uint32_t sourceDevice = 0; ///< the exporting device
    std::uint64_t createdMs = 0;    ///< the exporting device's clock
    std::vector<proto::HistoryConversation> conversations;
    std::vector<proto::HistoryMessage> messages; ///< each names a conversation above
};

/// The document's bytes. Fails (InvalidArgument, with the counts) over any limit above, for a
/// message naming a conversation the document does not hold, or for a repeated id.
[[nodiscard]] Result<Bytes> encodeHistory(const HistoryDocument& doc);

/// Parses a document, refusing (Malformed or Unsupported, with a reason and no content) a wrong
/// magic or version, a cut or over-long item, an unknown item kind, a conversation after the
/// first message, a message of an unlisted conversation, a message id that is not 16 bytes or
/// repeats, counts that differ from the items, and anything after the end. Allocates nothing by
/// a length it has not checked against the input.
[[nodiscard]] Result<HistoryDocument> parseHistory(ByteView bytes);

/// An encrypted history: what the relay stores, and what the target device needs to open it.
struct SealedHistory {
    SecureBytes key;        ///< 32 fresh random bytes
    Bytes blob;             ///< the header and the chunks
    crypto::Hash256 digest; ///< SHA-256 of blob
};

/// Encrypts `document` under a fresh key in chunks of `chunkBytes` (1 KiB..1 MiB).
[[nodiscard]] Result<SealedHistory> sealHistory(ByteView document,
                                                std::uint32_t chunkBytes = kHistoryChunkBytes);

/// Checks `blob` against `digest` (SHA-256, constant time), then opens every chunk in order.
/// AuthFailed for a blob that differs from the digest or whose chunks do not open (altered,
/// reordered, cut short at a chunk boundary, extended); Malformed for a bad header or size. No
/// plaintext is returned unless every chunk opened.
[[nodiscard]] Result<SecureBytes> openHistory(ByteView key, ByteView digest, ByteView blob);

} // namespace verbatim::journal
