#pragma once
/// @file Commitment.h
/// The message commitment C = SHA-256("verbatim-commit-v2" || k || canonical(content)).
/// Recipients and compliance recompute it from what they decrypted; a mismatch means the sender
/// journaled something other than what it sent.

#include <string>
#include <vector>

#include "common/Bytes.h"
#include "crypto/Digest.h"

namespace verbatim::journal {

/// What a commitment binds of one attachment. Version 1 bound only the blob's digest; version 2
/// also binds the key (AES-GCM is not key-committing: one blob can open under two keys) and the
/// plaintext's digest, size, name and media type, so recipients and compliance who decrypt the
/// blob can check they hold the same file.
struct AttachmentCommit {
    ByteView blobDigest;      ///< SHA-256 of the encrypted blob
    ByteView key;             ///< 32-byte AES-256-GCM key
    ByteView plaintextDigest; ///< SHA-256 of the decrypted file
    std::uint64_t size = 0;   ///< plaintext size
    std::string_view name;
    std::string_view mediaType;
};

/// The committed content of one message (see docs/protocol.md, "Commitment").
struct CommitContent {
    std::uint32_t version = 2; ///< 1: journal entry header version 1; 2: every entry since
    ByteView messageId;        ///< 16 bytes
    std::string_view conversationId;
    std::uint32_t type = 0; ///< proto::MessageType value
    ByteView body;
    std::vector<AttachmentCommit> attachments; ///< in attachment order
    ByteView refMessageId;                     ///< empty unless an edit/retraction/reaction
};

/// Canonical byte encoding of `content` (length-prefixed fields, big-endian integers).
Bytes canonicalContent(const CommitContent& content);

/// C for commitment key `k` (32 bytes) and `content`.
[[nodiscard]] Result<crypto::Hash256> computeCommitment(ByteView k, const CommitContent& content);

/// Constant-time check that `commitment` opens to `content` under `k`.
bool commitmentOpens(ByteView commitment, ByteView k, const CommitContent& content);

} // namespace verbatim::journal
