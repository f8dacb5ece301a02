// The remote-wipe order (shared/journal/WipeCommand.*): pushed by the relay; a device erases
// itself when it verifies.

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "journal/WipeCommand.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(wipe_command) {
    const ByteView input(data, size);
    auto w = journal::WipeCommand::parse(input);
    if (!w) return 0;
    fuzzCheck(w->serialize() == toBytes(input),
              "a parsed wipe command does not serialize to its bytes");
    fuzzCheck(w->signature.size() == 64, "a parsed wipe command has no 64-byte signature");
    const auto& keys = fuzz::fuzzKeys();
    if (w->verify(keys.relayPublic, w->user, w->device)) {
        // Verified for its own address: then for no other device.
        fuzzCheck(!w->verify(keys.relayPublic, w->user, w->device + 1),
                  "a wipe verifies for another device");
        fuzzCheck(!w->verify(keys.relayPublic, w->user + "x", w->device),
                  "a wipe verifies for another user");
    }
    return 0;
}
