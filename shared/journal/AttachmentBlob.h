#pragma once
/// @file AttachmentBlob.h
/// The encrypted form of an attachment as it is uploaded to the relay: a fresh 32-byte key per
/// file, blob = IV(12) || AES-256-GCM(plaintext) || tag(16), associated data
/// "verbatim-attachment-v1". The blob's SHA-256 goes into the message's commitment, so the
/// receiver and compliance both check they hold the file the sender committed to.

#include "common/Bytes.h"
#include "crypto/Digest.h"

namespace verbatim::journal {

struct SealedBlob {
    SecureBytes key;        ///< 32 bytes
    Bytes blob;             ///< what the relay stores
    crypto::Hash256 digest; ///< SHA-256 of blob
};

[[nodiscard]] Result<SealedBlob> sealAttachment(ByteView plaintext);

/// Checks `blob` against `digest` (constant time), then decrypts it with `key`.
[[nodiscard]] Result<SecureBytes> openAttachment(ByteView key, ByteView digest, ByteView blob);
/// openAttachment(), then checks the file against what the sender committed to (issue 15 break
/// 4): its SHA-256 `plaintextDigest` (when the reference carries one; references made before it
/// existed have none) and its `size`. A mismatch is ErrorCode::Crypto: the sender gave this
/// reader another file than the one it committed to.
[[nodiscard]] Result<SecureBytes> openCommittedAttachment(ByteView key, ByteView digest,
                                                          ByteView blob, ByteView plaintextDigest,
                                                          std::uint64_t size);

} // namespace verbatim::journal
