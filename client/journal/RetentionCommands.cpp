/// @file RetentionCommands.cpp
/// verbatim-journal's legal hold and retention commands (issue 22; README "Retention and legal
/// hold"): hold add|release|list|export, retention set|list, dispose (main.cpp lists their
/// options). Holds, releases, retention overrides and dispositions are SUPERVISION records
/// journaled from the compliance profile's device (Retention.h).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "client/journal/JournalCli.h"
#include "common/Try.h"
#include "compliance/ExportEncoding.h"
#include "compliance/Retention.h"
#include "compliance/TimeText.h"

namespace verbatim::journaltool {
namespace {

using compliance::terminalText;

std::string holdScope(const compliance::Hold& h) {
    if (!h.custodian.empty()) return "custodian " + h.custodian;
    return "matter " + (h.matterTitle.empty() ? h.matter : h.matterTitle + " (" + h.matter + ")");
}

std::string holdLine(const compliance::Hold& h) {
    std::string line = "hold " + std::to_string(h.id) + "  " + (h.open() ? "OPEN" : "released") +
                       "  " + terminalText(holdScope(h)) + "  reason: " + terminalText(h.reason);
    if (!h.reference.empty()) line += "  reference: " + terminalText(h.reference);
    line +=
        "  (placed by " + terminalText(h.placedBy) + ", " + compliance::isoTime(h.placedMs) + ")";
    if (!h.open())
        line += "  released at seq " + std::to_string(h.releasedSeq) + " by " +
                terminalText(h.releasedBy) + ", " + compliance::isoTime(h.releasedMs) + ": " +
                terminalText(h.releaseReason);
    return line;
}

std::string holdJson(const compliance::Hold& h) {
    using compliance::jsonString;
    return "{\"id\":" + std::to_string(h.id) + ",\"open\":" + (h.open() ? "true" : "false") +
           ",\"matter\":" + jsonString(h.matter) + ",\"title\":" + jsonString(h.matterTitle) +
           ",\"custodian\":" + jsonString(h.custodian) + ",\"reason\":" + jsonString(h.reason) +
           ",\"reference\":" + jsonString(h.reference) +
           ",\"placed_by\":" + jsonString(h.placedBy) + ",\"placed\":\"" +
           compliance::isoTime(h.placedMs) +
           "\",\"released_sequence\":" + std::to_string(h.releasedSeq) +
           ",\"released_by\":" + jsonString(h.releasedBy) +
           ",\"release_reason\":" + jsonString(h.releaseReason) + "}";
}

/// The holds after applying what the archive holds (no pull).
Result<std::vector<compliance::Hold>> currentHolds(compliance::Archive& archive) {
    compliance::Supervision sv(archive);
    VERBATIM_TRY(sv.refresh());
    compliance::Retention rt(archive);
    return rt.holds();
}

} // namespace

int holdAdd(const Args& a) {
    const std::string matter = a.opt("matter"), custodian = a.opt("custodian");
    // Checked before anything is unlocked or journaled (the matter id is resolved later).
    auto check = compliance::holdBody(matter.empty() ? std::string() : "x", custodian,
                                      a.opt("reason"), a.opt("reference"));
    if (!check) return refused("hold add", terminalText(check.error().message));
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto* held = archive->get();
    return journalActions(
        a, **archive, "the hold",
        [&](compliance::Supervision&) -> Result<std::vector<std::string>> {
            std::string id;
            if (!matter.empty()) {
                VERBATIM_TRY_LET(resolved, held->resolveConversation(matter));
                id = *resolved;
            } else {
                VERBATIM_TRY_LET(people, held->participants());
                bool known = false;
                for (const auto& p : *people)
                    known = known || p.user == custodian;
                if (!known)
                    return fail(ErrorCode::NotFound, "the archive knows no participant '" +
                                                         custodian + "': nothing was journaled");
            }
            VERBATIM_TRY_LET(
                body, compliance::holdBody(id, custodian, a.opt("reason"), a.opt("reference")));
            return std::vector<std::string>{*body};
        });
}

int holdRelease(const Args& a) {
    const std::uint64_t id = std::strtoull(a.opt("id").c_str(), nullptr, 10);
    auto body = compliance::holdReleaseBody(id, a.opt("reason"));
    if (!body) return refused("hold release", terminalText(body.error().message));
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto* held = archive->get();
    return journalActions(a, **archive, "the release of hold " + std::to_string(id),
                          [&](compliance::Supervision&) -> Result<std::vector<std::string>> {
                              compliance::Retention rt(*held);
                              VERBATIM_TRY_LET(h, rt.hold(id));
                              if (!h->open())
                                  return fail(ErrorCode::InvalidArgument,
                                              "hold " + std::to_string(id) +
                                                  " was released already (seq " +
                                                  std::to_string(h->releasedSeq) + ")");
                              return std::vector<std::string>{*body};
                          });
}

int holdList(const Args& a) {
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto list = currentHolds(**archive);
    if (!list) return die(list.error());
    for (const auto& h : *list)
        std::printf("%s\n", (a.flags.count("json") ? holdJson(h) : holdLine(h)).c_str());
    if (!a.flags.count("json")) {
        std::size_t open = 0;
        for (const auto& h : *list)
            open += h.open();
        std::fprintf(stderr, "%zu hold(s), %zu open\n", list->size(), open);
    }
    return 0;
}

int holdExport(const Args& a) {
    const std::uint64_t id = std::strtoull(a.opt("id").c_str(), nullptr, 10);
    std::vector<std::string> matters;
    {
        auto archive = openArchive(a, a.positional[0], false);
        if (!archive) return die(archive.error());
        auto list = currentHolds(**archive);
        if (!list) return die(list.error());
        const compliance::Hold* hold = nullptr;
        for (const auto& h : *list)
            if (h.id == id) hold = &h;
        if (!hold) return die("no hold " + std::to_string(id) + " (hold list shows them)");
        if (!hold->matter.empty()) {
            matters.push_back(hold->matter);
        } else {
            auto convs = (*archive)->conversations();
            if (!convs) return die(convs.error());
            for (const auto& c : *convs)
                for (const auto& p : c.participants)
                    if (p == hold->custodian) matters.push_back(c.id);
        }
    }
    if (matters.empty()) return die("hold " + std::to_string(id) + " covers no conversation yet");
    // One export per conversation held (Export.cpp), each journaled as an access when --profile.
    const std::string out = a.opt("out");
    for (std::size_t i = 0; i < matters.size(); ++i) {
        Args e = a;
        e.opts["matter"] = matters[i];
        e.opts.erase("id");
        if (matters.size() > 1) {
            const auto dot = out.find_last_of('.');
            const auto slash = out.find_last_of('/');
            const bool ext =
                dot != std::string::npos && (slash == std::string::npos || dot > slash);
            e.opts["out"] = (ext ? out.substr(0, dot) : out) + "-" + std::to_string(i + 1) +
                            (ext ? out.substr(dot) : "");
        }
        if (int rc = exportCmd(e); rc) return rc;
    }
    return 0;
}

int retentionSet(const Args& a) {
    const std::uint32_t years = std::uint32_t(std::strtoul(a.opt("years").c_str(), nullptr, 10));
    auto check = compliance::retentionBody(a.opt("matter"), years);
    if (!check) return refused("retention set", terminalText(check.error().message));
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto* held = archive->get();
    return journalActions(a, **archive, "the retention of " + terminalText(a.opt("matter")),
                          [&](compliance::Supervision&) -> Result<std::vector<std::string>> {
                              VERBATIM_TRY_LET(id, held->resolveConversation(a.opt("matter")));
                              VERBATIM_TRY_LET(body, compliance::retentionBody(*id, years));
                              return std::vector<std::string>{*body};
                          });
}

int retentionList(const Args& a) {
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    compliance::Supervision sv(**archive);
    if (auto r = sv.refresh(); !r) return die(r.error());
    compliance::Retention rt(**archive);
    auto list = rt.overrides();
    if (!list) return die(list.error());
    for (const auto& o : *list)
        std::printf("%s  %u year(s)  (seq %llu by %s, %s)\n", terminalText(o.matter).c_str(),
                    o.years, (unsigned long long)o.sequence, terminalText(o.setBy).c_str(),
                    compliance::isoTime(o.timeMs).c_str());
    auto disp = rt.dispositions();
    if (!disp) return die(disp.error());
    for (const auto& d : *disp)
        std::printf("disposition seq %llu by %s, %s: %llu entr%s in %zu range(s), %s%s\n",
                    (unsigned long long)d.sequence, terminalText(d.by).c_str(),
                    compliance::isoTime(d.timeMs).c_str(), (unsigned long long)d.entries,
                    d.entries == 1 ? "y" : "ies", d.ranges.size(), terminalText(d.basis).c_str(),
                    d.applied ? "" : " (not applied in this archive)");
    return 0;
}

int dispose(const Args& a) {
    bool bad = false;
    const std::uint64_t date = timeOpt(a, "before", false, bad);
    if (bad) return 2;
    const bool byPolicy = a.flags.count("by-policy") > 0;
    if (!date && !byPolicy) return refused("dispose", "--by-policy or --before DATE is required");
    // Only entries past their retention are ever disposed of (Retention.h RetentionRules);
    // --before narrows that to the entries the relay logged before DATE.
    const std::uint64_t before = date ? date : std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t now = std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
    const bool dryRun = a.flags.count("dry-run") > 0;
    if (!dryRun && a.opt("profile").empty())
        return refused("dispose", "--profile DIR is required (the disposition is journaled)");
    // A dry run opens the file read-only: it never migrates or writes it.
    auto archive =
        dryRun ? openArchiveReadOnly(a, a.positional[0]) : openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    const std::string basis =
        date ? "retention, before " + compliance::isoTime(date) : std::string("retention");
    auto show = [&](const compliance::DisposalPlan& p, const char* verb) {
        for (const auto& [matter, counts] : p.perMatter) {
            auto kept = p.perMatterKept.find(matter);
            std::printf("%s  %llu %s, %llu held, %llu within retention\n",
                        terminalText(matter).c_str(), (unsigned long long)counts.first, verb,
                        (unsigned long long)counts.second,
                        (unsigned long long)(kept == p.perMatterKept.end() ? 0 : kept->second));
        }
        std::printf("total: %llu entr%s %s in %zu range(s), %llu held, %llu within retention "
                    "(%s)\n",
                    (unsigned long long)p.entries, p.entries == 1 ? "y" : "ies", verb,
                    p.ranges.size(), (unsigned long long)p.held, (unsigned long long)p.kept,
                    basis.c_str());
    };
    if (dryRun) {
        // Touches nothing: no pull, no record, no change to the archive.
        compliance::Retention rt(**archive);
        auto p = rt.plan(before, now);
        if (!p) return die(p.error());
        show(*p, "to dispose of");
        std::fprintf(stderr, "dry run: nothing was journaled or removed\n");
        return 0;
    }
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    auto first = pullWith(**archive, **officer);
    if (!first) return die("cannot bring the archive up to date: " + first.error().message);
    if (first->rewrittenAt || !first->pendingEpoch.empty())
        return die("the archive is not up to date with the relay: run pull");
    compliance::Retention rt(**archive);
    auto p = rt.plan(before, now);
    if (!p) return die(p.error());
    if (p->entries == 0) {
        show(*p, "to dispose of");
        std::printf("nothing to dispose of\n");
        return 0;
    }
    std::vector<std::uint64_t> records;
    for (const auto& body : compliance::dispositionBodies(*p, basis)) {
        auto seq = journalRecord(**officer, body);
        if (!seq) return die(seq.error());
        std::printf("journaled the disposition at seq %llu\n", (unsigned long long)*seq);
        records.push_back(*seq);
    }
    // The archive removes content only under a record it holds (and verify can check): the pull
    // applies every disposition it brings, these records among them.
    compliance::AppliedDispositions applied;
    auto second = pullWith(**archive, **officer, nullptr, {}, &applied);
    if (!second)
        return die("journaled, but the pull after it stopped (run pull, then dispose again): " +
                   second.error().message);
    compliance::DisposalPlan removed = applied.removed;
    for (const auto& [seq, why] : applied.refused)
        std::fprintf(stderr, "verbatim-journal: disposition #%llu not applied: %s\n",
                     (unsigned long long)seq, why.c_str());
    for (auto seq : records) {
        auto r = rt.apply(seq);
        if (!r) return die(r.error());
        removed.entries += r->entries;
        removed.held += r->held;
        removed.ranges.insert(removed.ranges.end(), r->ranges.begin(), r->ranges.end());
    }
    std::printf("disposed of %llu entr%s in %zu range(s); %llu kept under a hold placed since\n",
                (unsigned long long)removed.entries, removed.entries == 1 ? "y" : "ies",
                removed.ranges.size(), (unsigned long long)removed.held);
    return 0;
}

} // namespace verbatim::journaltool
