#include "journal/Commitment.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kCommitLabelV1 = "verbatim-commit-v1";
constexpr std::string_view kCommitLabelV2 = "verbatim-commit-v2";
} // namespace

Bytes canonicalContent(const CommitContent& c) {
    Bytes out;
    out.reserve(64 + c.conversationId.size() + c.body.size() + 200 * c.attachments.size());
    appendField(out, c.messageId);
    appendField(out, c.conversationId);
    appendU32(out, c.type);
    appendField(out, c.body);
    appendU32(out, static_cast<std::uint32_t>(c.attachments.size()));
    for (const auto& a : c.attachments) {
        appendField(out, a.blobDigest);
        if (c.version < 2) continue;
        appendField(out, a.key);
        appendField(out, a.plaintextDigest);
        appendU64(out, a.size);
        appendField(out, a.name);
        appendField(out, a.mediaType);
    }
    appendField(out, c.refMessageId);
    return out;
}

Result<crypto::Hash256> computeCommitment(ByteView k, const CommitContent& content) {
    if (k.size() != 32) return fail(ErrorCode::InvalidArgument, "commitment key must be 32 bytes");
    crypto::Digest d(crypto::Digest::Algorithm::Sha256);
    Bytes canonical = canonicalContent(content);
    if (content.version != 1 && content.version != 2)
        return fail(ErrorCode::Unsupported, "unsupported commitment version");
    if (auto r = d.update(view(content.version == 1 ? kCommitLabelV1 : kCommitLabelV2)); !r)
        return tl::unexpected(r.error());
    if (auto r = d.update(k); !r) return tl::unexpected(r.error());
    if (auto r = d.update(canonical); !r) return tl::unexpected(r.error());
    secureWipe(canonical.data(), canonical.size());
    auto out = d.final();
    if (!out) return tl::unexpected(out.error());
    crypto::Hash256 h{};
    std::copy(out->begin(), out->end(), h.begin());
    return h;
}

bool commitmentOpens(ByteView commitment, ByteView k, const CommitContent& content) {
    auto c = computeCommitment(k, content);
    return c && constantTimeEqual(commitment, *c);
}

} // namespace verbatim::journal
