#include "journal/SealedEntry.h"

#include <algorithm>

#include "crypto/Random.h"

namespace verbatim::journal {

std::string newMessageId(std::uint64_t nowMs) {
    std::string id(kMessageIdSize, '\0');
    for (int i = 0; i < 6; ++i)
        id[std::size_t(i)] = char((nowMs >> (8 * (5 - i))) & 0xff);
    Bytes tail = crypto::randomBytes(kMessageIdSize - 6);
    std::copy(tail.begin(), tail.end(), id.begin() + 6);
    return id;
}

namespace {
constexpr std::string_view kSignatureLabel = "verbatim-journal-sig-v1";

template <std::size_t N> Result<void> readFixed(ByteReader& r, std::array<std::uint8_t, N>& out) {
    auto v = r.raw(N);
    if (!v) return tl::unexpected(v.error());
    std::copy(v->begin(), v->end(), out.begin());
    return {};
}
} // namespace

Bytes EntryHeader::serialize() const {
    Bytes out;
    out.reserve(1 + kKeyIdSize + kMessageIdSize + 4 + senderUser.size() + 4 + 8 + 64);
    appendU8(out, version);
    appendRaw(out, journalKeyId);
    appendRaw(out, messageId);
    appendField(out, senderUser);
    appendU32(out, senderDevice);
    appendU64(out, timeMs);
    if (version >= 2) {
        appendField(out, conversationId);
        appendRaw(out, recipientsDigest);
        appendU64(out, deviceAcked);
        appendRaw(out, deviceHead);
    }
    appendRaw(out, commitment);
    appendRaw(out, ephemeralPublic);
    return out;
}

Result<EntryHeader> EntryHeader::parse(ByteView bytes) {
    ByteReader r(bytes);
    EntryHeader h;
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != 1 && *version != kHeaderVersion)
        return fail(ErrorCode::Unsupported, "unsupported journal entry header version");
    h.version = *version;
    if (auto e = readFixed(r, h.journalKeyId); !e) return tl::unexpected(e.error());
    if (auto e = readFixed(r, h.messageId); !e) return tl::unexpected(e.error());
    auto user = r.field(kMaxUserIdSize);
    if (!user) return tl::unexpected(user.error());
    if (user->empty()) return fail(ErrorCode::Malformed, "journal header has no sender");
    h.senderUser.assign(asString(*user));
    auto device = r.u32();
    if (!device) return tl::unexpected(device.error());
    h.senderDevice = *device;
    auto time = r.u64();
    if (!time) return tl::unexpected(time.error());
    h.timeMs = *time;
    if (h.version >= 2) {
        auto conversation = r.field(kMaxConversationIdSize);
        if (!conversation) return tl::unexpected(conversation.error());
        h.conversationId.assign(asString(*conversation));
        if (auto e = readFixed(r, h.recipientsDigest); !e) return tl::unexpected(e.error());
        auto acked = r.u64();
        if (!acked) return tl::unexpected(acked.error());
        h.deviceAcked = *acked;
        if (auto e = readFixed(r, h.deviceHead); !e) return tl::unexpected(e.error());
    }
    if (auto e = readFixed(r, h.commitment); !e) return tl::unexpected(e.error());
    if (auto e = readFixed(r, h.ephemeralPublic); !e) return tl::unexpected(e.error());
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after journal header");
    return h;
}

Bytes SealedEntry::signedBytes() const {
    Bytes out;
    Bytes h = header.serialize();
    out.reserve(kSignatureLabel.size() + 8 + h.size() + ciphertext.size());
    appendRaw(out, view(kSignatureLabel));
    appendField(out, h);
    appendField(out, ciphertext);
    return out;
}

Bytes SealedEntry::serialize() const {
    Bytes out;
    Bytes h = header.serialize();
    out.reserve(1 + 12 + h.size() + ciphertext.size() + signature.size());
    appendU8(out, kEntryVersion);
    appendField(out, h);
    appendField(out, ciphertext);
    appendField(out, signature);
    return out;
}

Result<SealedEntry> SealedEntry::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != kEntryVersion)
        return fail(ErrorCode::Unsupported, "unsupported journal entry version");
    auto h = r.field(1024);
    if (!h) return tl::unexpected(h.error());
    auto header = EntryHeader::parse(*h);
    if (!header) return tl::unexpected(header.error());
    auto ct = r.field(kMaxCiphertextSize);
    if (!ct) return tl::unexpected(ct.error());
    if (ct->size() < 16)
        return fail(ErrorCode::Malformed, "journal ciphertext shorter than its tag");
    auto sig = r.field(64);
    if (!sig) return tl::unexpected(sig.error());
    if (sig->size() != 64) return fail(ErrorCode::Malformed, "journal signature must be 64 bytes");
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after journal entry");
    SealedEntry e;
    e.header = std::move(*header);
    e.ciphertext = toBytes(*ct);
    e.signature = toBytes(*sig);
    return e;
}

} // namespace verbatim::journal
