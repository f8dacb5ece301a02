#include "compliance/Export.h"
#include "common/Try.h"
#include "compliance/ZipStore.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <openssl/evp.h>

#include "common/Json.h"
#include "compliance/ExportEncoding.h"
#include "crypto/Random.h"

namespace verbatim::compliance {

namespace fs = std::filesystem;

namespace {

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

const char* kindName(TimelineEvent::Kind k) {
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
    }
    return "unknown";
}

/// The text a system event shows.
std::string eventText(const TimelineEvent& e) {
    switch (e.kind) {
    case TimelineEvent::Kind::SafetyNumber: {
        auto j = parseFlatJsonObject(e.body);
        return "accepted a changed safety number" +
               (j && j->count("user") ? " for " + j->at("user") : std::string());
    }
    case TimelineEvent::Kind::MismatchReport:
        return "reported that a message differed from what its sender journaled";
    default:
        return e.body;
    }
}

/// One line for a change compliance did not apply (RefusedChange).
std::string refusedText(const RefusedChange& r, const std::string& name) {
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

struct Directory {
    std::map<std::string, Participant> people;
    std::string name(const std::string& user) const {
        auto it = people.find(user);
        return it == people.end() || it->second.name.empty() ? user : it->second.name;
    }
};

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
                     (a.available ? "" : ", not available: " + a.problem) + "]");
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
                   ",\"display\":" + jsonString(a.fileName) +
                   ",\"size\":" + std::to_string(a.size) + "}";
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

/// The Subject names the exported conversations; the full titles are in the transcript.
constexpr std::size_t kSubjectChars = 300;

std::string csvRecord(const std::vector<std::string>& fields) {
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

struct Selection {
    std::vector<ConversationInfo> conversations;
    std::vector<TimelineEvent> events; // in log order
    Directory dir;
};

Result<Selection> select(Archive& archive, const ExportOptions& o) {
    Selection s;
    std::vector<ConversationInfo> all;
    if (!o.matter.empty()) {
        VERBATIM_TRY_LET(one, archive.conversation(o.matter));
        all.push_back(std::move(*one));
    } else {
        VERBATIM_TRY_LET(every, archive.conversations());
        all = std::move(*every);
    }
    for (auto& c : all) {
        VERBATIM_TRY_LET(t, archive.timeline(c.id, o.fromMs, o.toMs));
        if (t->empty()) continue;
        s.events.insert(s.events.end(), std::make_move_iterator(t->begin()),
                        std::make_move_iterator(t->end()));
        s.conversations.push_back(c);
    }
    std::stable_sort(
        s.events.begin(), s.events.end(),
        [](const TimelineEvent& a, const TimelineEvent& b) { return a.sequence < b.sequence; });
    VERBATIM_TRY_LET(people, archive.participants());
    for (auto& p : *people)
        s.dir.people[p.user] = p;
    return s;
}

std::string sliceName(const std::string& out, std::size_t index, std::size_t count) {
    if (count <= 1) return out;
    fs::path p(out);
    char num[32];
    std::snprintf(num, sizeof num, "-%03zu", index + 1);
    return (p.parent_path() / (p.stem().string() + num + p.extension().string())).string();
}

Result<void> writeFile(const std::string& path, std::string_view data) {
    std::string tmp = path + ".partial";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) return fail(ErrorCode::Storage, "cannot write " + path);
        f.write(data.data(), std::streamsize(data.size()));
        f.flush();
        if (!f) return fail(ErrorCode::Storage, "cannot write " + path);
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) return fail(ErrorCode::Storage, "cannot write " + path);
    return {};
}

} // namespace

std::string rsmfManifest(const std::vector<TimelineEvent>& events,
                         const std::vector<Participant>& participants,
                         const std::vector<ConversationInfo>& conversations,
                         const std::string& eventCollectionId,
                         const std::vector<std::vector<std::string>>& attachmentNames) {
    std::string out = "{\"version\":\"2.0.0\"";
    if (!eventCollectionId.empty())
        out += ",\"eventcollectionid\":" + jsonString(eventCollectionId);
    out += ",\"participants\":[";
    for (std::size_t i = 0; i < participants.size(); ++i) {
        const auto& p = participants[i];
        out += (i ? "," : "") + std::string("{\"id\":") + jsonString(p.user) +
               ",\"display\":" + jsonString(p.name.empty() ? p.user : p.name) +
               ",\"account_id\":" + jsonString(p.user) +
               ",\"custom\":" + custom({{"role", p.role}}) + "}";
    }
    out += "],\"conversations\":[";
    for (std::size_t i = 0; i < conversations.size(); ++i) {
        const auto& c = conversations[i];
        out +=
            (i ? "," : "") + std::string("{\"id\":") + jsonString(c.id) +
            ",\"display\":" + jsonString(c.title.empty() ? c.id : c.title) +
            ",\"platform\":\"verbatim\",\"type\":" + jsonString(c.matter ? "channel" : "direct") +
            ",\"participants\":[";
        for (std::size_t j = 0; j < c.participants.size(); ++j)
            out += (j ? "," : "") + jsonString(c.participants[j]);
        out +=
            "],\"custom\":" + custom({{"matter", c.matter ? "yes" : "no"}, {"journaled", "yes"}}) +
            "}";
    }
    out += "],\"events\":[";
    for (std::size_t i = 0; i < events.size(); ++i)
        out += (i ? "," : "") + eventJson(events[i],
                                          i < attachmentNames.size() ? attachmentNames[i]
                                                                     : std::vector<std::string>{},
                                          true);
    return out + "]}";
}

Result<ExportResult> exportArchive(Archive& archive, const ExportOptions& o) {
    if (o.out.empty()) return fail(ErrorCode::InvalidArgument, "no output path");
    if (o.format != "rsmf" && o.format != "eml" && o.format != "jsonl" && o.format != "csv")
        return fail(ErrorCode::InvalidArgument,
                    "unknown format \"" + validUtf8(o.format) + "\" (rsmf, eml, jsonl or csv)");
    VERBATIM_TRY_LET(sel, select(archive, o));
    ExportResult result;
    result.events = sel->events.size();

    if (o.format == "csv") {
        std::map<std::string, std::string> titles;
        for (const auto& c : sel->conversations)
            titles[c.id] = c.title;
        // A byte-order mark: spreadsheets read the file as UTF-8 only with it.
        std::string text = "\xEF\xBB\xBF" + csvHeader();
        for (const auto& e : sel->events)
            text += csvRow(e, titles[e.conversation], sel->dir);
        VERBATIM_TRY(writeFile(o.out, text));
        result.files.push_back(o.out);
        return result;
    }

    if (o.format == "jsonl") {
        std::string text;
        for (const auto& e : sel->events)
            text += eventJson(e, {}, false) + "\n";
        VERBATIM_TRY(writeFile(o.out, text));
        result.files.push_back(o.out);
        return result;
    }

    const std::size_t per = std::max<std::size_t>(1, o.maxEventsPerFile);
    const std::size_t slices = std::max<std::size_t>(1, (sel->events.size() + per - 1) / per);
    const std::string collection = toHex(crypto::randomBytes(16));
    const std::uint64_t now = nowMs();
    for (std::size_t s = 0; s < slices; ++s) {
        std::vector<TimelineEvent> events(
            sel->events.begin() + std::ptrdiff_t(std::min(sel->events.size(), s * per)),
            sel->events.begin() + std::ptrdiff_t(std::min(sel->events.size(), (s + 1) * per)));
        // Who and what this slice names: every participant referenced by any of its events.
        std::set<std::string> users, convIds;
        for (const auto& e : events) {
            users.insert(e.user);
            convIds.insert(e.conversation);
            for (const auto& x : e.edits)
                users.insert(x.user);
            for (const auto& x : e.reactions)
                users.insert(x.user);
            for (const auto& x : e.receipts)
                users.insert(x.user);
            if (e.deleted) users.insert(e.deletedBy);
        }
        std::vector<ConversationInfo> convs;
        for (const auto& c : sel->conversations) {
            if (!convIds.count(c.id)) continue;
            convs.push_back(c);
            users.insert(c.participants.begin(), c.participants.end());
        }
        std::vector<Participant> people;
        for (const auto& u : users) {
            auto it = sel->dir.people.find(u);
            people.push_back(it == sel->dir.people.end() ? Participant{u, u, ""} : it->second);
        }
        // Attachments: files in the zip (rsmf) or MIME parts (eml).
        std::vector<std::pair<std::string, Bytes>> files;
        std::vector<std::vector<std::string>> names(events.size());
        std::vector<std::pair<std::string, std::string>> parts; // file name, mime
        for (std::size_t i = 0; i < events.size(); ++i) {
            for (const auto& a : events[i].attachments) {
                std::string name = std::to_string(events[i].sequence) + "_" +
                                   std::to_string(a.index) + "_" + safeName(a.fileName);
                names[i].push_back(name);
                if (!a.available) continue;
                auto data = archive.attachment(events[i].sequence, a.index);
                if (!data) continue;
                files.push_back({name, Bytes(data->begin(), data->end())});
                // The sender chose the type and the name: only a valid RFC 2045 type and a
                // cleaned file name reach the MIME headers (ExportEncoding.h).
                parts.push_back({attachmentFileName(a.fileName), mediaType(a.mimeType)});
                ++result.attachments;
            }
        }
        std::size_t flagged =
            std::count_if(events.begin(), events.end(),
                          [](const TimelineEvent& e) { return e.verification != "verified"; });
        const std::string body = transcript(events, convs, sel->dir, flagged);
        std::string title;
        for (const auto& c : convs)
            title += (title.empty() ? "" : ", ") + (c.title.empty() ? c.id : c.title);
        // "=_" cannot occur in quoted-printable or base64 output, the only encodings of the
        // parts: no content can contain the boundary, whatever a participant wrote.
        const std::string boundary = "=_verbatim_" + toHex(crypto::randomBytes(12));
        std::string eml;
        eml += "From: Verbatim Journal <journal@verbatim.invalid>\r\n";
        eml += "To: Compliance <compliance@verbatim.invalid>\r\n";
        eml += headerLine(
            "Subject",
            "Verbatim journal export: " + title +
                (slices > 1 ? " (" + std::to_string(s + 1) + "/" + std::to_string(slices) + ")"
                            : ""),
            kSubjectChars);
        eml += "Date: " + rfc5322Date(now) + "\r\n";
        eml += "Message-ID: <" + toHex(crypto::randomBytes(12)) + "@verbatim.invalid>\r\n";
        if (o.format == "rsmf") {
            eml += "X-RSMF-Version: 2.0.0\r\n";
            eml += headerLine("X-RSMF-Generator", o.generator);
            if (!events.empty()) {
                eml += "X-RSMF-BeginDate: " + isoTime(events.front().serverTimeMs) + "\r\n";
                eml += "X-RSMF-EndDate: " + isoTime(events.back().serverTimeMs) + "\r\n";
            }
            eml += "X-RSMF-EventCount: " + std::to_string(events.size()) + "\r\n";
        }
        eml += "MIME-Version: 1.0\r\n";
        eml += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
        eml += "--" + boundary +
               "\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
        eml += quotedPrintable(body) + "\r\n";
        auto attach = [&](const std::string& name, const std::string& mime, ByteView data) {
            eml += "--" + boundary + "\r\nContent-Type: " + mime + mimeParameter("name", name) +
                   "\r\n" + "Content-Disposition: attachment" + mimeParameter("filename", name) +
                   "\r\n" + "Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(data);
        };
        if (o.format == "rsmf") {
            std::string manifest = rsmfManifest(events, people, convs, collection, names);
            std::vector<std::pair<std::string, Bytes>> zipped;
            zipped.push_back({"rsmf_manifest.json", Bytes(manifest.begin(), manifest.end())});
            for (auto& f : files)
                zipped.push_back(std::move(f));
            std::size_t total = 0;
            for (auto& z : zipped)
                total += z.second.size() + 200;
            if (total > 0xFFFF0000u)
                return fail(ErrorCode::InvalidArgument,
                            "slice too large for a ZIP file: use --from/--to");
            attach("rsmf.zip", "application/zip", zipStore(zipped));
        } else {
            for (std::size_t i = 0; i < files.size(); ++i)
                attach(parts[i].first, parts[i].second, files[i].second);
        }
        eml += "--" + boundary + "--\r\n";
        const std::string path = sliceName(o.out, s, slices);
        VERBATIM_TRY(writeFile(path, eml));
        result.files.push_back(path);
    }
    return result;
}

} // namespace verbatim::compliance
