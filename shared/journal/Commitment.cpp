#include "journal/Commitment.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kCommitLabel = "verbatim-commit-v1";
}

Bytes canonicalContent(const CommitContent& c) {
    Bytes out;
    out.reserve(64 + c.conversationId.size() + c.body.size() + 36 * c.attachmentDigests.size());
    appendField(out, c.messageId);
    appendField(out, c.conversationId);
    appendU32(out, c.type);
    appendField(out, c.body);
    appendU32(out, static_cast<std::uint32_t>(c.attachmentDigests.size()));
    for (auto d : c.attachmentDigests) appendField(out, d);
    appendField(out, c.refMessageId);
    return out;
}

Result<crypto::Hash256> computeCommitment(ByteView k, const CommitContent& content) {
    if (k.size() != 32) return fail(ErrorCode::InvalidArgument, "commitment key must be 32 bytes");
    crypto::Digest d(crypto::Digest::Algorithm::Sha256);
    Bytes canonical = canonicalContent(content);
    if (auto r = d.update(view(kCommitLabel)); !r) return tl::unexpected(r.error());
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

}  // namespace verbatim::journal
