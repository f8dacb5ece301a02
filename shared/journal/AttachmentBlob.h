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

}  // namespace verbatim::journal
