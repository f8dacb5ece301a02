/// @file PushUrl.cpp
/// What a push endpoint may be (PushSender.h): the URL as registered, and the addresses the relay
/// may contact for it. The relay POSTs to a URL a device chose, so without these checks a device
/// could make the relay reach its own admin listener, a database on the private network or a
/// cloud metadata service (server-side request forgery).
#include "relay/core/PushSender.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace verbatim::relay {

namespace {

bool allowedV4(const std::uint8_t* a, bool allowLoopback) {
    const unsigned b0 = a[0], b1 = a[1];
    if (b0 == 127) return allowLoopback;                 // loopback
    if (b0 == 0 || b0 == 10) return false;               // "this network", RFC 1918
    if (b0 == 100 && (b1 & 0xc0) == 64) return false;    // 100.64/10, shared (CGNAT)
    if (b0 == 169 && b1 == 254) return false;            // link-local, cloud metadata
    if (b0 == 172 && (b1 & 0xf0) == 16) return false;    // RFC 1918
    if (b0 == 192 && b1 == 168) return false;            // RFC 1918
    if (b0 == 192 && b1 == 0 && a[2] == 0) return false; // IETF protocol assignments
    if (b0 == 198 && (b1 & 0xfe) == 18) return false;    // benchmarking
    if (b0 >= 224) return false;                         // multicast, reserved, broadcast
    return true;
}

bool isLoopbackLiteral(const std::string& host) {
    std::array<std::uint8_t, 16> a{};
    if (inet_pton(AF_INET, host.c_str(), a.data()) == 1) return a[0] == 127;
    if (inet_pton(AF_INET6, host.c_str(), a.data()) == 1)
        return std::all_of(a.begin(), a.begin() + 15, [](std::uint8_t b) { return b == 0; }) &&
               a[15] == 1;
    return false;
}

// A DNS name: labels of letters, digits and hyphens, not starting or ending with a hyphen. The last
// label must not be all digits: "2130706433" or "0x7f.1" are IPv4 addresses to some resolvers.
bool isDnsName(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::size_t start = 0;
    std::string_view last;
    while (start <= host.size()) {
        auto dot = host.find('.', start);
        if (dot == std::string_view::npos) dot = host.size();
        const auto label = host.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
        last = label;
        start = dot + 1;
    }
    return !std::all_of(last.begin(), last.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
           !(last.size() > 1 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
             std::all_of(last.begin() + 2, last.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }));
}

tl::unexpected<Error> bad(std::string why) {
    return fail(ErrorCode::InvalidArgument, "push endpoint refused: " + std::move(why));
}

} // namespace

bool pushAddressAllowed(std::span<const std::uint8_t> a, bool allowLoopback) {
    if (a.size() == 4) return allowedV4(a.data(), allowLoopback);
    if (a.size() != 16) return false;
    auto zero = [&](std::size_t from, std::size_t to) {
        return std::all_of(a.begin() + long(from), a.begin() + long(to),
                           [](std::uint8_t b) { return b == 0; });
    };
    // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (SIIT, RFC 7915) and 64:ff9b::a.b.c.d (NAT64)
    // reach the IPv4 address inside.
    if (zero(0, 10) && a[10] == 0xff && a[11] == 0xff) return allowedV4(&a[12], allowLoopback);
    if (zero(0, 8) && a[8] == 0xff && a[9] == 0xff && zero(10, 12))
        return allowedV4(&a[12], allowLoopback);
    // 64:ff9b:1::/48 (RFC 8215) is a NAT64 prefix for a site's own use: whatever it reaches is
    // the relay's network, never a push service.
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0x00 &&
        a[5] == 0x01)
        return false;
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && zero(4, 12))
        return allowedV4(&a[12], allowLoopback);
    if (zero(0, 15)) return a[15] == 1 && allowLoopback;     // :: unspecified, ::1 loopback
    if (zero(0, 12)) return false;                           // IPv4-compatible (deprecated)
    if ((a[0] & 0xfe) == 0xfc) return false;                 // fc00::/7 unique local
    if (a[0] == 0xfe && (a[1] & 0x80) == 0x80) return false; // fe80::/10 link-local, fec0::/10
    if (a[0] == 0xff) return false;                          // multicast
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return false; // doc
    return true;
}

Result<PushUrl> parsePushUrl(std::string_view url, bool allowLoopback) {
    if (url.empty()) return bad("empty");
    if (url.size() > kMaxPushUrlBytes)
        return bad("longer than " + std::to_string(kMaxPushUrlBytes) + " bytes");
    for (char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return bad("only printable ASCII without spaces");
    PushUrl out;
    std::string lower(url.substr(0, 8));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    std::string_view rest;
    if (lower.rfind("https://", 0) == 0) {
        rest = url.substr(8);
    } else if (lower.rfind("http://", 0) == 0) {
        if (!allowLoopback) return bad("it must be https://");
        out.tls = false;
        rest = url.substr(7);
    } else {
        return bad("it must be https://");
    }
    if (rest.find('#') != std::string_view::npos) return bad("no fragment");
    const auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
    if (authority.find('@') != std::string_view::npos) return bad("no user information");
    if (authority.empty()) return bad("no host");
    std::string_view host, port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
        host = authority.substr(1, close - 1);
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad("malformed host");
            port = after.substr(1);
        }
        out.hostIsIp = true;
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (host.empty()) return bad("no host");
    out.port = out.tls ? 443 : 80;
    if (!port.empty() || authority.back() == ':') {
        if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            }))
            return bad("malformed port");
        const long p = std::stol(std::string(port));
        if (p < 1 || p > 65535) return bad("port out of range");
        out.port = std::uint16_t(p);
    }
    out.host.assign(host);
    std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (!out.host.empty() && out.host.back() == '.') out.host.pop_back(); // "name." is "name"
    std::array<std::uint8_t, 16> addr{};
    if (out.hostIsIp) {
        if (inet_pton(AF_INET6, out.host.c_str(), addr.data()) != 1)
            return bad("malformed IPv6 literal");
        if (!pushAddressAllowed(std::span(addr.data(), 16), allowLoopback))
            return bad("the host is a loopback, private, link-local, multicast or unspecified "
                       "address");
    } else if (inet_pton(AF_INET, out.host.c_str(), addr.data()) == 1) {
        out.hostIsIp = true;
        if (!pushAddressAllowed(std::span(addr.data(), 4), allowLoopback))
            return bad("the host is a loopback, private, link-local, multicast or unspecified "
                       "address");
    } else if (!isDnsName(out.host)) {
        return bad("the host is neither a DNS name nor an IP address");
    }
    // Plain http is for a test's receiver on this machine only.
    if (!out.tls && !(isLoopbackLiteral(out.host) || out.host == "localhost"))
        return bad("http:// is allowed only to a loopback address");
    return out;
}

} // namespace verbatim::relay
