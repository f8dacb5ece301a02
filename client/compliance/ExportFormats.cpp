/// @file ExportFormats.cpp
/// The forms of an exported event (transcript, JSON, CSV) and the small encoders of the RFC 5322
/// wrapper; Export.cpp puts them together into files.
#include "compliance/ExportFormats.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include <openssl/evp.h>

#include "common/Json.h"
#include "compliance/ExportEncoding.h"

namespace verbatim::compliance::exportformat {

// ---- voice notes and thumbnails (issue 23) ------------------------------------------------------

bool isVoiceNote(const AttachmentInfo& a) {
    return a.mimeType == "audio/ogg" && a.durationMs > 0;
}

bool exportableThumbnail(const AttachmentInfo& a) {
    return !a.thumbnail.empty() && a.thumbnail.size() <= 16384 &&
           a.thumbnail.compare(0, 3, "\xFF\xD8\xFF") == 0; // ct-ok: JPEG magic, not a secret
}

std::string thumbnailFileName(std::uint64_t sequence, std::size_t index) {
    return std::to_string(sequence) + "_" + std::to_string(index) + "_thumbnail.jpg";
}

std::string durationText(std::uint32_t ms) {
    const std::uint32_t s = ms / 1000;
    char out[32];
    std::snprintf(out, sizeof out, "%u:%02u", s / 60, s % 60);
    return out;
}

namespace {

/// An image's claimed size as a label, when plausible (a receiver shows none over 1,000,000).
std::string claimedSize(const AttachmentInfo& a) {
    if (!a.width || !a.height || a.width > 1000000 || a.height > 1000000) return {};
    return std::to_string(a.width) + " x " + std::to_string(a.height);
}

/// What the transcript adds to an attachment's line: the voice note's length, the image's size
/// and its thumbnail's file.
std::string mediaNote(const TimelineEvent& e, const AttachmentInfo& a) {
    std::string out;
    if (isVoiceNote(a))
        out += ", voice note " + durationText(a.durationMs) +
               (a.durationFromFile ? "" : " (the sender's figure)");
    if (auto size = claimedSize(a); !size.empty()) out += ", image " + size;
    if (exportableThumbnail(a)) out += ", thumbnail " + thumbnailFileName(e.sequence, a.index);
    return out;
}

} // namespace

// ---- small encoders -----------------------------------------------------------------------------

std::string base64Lines(ByteView data) {
    std::string out;
    constexpr std::size_t kChunk = 57; // 76 characters a line
    std::string line(80, '\0');
    for (std::size_t i = 0; i < data.size(); i += kChunk) {
        auto n = std::min(kChunk, data.size() - i);
        int len =
            EVP_EncodeBlock(reinterpret_cast<unsigned char*>(line.data()), data.data() + i, int(n));
        out.append(line.data(), std::size_t(len));
        out += "\r\n";
    }
    return out;
}

/// Quoted-printable (RFC 2045) of UTF-8 text with LF line ends; output lines end in CRLF.
std::string quotedPrintable(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    std::size_t col = 0;
    auto put = [&](const std::string& piece) {
        if (col + piece.size() > 75) {
            out += "=\r\n";
            col = 0;
        }
        out += piece;
        col += piece.size();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            out += "\r\n";
            col = 0;
            continue;
        }
        const bool atLineEnd = i + 1 == text.size() || text[i + 1] == '\n';
        if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !atLineEnd))
            put(std::string(1, char(c)));
        else
            put(std::string{'=', hex[c >> 4], hex[c & 15]});
    }
    return out;
}

std::string rfc5322Date(std::uint64_t ms) {
    std::time_t t = std::time_t(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::uint64_t nowMs() {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
}

/// A file name safe inside a ZIP and on any file system.
std::string safeName(const std::string& name) {
    std::string out;
    for (unsigned char c : name)
        out.push_back((std::isalnum(c) || c == '.' || c == '-' || c == '_') ? char(c) : '_');
    if (out.empty() || out[0] == '.') out.insert(out.begin(), 'f');
    return out.substr(0, 100);
}

static const char* kindName(TimelineEvent::Kind k) {
    switch (k) {
    case TimelineEvent::Kind::Message:
        return "message";
    case TimelineEvent::Kind::Notice:
        return "disclaimer";
    case TimelineEvent::Kind::Join:
        return "join";
    case TimelineEvent::Kind::SafetyNumber:
        return "safety-number-accepted";
    case TimelineEvent::Kind::MismatchReport:
        return "mismatch-report";
    case TimelineEvent::Kind::AttachmentSaved:
        return "attachment-saved";
    }
    return "unknown";
}

/// The text a system event shows.
static std::string eventText(const TimelineEvent& e) {
    switch (e.kind) {
    case TimelineEvent::Kind::SafetyNumber: {
        auto j = parseFlatJsonObject(e.body);
        return "accepted a changed safety number" +
               (j && j->count("user") ? " for " + j->at("user") : std::string());
    }
    case TimelineEvent::Kind::MismatchReport:
        return "reported that a message differed from what its sender journaled";
    case TimelineEvent::Kind::AttachmentSaved:
        return attachmentSavedText(e.body);
    default:
        return e.body;
    }
}

/// One line for a change compliance did not apply (RefusedChange).
static std::string refusedText(const RefusedChange& r, const std::string& name) {
    std::string what = r.kind == "edit" ? "edit" : r.kind == "retract" ? "retraction" : r.kind;
    std::string out = what + " by " + name + " (" + r.user + "/" + std::to_string(r.device) + ") " +
                      isoTime(r.timeMs) + ", seq " + std::to_string(r.sequence) + ", " + r.fault;
    if (r.fault == "forged-edit")
        out += ": not the author";
    else if (r.fault == "not-a-member")
        out += ": not a member of the conversation";
    if (r.kind == "edit" || r.kind == "reaction") out += "; its text: \"" + r.body + "\"";
    return out;
}

std::string transcript(const std::vector<TimelineEvent>& events,
                       const std::vector<ConversationInfo>& convs, const Directory& dir,
                       std::size_t problems) {
    // Every line goes through transcriptText: a value's own line breaks continue with "  | ",
    // so no message, name or file name can forge a line of the transcript.
    std::string out = "Verbatim journal export\n";
    auto line = [&out](const std::string& text) { out += transcriptText(text) + "\n"; };
    line("Exported: " + isoTime(nowMs()) + "   Events: " + std::to_string(events.size()) +
         "   Verification: " +
         (problems ? std::to_string(problems) + " event(s) with problems" : "all verified"));
    for (const auto& c : convs) {
        out += "\n";
        line("Conversation: " + (c.title.empty() ? c.id : c.title) + " (" + c.id + ")");
        std::string members = "Participants:";
        for (std::size_t i = 0; i < c.participants.size(); ++i) {
            const auto& u = c.participants[i];
            auto it = dir.people.find(u);
            members +=
                (i ? ", " : " ") + dir.name(u) + " (" + u +
                (it != dir.people.end() && !it->second.role.empty() ? ", " + it->second.role : "") +
                ")";
        }
        line(members);
        out += "\n";
        for (const auto& e : events) {
            if (e.conversation != c.id) continue;
            std::string head = "[" + isoTime(e.serverTimeMs) + "] ";
            if (e.kind == TimelineEvent::Kind::Message) {
                line(head + dir.name(e.user) + ": " + e.body);
            } else if (e.kind == TimelineEvent::Kind::Notice) {
                line(head + "* " + dir.name(e.user) + " accepted the recording notice: " + e.body);
            } else {
                line(head + "* " + dir.name(e.user) + " " + eventText(e));
            }
            for (const auto& a : e.attachments)
                line("    [attachment: " + a.fileName + ", " + std::to_string(a.size) + " bytes" +
                     mediaNote(e, a) + (a.available ? "" : ", not available: " + a.problem) + "]");
            for (const auto& ed : e.edits)
                line("    [edited " + isoTime(ed.timeMs) + " by " + dir.name(ed.user) +
                     "; previous: \"" + ed.previous + "\"; new: \"" + ed.next + "\"]");
            if (e.deleted)
                line("    [deleted for everyone " + isoTime(e.deletedMs) + " by " +
                     dir.name(e.deletedBy) + "; the journal keeps the text above]");
            if (!e.reactions.empty()) {
                std::string r = "    [reactions:";
                for (const auto& x : e.reactions)
                    r += " " + x.emoji + " " + dir.name(x.user);
                line(r + "]");
            }
            for (const auto& r : e.refused)
                line("    [NOT APPLIED: " + refusedText(r, dir.name(r.user)) + "]");
            if (e.verification != "verified") line("    [VERIFICATION: " + e.verification + "]");
        }
    }
    return out;
}

// ---- JSON ---------------------------------------------------------------------------------------

std::string custom(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out = "[";
    bool first = true;
    for (const auto& [n, v] : fields) {
        if (v.empty()) continue; // RSMF custom values have minLength 1
        out += (first ? "" : ",") + std::string("{\"name\":") + jsonString(n) +
               ",\"value\":" + jsonString(v) + "}";
        first = false;
    }
    return out + "]";
}

std::string eventJson(const TimelineEvent& e, const std::vector<std::string>& attachmentNames,
                      bool rsmf) {
    std::string type;
    switch (e.kind) {
    case TimelineEvent::Kind::Message:
        type = "message";
        break;
    case TimelineEvent::Kind::Notice:
        type = "disclaimer";
        break;
    case TimelineEvent::Kind::Join:
        type = "join";
        break;
    default:
        type = rsmf ? "unknown" : kindName(e.kind);
        break;
    }
    std::string id = e.messageId.empty() ? "seq-" + std::to_string(e.sequence) : e.messageId;
    std::string out = "{\"id\":" + jsonString(id) + ",\"type\":" + jsonString(type) +
                      ",\"participant\":" + jsonString(e.user) +
                      ",\"conversation\":" + jsonString(e.conversation) +
                      ",\"timestamp\":" + jsonString(isoTime(e.serverTimeMs)) +
                      ",\"body\":" + jsonString(eventText(e));
    if (e.deleted) out += ",\"deleted\":true";
    if (!e.attachments.empty()) {
        out += ",\"attachments\":[";
        for (std::size_t i = 0; i < e.attachments.size(); ++i) {
            const auto& a = e.attachments[i];
            std::string aid = i < attachmentNames.size() && !attachmentNames[i].empty()
                                  ? attachmentNames[i]
                                  : safeName(a.fileName);
            out += (i ? "," : "") + std::string("{\"id\":") + jsonString(aid) +
                   ",\"display\":" + jsonString(a.fileName) + ",\"size\":" + std::to_string(a.size);
            // JSON Lines is ours: the hints as fields. RSMF's attachment object has no place for
            // them, so they go to the event's custom fields below.
            if (!rsmf && isVoiceNote(a))
                out += ",\"duration_ms\":" + std::to_string(a.durationMs) +
                       ",\"duration_source\":" + jsonString(a.durationFromFile ? "file" : "sender");
            if (!rsmf && !claimedSize(a).empty())
                out += ",\"width\":" + std::to_string(a.width) +
                       ",\"height\":" + std::to_string(a.height);
            out += "}";
        }
        out += "]";
    }
    if (!e.edits.empty()) {
        out += ",\"edits\":[";
        for (std::size_t i = 0; i < e.edits.size(); ++i) {
            const auto& ed = e.edits[i];
            out += (i ? "," : "") + std::string("{\"participant\":") + jsonString(ed.user) +
                   ",\"timestamp\":" + jsonString(isoTime(ed.timeMs)) +
                   ",\"previous\":" + jsonString(ed.previous) + ",\"new\":" + jsonString(ed.next) +
                   "}";
        }
        out += "]";
    }
    if (!e.reactions.empty()) {
        std::map<std::string, std::vector<std::string>> grouped;
        for (const auto& r : e.reactions)
            grouped[r.emoji].push_back(r.user);
        out += ",\"reactions\":[";
        bool first = true;
        for (const auto& [emoji, users] : grouped) {
            out += (first ? "" : ",") + std::string("{\"value\":") + jsonString(emoji) +
                   ",\"count\":" + std::to_string(users.size()) + ",\"participants\":[";
            for (std::size_t i = 0; i < users.size(); ++i)
                out += (i ? "," : "") + jsonString(users[i]);
            out += "]}";
            first = false;
        }
        out += "]";
    }
    if (!e.receipts.empty()) {
        out += ",\"read_receipts\":[";
        for (std::size_t i = 0; i < e.receipts.size(); ++i) {
            const auto& r = e.receipts[i];
            out += (i ? "," : "") + std::string("{\"participant\":") + jsonString(r.user) +
                   ",\"timestamp\":" + jsonString(isoTime(r.timeMs)) +
                   ",\"action\":" + jsonString(r.action == "read" ? "read" : "delivered") + "}";
        }
        out += "]";
    }
    std::vector<std::pair<std::string, std::string>> fields = {
        {"journal_sequence", std::to_string(e.sequence)},
        {"entry_hash", e.entryHash},
        {"verification", e.verification},
        {"sender_device", e.device ? std::to_string(e.device) : std::string()},
        {"client_time",
         e.timeMs && e.kind != TimelineEvent::Kind::Join ? isoTime(e.timeMs) : std::string()},
        {"event_kind", kindName(e.kind)},
    };
    for (const auto& a : e.attachments) {
        const std::string at = "attachment_" + std::to_string(a.index) + "_";
        if (isVoiceNote(a)) {
            fields.push_back({at + "voice_duration", durationText(a.durationMs)});
            fields.push_back({at + "voice_duration_ms", std::to_string(a.durationMs)});
            fields.push_back(
                {at + "voice_duration_source", a.durationFromFile ? "file" : "sender"});
        }
        fields.push_back({at + "image_size", claimedSize(a)});
        if (rsmf && exportableThumbnail(a))
            fields.push_back({at + "thumbnail", thumbnailFileName(e.sequence, a.index)});
    }
    if (e.deleted) {
        fields.push_back({"deleted_by", e.deletedBy});
        fields.push_back({"deleted_at", isoTime(e.deletedMs)});
        fields.push_back({"deletion_sequence", std::to_string(e.deletedSequence)});
    }
    if (!e.refused.empty()) {
        std::string all;
        for (const auto& r : e.refused)
            all += (all.empty() ? "" : "; ") + refusedText(r, r.user);
        fields.push_back({"not_applied", all});
    }
    out += ",\"custom\":" + custom(fields);
    if (!rsmf && e.deleted) out += ",\"original_body\":" + jsonString(e.originalBody);
    if (!rsmf && !e.refused.empty()) {
        out += ",\"not_applied\":[";
        for (std::size_t i = 0; i < e.refused.size(); ++i) {
            const auto& r = e.refused[i];
            out += (i ? "," : "") + std::string("{\"sequence\":") + std::to_string(r.sequence) +
                   ",\"kind\":" + jsonString(r.kind) + ",\"participant\":" + jsonString(r.user) +
                   ",\"device\":" + std::to_string(r.device) +
                   ",\"timestamp\":" + jsonString(isoTime(r.timeMs)) +
                   ",\"body\":" + jsonString(r.body) + ",\"fault\":" + jsonString(r.fault) + "}";
        }
        out += "]";
    }
    return out + "}";
}

// ---- CSV ----------------------------------------------------------------------------------------

static std::string csvRecord(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i)
        out += (i ? "," : "") + csvField(fields[i]);
    return out + "\r\n";
}

std::string csvHeader() {
    return csvRecord({"sequence", "time", "conversation_id", "conversation", "participant_id",
                      "participant", "device", "event", "body", "original_body", "edits", "deleted",
                      "deleted_by", "deleted_at", "attachments", "verification", "entry_hash",
                      "message_id"});
}

/// One event as a CSV record (RFC 4180, every field quoted; see ExportEncoding.h).
std::string csvRow(const TimelineEvent& e, const std::string& title, const Directory& dir) {
    std::string attachments;
    // Cleaned names (no line breaks) one per line: the list stays unambiguous; JSON Lines keeps
    // the names exactly as sent.
    for (const auto& a : e.attachments)
        attachments += (attachments.empty() ? "" : "\n") + attachmentFileName(a.fileName);
    return csvRecord(
        {std::to_string(e.sequence), isoTime(e.serverTimeMs), e.conversation, title, e.user,
         dir.name(e.user), e.device ? std::to_string(e.device) : std::string(), kindName(e.kind),
         eventText(e), e.originalBody != e.body ? e.originalBody : std::string(),
         std::to_string(e.edits.size()), e.deleted ? "yes" : "no",
         e.deleted ? e.deletedBy : std::string(), e.deleted ? isoTime(e.deletedMs) : std::string(),
         attachments, e.verification, e.entryHash, e.messageId});
}
} // namespace verbatim::compliance::exportformat
