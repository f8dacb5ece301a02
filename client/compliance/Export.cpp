/// @file Export.cpp
/// exportArchive(): the selection, slices of at most maxEventsPerFile events, and each format's
/// files (the event forms are in ExportFormats.cpp).
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
#include <unordered_set>

#include "client/media/VoiceNote.h"
#include "common/Json.h"
#include "compliance/ExportEncoding.h"
#include "compliance/ExportFormats.h"
#include "crypto/Random.h"

namespace verbatim::compliance {

namespace fs = std::filesystem;

namespace {

using namespace exportformat;

/// The Subject names the exported conversations; the full titles are in the transcript.
constexpr std::size_t kSubjectChars = 300;

struct Selection {
    std::vector<ConversationInfo> conversations;
    std::vector<TimelineEvent> events; // in log order
    Directory dir;
};

/// A voice note's length as the export states it: the file's own (VoiceDecoder walks every page)
/// when the archive holds a file that reads as Ogg Opus, else the sender's hint clamped to 15
/// minutes (docs/protocol.md, C-VOICE-1).
void measureVoiceNotes(Archive& archive, std::vector<TimelineEvent>& events) {
    for (auto& e : events)
        for (auto& a : e.attachments) {
            if (!isVoiceNote(a)) continue;
            a.durationMs = media::clampDurationMs(a.durationMs);
            if (!a.available) continue;
            auto data = archive.attachment(e.sequence, a.index);
            if (!data) continue;
            auto note = media::VoiceDecoder::open(ByteView(data->data(), data->size()));
            if (!note) continue;
            a.durationMs = note->info().durationMs;
            a.durationFromFile = true;
        }
}

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
    // A custodian's production (issue 21): what they sent or received, nothing of the
    // conversations around it.
    std::unordered_set<std::uint64_t> theirs;
    if (!o.participant.empty()) {
        VERBATIM_TRY_LET(seqs, archive.entriesOf(o.participant, o.fromMs, o.toMs));
        theirs.insert(seqs->begin(), seqs->end());
    }
    for (auto& c : all) {
        VERBATIM_TRY_LET(t, archive.timeline(c.id, o.fromMs, o.toMs));
        if (!o.participant.empty())
            t->erase(std::remove_if(t->begin(), t->end(),
                                    [&](const TimelineEvent& e) {
                                        return e.user != o.participant && !theirs.count(e.sequence);
                                    }),
                     t->end());
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
    measureVoiceNotes(archive, s.events);
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
                // The sender's thumbnail, as journaled (issue 23): a file beside the attachment,
                // named in the event's custom fields and the transcript.
                if (exportableThumbnail(a)) {
                    files.push_back({thumbnailFileName(events[i].sequence, a.index),
                                     Bytes(a.thumbnail.begin(), a.thumbnail.end())});
                    parts.push_back({files.back().first, "image/jpeg"});
                    ++result.thumbnails;
                }
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
