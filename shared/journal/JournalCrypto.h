#pragma once
/// @file JournalCrypto.h
/// Sealing a JournalRecord to the firm's journal key, and opening and verifying it on the
/// compliance side (DESIGN.md section 6; byte layouts in docs/protocol.md).
///
/// seal:  ephemeral X25519 with the journal public key -> HKDF-SHA256 -> AES-256-GCM over the
///        serialized record, header as associated data; then the sender device signs
///        header + ciphertext with its identity key (XEdDSA).
/// open:  signature check -> X25519 with the journal private key -> HKDF -> GCM open ->
///        record parse -> header/record consistency -> commitment check.

#include <array>
#include <functional>
#include <vector>

#include "crypto/X25519.h"
#include "journal/Commitment.h"
#include "journal/SealedEntry.h"
#include "verbatim.pb.h"

namespace verbatim::journal {

/// Which check an entry failed; carried in Error::detail so that reports can name it.
enum class Fault : int {
    None = 0,
    Malformed = 1,       ///< entry bytes do not parse
    WrongJournalKey = 2, ///< sealed to another journal key (key id differs)
    BadSignature = 3,    ///< not signed by the claimed sender device
    Decrypt = 4,         ///< GCM tag failed: header or ciphertext altered, or wrong key
    RecordMalformed = 5, ///< the decrypted record does not parse
    HeaderMismatch = 6,  ///< record's message id / sender / time / conversation / recipients differ
                         ///< from the header
    CommitmentMismatch = 7, ///< content does not open the commitment in the header
};
const char* faultName(Fault fault);

/// 16-byte journal key id: SHA-256("verbatim-journal-key-id-v1" || publicKey)[0..16).
std::array<std::uint8_t, kKeyIdSize> journalKeyId(ByteView publicKey);

/// The commitment content of a record (views into `record`; it must outlive the result), in
/// commitment version `version` (2 for every entry sealed now; 1 for header version 1).
CommitContent commitContentOf(const proto::JournalRecord& record, std::uint32_t version = 2);

/// SHA-256("verbatim-recipients-v1" || u32(n) || n × (field(user) || u32(device))) over the
/// devices sorted by (user, device): what the header binds of a message's recipients, and what
/// the relay recomputes from the envelopes it delivers.
crypto::Hash256 recipientsDigest(std::vector<std::pair<std::string_view, std::uint32_t>> devices);
crypto::Hash256
recipientsDigest(const google::protobuf::RepeatedPtrField<proto::DeviceAddress>& devices);

/// A sender device's chain over the entries the relay acknowledged to it, in that order.
struct DeviceChain {
    std::uint64_t acked = 0;
    crypto::Hash256 head{}; ///< 32 zero bytes before the first
    /// The chain after one more acknowledged entry:
    /// head' = SHA-256("verbatim-device-chain-v1" || head || u64(acked + 1) || field(message_id)).
    DeviceChain next(ByteView messageId) const;
};

/// Produces the sender device's 64-byte signature over a message (SessionManager::sign).
using Signer = std::function<Result<Bytes>(ByteView message)>;

/// Seals `record` (whose commit_key must hold 32 bytes and message_id 16) to `journalPublicKey`
/// (32 bytes) and signs it. The header's time is record.client_time_ms.
/// The header names the record's conversation and recipients, and carries `chain`, the
/// sender device's acknowledged entries so far.
/// When `ephemeralSecret` is given it receives the entry's ephemeral X25519 private key `e`
/// (32 bytes): the sender hands it to the recipients inside the end-to-end record
/// (`journal_ephemeral`), so that they can open the entry the relay delivers exactly as the
/// journal will (openEntryWithEphemeral). It opens this entry only.
[[nodiscard]] Result<SealedEntry> sealRecord(const proto::JournalRecord& record,
                                             ByteView journalPublicKey, const Signer& sign,
                                             const DeviceChain& chain = {},
                                             SecureBytes* ephemeralSecret = nullptr);

/// Seals with a caller-supplied header commitment instead of the one `record` opens. Honest
/// senders use sealRecord(); this is what a patched client could produce, for the tests that
/// prove recipients and compliance catch it (ES-06, ES-08).
[[nodiscard]] Result<SealedEntry>
sealRecordWithCommitment(const proto::JournalRecord& record, const crypto::Hash256& commitment,
                         ByteView journalPublicKey, const Signer& sign,
                         const DeviceChain& chain = {}, SecureBytes* ephemeralSecret = nullptr);

/// Checks only the sender's signature (what the relay can do without the journal key).
/// `identityKey` is the sender device's public identity key (33 bytes).
bool verifyEntrySignature(const SealedEntry& entry, ByteView identityKey);

struct OpenedEntry {
    EntryHeader header;
    proto::JournalRecord record;
};

/// Opens and fully verifies `entry` with the journal private key. On failure the Error's
/// detail is a Fault value and its message names the check (never the content).
/// Thread-safe for distinct entries.
[[nodiscard]] Result<OpenedEntry> openEntry(const SealedEntry& entry,
                                            const crypto::X25519Key& journalKey,
                                            ByteView senderIdentityKey);

/// What a recipient does with the entry the relay delivered beside an envelope (the journal
/// copy check, docs/protocol.md): opens it from the sender's ephemeral secret `e` instead of the
/// journal private key, after checking that `e` is the header's ephemeral key and that
/// `journalPublicKey` is the header's journal key, then runs the same record, header and
/// commitment checks as openEntry(). The signature is not checked here (the relay and
/// compliance check it); what this proves is that the journal's copy opens, under the journal
/// key, to a record with the commitment the recipient verified. Faults as openEntry().
[[nodiscard]] Result<OpenedEntry> openEntryWithEphemeral(const SealedEntry& entry,
                                                         ByteView ephemeralSecret,
                                                         ByteView journalPublicKey);

/// The whole journal copy check of a received message (docs/protocol.md, "Journal copy check"):
/// `entryBytes` is the sealed entry the relay delivered with the envelope, `received` the
/// end-to-end record the recipient decrypted (already matched to the envelope and opening
/// `commitment`, the envelope's C), `journalKeys` the journal public keys of the firm's manifest.
/// Passes when the entry names this message, sender, conversation, time and recipients, carries
/// the same commitment, and opens from `received.journal_ephemeral()` under one of the journal
/// keys to a record that opens it too. Fails with a Fault in detail otherwise, a missing `e` or
/// entry included.
[[nodiscard]] Result<void> checkJournalCopy(ByteView entryBytes,
                                            const proto::JournalRecord& received,
                                            ByteView commitment,
                                            const std::vector<Bytes>& journalKeys);

} // namespace verbatim::journal
