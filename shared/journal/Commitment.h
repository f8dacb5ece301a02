#pragma once
/// @file Commitment.h
/// The message commitment C = SHA-256("verbatim-commit-v1" || k || canonical(content)).
/// Recipients and compliance recompute it from what they decrypted; a mismatch means the sender
/// journaled something other than what it sent.

#include <string>
#include <vector>

#include "common/Bytes.h"
#include "crypto/Digest.h"

namespace verbatim::journal {

/// The committed content of one message (see docs/protocol.md, "Commitment").
struct CommitContent {
    ByteView messageId;             ///< 16 bytes
    std::string_view conversationId;
    std::uint32_t type = 0;         ///< proto::MessageType value
    ByteView body;
    std::vector<ByteView> attachmentDigests;  ///< in attachment order
    ByteView refMessageId;          ///< empty unless an edit/retraction/reaction
};

/// Canonical byte encoding of `content` (length-prefixed fields, big-endian integers).
Bytes canonicalContent(const CommitContent& content);

/// C for commitment key `k` (32 bytes) and `content`.
[[nodiscard]] Result<crypto::Hash256> computeCommitment(ByteView k, const CommitContent& content);

/// Constant-time check that `commitment` opens to `content` under `k`.
bool commitmentOpens(ByteView commitment, ByteView k, const CommitContent& content);

}  // namespace verbatim::journal
