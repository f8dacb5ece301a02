/// @file ArchiveCommands.cpp
/// verbatim-journal's archive commands: keygen, pull, verify, search, show, export,
/// conversations, audit (main.cpp lists their options).
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <unistd.h>

#include "client/journal/JournalCli.h"
#include "common/Passphrase.h"
#include "compliance/Export.h"
#include "compliance/ExportEncoding.h"
#include "compliance/SearchParser.h"
#include "compliance/TimeText.h"
#include "crypto/PassphraseBox.h"

namespace verbatim::journaltool {

int keygen(const std::map<std::string, std::string>& opts) {
    auto out = opts.find("out");
    if (out == opts.end()) return usage();
    const fs::path dir = out->second;
    const fs::path pub = dir / "journal.pub", key = dir / "journal.key";
    std::error_code ec;
    if (fs::exists(pub, ec) || fs::exists(key, ec))
        return die("refusing to overwrite a journal key in " + dir.string());
    auto pass = passphrase(opts, true);
    if (!pass) return die(pass.error().message);
    if (auto ok = checkNewPassphrase(*pass); !ok) return die(ok.error().message);
    auto pair = crypto::X25519Key::generate();
    if (!pair) return die(pair.error().message);
    auto priv = pair->privateKey();
    if (!priv) return die(priv.error().message);
    auto box = crypto::passphraseSeal(*priv, view(*pass));
    if (!box) return die(box.error().message);
    fs::create_directories(dir, ec);
    if (ec) return die("cannot create " + dir.string());
    if (auto r = writeNew(key, *box, 0600); !r) return die(r.error().message);
    const std::string hex = toHex(pair->publicKey()) + "\n";
    if (auto r = writeNew(pub, view(hex), 0644); !r) {
        ::unlink(key.c_str());
        return die(r.error().message);
    }
    std::printf("journal public key: %s", hex.c_str());
    std::printf("wrote %s and %s (keep journal.key offline)\n", pub.c_str(), key.c_str());
    return 0;
}

int pull(const Args& a) {
    const std::string profile = a.opt("profile"), archivePath = a.opt("archive");
    if (profile.empty() || archivePath.empty()) return usage();
    auto archive = openArchive(a, archivePath, true);
    if (!archive) return die(archive.error());
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    compliance::RefreshStats sv;
    compliance::AppliedDispositions disposed;
    auto stats = pullWith(**archive, **officer, &sv, a.opt("accept-restore"), &disposed);
    officer->reset();
    if (!stats)
        return die("pull stopped (what was stored is kept; run pull again): " +
                   stats.error().message);
    if (stats->rewrittenAt) {
        // Issue 15 break 3: the relay no longer serves the history this archive verified.
        std::fprintf(stderr,
                     "verbatim-journal: refused: the relay's journal no longer continues the chain "
                     "this archive "
                     "holds (history-rewritten from seq %llu); nothing was pulled. The archive "
                     "keeps what it "
                     "pulled before: run verify, and treat the relay as compromised\n",
                     (unsigned long long)stats->rewrittenAt);
        return 3;
    }
    if (!stats->pendingEpoch.empty()) {
        // J-RESTORE-3: following a restore is the officer's decision, never the relay's.
        std::fprintf(stderr,
                     "verbatim-journal: stopped: the relay announces a restore from a backup "
                     "(epoch %s) that ended at seq %llu. Following it would supersede the %zu "
                     "entries this archive holds above it:\n",
                     stats->pendingEpoch.c_str(),
                     (unsigned long long)stats->pendingRestoredSequence,
                     stats->pendingSuperseded.size());
        for (const auto& e : stats->pendingSuperseded)
            std::fprintf(
                stderr, "  seq %llu  %s  %s  %s  %s\n", (unsigned long long)e.sequence,
                compliance::isoTime(e.serverTimeMs).c_str(),
                e.messageId.empty() ? "(relay entry)"
                                    : compliance::terminalText(e.conversation).c_str(),
                e.messageId.empty()
                    ? ""
                    : (compliance::terminalText(e.user) + "/" + std::to_string(e.device)).c_str(),
                e.messageId.empty() ? "" : e.messageId.c_str());
        std::fprintf(stderr,
                     "Nothing was pulled and the archive is unchanged (verify reports "
                     "restore-pending). If the firm restored the relay, follow it with: "
                     "verbatim-journal pull ... --accept-restore %s\n",
                     stats->pendingEpoch.c_str());
        return 4;
    }
    if (stats->superseded)
        std::printf("the relay was restored from a backup: the %llu entries this archive held "
                    "from seq %llu on are kept as superseded (verify lists them) and its new "
                    "history was pulled from there\n",
                    (unsigned long long)stats->superseded,
                    (unsigned long long)stats->supersededFrom);
    std::printf("pulled %llu new entries (%llu attachments) up to seq %llu in %.1f s; %zu new "
                "problem(s)%s\n",
                (unsigned long long)stats->entries, (unsigned long long)stats->attachments,
                (unsigned long long)stats->headSequence, stats->seconds, stats->newProblems,
                stats->newProblems ? ": run verify" : "");
    if (sv.newAlerts || sv.records || sv.refused)
        std::printf("supervision: %zu new alert(s), %zu record(s) applied, %zu refused%s\n",
                    sv.newAlerts, sv.records, sv.refused, sv.refused ? ": run verify" : "");
    for (const auto seq : disposed.records)
        std::printf("applied disposition #%llu\n", (unsigned long long)seq);
    if (!disposed.records.empty())
        std::printf("disposed of %llu entr%s in %zu range(s) under %zu disposition record(s); "
                    "%llu kept under a hold, %llu not past retention\n",
                    (unsigned long long)disposed.removed.entries,
                    disposed.removed.entries == 1 ? "y" : "ies", disposed.removed.ranges.size(),
                    disposed.records.size(), (unsigned long long)disposed.removed.held,
                    (unsigned long long)disposed.removed.kept);
    for (const auto& [seq, why] : disposed.refused)
        std::fprintf(stderr, "verbatim-journal: disposition #%llu not applied: %s\n",
                     (unsigned long long)seq, why.c_str());
    return 0;
}

int verify(const Args& a) {
    if (a.positional.size() != 1) return usage();
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    compliance::RestoreLimits limits;
    if (!a.opt("restore-interval-hours").empty())
        limits.intervalMs = std::stoull(a.opt("restore-interval-hours")) * 3600 * 1000;
    if (!a.opt("restore-rollback-hours").empty())
        limits.rollbackMs = std::stoull(a.opt("restore-rollback-hours")) * 3600 * 1000;
    auto report = (*archive)->verify(0, limits);
    if (!report) return die(report.error());
    if (a.flags.count("json"))
        std::printf("%s\n", report->json().c_str());
    else
        std::fputs(report->text().c_str(), stdout);
    return report->ok() ? 0 : 3;
}

int search(const Args& a) {
    if (a.positional.size() != 2) return usage();
    // A query that cannot run is refused before the key is unlocked; the archive parses it again.
    auto parsed = compliance::parseSearch(a.positional[1]);
    if (!parsed) return refused("search", parsed.error().message);
    for (const auto& note : parsed->notes)
        std::fprintf(stderr, "note: %s\n", compliance::terminalText(note).c_str());
    if (!parsed->notes.empty())
        std::fprintf(stderr, "searching for: %s\n",
                     compliance::terminalText(parsed->normalized).c_str());
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    compliance::SearchQuery q;
    q.text = a.positional[1];
    q.matter = a.opt("matter");
    q.participant = a.opt("participant");
    bool bad = false;
    q.fromMs = timeOpt(a, "from", false, bad);
    q.toMs = timeOpt(a, "to", true, bad);
    if (bad) return 2;
    if (!a.opt("limit").empty())
        q.limit = std::size_t(std::strtoul(a.opt("limit").c_str(), nullptr, 10));
    // Issue 21: recorded in the firm's access log (with --profile) before anything is shown.
    if (int rc = journalAccess(a, **archive, "search",
                               "query=" + q.text +
                                   scopeText(a, {"matter", "participant", "from", "to"}));
        rc)
        return rc;
    auto hits = (*archive)->search(q);
    if (!hits) return die(hits.error());
    std::map<std::string, std::string> names;
    if (auto people = (*archive)->participants())
        for (auto& p : *people)
            if (!p.name.empty()) names[p.user] = p.name;
    for (const auto& h : *hits) {
        const std::string who = names.count(h.user) ? names[h.user] + " (" + h.user + ")" : h.user;
        if (a.flags.count("json")) {
            using compliance::jsonString; // valid JSON for any bytes (ExportEncoding.h)
            std::printf(
                "{\"sequence\":%llu,\"message_id\":%s,\"conversation\":%s,\"title\":%s,\"user\":%s,"
                "\"time\":\"%s\",\"status\":%s,\"text\":%s}\n",
                (unsigned long long)h.sequence, jsonString(h.messageId).c_str(),
                jsonString(h.conversation).c_str(), jsonString(h.conversationTitle).c_str(),
                jsonString(h.user).c_str(), compliance::isoTime(h.serverTimeMs).c_str(),
                jsonString(h.status).c_str(), jsonString(h.text).c_str());
        } else {
            // One line per hit, whatever the text holds: a line break in a message cannot forge a hit.
            using compliance::terminalText;
            std::printf(
                "%s  seq %llu  %s  %s%s: %s\n", compliance::isoTime(h.serverTimeMs).c_str(),
                (unsigned long long)h.sequence,
                terminalText(h.conversationTitle.empty() ? h.conversation : h.conversationTitle)
                    .c_str(),
                terminalText(who).c_str(), h.status.empty() ? "" : (" [" + h.status + "]").c_str(),
                terminalText(h.text).c_str());
        }
    }
    if (!a.flags.count("json")) std::fprintf(stderr, "%zu hit(s)\n", hits->size());
    return 0;
}

int show(const Args& a) {
    if (a.positional.size() != 2) return usage();
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto conv = (*archive)->resolveConversation(a.positional[1]);
    if (!conv) return die(conv.error());
    if (int rc = journalAccess(a, **archive, "show", "conversation=" + *conv); rc) return rc;
    if (a.flags.count("json")) {
        // The same objects as export --format jsonl.
        char tmpl[] = "/tmp/verbatim-show-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0) return die("cannot create a temporary file");
        ::close(fd);
        compliance::ExportOptions o;
        o.format = "jsonl";
        o.out = tmpl;
        o.matter = *conv;
        auto r = compliance::exportArchive(**archive, o);
        if (r) {
            std::ifstream f(tmpl);
            std::cout << f.rdbuf();
        }
        ::unlink(tmpl);
        return r ? 0 : die(r.error());
    }
    auto events = (*archive)->timeline(*conv);
    if (!events) return die(events.error());
    auto people = (*archive)->participants();
    std::map<std::string, std::string> names;
    if (people)
        for (auto& p : *people)
            names[p.user] = p.name.empty() ? p.user : p.name + " (" + p.user + ")";
    // Every value on one terminal line, control characters visible (ExportEncoding.h).
    auto plain = [](const std::string& s) { return compliance::terminalText(s); };
    auto name = [&](const std::string& u) { return plain(names.count(u) ? names[u] : u); };
    for (const auto& e : *events) {
        std::string t = compliance::isoTime(e.serverTimeMs);
        std::string mark = e.verification == "verified" ? "" : "  !! " + e.verification;
        switch (e.kind) {
        case compliance::TimelineEvent::Kind::Message:
            std::printf("%s  seq %llu  %s: %s%s\n", t.c_str(), (unsigned long long)e.sequence,
                        name(e.user).c_str(), plain(e.originalBody).c_str(), mark.c_str());
            break;
        case compliance::TimelineEvent::Kind::Notice:
            std::printf("%s  seq %llu  * %s accepted the recording notice%s\n", t.c_str(),
                        (unsigned long long)e.sequence, name(e.user).c_str(), mark.c_str());
            break;
        case compliance::TimelineEvent::Kind::Join:
            std::printf("%s  seq %llu  * %s joined by invite%s\n", t.c_str(),
                        (unsigned long long)e.sequence, name(e.user).c_str(), mark.c_str());
            break;
        case compliance::TimelineEvent::Kind::SafetyNumber:
            std::printf("%s  seq %llu  * %s accepted a changed safety number: %s%s\n", t.c_str(),
                        (unsigned long long)e.sequence, name(e.user).c_str(), plain(e.body).c_str(),
                        mark.c_str());
            break;
        case compliance::TimelineEvent::Kind::MismatchReport:
            std::printf("%s  seq %llu  * %s reported a journal mismatch: %s%s\n", t.c_str(),
                        (unsigned long long)e.sequence, name(e.user).c_str(), plain(e.body).c_str(),
                        mark.c_str());
            break;
        case compliance::TimelineEvent::Kind::AttachmentSaved:
            std::printf("%s  seq %llu  * %s %s%s\n", t.c_str(), (unsigned long long)e.sequence,
                        name(e.user).c_str(),
                        plain(compliance::attachmentSavedText(e.body)).c_str(), mark.c_str());
            break;
        }
        for (const auto& att : e.attachments)
            std::printf("      attachment %zu: %s (%llu bytes)%s\n", att.index,
                        plain(att.fileName).c_str(), (unsigned long long)att.size,
                        att.available ? "" : (" not available: " + plain(att.problem)).c_str());
        for (const auto& ed : e.edits)
            std::printf("      edited %s by %s (seq %llu)\n        old: %s\n        new: %s\n",
                        compliance::isoTime(ed.timeMs).c_str(), name(ed.user).c_str(),
                        (unsigned long long)ed.sequence, plain(ed.previous).c_str(),
                        plain(ed.next).c_str());
        if (e.deleted)
            std::printf("      DELETED for everyone %s by %s (seq %llu); original text: %s\n",
                        compliance::isoTime(e.deletedMs).c_str(), name(e.deletedBy).c_str(),
                        (unsigned long long)e.deletedSequence, plain(e.originalBody).c_str());
        for (const auto& r : e.reactions)
            std::printf("      reaction %s by %s\n", plain(r.emoji).c_str(), name(r.user).c_str());
        for (const auto& r : e.refused)
            std::printf("      NOT APPLIED: %s by %s, device %s/%u (seq %llu), %s%s%s\n",
                        r.kind.c_str(), name(r.user).c_str(), plain(r.user).c_str(), r.device,
                        (unsigned long long)r.sequence, r.fault.c_str(),
                        r.fault == "forged-edit" ? ": not the author"
                                                 : ": not a member of the conversation",
                        r.kind == "edit" ? ("; its text: " + plain(r.body)).c_str() : "");
    }
    return 0;
}

int exportCmd(const Args& a) {
    if (a.positional.size() != 1 || a.opt("out").empty()) return usage();
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    compliance::ExportOptions o;
    o.format = a.opt("format").empty() ? "rsmf" : a.opt("format");
    o.out = a.opt("out");
    o.matter = a.opt("matter");
    bool bad = false;
    o.fromMs = timeOpt(a, "from", false, bad);
    o.toMs = timeOpt(a, "to", true, bad);
    if (bad) return 2;
    std::string participant;
    if (!a.opt("participant").empty()) {
        // By user id or display name, as on the app's compliance page; one the archive does not
        // know is refused before anything is journaled or written (a typo would export nothing).
        auto people = (*archive)->participants();
        if (!people) return die(people.error());
        const std::string& who = a.opt("participant");
        for (const auto& p : *people)
            if (p.user == who) participant = p.user;
        auto lower = [](std::string s) {
            for (auto& ch : s)
                ch = char(std::tolower(static_cast<unsigned char>(ch)));
            return s;
        };
        if (participant.empty())
            for (const auto& p : *people)
                if (!p.name.empty() && lower(p.name) == lower(who)) participant = p.user;
        if (participant.empty())
            return refused("export", "no participant \"" + compliance::terminalText(who) +
                                         "\" in the archive; nothing was written");
        o.participant = participant;
    }
    if (int rc = journalAccess(a, **archive, "export",
                               "format=" + o.format + scopeText(a, {"matter"}) +
                                   (participant.empty() ? "" : " participant=" + participant) +
                                   scopeText(a, {"from", "to"}));
        rc)
        return rc;
    auto r = compliance::exportArchive(**archive, o);
    if (!r) return die(r.error());
    for (auto& f : r->files)
        std::printf("%s\n", f.c_str());
    std::fprintf(stderr, "exported %zu event(s) and %zu attachment(s) to %zu file(s)\n", r->events,
                 r->attachments, r->files.size());
    return 0;
}

int conversations(const Args& a) {
    if (a.positional.size() != 1) return usage();
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto list = (*archive)->conversations();
    if (!list) return die(list.error());
    for (auto& c : *list) {
        std::string members;
        for (auto& p : c.participants)
            members += (members.empty() ? "" : ",") + p;
        // Tab-separated: a tab or line break in a title is written as \t or \n.
        std::printf("%s\t%s\t%s\t%llu events\t%s\n", compliance::terminalText(c.id).c_str(),
                    c.matter ? "matter" : "direct", compliance::terminalText(c.title).c_str(),
                    (unsigned long long)c.events, compliance::terminalText(members).c_str());
    }
    return 0;
}

int audit(const Args& a) {
    if (a.positional.size() != 1) return usage();
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto lines = (*archive)->auditTrail();
    if (!lines) return die(lines.error());
    for (auto& l : *lines) {
        if (a.flags.count("json"))
            std::printf(
                "{\"sequence\":%llu,\"time\":\"%s\",\"actor\":%s,\"action\":%s,\"target\":%s,"
                "\"detail\":%s}\n",
                (unsigned long long)l.sequence, compliance::isoTime(l.serverTimeMs).c_str(),
                compliance::jsonString(l.actor).c_str(), compliance::jsonString(l.action).c_str(),
                compliance::jsonString(l.target).c_str(), compliance::jsonString(l.detail).c_str());
        else
            std::printf("%s  seq %llu  %-24s %-22s %s %s\n",
                        compliance::isoTime(l.serverTimeMs).c_str(), (unsigned long long)l.sequence,
                        compliance::terminalText(l.actor).c_str(),
                        compliance::terminalText(l.action).c_str(),
                        compliance::terminalText(l.target).c_str(),
                        compliance::terminalText(l.detail).c_str());
    }
    return 0;
}

} // namespace verbatim::journaltool
