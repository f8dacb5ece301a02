#include "journal/JournalCrypto.h"

#include <algorithm>

#include "crypto/Aes.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "signal/SessionManager.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kKeyIdLabel = "verbatim-journal-key-id-v1";
constexpr std::string_view kSealInfo = "verbatim-journal-seal-v1";

tl::unexpected<Error> faultError(Fault f, std::string message) {
    return tl::unexpected(Error{f == Fault::Malformed || f == Fault::RecordMalformed
                                    ? ErrorCode::Malformed
                                    : ErrorCode::AuthFailed,
                                std::move(message), int(f)});
}

// Key (32) and nonce (12) for one entry. The ephemeral key is fresh per entry, so the nonce
// never repeats under a key; binding both public keys into the salt ties the derivation to
// this exact pair.
Result<SecureBytes> deriveSealKey(ByteView shared, ByteView ephemeralPublic, ByteView journalPublic,
                                  ByteView keyId) {
    Bytes salt;
    appendRaw(salt, ephemeralPublic);
    appendRaw(salt, journalPublic);
    Bytes info;
    appendRaw(info, view(kSealInfo));
    appendRaw(info, keyId);
    return crypto::hkdfSha256(shared, salt, info, 44);
}

// Steps 3 to 6 of opening (docs/protocol.md): GCM with the header as associated data, then the
// record against the header and the commitment; shared by compliance and recipients.
Result<OpenedEntry> openWithShared(const SealedEntry& entry, ByteView shared,
                                   ByteView journalPublicKey) {
    const EntryHeader& h = entry.header;
    auto okm = deriveSealKey(shared, h.ephemeralPublic, journalPublicKey, h.journalKeyId);
    if (!okm) return tl::unexpected(okm.error());
    Bytes aad = h.serialize();
    auto plaintext = crypto::aesGcmOpen(ByteView(okm->data(), 32), ByteView(okm->data() + 32, 12),
                                        aad, entry.ciphertext);
    if (!plaintext)
        return faultError(Fault::Decrypt,
                          "ciphertext or header was altered (authentication failed)");

    OpenedEntry out;
    out.header = h;
    if (!out.record.ParseFromArray(plaintext->data(), int(plaintext->size())))
        return faultError(Fault::RecordMalformed, "decrypted journal record does not parse");
    const auto& r = out.record;
    if (!constantTimeEqual(view(r.message_id()), h.messageId))
        return faultError(Fault::HeaderMismatch, "record message id differs from the header");
    if (r.sender().user() != h.senderUser || r.sender().device() != h.senderDevice)
        return faultError(Fault::HeaderMismatch, "record sender differs from the header");
    if (r.client_time_ms() != h.timeMs)
        return faultError(Fault::HeaderMismatch, "record time differs from the header");
    if (h.version >= 2) {
        // The relay checked the header against the delivery; the record must say the same.
        if (r.conversation_id() != h.conversationId)
            return faultError(Fault::HeaderMismatch, "record conversation differs from the header");
        if (!constantTimeEqual(recipientsDigest(r.recipients()), h.recipientsDigest))
            return faultError(Fault::HeaderMismatch, "record recipients differ from the header");
    }
    if (r.commit_key().size() != 32 || !commitmentOpens(h.commitment, view(r.commit_key()),
                                                        commitContentOf(r, h.version >= 2 ? 2 : 1)))
        return faultError(Fault::CommitmentMismatch,
                          "record content does not open the header's commitment");
    return out;
}
} // namespace

const char* faultName(Fault f) {
    switch (f) {
    case Fault::None:
        return "ok";
    case Fault::Malformed:
        return "malformed";
    case Fault::WrongJournalKey:
        return "wrong-journal-key";
    case Fault::BadSignature:
        return "bad-signature";
    case Fault::Decrypt:
        return "decrypt-failed";
    case Fault::RecordMalformed:
        return "record-malformed";
    case Fault::HeaderMismatch:
        return "header-mismatch";
    case Fault::CommitmentMismatch:
        return "commitment-mismatch";
    }
    return "unknown";
}

std::array<std::uint8_t, kKeyIdSize> journalKeyId(ByteView publicKey) {
    Bytes in;
    appendRaw(in, view(kKeyIdLabel));
    appendRaw(in, publicKey);
    auto h = crypto::sha256(in);
    std::array<std::uint8_t, kKeyIdSize> id{};
    std::copy_n(h.begin(), kKeyIdSize, id.begin());
    return id;
}

CommitContent commitContentOf(const proto::JournalRecord& r, std::uint32_t version) {
    CommitContent c;
    c.version = version;
    c.messageId = view(r.message_id());
    c.conversationId = r.conversation_id();
    c.type = static_cast<std::uint32_t>(r.type());
    c.body = view(r.body());
    for (const auto& a : r.attachments())
        c.attachments.push_back({view(a.digest()), view(a.key()), view(a.plaintext_digest()),
                                 a.size(), a.file_name(), a.mime_type()});
    c.refMessageId = view(r.ref_message_id());
    return c;
}

crypto::Hash256 recipientsDigest(std::vector<std::pair<std::string_view, std::uint32_t>> devices) {
    std::sort(devices.begin(), devices.end());
    Bytes in;
    appendRaw(in, view(std::string_view("verbatim-recipients-v1")));
    appendU32(in, std::uint32_t(devices.size()));
    for (const auto& [user, device] : devices) {
        appendField(in, user);
        appendU32(in, device);
    }
    return crypto::sha256(in);
}

crypto::Hash256
recipientsDigest(const google::protobuf::RepeatedPtrField<proto::DeviceAddress>& devices) {
    std::vector<std::pair<std::string_view, std::uint32_t>> list;
    list.reserve(std::size_t(devices.size()));
    for (const auto& d : devices)
        list.emplace_back(d.user(), d.device());
    return recipientsDigest(std::move(list));
}

DeviceChain DeviceChain::next(ByteView messageId) const {
    Bytes in;
    appendRaw(in, view(std::string_view("verbatim-device-chain-v1")));
    appendRaw(in, head);
    appendU64(in, acked + 1);
    appendField(in, messageId);
    return DeviceChain{acked + 1, crypto::sha256(in)};
}

Result<SealedEntry> sealRecord(const proto::JournalRecord& record, ByteView journalPublicKey,
                               const Signer& sign, const DeviceChain& chain,
                               SecureBytes* ephemeralSecret) {
    if (journalPublicKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "journal public key must be 32 bytes");
    if (record.message_id().size() != kMessageIdSize)
        return fail(ErrorCode::InvalidArgument, "message id must be 16 bytes");
    if (record.commit_key().size() != 32)
        return fail(ErrorCode::InvalidArgument, "commitment key must be 32 bytes");
    if (record.sender().user().empty() || record.sender().user().size() > kMaxUserIdSize)
        return fail(ErrorCode::InvalidArgument, "record sender is missing or too long");

    auto commitment = computeCommitment(view(record.commit_key()), commitContentOf(record));
    if (!commitment) return tl::unexpected(commitment.error());
    return sealRecordWithCommitment(record, *commitment, journalPublicKey, sign, chain,
                                    ephemeralSecret);
}

Result<SealedEntry> sealRecordWithCommitment(const proto::JournalRecord& record,
                                             const crypto::Hash256& commitment,
                                             ByteView journalPublicKey, const Signer& sign,
                                             const DeviceChain& chain,
                                             SecureBytes* ephemeralSecret) {
    if (journalPublicKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "journal public key must be 32 bytes");
    if (record.message_id().size() != kMessageIdSize)
        return fail(ErrorCode::InvalidArgument, "message id must be 16 bytes");
    if (record.sender().user().empty() || record.sender().user().size() > kMaxUserIdSize)
        return fail(ErrorCode::InvalidArgument, "record sender is missing or too long");
    if (record.conversation_id().size() > kMaxConversationIdSize)
        return fail(ErrorCode::InvalidArgument, "record conversation id is too long");
    auto ephemeral = crypto::X25519Key::generate();
    if (!ephemeral) return tl::unexpected(ephemeral.error());
    auto shared = ephemeral->agree(journalPublicKey);
    if (!shared) return tl::unexpected(shared.error());

    SealedEntry entry;
    EntryHeader& h = entry.header;
    h.journalKeyId = journalKeyId(journalPublicKey);
    std::copy_n(record.message_id().begin(), kMessageIdSize, h.messageId.begin());
    h.senderUser = record.sender().user();
    h.senderDevice = record.sender().device();
    h.timeMs = record.client_time_ms();
    h.conversationId = record.conversation_id();
    h.recipientsDigest = recipientsDigest(record.recipients());
    h.deviceAcked = chain.acked;
    h.deviceHead = chain.head;
    h.commitment = commitment;
    std::copy_n(ephemeral->publicKey().begin(), 32, h.ephemeralPublic.begin());

    auto okm = deriveSealKey(*shared, ephemeral->publicKey(), journalPublicKey, h.journalKeyId);
    if (!okm) return tl::unexpected(okm.error());

    SecureBytes plaintext(record.ByteSizeLong());
    if (!record.SerializeToArray(plaintext.data(), int(plaintext.size())))
        return fail(ErrorCode::Internal, "journal record serialization failed");
    if (plaintext.size() + 16 > kMaxCiphertextSize)
        return fail(ErrorCode::InvalidArgument, "journal record too large");
    Bytes aad = h.serialize();
    auto ct = crypto::aesGcmSeal(ByteView(okm->data(), 32), ByteView(okm->data() + 32, 12), aad,
                                 plaintext);
    if (!ct) return tl::unexpected(ct.error());
    entry.ciphertext = std::move(*ct);

    auto signature = sign(entry.signedBytes());
    if (!signature) return tl::unexpected(signature.error());
    if (signature->size() != 64) return fail(ErrorCode::Crypto, "signer returned a bad signature");
    entry.signature = std::move(*signature);
    if (ephemeralSecret) {
        auto e = ephemeral->privateKey();
        if (!e) return tl::unexpected(e.error());
        *ephemeralSecret = std::move(*e);
    }
    return entry;
}

bool verifyEntrySignature(const SealedEntry& entry, ByteView identityKey) {
    return signal::SessionManager::verify(identityKey, entry.signedBytes(), entry.signature);
}

Result<OpenedEntry> openEntry(const SealedEntry& entry, const crypto::X25519Key& journalKey,
                              ByteView senderIdentityKey) {
    const EntryHeader& h = entry.header;
    const auto keyId = journalKeyId(journalKey.publicKey());
    if (!constantTimeEqual(keyId, h.journalKeyId))
        return faultError(Fault::WrongJournalKey, "entry is sealed to another journal key");
    if (!verifyEntrySignature(entry, senderIdentityKey))
        return faultError(Fault::BadSignature, "signature does not verify for sender device " +
                                                   h.senderUser + "/" +
                                                   std::to_string(h.senderDevice));
    auto shared = journalKey.agree(h.ephemeralPublic);
    if (!shared) return faultError(Fault::Decrypt, "ephemeral key is invalid");
    return openWithShared(entry, *shared, journalKey.publicKey());
}

Result<OpenedEntry> openEntryWithEphemeral(const SealedEntry& entry, ByteView ephemeralSecret,
                                           ByteView journalPublicKey) {
    const EntryHeader& h = entry.header;
    if (journalPublicKey.size() != 32 ||
        !constantTimeEqual(journalKeyId(journalPublicKey), h.journalKeyId))
        return faultError(Fault::WrongJournalKey, "entry is sealed to another journal key");
    if (ephemeralSecret.size() != 32)
        return faultError(Fault::Decrypt, "the entry's ephemeral secret is malformed");
    // The secret must be the one whose public half the header carries: otherwise a sender could
    // hand recipients a key that opens its ciphertext to one record while the journal key opens
    // it to another (AES-GCM does not commit to its key).
    auto ephemeral = crypto::X25519Key::fromPrivate(ephemeralSecret); // one scalar multiplication
    if (!ephemeral || !constantTimeEqual(ephemeral->publicKey(), h.ephemeralPublic))
        return faultError(Fault::Decrypt, "the ephemeral secret is not the entry's");
    auto shared = ephemeral->agree(journalPublicKey);
    if (!shared) return faultError(Fault::Decrypt, "ephemeral key is invalid");
    return openWithShared(entry, *shared, journalPublicKey);
}

Result<void> checkJournalCopy(ByteView entryBytes, const proto::JournalRecord& received,
                              ByteView commitment, const std::vector<Bytes>& journalKeys) {
    if (entryBytes.empty())
        return faultError(Fault::Malformed, "the relay delivered no journal copy");
    auto entry = SealedEntry::parse(entryBytes);
    if (!entry) return faultError(Fault::Malformed, "the journal copy does not parse");
    const EntryHeader& h = entry->header;
    if (h.version < 2) return faultError(Fault::Malformed, "the journal copy has an old header");
    if (received.journal_ephemeral().size() != 32)
        return faultError(Fault::Decrypt, "the sender gave no key to check the journal copy");
    if (!constantTimeEqual(view(received.message_id()), h.messageId) ||
        received.sender().user() != h.senderUser || received.sender().device() != h.senderDevice ||
        received.conversation_id() != h.conversationId || received.client_time_ms() != h.timeMs ||
        !constantTimeEqual(recipientsDigest(received.recipients()), h.recipientsDigest))
        return faultError(Fault::HeaderMismatch, "the journal copy is of another message");
    if (!constantTimeEqual(commitment, h.commitment))
        return faultError(Fault::CommitmentMismatch, "the journal copy names another commitment");
    const Bytes* key = nullptr;
    for (const auto& k : journalKeys)
        if (k.size() == 32 && constantTimeEqual(journalKeyId(k), h.journalKeyId)) key = &k;
    if (!key)
        return faultError(Fault::WrongJournalKey,
                          "the journal copy is sealed to a key the firm does not list");
    auto opened = openEntryWithEphemeral(*entry, view(received.journal_ephemeral()), *key);
    if (!opened) return tl::unexpected(opened.error());
    // Attachments' display hints (a thumbnail, a voice note's length and waveform) are outside
    // the commitment: the journal must hold the ones this recipient is shown (C-THUMB-3).
    const auto& sealed = opened->record;
    bool same = sealed.attachments_size() == received.attachments_size();
    for (int i = 0; same && i < received.attachments_size(); ++i) {
        const auto& a = sealed.attachments(i);
        const auto& b = received.attachments(i);
        same = a.thumbnail() == b.thumbnail() && a.width() == b.width() &&
               a.height() == b.height() && a.duration_ms() == b.duration_ms() &&
               a.waveform() == b.waveform();
    }
    if (!same)
        return faultError(Fault::CommitmentMismatch,
                          "the journal copy shows other attachment previews");
    return {};
}

} // namespace verbatim::journal
