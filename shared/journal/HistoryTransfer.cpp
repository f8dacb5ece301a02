#include "journal/HistoryTransfer.h"

#include <set>
#include <unordered_set>

#include "crypto/Aes.h"
#include "crypto/Random.h"

namespace verbatim::journal {

namespace {

constexpr std::string_view kMagic = "VBHIST";
constexpr std::uint16_t kVersion = 1;
constexpr std::string_view kBlobMagic = "VBHB";
constexpr std::uint8_t kBlobVersion = 1;
constexpr std::size_t kBlobHeader = 9; // magic, version, u32 chunk size
constexpr std::string_view kAadLabel = "verbatim-history-v1";
constexpr std::size_t kTag = 16;
constexpr std::uint32_t kMinChunk = 1u << 10, kMaxChunk = 1u << 20;
constexpr std::uint8_t kItemEnd = 0, kItemConversation = 1, kItemMessage = 2;

Bytes chunkNonce(std::uint64_t index) {
    Bytes n;
    appendU32(n, 0);
    appendU64(n, index);
    return n;
}

Bytes chunkAad(ByteView header, std::uint64_t index, bool last) {
    Bytes a(kAadLabel.begin(), kAadLabel.end());
    appendRaw(a, header);
    appendU64(a, index);
    appendU8(a, last ? 1 : 0);
    return a;
}

} // namespace

Result<Bytes> encodeHistory(const HistoryDocument& doc) {
    if (doc.conversations.size() > kMaxHistoryConversations)
        return fail(ErrorCode::InvalidArgument,
                    "history has " + std::to_string(doc.conversations.size()) +
                        " conversations; at most " + std::to_string(kMaxHistoryConversations) +
                        " can be transferred");
    if (doc.messages.size() > kMaxHistoryMessages)
        return fail(ErrorCode::InvalidArgument,
                    "history has " + std::to_string(doc.messages.size()) + " messages; at most " +
                        std::to_string(kMaxHistoryMessages) + " can be transferred");
    Bytes out(kMagic.begin(), kMagic.end());
    out.push_back(std::uint8_t(kVersion >> 8));
    out.push_back(std::uint8_t(kVersion & 0xff));
    appendField(out, doc.user);
    appendU32(out, doc.sourceDevice);
    appendU64(out, doc.createdMs);
    std::set<std::string> conversations;
    auto item = [&](std::uint8_t kind, const google::protobuf::MessageLite& m) -> Result<void> {
        std::string bytes = m.SerializeAsString();
        if (bytes.size() > kMaxHistoryItemBytes)
            return fail(ErrorCode::InvalidArgument,
                        "a history item is " + std::to_string(bytes.size()) + " bytes; at most " +
                            std::to_string(kMaxHistoryItemBytes));
        appendU8(out, kind);
        appendField(out, view(bytes));
        if (out.size() > kMaxHistoryBytes)
            return fail(ErrorCode::InvalidArgument, "the history is larger than " +
                                                        std::to_string(kMaxHistoryBytes >> 20) +
                                                        " MiB, the most one transfer carries");
        return {};
    };
    for (const auto& c : doc.conversations) {
        if (!conversations.insert(c.id()).second)
            return fail(ErrorCode::InvalidArgument, "a conversation is listed twice");
        if (auto r = item(kItemConversation, c); !r) return tl::unexpected(r.error());
    }
    std::unordered_set<std::string> ids;
    ids.reserve(doc.messages.size());
    for (const auto& m : doc.messages) {
        if (m.id().size() != 16)
            return fail(ErrorCode::InvalidArgument, "a message id is 16 bytes");
        if (!conversations.count(m.conversation_id()))
            return fail(ErrorCode::InvalidArgument, "a message names an unlisted conversation");
        if (!ids.insert(m.id()).second)
            return fail(ErrorCode::InvalidArgument, "a message is listed twice");
        if (auto r = item(kItemMessage, m); !r) return tl::unexpected(r.error());
    }
    appendU8(out, kItemEnd);
    appendU32(out, std::uint32_t(doc.conversations.size()));
    appendU32(out, std::uint32_t(doc.messages.size()));
    if (out.size() > kMaxHistoryBytes)
        return fail(ErrorCode::InvalidArgument, "the history is too large to transfer");
    return out;
}

Result<HistoryDocument> parseHistory(ByteView bytes) {
    if (bytes.size() > kMaxHistoryBytes)
        return fail(ErrorCode::Malformed, "history document over the size limit");
    ByteReader r(bytes);
    auto magic = r.raw(kMagic.size());
    if (!magic || asString(*magic) != kMagic)
        return fail(ErrorCode::Malformed, "not a history document");
    auto v = r.raw(2);
    if (!v) return fail(ErrorCode::Malformed, "history document cut short");
    if ((std::uint16_t((*v)[0]) << 8 | (*v)[1]) != kVersion)
        return fail(ErrorCode::Unsupported, "history document of an unknown version");
    HistoryDocument doc;
    auto user = r.field(256);
    if (!user) return fail(ErrorCode::Malformed, "history document header cut short");
    auto device = r.u32();
    auto created = r.u64();
    if (!device || !created) return fail(ErrorCode::Malformed, "history document header cut short");
    doc.user.assign(asString(*user));
    if (doc.user.empty() || !isUtf8(doc.user))
        return fail(ErrorCode::Malformed, "history document names no user");
    doc.sourceDevice = *device;
    doc.createdMs = *created;
    std::set<std::string> conversations;
    std::unordered_set<std::string> ids;
    while (true) {
        auto kind = r.u8();
        if (!kind) return fail(ErrorCode::Malformed, "history document cut short (no end)");
        if (*kind == kItemEnd) break;
        if (*kind != kItemConversation && *kind != kItemMessage)
            return fail(ErrorCode::Malformed, "history item of an unknown kind");
        auto payload = r.field(kMaxHistoryItemBytes);
        if (!payload) return fail(ErrorCode::Malformed, "history item cut short or too long");
        if (*kind == kItemConversation) {
            if (!doc.messages.empty())
                return fail(ErrorCode::Malformed, "history conversation after the messages");
            if (doc.conversations.size() >= kMaxHistoryConversations)
                return fail(ErrorCode::Malformed, "history holds too many conversations");
            proto::HistoryConversation c;
            if (!c.ParseFromArray(payload->data(), int(payload->size())) || c.id().empty())
                return fail(ErrorCode::Malformed, "history conversation malformed");
            if (!conversations.insert(c.id()).second)
                return fail(ErrorCode::Malformed, "history conversation listed twice");
            doc.conversations.push_back(std::move(c));
        } else {
            if (doc.messages.size() >= kMaxHistoryMessages)
                return fail(ErrorCode::Malformed, "history holds too many messages");
            proto::HistoryMessage m;
            if (!m.ParseFromArray(payload->data(), int(payload->size())))
                return fail(ErrorCode::Malformed, "history message malformed");
            if (m.id().size() != 16) return fail(ErrorCode::Malformed, "history message id");
            if (!conversations.count(m.conversation_id()))
                return fail(ErrorCode::Malformed, "history message of an unlisted conversation");
            if (m.sender().user().empty())
                return fail(ErrorCode::Malformed, "history message without a sender");
            if (!ids.insert(m.id()).second)
                return fail(ErrorCode::Malformed, "history message listed twice");
            doc.messages.push_back(std::move(m));
        }
    }
    auto nc = r.u32();
    auto nm = r.u32();
    if (!nc || !nm) return fail(ErrorCode::Malformed, "history document end cut short");
    if (*nc != doc.conversations.size() || *nm != doc.messages.size())
        return fail(ErrorCode::Malformed, "history document counts differ from its items");
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "bytes after the history document's end");
    return doc;
}

Result<SealedHistory> sealHistory(ByteView document, std::uint32_t chunkBytes) {
    if (chunkBytes < kMinChunk || chunkBytes > kMaxChunk)
        return fail(ErrorCode::InvalidArgument, "history chunk size out of range");
    if (document.size() > kMaxHistoryBytes)
        return fail(ErrorCode::InvalidArgument, "the history is too large to transfer");
    SealedHistory out;
    out.key = crypto::randomSecret(32);
    out.blob.assign(kBlobMagic.begin(), kBlobMagic.end());
    appendU8(out.blob, kBlobVersion);
    appendU32(out.blob, chunkBytes);
    const Bytes header = out.blob;
    const std::size_t chunks =
        document.empty() ? 1 : (document.size() + chunkBytes - 1) / chunkBytes;
    out.blob.reserve(header.size() + document.size() + chunks * kTag);
    for (std::size_t i = 0; i < chunks; ++i) {
        const std::size_t from = i * chunkBytes;
        const std::size_t len = std::min<std::size_t>(chunkBytes, document.size() - from);
        auto sealed =
            crypto::aesGcmSeal(out.key, chunkNonce(i), chunkAad(header, i, i + 1 == chunks),
                               document.subspan(from, len));
        if (!sealed) return tl::unexpected(sealed.error());
        appendRaw(out.blob, *sealed);
    }
    out.digest = crypto::sha256(out.blob);
    return out;
}

Result<SecureBytes> openHistory(ByteView key, ByteView digest, ByteView blob) {
    auto actual = crypto::sha256(blob);
    if (!constantTimeEqual(ByteView(actual.data(), actual.size()), digest))
        return fail(ErrorCode::AuthFailed,
                    "the history blob does not match its digest (tampered or damaged)");
    if (key.size() != 32) return fail(ErrorCode::Malformed, "history key is not 32 bytes");
    if (blob.size() < kBlobHeader + kTag)
        return fail(ErrorCode::Malformed, "history blob too short");
    if (blob.size() > kMaxHistoryBytes + (kMaxHistoryBytes / kMinChunk + 1) * kTag + kBlobHeader)
        return fail(ErrorCode::Malformed, "history blob over the size limit");
    ByteReader r(blob);
    auto magic = r.raw(kBlobMagic.size());
    auto version = r.u8();
    auto chunk = r.u32();
    if (!magic || asString(*magic) != kBlobMagic || !version || !chunk)
        return fail(ErrorCode::Malformed, "not a history blob");
    if (*version != kBlobVersion)
        return fail(ErrorCode::Unsupported, "history blob of an unknown version");
    if (*chunk < kMinChunk || *chunk > kMaxChunk)
        return fail(ErrorCode::Malformed, "history blob chunk size out of range");
    const ByteView header = blob.subspan(0, kBlobHeader);
    const ByteView body = blob.subspan(kBlobHeader);
    const std::size_t sealedChunk = std::size_t(*chunk) + kTag;
    // Every chunk but the last is full; the last holds the rest (a full chunk when it divides).
    std::size_t chunks = body.size() / sealedChunk;
    if (body.size() % sealedChunk != 0) ++chunks;
    if (chunks == 0) return fail(ErrorCode::Malformed, "history blob holds no chunk");
    SecureBytes out;
    if (body.size() > chunks * kTag) out.reserve(body.size() - chunks * kTag);
    for (std::size_t i = 0; i < chunks; ++i) {
        const std::size_t from = i * sealedChunk;
        const std::size_t len = std::min(sealedChunk, body.size() - from);
        if (len < kTag) return fail(ErrorCode::Malformed, "history blob chunk cut short");
        auto plain = crypto::aesGcmOpen(key, chunkNonce(i), chunkAad(header, i, i + 1 == chunks),
                                        body.subspan(from, len));
        if (!plain)
            return fail(ErrorCode::AuthFailed,
                        "the history blob does not open (altered, cut short or extended)");
        out.insert(out.end(), plain->begin(), plain->end());
    }
    if (out.size() > kMaxHistoryBytes)
        return fail(ErrorCode::Malformed, "history document over the size limit");
    return out;
}

} // namespace verbatim::journal
