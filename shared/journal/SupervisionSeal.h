#pragma once
/// @file SupervisionSeal.h
/// The inner seal of a SUPERVISION record's body (issue 21; docs/protocol.md, "Supervision
/// records"). A compliance device sends its review actions into the conversation `Compliance
/// review` like any message, so every member's device decrypts the end-to-end copy, and an
/// administrator who created that conversation is a member. The body (policies, review notes,
/// what compliance searched for) is therefore sealed once more, to the firm's journal key, before
/// it is sent: members without the journal key hold only this ciphertext, while every compliance
/// officer's archive opens it with the key it opens the journal with.
///
///     sealed = "vbsv1:" || base64(key_id[16] || E[32] || AES-256-GCM(k, nonce = 12 zero bytes,
///                  aad = "verbatim-supervision-body-v1" || key_id || E, body) || tag[16])
///     k      = HKDF-SHA256(ikm = X25519(e, J), salt = "", info = "verbatim-supervision-body-v1"
///                          || E || J, 32)
///
/// with (e, E) a fresh ephemeral X25519 pair per body (so one key seals one body, and the fixed
/// nonce is never reused), J the journal public key and key_id journalKeyId(J).
/// No Qt, no storage, no network: pure functions, safe on any thread.

#include <array>
#include <functional>
#include <string>
#include <string_view>

#include "common/Bytes.h"
#include "common/Result.h"
#include "crypto/X25519.h"
#include "journal/SealedEntry.h"

namespace verbatim::journal {

/// Whether `body` has the sealed form's prefix ("vbsv1:"). A plain JSON body (the first
/// format, still read) never does. Text (base64, RFC 4648 with padding), because every string
/// of a record is UTF-8.
bool isSealedSupervisionBody(std::string_view body) noexcept;

/// `body` (the record's JSON) sealed to `journalPublicKey` (32 bytes) as above.
[[nodiscard]] Result<std::string> sealSupervisionBody(std::string_view body,
                                                      ByteView journalPublicKey);

/// Finds the journal private key whose id is `keyId`; nullptr when the reader holds none.
using JournalKeyLookup =
    std::function<const crypto::X25519Key*(const std::array<std::uint8_t, kKeyIdSize>& keyId)>;

/// Opens a sealed body. Fails with ErrorCode::Malformed when it is truncated or of another
/// format, ErrorCode::NotFound when no key of `keys` has its key id, and ErrorCode::AuthFailed
/// when it does not open (altered, or sealed to another key under a borrowed id); the message
/// never holds the content.
[[nodiscard]] Result<std::string> openSupervisionBody(std::string_view sealed,
                                                      const JournalKeyLookup& keys);

} // namespace verbatim::journal
