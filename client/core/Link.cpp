#include "client/core/Link.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <vector>

#include "common/Try.h"

namespace verbatim::client {

namespace {

bool isHex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

// What a link's parameters are made of; the page at /i/ takes exactly these (InvitePage.cpp).
bool isParamChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '.' || c == '_' ||
           c == ':' || c == '=' || c == '&' || c == '-';
}

// Whether a browser reads `host` as an IPv4 address (its last label is a number).
bool endsInANumber(std::string_view host) {
    const auto last = host.substr(host.rfind('.') + 1);
    return (!last.empty() && std::all_of(last.begin(), last.end(), isDigit)) ||
           (last.size() >= 2 && last[0] == '0' && lower(last[1]) == 'x');
}

// A relay host as both the app and the page at /i/ take it (docs/protocol.md, "Links"): ASCII
// letters, digits and hyphens in non-empty dot-separated labels (no trailing dot, which a browser
// keeps and would make the page name another host), no `xn--` label (an IDN, the form a homograph
// takes once a browser converts it), and an address only as canonical dotted decimal: a browser
// reads `0x7f.1` or `127.1` as 127.0.0.1, so a last label that is a number makes the host an
// IPv4 address, which must then be written the one way a browser shows it.
bool isValidHost(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::vector<std::string_view> labels;
    std::size_t start = 0;
    while (true) {
        const auto dot = host.find('.', start);
        labels.push_back(
            host.substr(start, dot == std::string_view::npos ? host.npos : dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    for (auto label : labels) {
        if (label.empty() || label.size() > 63) return false;
        for (char c : label)
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '-'))
                return false;
        if (label.front() == '-' || label.back() == '-') return false;
        if (label.size() >= 4 && lowered(label.substr(0, 4)) == "xn--") return false;
    }
    if (!endsInANumber(host)) return true;
    if (labels.size() != 4) return false;
    for (auto label : labels) {
        if (!std::all_of(label.begin(), label.end(), isDigit) || label.size() > 3 ||
            (label.size() > 1 && label[0] == '0'))
            return false;
        unsigned v = 0;
        std::from_chars(label.data(), label.data() + label.size(), v);
        if (v > 255) return false;
    }
    return true;
}

int hexValue(char c) {
    if (isDigit(c)) return c - '0';
    c = lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/// A URL's host that ends in a number, read as a browser reads an IPv4 address (decimal, `0`-led
/// octal or `0x` hex parts, the last filling the remaining bytes: `2130706433`, `0x7f.1` and
/// `127.1` are all 127.0.0.1), in dotted decimal; nullopt when a browser would refuse the URL.
std::optional<std::string> browserIpv4(std::string_view host) {
    std::vector<std::uint64_t> parts;
    std::size_t start = 0;
    while (true) {
        const auto dot = host.find('.', start);
        auto part = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
        int base = 10;
        if (part.size() >= 2 && part[0] == '0' && lower(part[1]) == 'x') {
            base = 16;
            part.remove_prefix(2);
        } else if (part.size() >= 2 && part[0] == '0') {
            base = 8;
            part.remove_prefix(1);
        } else if (part.empty()) {
            return std::nullopt;
        }
        std::uint64_t v = 0;
        if (!part.empty()) {
            const auto r = std::from_chars(part.data(), part.data() + part.size(), v, base);
            if (r.ec != std::errc() || r.ptr != part.data() + part.size()) return std::nullopt;
        }
        parts.push_back(v);
        if (parts.size() > 4) return std::nullopt;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    std::uint64_t address = 0;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        if (parts[i] > 255) return std::nullopt;
        address |= parts[i] << (8 * (3 - i));
    }
    const auto lastBytes = 5 - parts.size();
    if (parts.back() >= (std::uint64_t(1) << (8 * lastBytes))) return std::nullopt;
    address |= parts.back();
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
           std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255);
}

/// The parts of `https://AUTHORITY/PATH#FRAGMENT` before the fragment, read as a browser would
/// read them where that matters (a user name before `@`, percent-escapes and case in the host,
/// the default port) and refused where a browser would read it otherwise than it looks.
struct WebAddress {
    std::string host; ///< lower case, percent-escapes decoded
    std::uint16_t port = 443;
    std::string_view path;
};

Result<WebAddress> parseWebAddress(std::string_view beforeFragment) {
    WebAddress out;
    auto rest = beforeFragment.substr(8); // after "https://"
    for (char c : rest) {
        // A browser drops tabs and newlines inside a URL and reads `\` as `/`: such a link does
        // not lead where it reads.
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f ||
            c == '\\')
            return fail(ErrorCode::Malformed,
                        "web link has a space, a control, a backslash or a non-ASCII character");
    }
    const auto slash = rest.find_first_of("/?");
    const auto authority = rest.substr(0, slash);
    out.path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (authority.find('@') != std::string_view::npos)
        return fail(ErrorCode::Malformed,
                    "web link names a user before its host (`…@`): the host is what follows");
    auto hostText = authority;
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        hostText = authority.substr(0, colon);
        const auto portText = authority.substr(colon + 1);
        if (!portText.empty()) { // "host:" is the default port to a browser
            unsigned port = 0;
            const auto r =
                std::from_chars(portText.data(), portText.data() + portText.size(), port);
            if (r.ec != std::errc() || r.ptr != portText.data() + portText.size() || port == 0 ||
                port > 65535)
                return fail(ErrorCode::Malformed, "web link has a bad port");
            out.port = std::uint16_t(port);
        }
    }
    // A browser decodes percent-escapes in a host before it resolves it: so does the app.
    for (std::size_t i = 0; i < hostText.size(); ++i) {
        if (hostText[i] != '%') {
            out.host.push_back(lower(hostText[i]));
            continue;
        }
        const int hi = i + 2 < hostText.size() ? hexValue(hostText[i + 1]) : -1;
        const int lo = hi >= 0 ? hexValue(hostText[i + 2]) : -1;
        if (lo < 0) return fail(ErrorCode::Malformed, "web link has a bad escape in its host");
        out.host.push_back(lower(char(hi * 16 + lo)));
        i += 2;
    }
    if (endsInANumber(out.host)) {
        auto ipv4 = browserIpv4(out.host);
        if (!ipv4) return fail(ErrorCode::Malformed, "web link has a bad IPv4 address");
        out.host = std::move(*ipv4);
    }
    if (!isValidHost(out.host))
        return fail(ErrorCode::Malformed,
                    "web link's host is not a plain ASCII host name or IPv4 address");
    return out;
}

} // namespace

Result<Link> parseLink(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.remove_suffix(1);
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    if (text.size() > 2048) return fail(ErrorCode::Malformed, "link too long");
    Link link;
    std::string_view rest, params;
    std::optional<WebAddress> invitePage; // the https form /i/: its host must be the relay
    if (text.starts_with("verbatim://")) {
        rest = text.substr(11);
        auto q = rest.find('?');
        if (q == std::string_view::npos)
            return fail(ErrorCode::Malformed, "link has no parameters");
        auto kind = rest.substr(0, q);
        if (kind == "enroll")
            link.kind = Link::Kind::Enroll;
        else if (kind == "join")
            link.kind = Link::Kind::Join;
        else
            return fail(ErrorCode::Malformed, "unknown link kind (expected enroll or join)");
        params = rest.substr(q + 1);
    } else if (lowered(text.substr(0, 8)) == "https://") {
        auto hash = text.find('#');
        if (hash == std::string_view::npos)
            return fail(ErrorCode::Malformed, "link has no parameters");
        VERBATIM_TRY_LET(address, parseWebAddress(text.substr(0, hash)));
        const auto path = address->path;
        if (path.find('?') != std::string_view::npos)
            return fail(ErrorCode::Malformed, "web link has a query (the parameters follow #)");
        if (path.ends_with("/enroll")) {
            link.kind = Link::Kind::Enroll;
        } else if (path.ends_with("/join")) {
            link.kind = Link::Kind::Join;
        } else if (path == "/i/" || path == "/i") {
            // The relay's invite page (InvitePage.h) is served exactly there, by the relay the
            // link names.
            link.kind = Link::Kind::Join;
            invitePage = std::move(*address);
        } else {
            return fail(ErrorCode::Malformed, "unknown link kind (expected enroll or join)");
        }
        params = text.substr(hash + 1);
    } else {
        return fail(ErrorCode::Malformed, "not a Verbatim link (verbatim:// or https://)");
    }
    if (!std::all_of(params.begin(), params.end(), isParamChar))
        return fail(ErrorCode::Malformed, "link parameters hold a character a link never has");
    std::map<std::string, std::string, std::less<>> kv;
    while (!params.empty()) {
        auto amp = params.find('&');
        auto pair = params.substr(0, amp);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return fail(ErrorCode::Malformed, "malformed link parameter");
        // A name given twice is refused, known or not: a reader that took the first and one that
        // took the last would see two different links (the page at /i/ refuses it too).
        if (!kv.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1))).second)
            return fail(ErrorCode::Malformed, "link names a parameter twice");
        if (amp == std::string_view::npos) break;
        params.remove_prefix(amp + 1);
    }
    auto relay = kv["relay"];
    auto colon = relay.rfind(':');
    if (relay.empty() || colon == std::string::npos || colon == 0)
        return fail(ErrorCode::Malformed, "link has no relay HOST:PORT");
    link.host = relay.substr(0, colon);
    if (!isValidHost(link.host))
        return fail(ErrorCode::Malformed,
                    "link's relay is not a plain ASCII host name or IPv4 address");
    unsigned port = 0;
    auto portText = std::string_view(relay).substr(colon + 1);
    auto res = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (portText.size() > 5 || res.ec != std::errc() ||
        res.ptr != portText.data() + portText.size() || port == 0 || port > 65535)
        return fail(ErrorCode::Malformed, "link has a bad relay port");
    link.port = std::uint16_t(port);
    if (invitePage && (invitePage->host != lowered(link.host) || invitePage->port != link.port))
        return fail(ErrorCode::Malformed,
                    "invite web link names another relay than the server it points to");
    link.token = kv["token"];
    if (link.token.size() != 32 || !isHex(link.token))
        return fail(ErrorCode::Malformed, "link has a malformed token");
    link.firm = kv["firm"];
    if (link.firm.size() != 32 || !isHex(link.firm))
        return fail(ErrorCode::Malformed, "link has no firm fingerprint to pin");
    link.tlsPin = kv["tls"];
    if (!link.tlsPin.empty() && (link.tlsPin.size() != 64 || !isHex(link.tlsPin)))
        return fail(ErrorCode::Malformed, "link has a malformed TLS pin");
    link.linkSecret = kv["ls"];
    if (!link.linkSecret.empty() && (link.linkSecret.size() != 64 || !isHex(link.linkSecret)))
        return fail(ErrorCode::Malformed, "link has a malformed device link secret");
    if (auto mv = kv["mv"]; !mv.empty()) {
        auto r = std::from_chars(mv.data(), mv.data() + mv.size(), link.minManifestMs);
        if (r.ec != std::errc() || r.ptr != mv.data() + mv.size() || mv.size() > 20)
            return fail(ErrorCode::Malformed, "link has a malformed manifest version");
    }
    // `alt`: the firm's other nodes, HOST:PORT each, joined by '_' (no host or port has one).
    if (auto alt = std::string_view(kv["alt"]); !alt.empty()) {
        while (true) {
            const auto cut = alt.find('_');
            const auto one = alt.substr(0, cut);
            const auto c = one.rfind(':');
            unsigned altPort = 0;
            const auto p = c == std::string_view::npos ? std::string_view() : one.substr(c + 1);
            const auto r = std::from_chars(p.data(), p.data() + p.size(), altPort);
            if (c == std::string_view::npos || c == 0 ||
                !isValidHost(std::string(one.substr(0, c))) || p.empty() || p.size() > 5 ||
                r.ec != std::errc() || r.ptr != p.data() + p.size() || altPort == 0 ||
                altPort > 65535 || link.alternates.size() >= 15)
                return fail(ErrorCode::Malformed, "link has a malformed list of other relays");
            if (one != relay && std::find(link.alternates.begin(), link.alternates.end(), one) ==
                                    link.alternates.end())
                link.alternates.emplace_back(one);
            if (cut == std::string_view::npos) break;
            alt.remove_prefix(cut + 1);
        }
    }
    link.linkMakerKey = kv["lk"];
    if (!link.linkMakerKey.empty() && (link.linkMakerKey.size() != 64 || !isHex(link.linkMakerKey)))
        return fail(ErrorCode::Malformed, "link has a malformed device key");
    return link;
}

std::string webInviteLink(std::string_view verbatimLink) {
    constexpr std::string_view kPrefix = "verbatim://join?";
    if (!verbatimLink.starts_with(kPrefix)) return {};
    auto parsed = parseLink(verbatimLink);
    if (!parsed) return {};
    const auto params = verbatimLink.substr(kPrefix.size());
    return "https://" + parsed->host + ":" + std::to_string(parsed->port) + "/i/#" +
           std::string(params);
}

} // namespace verbatim::client
