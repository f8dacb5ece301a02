#pragma once
/// @file RecordingNotice.h
/// The recording notice an outside party (a user with role CLIENT) accepts before sending into
/// a conversation: one canonical text per version, its SHA-256, and the body of the
/// NOTICE_ACCEPTED record that journals the acceptance (docs/protocol.md, "Recording notice").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/Bytes.h"
#include "crypto/Digest.h"

namespace verbatim::journal {

/// The version of the notice this build shows and accepts.
inline constexpr std::uint32_t kRecordingNoticeVersion = 1;

/// The canonical text of notice `version` (UTF-8, paragraphs separated by "\n\n", no trailing
/// newline; the firm's name is not part of it), or nullopt for a version this build does not know.
std::optional<std::string_view>
recordingNoticeText(std::uint32_t version = kRecordingNoticeVersion);

/// SHA-256 over exactly the bytes of recordingNoticeText(version); nullopt for an unknown version.
std::optional<crypto::Hash256> recordingNoticeHash(std::uint32_t version = kRecordingNoticeVersion);

/// The plain-text body every NOTICE_ACCEPTED had before notice version 1 (clients up to issue 17).
/// `verify` counts exactly this body as an acceptance (of the notice those clients showed), so
/// that logs written before version 1 stay clean; relays never counted it (see docs/protocol.md).
inline constexpr std::string_view kLegacyNoticeAcceptanceBody =
    "I understand that this conversation is recorded and journaled by the firm.";

/// What a NOTICE_ACCEPTED record's body says.
struct NoticeAcceptance {
    std::uint32_t version = 0;
    Bytes textSha256; ///< 32 bytes
    std::string firm; ///< the firm's name as the notice showed it (may be empty)
};

/// The body of a NOTICE_ACCEPTED record for the current notice:
/// {"notice_version":1,"notice_sha256":"<64 lower-case hex>","firm":"<name>"}
/// (exactly these names in this order, no white space; the firm name quoted as jsonQuote does).
std::string noticeAcceptanceBody(std::string_view firm);

/// Parses a NOTICE_ACCEPTED body (the flat object above; other names are ignored). nullopt when
/// it is not such an object (a body written before version 1 was plain text).
std::optional<NoticeAcceptance> parseNoticeAcceptance(std::string_view body);

/// True when `a` names a known version and the hash of exactly that version's text.
bool isKnownNotice(std::uint32_t version, ByteView textSha256);

} // namespace verbatim::journal
