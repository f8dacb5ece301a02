#include "client/core/Link.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace verbatim::client {

namespace {

bool isHex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
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
    } else if (text.starts_with("https://")) {
        auto hash = text.find('#');
        if (hash == std::string_view::npos)
            return fail(ErrorCode::Malformed, "link has no parameters");
        auto path = text.substr(0, hash);
        if (path.ends_with("/enroll"))
            link.kind = Link::Kind::Enroll;
        else if (path.ends_with("/join") || path.ends_with("/i/")) // /i/: the relay's invite page
            link.kind = Link::Kind::Join;
        else
            return fail(ErrorCode::Malformed, "unknown link kind (expected enroll or join)");
        params = text.substr(hash + 1);
    } else {
        return fail(ErrorCode::Malformed, "not a Verbatim link (verbatim:// or https://)");
    }
    std::map<std::string, std::string, std::less<>> kv;
    while (!params.empty()) {
        auto amp = params.find('&');
        auto pair = params.substr(0, amp);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos)
            return fail(ErrorCode::Malformed, "malformed link parameter");
        kv[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        params.remove_prefix(amp + 1);
    }
    auto relay = kv["relay"];
    auto colon = relay.rfind(':');
    if (relay.empty() || colon == std::string::npos || colon == 0)
        return fail(ErrorCode::Malformed, "link has no relay HOST:PORT");
    link.host = relay.substr(0, colon);
    unsigned port = 0;
    auto portText = std::string_view(relay).substr(colon + 1);
    auto res = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (res.ec != std::errc() || res.ptr != portText.data() + portText.size() || port == 0 ||
        port > 65535)
        return fail(ErrorCode::Malformed, "link has a bad relay port");
    link.port = std::uint16_t(port);
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
