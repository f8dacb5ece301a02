#include "journal/AttachmentBlob.h"

#include "crypto/Aes.h"
#include "crypto/Random.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kAad = "verbatim-attachment-v1";
constexpr std::size_t kIv = 12, kTag = 16;
} // namespace

Result<SealedBlob> sealAttachment(ByteView plaintext) {
    SealedBlob out;
    out.key = crypto::randomSecret(32);
    Bytes iv = crypto::randomBytes(kIv);
    auto sealed = crypto::aesGcmSeal(out.key, iv, view(kAad), plaintext);
    if (!sealed) return tl::unexpected(sealed.error());
    out.blob = std::move(iv);
    out.blob.insert(out.blob.end(), sealed->begin(), sealed->end());
    out.digest = crypto::sha256(out.blob);
    return out;
}

Result<SecureBytes> openAttachment(ByteView key, ByteView digest, ByteView blob) {
    auto actual = crypto::sha256(blob);
    if (!constantTimeEqual(ByteView(actual.data(), actual.size()), digest))
        return fail(ErrorCode::AuthFailed,
                    "the attachment does not match its digest (tampered or damaged)");
    if (blob.size() < kIv + kTag) return fail(ErrorCode::Malformed, "attachment too short");
    if (key.size() != 32) return fail(ErrorCode::Malformed, "attachment key is not 32 bytes");
    auto plain = crypto::aesGcmOpen(key, blob.subspan(0, kIv), view(kAad), blob.subspan(kIv));
    if (!plain) return fail(ErrorCode::AuthFailed, "the attachment does not decrypt");
    return plain;
}

Result<SecureBytes> openCommittedAttachment(ByteView key, ByteView digest, ByteView blob,
                                            ByteView plaintextDigest, std::uint64_t size) {
    auto plain = openAttachment(key, digest, blob);
    if (!plain) return plain;
    if (plain->size() != size)
        return fail(ErrorCode::Crypto,
                    "the attachment is not the file its sender committed to (size differs)");
    if (!plaintextDigest.empty()) {
        auto actual = crypto::sha256(*plain);
        if (!constantTimeEqual(ByteView(actual.data(), actual.size()), plaintextDigest))
            return fail(ErrorCode::Crypto,
                        "the attachment is not the file its sender committed to");
    }
    return plain;
}

} // namespace verbatim::journal
