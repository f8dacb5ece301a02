// The relay's boundary snapshot (shared/journal/BoundarySnapshot.*; issue 22): served by the relay
// (PullBoundarySnapshot), saved to a file by `verbatim-journal boundary-snapshot`, read by `pull
// --from-pruned-boundary` and kept in the archive, which parses it again at every verify.

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "journal/BoundarySnapshot.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(boundary_snapshot) {
    const ByteView input(data, size);
    if (auto h = journal::BoundarySnapshot::parseHeader(input)) {
        fuzzCheck(h->serializeHeader() == toBytes(input),
                  "a parsed snapshot header does not serialize to its bytes");
        fuzzCheck(h->boundary > 0 && h->signature.size() == 64,
                  "a parsed snapshot header lacks a boundary or a signature");
    }
    auto s = journal::BoundarySnapshot::parse(input);
    if (!s) return 0;
    fuzzCheck(s->serialize() == toBytes(input),
              "a parsed snapshot does not serialize to its bytes");
    fuzzCheck(s->rows.size() == s->boundary, "a parsed snapshot does not list every pruned row");
    for (std::size_t i = 0; i < s->rows.size(); ++i)
        fuzzCheck(s->rows[i].sequence == i + 1, "a parsed snapshot's rows are not 1..P in order");
    auto anchors = journal::verifyBoundaryRows(*s);
    if (anchors) {
        std::size_t given = 0;
        for (const auto& r : s->rows)
            given += r.entry.empty() ? 0 : 1;
        fuzzCheck(anchors->size() == given, "a state entry of the snapshot has no anchor");
        // One byte of the signed chain hash changed: the rows no longer reproduce it.
        auto other = *s;
        other.chainHash[0] ^= 1;
        fuzzCheck(!journal::verifyBoundaryRows(other), "the rows reproduce two chain hashes");
    }
    const auto& keys = fuzz::fuzzKeys();
    if (journal::verifyBoundarySignature(*s, keys.relayPublic)) {
        auto later = *s;
        later.boundary += 1;
        fuzzCheck(!journal::verifyBoundarySignature(later, keys.relayPublic),
                  "a snapshot signature verifies for another boundary");
    }
    return 0;
}
