/// @file SupervisionCommands.cpp
/// verbatim-journal's supervision commands (issue 21; README "Supervision"): policy
/// add|add-examples|examples|list|show|disable, alerts, review, sample, report, access-log
/// (main.cpp lists their options).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "client/journal/JournalCli.h"
#include "common/Try.h"
#include "compliance/ExportEncoding.h"
#include "compliance/TimeText.h"

namespace verbatim::journaltool {
namespace {

std::string policyLine(const compliance::Policy& p) {
    using compliance::terminalText;
    std::string scope;
    if (!p.spec.matter.empty()) scope += " matter=" + terminalText(p.spec.matter);
    if (!p.spec.participant.empty()) scope += " participant=" + terminalText(p.spec.participant);
    if (!p.spec.direction.empty()) scope += " direction=" + p.spec.direction;
    return terminalText(p.spec.name) + "  v" + std::to_string(p.version) + "  " +
           (p.spec.enabled ? "enabled" : "disabled") + "  " + p.spec.severity +
           (p.spec.example ? "  [example]" : "") + scope +
           "  query: " + terminalText(p.spec.query) + "  (seq " + std::to_string(p.sequence) +
           " by " + terminalText(p.author) + ", " + compliance::isoTime(p.timeMs) + ")";
}

std::string policyJson(const compliance::Policy& p) {
    using compliance::jsonString;
    return "{\"name\":" + jsonString(p.spec.name) + ",\"version\":" + std::to_string(p.version) +
           ",\"enabled\":" + (p.spec.enabled ? "true" : "false") +
           ",\"example\":" + (p.spec.example ? "true" : "false") +
           ",\"severity\":" + jsonString(p.spec.severity) +
           ",\"query\":" + jsonString(p.spec.query) + ",\"matter\":" + jsonString(p.spec.matter) +
           ",\"participant\":" + jsonString(p.spec.participant) +
           ",\"direction\":" + jsonString(p.spec.direction) +
           ",\"sequence\":" + std::to_string(p.sequence) + ",\"author\":" + jsonString(p.author) +
           ",\"time\":\"" + compliance::isoTime(p.timeMs) + "\"}";
}

std::string alertJson(const compliance::Alert& al) {
    using compliance::jsonString;
    std::string matches = "[";
    for (const auto& m : al.matches) {
        if (matches.size() > 1) matches += ",";
        matches += "{\"text\":" + jsonString(m.text) + ",\"offset\":" + std::to_string(m.offset) +
                   ",\"length\":" + std::to_string(m.length) + "}";
    }
    matches += "]";
    return "{\"id\":\"" + al.id + "\",\"kind\":\"" + al.kind +
           "\",\"policy\":" + jsonString(al.policy) + ",\"version\":" + std::to_string(al.version) +
           ",\"sequence\":" + std::to_string(al.sequence) +
           ",\"part\":" + (al.part < 0 ? std::string("\"message\"") : std::to_string(al.part)) +
           ",\"severity\":\"" + al.severity + "\",\"status\":\"" + al.status +
           "\",\"disposition\":" + jsonString(al.disposition) + ",\"note\":" + jsonString(al.note) +
           ",\"reviewer\":" + jsonString(al.reviewer) +
           ",\"review_sequence\":" + std::to_string(al.reviewSeq) +
           ",\"sample_sequence\":" + std::to_string(al.sourceSeq) +
           ",\"conversation\":" + jsonString(al.conversation) +
           ",\"title\":" + jsonString(al.conversationTitle) + ",\"user\":" + jsonString(al.user) +
           ",\"time\":\"" + compliance::isoTime(al.serverTimeMs) + "\",\"matches\":" + matches +
           ",\"context\":" + jsonString(al.context) + "}";
}

} // namespace

int policyAdd(const Args& a) {
    compliance::PolicySpec spec;
    spec.name = a.opt("name");
    spec.query = a.opt("query");
    spec.matter = a.opt("matter");
    spec.participant = a.opt("participant");
    spec.direction = a.opt("direction");
    if (!a.opt("severity").empty()) spec.severity = a.opt("severity");
    // A query that cannot run is refused before anything is unlocked or journaled.
    auto body = compliance::supervisionPolicyBody(spec);
    if (!body) return refused("policy add", compliance::terminalText(body.error().message));
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto* held = archive->get();
    return journalActions(a, **archive, "policy \"" + compliance::terminalText(spec.name) + "\"",
                          [&](compliance::Supervision&) -> Result<std::vector<std::string>> {
                              // A matter the archive cannot name would make the policy match
                              // nothing: refused before it is journaled.
                              if (!spec.matter.empty())
                                  VERBATIM_TRY(held->resolveConversation(spec.matter));
                              return std::vector<std::string>{*body};
                          });
}

int policyAddExamples(const Args& a) {
    std::vector<std::string> bodies;
    for (const auto& spec : compliance::examplePolicies()) {
        auto body = compliance::supervisionPolicyBody(spec);
        if (!body) return die(body.error());
        bodies.push_back(*body);
    }
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    return journalActions(a, **archive, "an example policy", fixedBodies(bodies));
}

int policyExamples() {
    std::printf("The starter set: EXAMPLES only, to be tuned by the firm (policy add-examples "
                "journals them as they are).\n");
    for (const auto& p : compliance::examplePolicies())
        std::printf("%s  [%s]\n  %s\n", p.name.c_str(), p.severity.c_str(), p.query.c_str());
    return 0;
}

int policyList(const Args& a, bool show) {
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    compliance::Supervision sv(**archive);
    if (auto r = sv.refresh(); !r) return die(r.error());
    auto list = show ? sv.policies(a.positional[1], true) : sv.policies();
    if (!list) return die(list.error());
    for (const auto& p : *list)
        std::printf("%s\n", (a.flags.count("json") ? policyJson(p) : policyLine(p)).c_str());
    if (!a.flags.count("json") && list->empty())
        std::fprintf(stderr, "no policies yet (policy add, or policy add-examples)\n");
    return 0;
}

int policyDisable(const Args& a) {
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    const std::string name = a.positional[1];
    return journalActions(a, **archive,
                          "policy \"" + compliance::terminalText(name) + "\" disabled",
                          [&](compliance::Supervision& sv) -> Result<std::vector<std::string>> {
                              VERBATIM_TRY_LET(latest, sv.policies(name));
                              auto spec = latest->front().spec;
                              if (!spec.enabled)
                                  return fail(ErrorCode::InvalidArgument,
                                              "the policy \"" + name + "\" is disabled already");
                              spec.enabled = false;
                              VERBATIM_TRY_LET(b, compliance::supervisionPolicyBody(spec));
                              return std::vector<std::string>{*b};
                          });
}

int alerts(const Args& a) {
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    compliance::Supervision sv(**archive);
    if (auto r = sv.refresh(); !r) return die(r.error());
    auto list = sv.alerts(a.opt("status"));
    if (!list) return die(list.error());
    using compliance::terminalText;
    for (const auto& al : *list) {
        if (a.flags.count("json")) {
            std::printf("%s\n", alertJson(al).c_str());
            continue;
        }
        // The context with each match between [[ and ]].
        std::string marked;
        std::size_t at = 0;
        for (const auto& m : al.matches) {
            if (m.offset < at) continue;
            marked += al.context.substr(at, m.offset - at) + "[[" + m.text + "]]";
            at = m.offset + m.length;
        }
        marked += al.context.substr(std::min(at, al.context.size()));
        std::printf(
            "%s  %-9s %-6s seq %llu  %s  %s  %s%s: %s\n", al.id.c_str(), al.status.c_str(),
            al.severity.c_str(), (unsigned long long)al.sequence,
            al.kind == "sample"
                ? ("sample (seq " + std::to_string(al.sourceSeq) + ")").c_str()
                : (terminalText(al.policy) + " v" + std::to_string(al.version)).c_str(),
            terminalText(al.conversationTitle.empty() ? al.conversation : al.conversationTitle)
                .c_str(),
            terminalText(al.user).c_str(),
            al.part >= 0 ? (" (attachment " + std::to_string(al.part) + ")").c_str() : "",
            terminalText(marked).c_str());
        if (!al.reviewer.empty())
            std::printf("      last review: %s by %s (seq %llu)%s%s\n", al.status.c_str(),
                        terminalText(al.reviewer).c_str(), (unsigned long long)al.reviewSeq,
                        al.disposition.empty() ? "" : (", " + al.disposition).c_str(),
                        al.note.empty() ? "" : (": " + terminalText(al.note)).c_str());
    }
    if (!a.flags.count("json")) std::fprintf(stderr, "%zu alert(s)\n", list->size());
    return 0;
}

int review(const Args& a) {
    const std::string id = a.positional[1];
    auto body =
        compliance::supervisionReviewBody(id, a.opt("status"), a.opt("disposition"), a.opt("note"));
    if (!body) return refused("review", compliance::terminalText(body.error().message));
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    return journalActions(a, **archive, "the review of alert " + id,
                          [&](compliance::Supervision& sv) -> Result<std::vector<std::string>> {
                              VERBATIM_TRY(sv.alert(id));
                              return std::vector<std::string>{*body};
                          });
}

int sample(const Args& a) {
    compliance::SampleRequest r;
    r.participant = a.opt("participant");
    r.matter = a.opt("matter");
    if (r.participant.empty() == r.matter.empty())
        return refused("sample", "give one of --participant or --matter");
    bool bad = false;
    r.fromMs = timeOpt(a, "from", false, bad);
    r.toMs = timeOpt(a, "to", true, bad);
    if (bad) return 2;
    r.percent = double(std::strtoul(a.opt("percent").c_str(), nullptr, 10));
    if (a.opt("seed").empty()) {
        std::random_device rd;
        r.seed = ((std::uint64_t(rd()) << 32) | rd()) & ((1ULL << 53) - 1);
    } else {
        r.seed = std::strtoull(a.opt("seed").c_str(), nullptr, 10);
    }
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    return journalActions(a, **archive, "the sample",
                          [&](compliance::Supervision& sv) -> Result<std::vector<std::string>> {
                              VERBATIM_TRY_LET(items, sv.drawSample(r));
                              std::printf("sample of %zu entr%s with seed %llu\n", items->size(),
                                          items->size() == 1 ? "y" : "ies",
                                          (unsigned long long)r.seed);
                              VERBATIM_TRY_LET(b, compliance::supervisionSampleBody(r, *items));
                              return std::vector<std::string>{*b};
                          });
}

int report(const Args& a) {
    bool bad = false;
    const std::uint64_t from = timeOpt(a, "from", false, bad), to = timeOpt(a, "to", true, bad);
    if (bad) return 2;
    if (to < from) return refused("report", "--to is before --from");
    const fs::path out = a.opt("out");
    std::error_code ec;
    if (fs::exists(out, ec)) return die("refusing to overwrite " + out.string());
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    if (int rc = journalAccess(a, **archive, "export",
                               "report format=" + a.opt("format") + scopeText(a, {"from", "to"}));
        rc)
        return rc;
    compliance::Supervision sv(**archive);
    if (auto r = sv.refresh(); !r) return die(r.error());
    auto rep = sv.report(from, to);
    if (!rep) return die(rep.error());
    std::string firm;
    const std::string text = a.opt("format") == "csv" ? rep->csv() : rep->html(firm);
    if (auto r = writeNew(out, view(text), 0600); !r) return die(r.error());
    std::size_t people = 0;
    for (const auto& row : rep->rows)
        people += row.kind == "participant";
    std::fprintf(stderr, "wrote %s: %zu participant(s), %zu conversation(s)\n", out.c_str(), people,
                 rep->rows.size() - people);
    return 0;
}

int accessLog(const Args& a) {
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    compliance::Supervision sv(**archive);
    if (auto r = sv.refresh(); !r) return die(r.error());
    auto list = sv.accessLog();
    if (!list) return die(list.error());
    for (const auto& e : *list) {
        if (a.flags.count("json"))
            std::printf("{\"sequence\":%llu,\"time\":\"%s\",\"who\":%s,\"action\":%s,"
                        "\"detail\":%s}\n",
                        (unsigned long long)e.sequence, compliance::isoTime(e.timeMs).c_str(),
                        compliance::jsonString(e.who).c_str(),
                        compliance::jsonString(e.action).c_str(),
                        compliance::jsonString(e.detail).c_str());
        else
            std::printf("%s  seq %llu  %s  %s  %s\n", compliance::isoTime(e.timeMs).c_str(),
                        (unsigned long long)e.sequence, compliance::terminalText(e.who).c_str(),
                        e.action.c_str(), compliance::terminalText(e.detail).c_str());
    }
    return 0;
}

} // namespace verbatim::journaltool
