// Device approvals (shared/journal/DeviceApproval.*): sent by a device (ApproveDevice), stored
// and served by the relay in bundles and device lists, checked by contacts and compliance.

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "journal/DeviceApproval.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(device_approval) {
    const ByteView input(data, size);
    auto a = journal::DeviceApproval::parse(input);
    if (!a) return 0;
    fuzzCheck(a->serialize() == toBytes(input),
              "a parsed approval does not serialize to its bytes");
    fuzzCheck(!a->user.empty() && a->identityKey.size() == 33 && a->signature.size() == 64,
              "a parsed approval lacks a user, key or signature");
    fuzzCheck(a->approver != a->device, "a device approved itself");
    const auto& keys = fuzz::fuzzKeys();
    if (a->verifies(a->user, a->device, a->identityKey, keys.approverPublic)) {
        fuzzCheck(!a->verifies(a->user, a->device + 1, a->identityKey, keys.approverPublic),
                  "an approval verifies for another device");
        fuzzCheck(!a->verifies(a->user, a->device, a->identityKey, keys.senderPublic),
                  "an approval verifies under another approver's key");
    }
    return 0;
}
