// verbatim-journal: the compliance tool (DESIGN.md section 7, README "Compliance").
//
//   verbatim-journal keygen --out DIR
//   verbatim-journal pull   --profile DIR --archive FILE --key KEY [--relay HOST:PORT]
//   verbatim-journal verify FILE --key KEY [--json]
//   verbatim-journal search FILE QUERY --key KEY [--matter M] [--participant USER] [--from D] [--to D]
//   verbatim-journal show   FILE CONVERSATION --key KEY
//   verbatim-journal export FILE --format rsmf|eml|jsonl --out PATH --key KEY [--matter M] [--participant USER] [--from D] [--to D]
//   verbatim-journal conversations FILE --key KEY
//   verbatim-journal audit  FILE --key KEY
//
// Retention (issue 22; README "Retention and legal hold"): hold add|release|list|export,
// retention set|list, dispose.
//
// Supervision (issue 21; README "Supervision"): policy add|add-examples|examples|list|show|
// disable, alerts, review, sample, access-log, report. The commands that record an action (and
// search, show and export given --profile) append a SUPERVISION record to the journal from the
// compliance profile's device before they act or show anything.
//
// keygen writes DIR/journal.pub (64 hex digits: give it to `verbatim-relay init --journal-key`)
// and DIR/journal.key (the private key sealed under the passphrase: scrypt + AES-256-GCM; never
// written in clear). Every other command unlocks KEY (several, comma-separated, after a key
// rotation) with the passphrase from --passphrase-file, VERBATIM_PASSPHRASE or a prompt. The
// compliance profile's passphrase comes from --profile-passphrase-file or
// VERBATIM_PROFILE_PASSPHRASE, else the same source.
//
// Exit codes: 0 done (verify: everything holds), 1 error, 2 usage, 3 verify found problems (pull:
// the relay rewrote history the archive already holds; nothing was pulled).
//
// main.cpp holds the command table and the dispatch; JournalCli.h what the commands share,
// ArchiveCommands.cpp and SupervisionCommands.cpp the commands.

#include <cstdio>
#include <cstdlib>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "client/journal/JournalCli.h"
#include "common/CommandLine.h"
#include "common/Log.h"
#include "compliance/TimeText.h"

using namespace verbatim;
using namespace verbatim::journaltool;

namespace {

/// Every command, its options and arguments (docs: README "Compliance").
const cmdline::CommandLine& commandLine() {
    using cmdline::Option;
    using cmdline::Positional;
    static const cmdline::Check date = [](const std::string& v) -> std::string {
        return compliance::parseTime(v, false)
                   ? ""
                   : "not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z): '" + v + "'";
    };
    static const Option key = Option::value("key", "KEY").required(),
                        pass = Option::value("passphrase-file", "FILE"),
                        json = Option::flag("json");
    // The compliance device that journals an action (issue 21) and its passphrase file.
    static const Option profile = Option::value("profile", "DIR"),
                        profilePass = Option::value("profile-passphrase-file", "FILE");
    static const cmdline::CommandLine cl(
        "verbatim-journal",
        {
            {"keygen",
             "  verbatim-journal keygen --out DIR\n",
             {Option::value("out", "DIR").required(), pass}},
            {"pull",
             "  verbatim-journal pull   --profile DIR --archive FILE --key KEY [--relay "
             "HOST:PORT] [--accept-restore EPOCH]\n"
             "                          [--from-pruned-boundary [--boundary-snapshot FILE]\n"
             "                          [--cosigner USER/DEVICE:KEY]... [--trust-relay-prefix]]\n"
             "    Exit 3: the relay rewrote the history the archive holds. Exit 4: the relay "
             "announces a\n"
             "    restore from a backup; pull lists what it would supersede and follows it only "
             "when run\n"
             "    again with --accept-restore EPOCH (the 32 hex digits it printed).\n"
             "    --from-pruned-boundary: a NEW archive starting at the relay's pruned boundary, "
             "from its\n"
             "    signed boundary snapshot (or FILE from boundary-snapshot); refused, and the new "
             "file\n"
             "    removed, when the snapshot does not hold (README \"Relay journal pruning\"), "
             "or when no\n"
             "    acknowledgement of this device or of a --cosigner (another compliance device "
             "and the\n"
             "    identity key its own pull printed) co-signs the chain through the boundary;\n"
             "    --trust-relay-prefix starts it anyway, and verify then warns on every run.\n",
             {Option::value("profile", "DIR").required(),
              Option::value("archive", "FILE").required(), key, Option::value("relay", "HOST:PORT"),
              pass, Option::value("profile-passphrase-file", "FILE"),
              Option::value("accept-restore", "EPOCH"), Option::flag("from-pruned-boundary"),
              Option::value("boundary-snapshot", "FILE"),
              Option::value("cosigner", "USER/DEVICE:KEY").repeatable(),
              Option::flag("trust-relay-prefix")}},
            {"boundary-snapshot",
             "  verbatim-journal boundary-snapshot --profile DIR --out FILE\n"
             "    Saves the relay's signed boundary snapshot (issue 22) for pull "
             "--from-pruned-boundary.\n",
             {profile.required(), profilePass, Option::value("out", "FILE").required(),
              Option::value("relay", "HOST:PORT"), pass}},
            {"verify",
             "  verbatim-journal verify FILE --key KEY [--json] [--restore-interval-hours H] "
             "[--restore-rollback-hours H]\n"
             "    A relay restore the archive followed is flagged (restore-suspicious) when it "
             "came less than\n"
             "    H hours after the previous one (default 168) or lost more than H hours of the "
             "history the\n"
             "    archive had pulled (default 48); 0 turns a check off.\n",
             {key, pass, json,
              Option::value("restore-interval-hours", "H").checked(cmdline::number(0, 100000)),
              Option::value("restore-rollback-hours", "H").checked(cmdline::number(0, 100000))},
             {Positional::required("FILE")}},
            {"search",
             "  verbatim-journal search FILE QUERY --key KEY [--matter M] [--participant USER] "
             "[--from DATE] [--to DATE]\n"
             "                          [--limit N] [--json]\n"
             "    QUERY (README \"The search language\"): words, all of which must occur (case and "
             "accents\n"
             "    ignored); \"a phrase\"; AND, OR, NOT (upper case: contract NOT draft); a w/5 b "
             "(within 5\n"
             "    words, NEAR/5 too); prefix*; ( ). w/N binds tightest, then NOT, AND, OR. "
             "Anything else is\n"
             "    text: 12-34-56, O'Brien and non-disclosure find those parts in sequence; an "
             "unmatched\n"
             "    quote or parenthesis, or an operator with nothing on one side, is a word (a note "
             "says so).\n",
             {key, pass, json, Option::value("matter", "M"), Option::value("participant", "USER"),
              Option::value("from", "DATE").checked(date),
              Option::value("to", "DATE").checked(date),
              Option::value("limit", "N").checked(cmdline::number(1, 1000000)), profile,
              profilePass},
             {Positional::required("FILE"), Positional::required("QUERY")}},
            {"show",
             "  verbatim-journal show   FILE CONVERSATION --key KEY [--json] [--profile DIR]\n",
             {key, pass, json, profile, profilePass},
             {Positional::required("FILE"), Positional::required("CONVERSATION")}},
            {"export",
             "  verbatim-journal export FILE --format rsmf|eml|jsonl|csv --out PATH --key KEY "
             "[--matter M]\n"
             "                          [--participant USER] [--from DATE] [--to DATE]\n"
             "    --participant: only what USER (user id or display name) sent or received; a "
             "name the\n"
             "    archive does not know is refused before anything is written.\n",
             {key, pass,
              Option::value("format", "FORMAT")
                  .checked(cmdline::oneOf({"rsmf", "eml", "jsonl", "csv"})),
              Option::value("out", "PATH").required(), Option::value("matter", "M"),
              Option::value("participant", "USER"), Option::value("from", "DATE").checked(date),
              Option::value("to", "DATE").checked(date), profile, profilePass},
             {Positional::required("FILE")}},
            {"ack",
             "  verbatim-journal ack FILE --profile DIR --key KEY\n"
             "    Pulls, verifies, and only when the archive is clean sends the relay this "
             "compliance device's\n"
             "    signed acknowledgement of its head with the ranges under legal hold: the relay "
             "prunes only\n"
             "    what every compliance archive acknowledged (README \"Relay journal pruning\").\n",
             {key, pass, profile.required(), profilePass, Option::value("relay", "HOST:PORT")},
             {Positional::required("FILE")}},
            {"conversations",
             "  verbatim-journal conversations FILE --key KEY\n",
             {key, pass},
             {Positional::required("FILE")}},
            {"audit",
             "  verbatim-journal audit  FILE --key KEY [--json]\n",
             {key, pass, json},
             {Positional::required("FILE")}},
            {"policy", "", {}, {}, false},
            {"policy add",
             "  verbatim-journal policy add FILE --profile DIR --key KEY --name NAME --query "
             "QUERY\n"
             "                          [--matter M] [--participant USER] [--direction "
             "to-clients|internal]\n"
             "                          [--severity low|medium|high]\n",
             {key, pass, profile.required(), profilePass, Option::value("name", "NAME").required(),
              Option::value("query", "QUERY").required(), Option::value("matter", "M"),
              Option::value("participant", "USER"),
              Option::value("direction", "D").checked(cmdline::oneOf({"to-clients", "internal"})),
              Option::value("severity", "S").checked(cmdline::oneOf({"low", "medium", "high"}))},
             {Positional::required("FILE")}},
            {"policy add-examples",
             "  verbatim-journal policy add-examples FILE --profile DIR --key KEY\n",
             {key, pass, profile.required(), profilePass},
             {Positional::required("FILE")}},
            {"policy examples", "  verbatim-journal policy examples\n"},
            {"policy list",
             "  verbatim-journal policy list FILE --key KEY [--json]\n",
             {key, pass, json},
             {Positional::required("FILE")}},
            {"policy show",
             "  verbatim-journal policy show FILE NAME --key KEY [--json]\n",
             {key, pass, json},
             {Positional::required("FILE"), Positional::required("NAME")}},
            {"policy disable",
             "  verbatim-journal policy disable FILE NAME --profile DIR --key KEY\n",
             {key, pass, profile.required(), profilePass},
             {Positional::required("FILE"), Positional::required("NAME")}},
            {"alerts",
             "  verbatim-journal alerts FILE --key KEY [--status open|in-review|escalated|closed] "
             "[--json]\n",
             {key, pass, json,
              Option::value("status", "S")
                  .checked(cmdline::oneOf({"open", "in-review", "escalated", "closed"}))},
             {Positional::required("FILE")}},
            {"review",
             "  verbatim-journal review FILE ALERT_ID --profile DIR --key KEY --status "
             "in-review|escalated|closed\n"
             "                          [--disposition no-issue|breach|training|referred] [--note "
             "TEXT]\n",
             {key, pass, profile.required(), profilePass,
              Option::value("status", "S")
                  .required()
                  .checked(cmdline::oneOf({"in-review", "escalated", "closed"})),
              Option::value("disposition", "D")
                  .checked(cmdline::oneOf({"no-issue", "breach", "training", "referred"})),
              Option::value("note", "TEXT")},
             {Positional::required("FILE"), Positional::required("ALERT_ID")}},
            {"sample",
             "  verbatim-journal sample FILE --profile DIR --key KEY --participant USER|--matter M "
             "--from DATE --to DATE\n"
             "                          --percent P [--seed N]\n",
             {key, pass, profile.required(), profilePass, Option::value("participant", "USER"),
              Option::value("matter", "M"), Option::value("from", "DATE").required().checked(date),
              Option::value("to", "DATE").required().checked(date),
              Option::value("percent", "P").required().checked(cmdline::number(1, 100)),
              Option::value("seed", "N").checked(cmdline::number(0, 9007199254740991LL))},
             {Positional::required("FILE")}},
            {"report",
             "  verbatim-journal report FILE --key KEY --from DATE --to DATE --format csv|html "
             "--out "
             "PATH [--profile DIR]\n",
             {key, pass, profile, profilePass,
              Option::value("from", "DATE").required().checked(date),
              Option::value("to", "DATE").required().checked(date),
              Option::value("format", "FORMAT").required().checked(cmdline::oneOf({"csv", "html"})),
              Option::value("out", "PATH").required()},
             {Positional::required("FILE")}},
            {"access-log",
             "  verbatim-journal access-log FILE --key KEY [--json]\n",
             {key, pass, json},
             {Positional::required("FILE")}},
            // Issue 22: legal hold, retention, disposal (README "Retention and legal hold").
            {"hold", "", {}, {}, false},
            {"hold add",
             "  verbatim-journal hold add FILE --profile DIR --key KEY --matter M|--custodian USER "
             "--reason TEXT\n"
             "                          [--reference REF]\n"
             "    Entries of the matter, or that the custodian sent or received, are never "
             "disposed of until\n"
             "    the hold is released. The hold is journaled; its id is its sequence.\n",
             {key, pass, profile.required(), profilePass, Option::value("matter", "M"),
              Option::value("custodian", "USER"), Option::value("reason", "TEXT").required(),
              Option::value("reference", "REF")},
             {Positional::required("FILE")}},
            {"hold release",
             "  verbatim-journal hold release FILE --profile DIR --key KEY --id ID --reason TEXT\n",
             {key, pass, profile.required(), profilePass,
              Option::value("id", "ID").required().checked(cmdline::number(1, 9007199254740991LL)),
              Option::value("reason", "TEXT").required()},
             {Positional::required("FILE")}},
            {"hold list",
             "  verbatim-journal hold list FILE --key KEY [--json]\n",
             {key, pass, json},
             {Positional::required("FILE")}},
            {"hold export",
             "  verbatim-journal hold export FILE --id ID --format rsmf|eml|jsonl|csv --out PATH "
             "--key KEY [--profile DIR]\n"
             "    Everything the hold covers (a custodian's conversations: one file each, "
             "PATH-1, PATH-2...).\n",
             {key, pass,
              Option::value("id", "ID").required().checked(cmdline::number(1, 9007199254740991LL)),
              Option::value("format", "FORMAT")
                  .checked(cmdline::oneOf({"rsmf", "eml", "jsonl", "csv"})),
              Option::value("out", "PATH").required(), profile, profilePass},
             {Positional::required("FILE")}},
            {"retention", "", {}, {}, false},
            {"retention set",
             "  verbatim-journal retention set FILE --profile DIR --key KEY --matter M --years N\n"
             "    A matter's own retention period (0: keep forever), journaled.\n",
             {key, pass, profile.required(), profilePass, Option::value("matter", "M").required(),
              Option::value("years", "N").required().checked(cmdline::number(0, 100))},
             {Positional::required("FILE")}},
            {"retention list",
             "  verbatim-journal retention list FILE --key KEY\n",
             {key, pass},
             {Positional::required("FILE")}},
            {"dispose",
             "  verbatim-journal dispose FILE --profile DIR --key KEY --by-policy|--before DATE "
             "[--dry-run]\n"
             "    Removes the content of conversation entries past their retention (a matter: "
             "years after it\n"
             "    closed, `retention set` or the firm policy; a direct conversation: years after "
             "each message)\n"
             "    that no open hold covers; --before DATE keeps only those logged before DATE. A "
             "disposition\n"
             "    record naming their sequence ranges and chain hashes is journaled first (verify "
             "then reports\n"
             "    them as disposed). --dry-run counts them per matter and changes nothing.\n",
             {key, pass, profile, profilePass, Option::value("before", "DATE").checked(date),
              Option::flag("by-policy"), Option::flag("dry-run")},
             {Positional::required("FILE")}},
        },
        "KEY: journal.key files, comma-separated (every epoch after a rotation). DATE: YYYY-MM-DD "
        "or\n"
        "YYYY-MM-DDTHH:MM[:SS]Z. The journal key passphrase comes from --passphrase-file,\n"
        "VERBATIM_PASSPHRASE or a prompt; the profile's from --profile-passphrase-file,\n"
        "VERBATIM_PROFILE_PASSPHRASE or the same source. Exit 3: verify found problems, or pull\n"
        "refused a relay that rewrote history the archive already holds.\n"
        "An option's value is the next argument or follows '=' (--key=KEY); -- ends the options.\n"
        "An unknown option, a missing or malformed value or a stray argument is refused (exit 2)\n"
        "before anything is read or written. COMMAND --help shows one command.\n");
    return cl;
}

/// The parsed line in the shape the commands read: the arguments after the command, each
/// option's value, and the options given (for flags).
Args toArgs(const cmdline::Parsed& p) {
    Args a;
    a.positional = p.positionals;
    for (const auto& [name, values] : p.options) {
        a.opts[name] = values.back();
        a.lists[name] = values;
        a.flags.insert(name);
    }
    return a;
}

} // namespace

namespace verbatim::journaltool {

/// The whole usage on stderr, exit code 2 (a command line parse refused gets its own usage).
int usage() {
    std::fputs(commandLine().usage().c_str(), stderr);
    return cmdline::kExitUsage;
}

} // namespace verbatim::journaltool

int main(int argc, char** argv) {
    prctl(PR_SET_DUMPABLE, 0);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    if (!std::getenv("VERBATIM_LOG")) log::setLevel(log::Level::Warn);
    // Refused before anything happens: an unknown option, a bad value, a stray argument.
    int exitCode = 0;
    auto parsed = commandLine().parseOrReport(argc, argv, exitCode);
    if (!parsed) return exitCode;
    const std::string cmd = parsed->words.front();
    Args a = toArgs(*parsed);
    if (cmd == "keygen") return a.positional.empty() ? keygen(a.opts) : usage();
    if (cmd == "pull" && a.flags.count("boundary-snapshot") &&
        !a.flags.count("from-pruned-boundary"))
        return refused("pull", "--boundary-snapshot goes with --from-pruned-boundary");
    if (cmd == "pull" && (a.flags.count("cosigner") || a.flags.count("trust-relay-prefix")) &&
        !a.flags.count("from-pruned-boundary"))
        return refused("pull",
                       "--cosigner and --trust-relay-prefix go with --from-pruned-boundary");
    if (cmd == "pull") return a.flags.count("from-pruned-boundary") ? pullFromBoundary(a) : pull(a);
    if (cmd == "boundary-snapshot") return boundarySnapshot(a);
    if (cmd == "verify") return verify(a);
    if (cmd == "search") return search(a);
    if (cmd == "show") return show(a);
    if (cmd == "export") return exportCmd(a);
    if (cmd == "conversations") return conversations(a);
    if (cmd == "audit") return audit(a);
    if (cmd == "ack") return ack(a);
    if (cmd == "policy") {
        const std::string sub = parsed->words.size() > 1 ? parsed->words[1] : "";
        if (sub == "add") return policyAdd(a);
        if (sub == "add-examples") return policyAddExamples(a);
        if (sub == "examples") return policyExamples();
        if (sub == "list") return policyList(a, false);
        if (sub == "show") return policyList(a, true);
        if (sub == "disable") return policyDisable(a);
    }
    if (cmd == "alerts") return alerts(a);
    if (cmd == "review") return review(a);
    if (cmd == "sample") return sample(a);
    if (cmd == "access-log") return accessLog(a);
    if (cmd == "report") return report(a);
    if (cmd == "hold") {
        const std::string sub = parsed->words.size() > 1 ? parsed->words[1] : "";
        if (sub == "add") return holdAdd(a);
        if (sub == "release") return holdRelease(a);
        if (sub == "list") return holdList(a);
        if (sub == "export") return holdExport(a);
    }
    if (cmd == "retention") {
        const std::string sub = parsed->words.size() > 1 ? parsed->words[1] : "";
        if (sub == "set") return retentionSet(a);
        if (sub == "list") return retentionList(a);
    }
    if (cmd == "dispose") return dispose(a);
    return usage();
}
