// Enrollment, invite and device links (client/core/Link.*): text a person pastes or scans, made
// by whoever sent it.

#include <algorithm>

#include "FuzzTarget.h"
#include "client/core/Link.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

namespace {
bool lowerHex(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
} // namespace

VERBATIM_FUZZ_TARGET(link) {
    auto link = client::parseLink(fuzz::asText(data, size));
    if (!link) {
        fuzzCheck(!link.error().message.empty(), "a refused link has no reason");
        return 0;
    }
    // What the rest of the client relies on once a link parsed.
    fuzzCheck(!link->host.empty() && link->port != 0, "link without a relay host and port");
    fuzzCheck(link->token.size() == 32 && lowerHex(link->token), "link token is not 32 hex digits");
    fuzzCheck(link->firm.size() == 32 && lowerHex(link->firm),
              "link firm fingerprint is not 32 hex digits");
    fuzzCheck(link->tlsPin.empty() || (link->tlsPin.size() == 64 && lowerHex(link->tlsPin)),
              "bad TLS pin accepted");
    fuzzCheck(link->linkSecret.empty() ||
                  (link->linkSecret.size() == 64 && lowerHex(link->linkSecret)),
              "bad link secret accepted");
    fuzzCheck(link->linkMakerKey.empty() ||
                  (link->linkMakerKey.size() == 64 && lowerHex(link->linkMakerKey)),
              "bad link maker key accepted");
    return 0;
}
