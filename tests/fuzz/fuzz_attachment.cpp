// Attachments: the reference a sender puts in a record (verbatim.proto AttachmentRef: key,
// digests, size, name, media type), the lists a client stores and compliance indexes
// (AttachmentList), and the encrypted blob the relay serves, opened and checked against the
// reference (shared/journal/AttachmentBlob.*).
// Input: u16 length (big-endian) || serialized AttachmentRef || blob bytes. A reference with an
// empty digest is given the blob's real SHA-256 (a sender always knows it; the fuzzer cannot
// forge one), so mutated blobs reach the size checks and decryption behind the digest check.

#include "FuzzTarget.h"
#include "crypto/Digest.h"
#include "journal/AttachmentBlob.h"
#include "verbatim.pb.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(attachment) {
    if (size < 2) return 0;
    const std::size_t refSize = std::size_t(data[0]) << 8 | data[1];
    if (refSize > size - 2) return 0;
    const ByteView refBytes(data + 2, refSize);
    const ByteView blob(data + 2 + refSize, size - 2 - refSize);
    proto::AttachmentList list;
    (void)list.ParseFromArray(refBytes.data(), int(refBytes.size()));
    proto::AttachmentRef ref;
    if (!ref.ParseFromArray(refBytes.data(), int(refBytes.size()))) return 0;
    std::string digest = ref.digest();
    if (digest.empty()) {
        auto h = crypto::sha256(blob);
        digest.assign(h.begin(), h.end());
    }
    auto plain = journal::openCommittedAttachment(view(ref.key()), view(digest), blob,
                                                  view(ref.plaintext_digest()), ref.size());
    if (plain) {
        fuzzCheck(plain->size() == ref.size(),
                  "an attachment opened with another size than committed");
        fuzzCheck(blob.size() == plain->size() + 12 + 16,
                  "an attachment blob is not IV || ciphertext || tag");
    }
    return 0;
}
