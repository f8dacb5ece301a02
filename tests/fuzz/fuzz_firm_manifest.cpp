// The firm manifest (shared/journal/FirmManifest.*): served by the relay (GET /v1/manifest, the
// registration answer) to every client before it trusts a journal key.

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "journal/FirmManifest.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(firm_manifest) {
    const ByteView input(data, size);
    auto m = journal::FirmManifest::parse(input);
    if (!m) return 0;
    // The signature covers body() as re-encoded from the parsed fields: the encoding must be the
    // one the bytes had, or two different byte strings would carry one signature.
    fuzzCheck(m->serialize() == toBytes(input),
              "a parsed manifest does not serialize to its bytes");
    fuzzCheck(!m->relayAddresses.empty() && m->relayAddress == m->relayAddresses.front(),
              "a parsed manifest names no relay");
    fuzzCheck(m->namesRelay(m->relayAddress), "a manifest does not name its own relay");
    fuzzCheck(m->currentJournalKey() != nullptr, "a parsed manifest has no journal key");
    const auto& keys = fuzz::fuzzKeys();
    if (auto verified = m->verify(keys.rootFingerprint); verified) {
        // Only the fixed root key signs in this world (the seeds): its manifests name its key.
        fuzzCheck(m->rootPublicKey == keys.rootPublic,
                  "a manifest verified under another root key");
    }
    return 0;
}
