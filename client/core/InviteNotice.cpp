/// @file InviteNotice.cpp
/// The recording notice's facts before joining, and declining an invite (issue 22).

#include "client/core/InviteNotice.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "client/core/Link.h"
#include "client/core/RelayConnection.h"
#include "common/Json.h"
#include "common/Try.h"
#include "journal/FirmManifest.h"

namespace verbatim::client {

namespace {

// The manifest checks Client::join makes before the token leaves the device (ES-10, issue 15
// break 8): signed by the root the link pins, current enough, naming the link's relay and the
// node asked. The token goes to no relay that fails them, and the notice states no policy the
// firm did not sign.
Result<journal::FirmManifest> checkedManifest(const Link& link, Endpoint& ep) {
    VERBATIM_TRY_LET(offered, RelayConnection::fetchManifest(ep));
    auto parsed = journal::FirmManifest::parse(view(*offered));
    if (!parsed || !parsed->verify(link.firm) || !parsed->currentJournalKey())
        return fail(ErrorCode::AuthFailed, "the relay's firm manifest is not signed by the firm "
                                           "in the link: refusing to ask it about the invite");
    if (parsed->version < journal::FirmManifest::kVersion || parsed->issuedMs < link.minManifestMs)
        return fail(ErrorCode::AuthFailed, "the relay serves an outdated firm manifest (older "
                                           "than the link, or of an old version): ask the firm "
                                           "to re-sign it with `verbatim-relay manifest`");
    const std::string relayAddress = link.host + ":" + std::to_string(link.port);
    const std::string asked = ep.host + ":" + std::to_string(ep.port);
    if (!parsed->namesRelay(relayAddress) || !parsed->namesRelay(asked))
        return fail(ErrorCode::AuthFailed, "the firm's manifest does not name the relay " + asked +
                                               ": refusing to join through it");
    ep.tlsKeyPins = parsed->tlsKeyPins;
    return std::move(*parsed);
}

// HOST:PORT (checked by parseLink) as an endpoint with the link's certificate pin.
Endpoint endpointOf(const Link& link, const std::string& address) {
    const auto colon = address.rfind(':');
    return Endpoint{address.substr(0, colon),
                    std::uint16_t(std::stoul(address.substr(colon + 1))),
                    link.tlsPin,
                    {}};
}

Result<InviteNotice> ask(std::string_view linkText, bool decline) {
    VERBATIM_TRY_LET(link, parseLink(linkText));
    if (link->kind != Link::Kind::Join)
        return fail(ErrorCode::InvalidArgument,
                    "this is an enrollment link, not an invite: it has no notice to decline");
    // Issue 20 (C-FAIL-6): the link's relay, then the firm's other nodes the link lists; one
    // that does not answer, or serves a manifest refused here, passes the turn to the next.
    std::vector<std::string> addresses{link->host + ":" + std::to_string(link->port)};
    addresses.insert(addresses.end(), link->alternates.begin(), link->alternates.end());
    const auto deadline =
        std::chrono::steady_clock::now() + RelayConnection::oneShotLimits().deadline;
    std::optional<Error> refusal, silence;
    std::string tried;
    Result<journal::FirmManifest> manifest = fail(ErrorCode::Unavailable, "no relay answered");
    Result<proto::InviteDetails> details = fail(ErrorCode::Unavailable, "no relay answered");
    for (const auto& address : addresses) {
        if (std::chrono::steady_clock::now() >= deadline) break;
        tried += (tried.empty() ? "" : ", ") + address;
        Endpoint ep = endpointOf(*link, address);
        manifest = checkedManifest(*link, ep);
        if (!manifest) {
            (manifest.error().code == ErrorCode::AuthFailed ? refusal : silence) = manifest.error();
            continue;
        }
        details = RelayConnection::askInvite(ep, link->token, decline);
        if (details) break;
        // Only a node that did not answer passes the turn; the firm's refusal is final.
        if (details.error().code != ErrorCode::Unavailable && details.error().detail != 503)
            return tl::unexpected(details.error());
        silence = details.error();
    }
    if (!details) {
        if (refusal) return tl::unexpected(*refusal);
        if (silence && addresses.size() == 1) return tl::unexpected(*silence);
        return fail(ErrorCode::Unavailable,
                    "no relay answered (tried " + tried + ")" +
                        (silence ? ": " + silence->message : std::string()));
    }
    InviteNotice n;
    n.firmName = manifest->firmName;
    n.inviterName = details->inviter_name();
    n.matterTitle = details->matter_title();
    n.matterNumber = details->matter_number();
    n.clientName = details->client_name();
    n.expiresMs = details->expires_ms();
    n.declinedMs = details->declined_ms();
    n.retentionYears = manifest->retention.yearsAfterClose;
    if (isShowableLink(manifest->privacyNoticeUrl)) n.privacyNoticeUrl = manifest->privacyNoticeUrl;
    n.firmMayErase = manifest->policy.mayWipeClientDevices;
    return n;
}

} // namespace

bool isShowableLink(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (url.size() <= scheme.size() || url.size() > 512) return false;
    if (url.substr(0, scheme.size()) != scheme) return false;
    return std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::vector<std::string> noticeStatements(const InviteNotice& n) {
    std::vector<std::string> out;
    std::string matter = "\"" + n.matterTitle + "\"";
    if (!n.matterNumber.empty()) matter += " (ref. " + n.matterNumber + ")";
    std::string who = n.inviterName.empty() ? std::string("A lawyer") : n.inviterName;
    out.push_back(who + " of " + n.firmName + " invited you to the matter " + matter +
                  (n.clientName.empty() ? std::string() : ", for " + n.clientName) + ".");
    if (n.retentionYears)
        out.push_back("The firm keeps its record of this matter for " +
                      std::to_string(n.retentionYears) +
                      (n.retentionYears == 1 ? " year" : " years") +
                      " after the matter closes, then disposes of it unless the law requires "
                      "it to keep it longer.");
    else
        out.push_back("The firm keeps its record of this matter as long as the firm's records "
                      "policy requires; it has set no fixed period here.");
    if (!n.privacyNoticeUrl.empty())
        out.push_back("How the firm uses your personal data: " + n.privacyNoticeUrl);
    else
        out.push_back("The firm has not published a privacy notice link here; ask it for one.");
    out.push_back(n.firmMayErase
                      ? "The firm may erase the copy of these messages on your device (the "
                        "firm's journal keeps its record)."
                      : "The firm will not erase the copy of these messages on your device: it "
                        "stays your record of the advice.");
    return out;
}

std::string noticeFactsJson(const InviteNotice& n) {
    return "\"inviter\":" + jsonQuote(n.inviterName) +
           ",\"matter_title\":" + jsonQuote(n.matterTitle) +
           ",\"matter_number\":" + jsonQuote(n.matterNumber) +
           ",\"client_name\":" + jsonQuote(n.clientName) +
           ",\"retention_years\":" + std::to_string(n.retentionYears) + ",\"privacy_notice\":" +
           jsonQuote(isShowableLink(n.privacyNoticeUrl) ? n.privacyNoticeUrl : std::string()) +
           ",\"may_erase\":" + (n.firmMayErase ? "true" : "false");
}

Result<InviteNotice> previewInvite(std::string_view link) {
    return ask(link, false);
}

Result<InviteNotice> declineInvite(std::string_view link) {
    return ask(link, true);
}

} // namespace verbatim::client
