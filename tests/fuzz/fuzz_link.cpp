// Enrollment, invite and device links (client/core/Link.*): text a person pastes or scans, made
// by whoever sent it. Its `alt` list (issue 20) names the other relays a device will try, so what
// parses there is checked as strictly as the link's own relay.

#include <algorithm>
#include <charconv>

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
    // `alt`: at most 15 other relays, each HOST:PORT with a port of 1 to 65535, none twice.
    fuzzCheck(link->alternates.size() <= 15, "more than 15 other relays accepted");
    for (std::size_t i = 0; i < link->alternates.size(); ++i) {
        const std::string& a = link->alternates[i];
        const auto colon = a.rfind(':');
        fuzzCheck(colon != std::string::npos && colon > 0, "other relay without host and port");
        unsigned port = 0;
        const char* end = a.data() + a.size();
        const auto r = std::from_chars(a.data() + colon + 1, end, port);
        fuzzCheck(r.ec == std::errc() && r.ptr == end && port >= 1 && port <= 65535,
                  "other relay with a bad port");
        fuzzCheck(a.find_first_of("_&#?/ \t\r\n") == std::string::npos,
                  "other relay address holds a separator");
        fuzzCheck(std::find(link->alternates.begin(), link->alternates.begin() + std::ptrdiff_t(i),
                            a) == link->alternates.begin() + std::ptrdiff_t(i),
                  "other relay listed twice");
    }
    return 0;
}
