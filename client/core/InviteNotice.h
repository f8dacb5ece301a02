#pragma once
/// @file InviteNotice.h
/// The fair recording notice (issue 22): what a client is told before it joins a matter by
/// invite, built only from facts it can check, and the decline that joins nobody.
///
/// The facts come from two places (docs/protocol.md, "Recording notice"): who invited the
/// client and into which matter from the relay's answer about the invite (POST
/// /v1/invite/preview, asked before anything is registered); the retention period, the privacy
/// notice link and whether the firm may erase the client's copy from the firm manifest, signed
/// by the firm root the link pins (checked here exactly as Client::join checks it).
///
/// Threading: blocking network calls (up to 15 s each); call them off the GUI thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace verbatim::client {

/// What the notice states, before the canonical recording notice text (journal/RecordingNotice.h).
struct InviteNotice {
    std::string firmName;     ///< from the root-signed manifest
    std::string inviterName;  ///< the inviting lawyer's display name (relay)
    std::string matterTitle;  ///< (relay)
    std::string matterNumber; ///< (relay) may be empty
    std::string clientName;   ///< (relay) may be empty
    std::uint64_t expiresMs = 0;
    /// Years the firm keeps the matter's record after it closes (manifest retention); 0: the
    /// manifest sets no period.
    std::uint32_t retentionYears = 0;
    /// The firm's privacy notice (UK GDPR Art. 13): an https:// URL, else empty (anything else
    /// the manifest might hold is not passed on as a link).
    std::string privacyNoticeUrl;
    /// The firm's policy lets it erase a client's device (manifest device policy).
    bool firmMayErase = false;
    /// Set by declineInvite(): when the relay recorded the decline.
    std::uint64_t declinedMs = 0;
};

/// The notice's statements in English, one sentence each, in the order a client reads them:
/// who invited whom to what, how long the record is kept, the privacy notice, erasure. What
/// `verbatim-cli join` prints above the canonical text (the app words the same facts itself).
std::vector<std::string> noticeStatements(const InviteNotice& notice);

/// The facts `notice` states, as the names and values a NOTICE_ACCEPTED body carries after its
/// version, hash and firm (docs/protocol.md, "Recording notice"): `"inviter":…,"matter_title":…,
/// "matter_number":…,"client_name":…,"retention_years":N,"privacy_notice":…,"may_erase":B`
/// (strings as shown; privacy_notice "" when no link was shown). Compliance checks them against
/// the journal and the firm manifest in force.
std::string noticeFactsJson(const InviteNotice& notice);

/// Whether `url` is shown as a link: https:// and printable ASCII without spaces, at most 512
/// bytes (the manifest's own rule, checked again here).
bool isShowableLink(std::string_view url);

/// Asks the relay of an invite link `link` what the invite is, after checking its firm manifest
/// against the link; registers nothing, sends nothing. Fails with the relay's words for a
/// used, revoked, expired or declined invite, and for an enrollment link.
[[nodiscard]] Result<InviteNotice> previewInvite(std::string_view link);

/// Declines the invite of `link`: the relay makes it unusable and journals that it was declined;
/// nobody is registered and nothing is sent into the matter. Fails as previewInvite() does.
[[nodiscard]] Result<InviteNotice> declineInvite(std::string_view link);

} // namespace verbatim::client
