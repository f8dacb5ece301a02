#pragma once
/// @file ExportFormats.h
/// Private to the compliance library (Export.cpp): the forms an exported event takes and the
/// small encoders of the RFC 5322 wrapper. Every value a participant chose goes through the rules
/// of ExportEncoding.h. Pure functions, safe from any thread.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Bytes.h"
#include "compliance/Archive.h"

namespace verbatim::compliance::exportformat {

/// Base64 in lines of 76 characters, each ending in CRLF.
std::string base64Lines(ByteView data);
/// Quoted-printable (RFC 2045) of UTF-8 text with LF line ends; output lines end in CRLF.
std::string quotedPrintable(std::string_view text);
/// An RFC 5322 date (UTC) for milliseconds since the epoch.
std::string rfc5322Date(std::uint64_t ms);
/// The wall clock in milliseconds since the epoch.
std::uint64_t nowMs();
/// A file name safe inside a ZIP and on any file system.
std::string safeName(const std::string& name);

/// A voice note (issue 23): an audio/ogg attachment whose sender gave it a length.
bool isVoiceNote(const AttachmentInfo& a);
/// Whether an attachment's journaled thumbnail goes into an export as a file: at most 16384
/// bytes and a JPEG by its first bytes (FF D8 FF), as a receiver requires before decoding
/// (docs/protocol.md, C-THUMB-2). The bytes are written as the sender sent them, never decoded.
bool exportableThumbnail(const AttachmentInfo& a);
/// That file's name in rsmf.zip or the EML: "<sequence>_<index>_thumbnail.jpg".
std::string thumbnailFileName(std::uint64_t sequence, std::size_t index);
/// "m:ss" for a length in milliseconds.
std::string durationText(std::uint32_t ms);

/// Display names by user id (the id when a user has none).
struct Directory {
    std::map<std::string, Participant> people;
    std::string name(const std::string& user) const {
        auto it = people.find(user);
        return it == people.end() || it->second.name.empty() ? user : it->second.name;
    }
};

/// The readable transcript of `events` (the EML and RSMF body); `problems`: how many the
/// archive recorded.
std::string transcript(const std::vector<TimelineEvent>& events,
                       const std::vector<ConversationInfo>& convs, const Directory& dir,
                       std::size_t problems);
/// An RSMF `custom` array of name/value pairs.
std::string custom(const std::vector<std::pair<std::string, std::string>>& fields);
/// One event as a JSON object (a JSON Lines record, or an RSMF manifest event when `rsmf`).
std::string eventJson(const TimelineEvent& e, const std::vector<std::string>& attachmentNames,
                      bool rsmf);
/// The CSV header line and one event's CSV record (CRLF included).
std::string csvHeader();
std::string csvRow(const TimelineEvent& e, const std::string& title, const Directory& dir);

} // namespace verbatim::compliance::exportformat
