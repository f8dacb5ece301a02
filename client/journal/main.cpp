// verbatim-journal: the compliance tool (DESIGN.md section 7, README "Compliance").
//
//   verbatim-journal keygen --out DIR
//   verbatim-journal pull   --profile DIR --archive FILE --key KEY [--relay HOST:PORT]
//   verbatim-journal verify FILE --key KEY [--json]
//   verbatim-journal search FILE QUERY --key KEY [--matter M] [--participant USER] [--from D] [--to D]
//   verbatim-journal show   FILE CONVERSATION --key KEY
//   verbatim-journal export FILE --format rsmf|eml|jsonl --out PATH --key KEY [--matter M] [--from D] [--to D]
//   verbatim-journal conversations FILE --key KEY
//   verbatim-journal audit  FILE --key KEY
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

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

#include "client/core/Client.h"
#include "common/CommandLine.h"
#include "common/Json.h"
#include "common/Log.h"
#include "common/Passphrase.h"
#include "common/Try.h"
#include "compliance/Archive.h"
#include "compliance/Export.h"
#include "compliance/ExportEncoding.h"
#include "compliance/SearchParser.h"
#include "compliance/Supervision.h"
#include "crypto/PassphraseBox.h"
#include "crypto/X25519.h"
#include "journal/FirmManifest.h"

using namespace verbatim;
namespace fs = std::filesystem;

namespace {

const cmdline::CommandLine& commandLine();

/// The whole usage on stderr, exit code 2 (a command line parse refused gets its own usage).
int usage() {
    std::fputs(commandLine().usage().c_str(), stderr);
    return cmdline::kExitUsage;
}

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> opts;
    std::set<std::string> flags;
    std::string opt(const std::string& k) const {
        auto it = opts.find(k);
        return it == opts.end() ? std::string() : it->second;
    }
};

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
             "HOST:PORT]\n",
             {Option::value("profile", "DIR").required(),
              Option::value("archive", "FILE").required(), key, Option::value("relay", "HOST:PORT"),
              pass, Option::value("profile-passphrase-file", "FILE")}},
            {"verify",
             "  verbatim-journal verify FILE --key KEY [--json]\n",
             {key, pass, json},
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
             "                          [--from DATE] [--to DATE]\n",
             {key, pass,
              Option::value("format", "FORMAT")
                  .checked(cmdline::oneOf({"rsmf", "eml", "jsonl", "csv"})),
              Option::value("out", "PATH").required(), Option::value("matter", "M"),
              Option::value("from", "DATE").checked(date),
              Option::value("to", "DATE").checked(date), profile, profilePass},
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
        a.flags.insert(name);
    }
    return a;
}

int die(const std::string& message) {
    std::fprintf(stderr, "verbatim-journal: %s\n", message.c_str());
    return 1;
}
int die(const Error& e);

Result<std::string> passphrase(const std::map<std::string, std::string>& opts, bool confirm) {
    auto it = opts.find("passphrase-file");
    return readPassphrase(it == opts.end() ? std::string() : it->second,
                          "Passphrase for the journal key: ", confirm);
}

/// Unlocks every journal key file named in --key (comma-separated).
Result<std::vector<crypto::X25519Key>> unlockKeys(const Args& a) {
    std::string list = a.opt("key");
    if (list.empty())
        return fail(ErrorCode::InvalidArgument, "--key KEY is required (the journal.key file)");
    auto pass = passphrase(a.opts, false);
    if (!pass) return tl::unexpected(pass.error());
    std::vector<crypto::X25519Key> keys;
    for (std::size_t i = 0; i <= list.size();) {
        auto j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        std::string path = list.substr(i, j - i);
        i = j + 1;
        if (path.empty()) continue;
        std::ifstream f(path, std::ios::binary);
        if (!f) return fail(ErrorCode::NotFound, "cannot read the journal key file " + path);
        std::string box((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        auto priv = crypto::passphraseOpen(view(box), view(*pass));
        if (!priv)
            return fail(ErrorCode::WrongKey,
                        "cannot unlock " + path + ": wrong passphrase, or not a journal key file");
        auto key = crypto::X25519Key::fromPrivate(*priv);
        if (!key) return tl::unexpected(key.error());
        keys.push_back(std::move(*key));
    }
    if (keys.empty()) return fail(ErrorCode::InvalidArgument, "--key names no file");
    return keys;
}

Result<std::unique_ptr<compliance::Archive>> openArchive(const Args& a, const std::string& path,
                                                         bool create) {
    if (path.empty()) return fail(ErrorCode::InvalidArgument, "no archive given");
    if (!create && !fs::exists(path))
        return fail(ErrorCode::NotFound, "no archive at " + path + " (pull first)");
    auto keys = unlockKeys(a);
    if (!keys) return tl::unexpected(keys.error());
    return compliance::Archive::open(path, std::move(*keys), create);
}

int die(const Error& e) {
    return die(e.message);
}

std::uint64_t timeOpt(const Args& a, const char* name, bool endOfDay, bool& bad) {
    std::string v = a.opt(name);
    if (v.empty()) return 0;
    auto t = compliance::parseTime(v, endOfDay);
    if (!t) {
        std::fprintf(stderr,
                     "verbatim-journal: --%s: not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z)\n",
                     name);
        bad = true;
        return 0;
    }
    return *t;
}

int journalAccess(const Args& a, compliance::Archive& archive, const std::string& action,
                  const std::string& detail);

/// " name=value" for each of `names` given, for an access record's detail.
std::string scopeText(const Args& a, std::initializer_list<const char*> names) {
    std::string out;
    for (const char* n : names)
        if (!a.opt(n).empty()) out += std::string(" ") + n + "=" + a.opt(n);
    return out;
}

Result<void> writeNew(const fs::path& p, ByteView data, mode_t mode) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot create " + p.string());
    bool ok = ::write(fd, data.data(), data.size()) == ssize_t(data.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        ::unlink(p.c_str());
        return fail(ErrorCode::Storage, "cannot write " + p.string());
    }
    return {};
}

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

/// The compliance profile's device: opened with its passphrase and connected, the outcome of its
/// sends recorded (the tool acts only once the relay has stored what it journals).
struct Officer {
    std::unique_ptr<client::Client> client;
    std::mutex mutex;
    std::condition_variable cv;
    std::map<std::string, std::string> outcomes; ///< message id -> "sent N" or why it failed
    ~Officer() {
        if (!client) return;
        client->setEventHandler({});
        client->stop();
    }
};

Result<std::unique_ptr<Officer>> openOfficer(const Args& a) {
    const std::string profile = a.opt("profile");
    if (profile.empty()) return fail(ErrorCode::InvalidArgument, "--profile DIR is required");
    std::string profilePassFile = a.opt("profile-passphrase-file");
    Result<std::string> profilePass =
        !profilePassFile.empty() || std::getenv("VERBATIM_PROFILE_PASSPHRASE")
            ? readPassphrase(profilePassFile, "Passphrase for the compliance profile: ", false,
                             "VERBATIM_PROFILE_PASSPHRASE")
            : passphrase(a.opts, false);
    if (!profilePass) return tl::unexpected(profilePass.error());
    auto c = client::Client::open(profile, *profilePass);
    if (!c) return fail(c.error().code, "cannot open the compliance profile: " + c.error().message);
    auto o = std::make_unique<Officer>();
    o->client = std::move(*c);
    auto* raw = o.get();
    o->client->setEventHandler([raw](const client::Event& e) {
        if (e.kind != client::Event::Kind::Sent && e.kind != client::Event::Kind::SendFailed)
            return;
        std::lock_guard lock(raw->mutex);
        raw->outcomes[e.messageId] = e.kind == client::Event::Kind::Sent
                                         ? "sent " + e.detail
                                         : "refused: " + (e.detail.empty() ? e.text : e.detail);
        raw->cv.notify_all();
    });
    const auto account = o->client->account();
    if (!a.opt("relay").empty() && a.opt("relay") != account.relay)
        return fail(ErrorCode::InvalidArgument, "the profile belongs to the relay " +
                                                    account.relay + ", not " + a.opt("relay"));
    o->client->start();
    for (int i = 0; i < 200 && !o->client->isConnected(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!o->client->isConnected())
        return fail(ErrorCode::Storage, "cannot reach the relay " + account.relay);
    return o;
}

/// Appends `body` to the journal as a SUPERVISION record from the officer's device and waits
/// until the relay has stored it; returns its journal sequence.
Result<std::uint64_t> journalRecord(Officer& o, const std::string& body) {
    auto conv = o.client->resolveConversation(compliance::kReviewConversationTitle);
    if (!conv) {
        (void)o.client->waitUntilSynced(std::chrono::seconds(20));
        conv = o.client->resolveConversation(compliance::kReviewConversationTitle);
    }
    if (!conv)
        return fail(ErrorCode::NotFound,
                    std::string("this compliance device is not a member of the conversation \"") +
                        compliance::kReviewConversationTitle +
                        "\", where compliance journals its actions: an administrator creates it "
                        "with every compliance officer (README \"Supervision\"); nothing was "
                        "done");
    auto id = o.client->sendSupervisionRecord(*conv, body);
    if (!id) return tl::unexpected(id.error());
    std::unique_lock lock(o.mutex);
    if (!o.cv.wait_for(lock, std::chrono::seconds(60), [&] { return o.outcomes.count(*id) > 0; }))
        return fail(ErrorCode::Storage,
                    "the relay did not store the record within 60 s (it stays queued in the "
                    "profile and is sent at its next connection); nothing was done");
    const std::string outcome = o.outcomes[*id];
    if (outcome.rfind("sent journal_sequence=", 0) != 0)
        return fail(ErrorCode::Storage, "the relay " + outcome + "; nothing was done");
    return std::uint64_t(std::strtoull(outcome.c_str() + 22, nullptr, 10));
}

/// Pulls everything new into `archive` through the officer's device, then applies the new
/// supervision records and runs the policies.
Result<compliance::PullStats> pullWith(compliance::Archive& archive, Officer& o,
                                       compliance::RefreshStats* refreshed = nullptr) {
    auto manifest = o.client->firmManifest();
    if (!manifest) return tl::unexpected(manifest.error());
    if (auto r = archive.setManifest(view(*manifest), o.client->account().firmFingerprint); !r)
        return tl::unexpected(r.error());
    auto* c = o.client.get();
    const bool tty = isatty(STDERR_FILENO);
    auto stats = archive.pull(
        [c](std::uint64_t after, std::uint32_t limit) { return c->pullJournalPage(after, limit); },
        [c](const std::string& id, std::uint64_t max) { return c->fetchBlob(id, max); },
        [tty](std::uint64_t stored, std::uint64_t head) {
            if (tty)
                std::fprintf(stderr, "\rpulled %llu (relay head %llu)", (unsigned long long)stored,
                             (unsigned long long)head);
        });
    if (tty) std::fputs("\n", stderr);
    if (!stats) return stats;
    if (stats->rewrittenAt) return stats;
    compliance::Supervision sv(archive);
    auto r = sv.refresh();
    if (!r) return tl::unexpected(r.error());
    if (refreshed) *refreshed = *r;
    return stats;
}

int pull(const Args& a) {
    const std::string profile = a.opt("profile"), archivePath = a.opt("archive");
    if (profile.empty() || archivePath.empty()) return usage();
    auto archive = openArchive(a, archivePath, true);
    if (!archive) return die(archive.error());
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    compliance::RefreshStats sv;
    auto stats = pullWith(**archive, **officer, &sv);
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
    std::printf("pulled %llu new entries (%llu attachments) up to seq %llu in %.1f s; %zu new "
                "problem(s)%s\n",
                (unsigned long long)stats->entries, (unsigned long long)stats->attachments,
                (unsigned long long)stats->headSequence, stats->seconds, stats->newProblems,
                stats->newProblems ? ": run verify" : "");
    if (sv.newAlerts || sv.records || sv.refused)
        std::printf("supervision: %zu new alert(s), %zu record(s) applied, %zu refused%s\n",
                    sv.newAlerts, sv.records, sv.refused, sv.refused ? ": run verify" : "");
    return 0;
}

int verify(const Args& a) {
    if (a.positional.size() != 1) return usage();
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto report = (*archive)->verify();
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
    if (!parsed) {
        std::fprintf(stderr, "verbatim-journal: search: %s\n", parsed.error().message.c_str());
        return 2;
    }
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
    if (int rc = journalAccess(a, **archive, "export",
                               "format=" + o.format + scopeText(a, {"matter", "from", "to"}));
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

/// Brings the archive up to date through the officer's device, asks `make` for the SUPERVISION
/// records to journal (it may refuse: an unknown alert id), journals them from the device in
/// order, then pulls again so that this archive shows them. Prints what was journaled.
using MakeBodies = std::function<Result<std::vector<std::string>>(compliance::Supervision&)>;
int journalActions(const Args& a, compliance::Archive& archive, const std::string& what,
                   const MakeBodies& make) {
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    auto first = pullWith(archive, **officer);
    if (!first) return die("cannot bring the archive up to date: " + first.error().message);
    if (first->rewrittenAt) return die("the relay rewrote history this archive holds: run pull");
    compliance::Supervision sv(archive);
    auto bodies = make(sv);
    if (!bodies) return die(bodies.error());
    for (const auto& body : *bodies) {
        auto seq = journalRecord(**officer, body);
        if (!seq) return die(seq.error());
        std::printf("journaled %s at seq %llu\n", what.c_str(), (unsigned long long)*seq);
    }
    auto second = pullWith(archive, **officer);
    if (!second)
        return die("journaled, but the pull after it stopped (run pull): " +
                   second.error().message);
    return 0;
}
MakeBodies fixedBodies(std::vector<std::string> bodies) {
    return [bodies = std::move(bodies)](
               compliance::Supervision&) -> Result<std::vector<std::string>> { return bodies; };
}

/// With --profile, search, show and export are journaled (an `access` record) before anything is
/// shown or written; without it they are not, and a note says so.
int journalAccess(const Args& a, compliance::Archive& archive, const std::string& action,
                  const std::string& detail) {
    if (a.opt("profile").empty()) {
        std::fprintf(stderr,
                     "note: not journaled (give --profile DIR to record this %s in the "
                     "firm's access log)\n",
                     action.c_str());
        return 0;
    }
    auto body = compliance::supervisionAccessBody(action, detail);
    if (!body) return die(body.error());
    return journalActions(a, archive, "this " + action, fixedBodies({*body}));
}

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
    if (!body) {
        std::fprintf(stderr, "verbatim-journal: policy add: %s\n",
                     compliance::terminalText(body.error().message).c_str());
        return 2;
    }
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
    if (!body) {
        std::fprintf(stderr, "verbatim-journal: review: %s\n",
                     compliance::terminalText(body.error().message).c_str());
        return 2;
    }
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
    if (r.participant.empty() == r.matter.empty()) {
        std::fprintf(stderr, "verbatim-journal: sample: give one of --participant or --matter\n");
        return 2;
    }
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
    if (to < from) {
        std::fprintf(stderr, "verbatim-journal: report: --to is before --from\n");
        return 2;
    }
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

} // namespace

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
    if (cmd == "pull") return pull(a);
    if (cmd == "verify") return verify(a);
    if (cmd == "search") return search(a);
    if (cmd == "show") return show(a);
    if (cmd == "export") return exportCmd(a);
    if (cmd == "conversations") return conversations(a);
    if (cmd == "audit") return audit(a);
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
    return usage();
}
