// verbatim-cli: the headless Verbatim client. See README "verbatim-cli" for every command and
// its output format (stable: scripts and the end-to-end tests parse it).

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

#include "client/core/Client.h"
#include "common/CommandLine.h"
#include "common/Json.h"
#include "common/Passphrase.h"
#include "journal/RecordingNotice.h"

using namespace verbatim;
using namespace verbatim::client;

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitQueued = 75; // EX_TEMPFAIL: stored in the outbox, not yet accepted by the relay

// The canonical recording notice (journal/RecordingNotice.h), exactly as it is accepted.
void printNotice(const std::string& firm) {
    std::printf("RECORDING NOTICE (version %u) from %s\n\n", journal::kRecordingNoticeVersion,
                firm.c_str());
    const auto text = *journal::recordingNoticeText();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputs("\n\n", stdout);
}

const cmdline::CommandLine& commandLine();

/// The whole usage on stderr, exit code 2 (a command line parse refused gets its own usage).
int usage() {
    std::fputs(commandLine().usage().c_str(), stderr);
    return kExitUsage;
}

int die(const std::string& message) {
    std::fprintf(stderr, "verbatim-cli: %s\n", message.c_str());
    return kExitError;
}

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> options;
    std::string opt(const std::string& k, const std::string& def = "") const {
        auto it = options.find(k);
        return it == options.end() || it->second.empty() ? def : it->second.back();
    }
    bool flag(const std::string& k) const { return options.count(k) > 0; }
};

/// Every command, its options and arguments (docs: README "verbatim-cli").
const cmdline::CommandLine& commandLine() {
    using cmdline::Option;
    using cmdline::Positional;
    static const auto device = cmdline::number(0, 4294967295LL);
    static const cmdline::CommandLine cl(
        "verbatim-cli",
        {
            {"",
             "  verbatim-cli --profile DIR [--passphrase-file FILE] COMMAND ...\nCOMMAND:\n",
             {Option::value("profile", "DIR").required(), Option::value("passphrase-file", "FILE")},
             {},
             false},
            {"join",
             "  join LINK [--name NAME] [--accept-notice] [--platform NAME]\n",
             {Option::value("name", "NAME"), Option::flag("accept-notice"),
              Option::value("platform", "NAME")},
             {Positional::required("LINK")}},
            {"accept-notice", "  accept-notice                      accept the recording notice "
                              "(invited clients)\n"},
            {"whoami", "  whoami\n"},
            {"change-passphrase",
             "  change-passphrase [--new-passphrase-file FILE]\n"
             "                                     re-key the profile under a new passphrase (from "
             "FILE,\n"
             "                                     VERBATIM_NEW_PASSPHRASE, or asked twice at a "
             "prompt)\n",
             {Option::value("new-passphrase-file", "FILE")}},
            {"invite",
             "  invite --matter TITLE              print an invite link for a client (lawyers)\n",
             {Option::value("matter", "TITLE").required()}},
            {"invites", "  invites                            your invites: "
                        "ID<TAB>STATE<TAB>CREATED<TAB>EXPIRES<TAB>REDEEMED\n"
                        "                                     <TAB>REDEEMED_BY<TAB>MATTER (STATE: "
                        "open, redeemed, expired,\n"
                        "                                     revoked, inviter-revoked; times in "
                        "ms since the epoch, 0: never)\n"},
            {"revoke-invite",
             "  revoke-invite ID                   revoke one of your invites: its link enrols "
             "nobody\n",
             {},
             {Positional::required("ID")}},
            {"close",
             "  close MATTER                       close a matter: read-only for everyone, its "
             "invites die\n",
             {},
             {Positional::required("MATTER")}},
            {"reopen",
             "  reopen MATTER                      reopen a closed matter\n",
             {},
             {Positional::required("MATTER")}},
            {"remove",
             "  remove MATTER USER                 remove a member from a matter: their devices "
             "get nothing more of it\n",
             {},
             {Positional::required("MATTER"), Positional::required("USER")}},
            {"create",
             "  create TITLE [--matter] [--member USER]...\n",
             {Option::flag("matter"), Option::value("member", "USER").repeatable()},
             {Positional::required("TITLE")}},
            {"conversations",
             "  conversations                      one line each: ID<TAB>KIND<TAB>TITLE, then\n"
             "                                     <TAB>closed for a closed matter\n"},
            {"send",
             "  send CONVERSATION TEXT             prints the message id\n",
             {},
             {Positional::required("CONVERSATION"), Positional::required("TEXT")}},
            {"attach",
             "  attach CONVERSATION FILE [--caption TEXT]\n",
             {Option::value("caption", "TEXT").allowEmpty()},
             {Positional::required("CONVERSATION"), Positional::required("FILE")}},
            {"save",
             "  save MESSAGE_ID OUT_FILE [--index N]\n",
             {Option::value("index", "N").checked(cmdline::number(0, 999999))},
             {Positional::required("MESSAGE_ID"), Positional::required("OUT_FILE")}},
            {"edit",
             "  edit MESSAGE_ID TEXT\n",
             {},
             {Positional::required("MESSAGE_ID"), Positional::required("TEXT")}},
            {"retract",
             "  retract MESSAGE_ID                 delete for everyone\n",
             {},
             {Positional::required("MESSAGE_ID")}},
            {"react",
             "  react MESSAGE_ID EMOJI\n",
             {},
             {Positional::required("MESSAGE_ID"), Positional::required("EMOJI")}},
            {"read",
             "  read CONVERSATION                  mark read (sends a read receipt)\n",
             {},
             {Positional::required("CONVERSATION")}},
            {"sync",
             "  sync [--wait SECONDS]              prints received events as JSON lines\n",
             {Option::value("wait", "SECONDS").checked(cmdline::number(0, 86400))}},
            {"history",
             "  history CONVERSATION [--limit N]   JSON lines, oldest first\n",
             {Option::value("limit", "N").checked(cmdline::number(1, 100000000))},
             {Positional::required("CONVERSATION")}},
            {"search",
             "  search QUERY                       JSON lines, newest first\n",
             {},
             {Positional::required("QUERY")}},
            {"safety-number",
             "  safety-number USER [--accept]\n",
             {Option::flag("accept")},
             {Positional::required("USER")}},
            {"outbox",
             "  outbox                             messages not yet accepted by the relay\n"},
            {"devices", "  devices                            your devices: "
                        "DEVICE<TAB>PLATFORM<TAB>VERSION<TAB>STATUS[<TAB>this]\n"},
            {"link-device", "  link-device                        a one-time link (15 min) for "
                            "another device of yours (staff);\n"
                            "                                     this device approves the new one "
                            "at its next sync\n"},
            {"devices approve",
             "  devices approve DEVICE             approve a device of yours that waits (one the "
             "firm enrolled)\n",
             {},
             {Positional::required("DEVICE", device)}},
            {"admin-devices",
             "  admin-devices [USER]               (admin) "
             "USER<TAB>DEVICE<TAB>ROLE<TAB>PLATFORM<TAB>VERSION<TAB>\n"
             "                                     ENROLLED<TAB>LAST_SEEN<TAB>STATUS (active, "
             "revoked, wipe-pending,\n"
             "                                     wiped-at-TIME); times in ms since the epoch\n",
             {},
             {Positional::optional("USER")}},
            {"admin-revoke",
             "  admin-revoke USER DEVICE           (admin) cut the device off now\n",
             {},
             {Positional::required("USER"), Positional::required("DEVICE", device)}},
            {"admin-wipe",
             "  admin-wipe USER DEVICE             (admin) erase it at its next connection\n",
             {},
             {Positional::required("USER"), Positional::required("DEVICE", device)}},
        },
        "The passphrase comes from VERBATIM_PASSPHRASE, --passphrase-file, or a prompt.\n"
        "CONVERSATION is an id or an exact title.\n"
        "An option's value is the next argument or follows '=' (--name=VALUE); -- ends the "
        "options\n"
        "(send CONVERSATION -- TEXT for a text that starts with --). Options go after COMMAND, "
        "except\n"
        "--profile and --passphrase-file, which go anywhere. An unknown option, a missing or\n"
        "malformed value or a stray argument is refused (exit 2) before anything is changed.\n");
    return cl;
}

/// The parsed line in the shape run() reads: the command's words and its arguments, then every
/// option's values (a flag's is "1").
Args toArgs(const cmdline::Parsed& p) {
    Args a;
    a.positional = p.words;
    a.positional.insert(a.positional.end(), p.positionals.begin(), p.positionals.end());
    a.options = p.options;
    return a;
}

// A new passphrase (join) is asked twice at a prompt.
Result<std::string> passphrase(const Args& a, bool isNew) {
    return readPassphrase(a.opt("passphrase-file"), "Passphrase: ", isNew);
}

std::string jsonString(const std::string& s) {
    return jsonQuote(s);
}

std::string messageJson(const MessageView& m) {
    std::string out =
        "{\"id\":\"" + m.id + "\",\"conversation\":" + jsonString(m.conversation) +
        ",\"sender\":" + jsonString(m.senderUser + "/" + std::to_string(m.senderDevice)) +
        ",\"name\":" + jsonString(m.senderName) + ",\"kind\":\"" + kindName(m.kind) +
        "\",\"state\":\"" + stateName(m.state) + "\"" +
        ",\"outgoing\":" + (m.outgoing ? "true" : "false") + ",\"text\":" + jsonString(m.body) +
        ",\"edited\":" + (m.edited ? "true" : "false") +
        ",\"deleted\":" + (m.retracted ? "true" : "false") +
        ",\"server_time_ms\":" + std::to_string(m.serverTimeMs) +
        ",\"journal_sequence\":" + std::to_string(m.journalSequence);
    if (!m.attachments.empty()) {
        out += ",\"attachments\":[";
        for (std::size_t i = 0; i < m.attachments.size(); ++i) {
            if (i) out += ",";
            out += "{\"name\":" + jsonString(m.attachments[i].fileName) +
                   ",\"size\":" + std::to_string(m.attachments[i].size) + "}";
        }
        out += "]";
    }
    if (!m.reactions.empty()) {
        out += ",\"reactions\":{";
        for (std::size_t i = 0; i < m.reactions.size(); ++i) {
            if (i) out += ",";
            out += jsonString(m.reactions[i].first) + ":" + jsonString(m.reactions[i].second);
        }
        out += "}";
    }
    return out + "}";
}

/// Connects, drains the relay queue and flushes the outbox.
bool goOnline(Client& c, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    c.start();
    return c.waitUntilSynced(timeout);
}

/// Waits for the outbox, then reports a queued message with exit code 75.
int finishSend(Client& c, const std::string& id) {
    bool sent = c.waitForOutbox(std::chrono::seconds(30));
    std::printf("%s\n", id.c_str());
    std::fflush(stdout);
    c.stop();
    if (!sent) {
        std::fprintf(stderr,
                     "verbatim-cli: queued in the outbox; it will be sent on the next sync\n");
        return kExitQueued;
    }
    return 0;
}

int run(const Args& a) {
    if (a.positional.empty() || a.opt("profile").empty()) return usage();
    const std::string dir = a.opt("profile");
    const std::string& cmd = a.positional[0];
    auto pass = passphrase(a, cmd == "join");
    if (!pass) return die(pass.error().message);

    if (cmd == "join") {
        if (a.positional.size() != 2) return usage();
        // The rule of the app and every tool (common/Passphrase.h), before anything is created.
        if (auto ok = checkNewPassphrase(*pass); !ok) return die(ok.error().message);
        JoinOptions o;
        o.displayName = a.opt("name");
        o.platform = a.opt("platform", "cli");
        o.acceptNotice = a.flag("accept-notice");
        auto c = Client::join(dir, *pass, a.positional[1], o);
        if (!c) return die(c.error().message);
        auto acct = (*c)->account();
        std::printf("joined %s as %s/%u (%s)\n", acct.firmName.c_str(), acct.user.c_str(),
                    acct.device, acct.role.c_str());
        if (acct.noticeRequired && !acct.noticeAccepted) {
            printNotice(acct.firmName);
            bool accepted = false;
            if (isatty(STDIN_FILENO)) {
                std::fputs("Type \"accept\" to accept and start messaging: ", stdout);
                std::fflush(stdout);
                std::string answer;
                std::getline(std::cin, answer);
                accepted = answer == "accept";
            }
            if (accepted) {
                if (auto r = (*c)->acceptNotice(); !r) return die(r.error().message);
            } else {
                std::fputs(
                    "You can read messages; sending stays off until you run `accept-notice`.\n",
                    stdout);
            }
        } else if (acct.noticeRequired) {
            printNotice(acct.firmName);
            std::fputs("Recording notice accepted.\n", stdout);
        }
        bool awaiting = false;
        (*c)->setEventHandler([&awaiting](const client::Event& e) {
            if (e.kind == client::Event::Kind::AwaitingApproval) awaiting = true;
        });
        goOnline(**c);
        (*c)->waitForOutbox(std::chrono::seconds(10));
        (*c)->stop();
        (*c)->setEventHandler({});
        if (awaiting)
            std::fputs("This device waits for approval by one of your other devices: open Verbatim "
                       "there (or run\n"
                       "`verbatim-cli devices` on it; a device the firm enrolled: `verbatim-cli "
                       "devices approve N`).\n",
                       stdout);
        return 0;
    }

    if (cmd == "change-passphrase") {
        auto next = readPassphrase(a.opt("new-passphrase-file"), "New passphrase: ", true,
                                   "VERBATIM_NEW_PASSPHRASE");
        if (!next) return die(next.error().message);
        // The rule first: a refused passphrase must not cost an unlock attempt.
        if (auto ok = checkNewPassphrase(*next); !ok) return die(ok.error().message);
        auto client = Client::open(dir, *pass);
        if (!client) return die(client.error().message);
        if (auto r = (*client)->changePassphrase(*pass, *next); !r) return die(r.error().message);
        std::puts("passphrase changed; the profile's database was re-keyed");
        return 0;
    }

    auto client = Client::open(dir, *pass);
    if (!client) return die(client.error().message);
    auto& c = **client;

    if (cmd == "whoami") {
        auto acct = c.account();
        std::printf("user\t%s\ndevice\t%u\nrole\t%s\nname\t%s\nrelay\t%s\nfirm\t%s\nfirm_"
                    "fingerprint\t%s\nnotice\t%s\n",
                    acct.user.c_str(), acct.device, acct.role.c_str(), acct.displayName.c_str(),
                    acct.relay.c_str(), acct.firmName.c_str(), acct.firmFingerprint.c_str(),
                    !acct.noticeRequired  ? "not-required"
                    : acct.noticeAccepted ? "accepted"
                                          : "pending");
        return 0;
    }
    if (cmd == "accept-notice") {
        printNotice(c.account().firmName);
        if (auto r = c.acceptNotice(); !r) return die(r.error().message);
        goOnline(c);
        bool sent = c.waitForOutbox(std::chrono::seconds(30));
        c.stop();
        std::puts("Recording notice accepted.");
        return sent ? 0 : kExitQueued;
    }
    if (cmd == "conversations") {
        goOnline(c, std::chrono::seconds(15));
        c.stop();
        auto list = c.conversations();
        if (!list) return die(list.error().message);
        for (auto& v : *list)
            std::printf("%s\t%s\t%s%s%s\n", v.id.c_str(), v.isMatter ? "matter" : "direct",
                        v.title.c_str(), v.closedMs ? "\tclosed" : "",
                        v.removed ? "\tremoved" : "");
        return 0;
    }
    if (cmd == "remove") {
        if (a.positional.size() != 3) return usage();
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        auto changed = c.removeMember(a.positional[1], a.positional[2]);
        c.stop();
        if (!changed) return die(changed.error().message);
        std::printf("%s\tremoved\t%s\n", changed->id.c_str(), a.positional[2].c_str());
        return 0;
    }
    if (cmd == "close" || cmd == "reopen") {
        if (a.positional.size() != 2) return usage();
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        auto changed = c.setMatterClosed(a.positional[1], cmd == "close");
        c.stop();
        if (!changed) return die(changed.error().message);
        std::printf("%s\t%s\t%s\n", changed->id.c_str(), changed->closedMs ? "closed" : "open",
                    changed->title.c_str());
        return 0;
    }
    if (cmd == "invite") {
        if (a.opt("matter").empty()) return usage();
        if (!goOnline(c)) return die("cannot reach the relay");
        auto link = c.createInvite(a.opt("matter"));
        c.stop();
        if (!link) return die(link.error().message);
        std::printf("%s\n", link->c_str());
        return 0;
    }
    if (cmd == "invites" || cmd == "revoke-invite") {
        if (a.positional.size() != (cmd == "invites" ? 1u : 2u)) return usage();
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        // A title or a name is the sender's choice: no tab or line break may break the columns.
        auto cell = [](std::string s) {
            std::replace_if(
                s.begin(), s.end(), [](char ch) { return ch == '\t' || ch == '\n' || ch == '\r'; },
                ' ');
            return s;
        };
        auto print = [&](const InviteView& v) {
            std::string by =
                v.redeemedBy.empty() ? "-" : v.redeemedBy + " (" + v.redeemedName + ")";
            std::printf("%s\t%s\t%llu\t%llu\t%llu\t%s\t%s\n", v.id.c_str(), v.state.c_str(),
                        (unsigned long long)v.createdMs, (unsigned long long)v.expiresMs,
                        (unsigned long long)v.redeemedMs, cell(by).c_str(),
                        cell(v.matterTitle).c_str());
        };
        if (cmd == "invites") {
            auto list = c.invites();
            c.stop();
            if (!list) return die(list.error().message);
            for (const auto& v : *list)
                print(v);
            return 0;
        }
        auto revoked = c.revokeInvite(a.positional[1]);
        c.stop();
        if (!revoked) return die(revoked.error().message);
        print(*revoked);
        return 0;
    }
    if (cmd == "create") {
        if (a.positional.size() != 2) return usage();
        if (!goOnline(c)) return die("cannot reach the relay");
        std::vector<std::string> members;
        if (auto it = a.options.find("member"); it != a.options.end()) members = it->second;
        auto id = c.createConversation(a.positional[1], a.flag("matter"), members);
        c.stop();
        if (!id) return die(id.error().message);
        std::printf("%s\n", id->c_str());
        return 0;
    }
    if (cmd == "send") {
        if (a.positional.size() != 3) return usage();
        goOnline(c);
        auto id = c.sendText(a.positional[1], a.positional[2]);
        if (!id) return die(id.error().message);
        return finishSend(c, *id);
    }
    if (cmd == "attach") {
        if (a.positional.size() != 3) return usage();
        goOnline(c);
        auto id = c.sendAttachment(a.positional[1], a.positional[2], a.opt("caption"));
        if (!id) return die(id.error().message);
        return finishSend(c, *id);
    }
    if (cmd == "save") {
        if (a.positional.size() != 3) return usage();
        goOnline(c, std::chrono::seconds(15));
        auto r = c.saveAttachment(a.positional[1], std::size_t(std::stoul(a.opt("index", "0"))),
                                  a.positional[2]);
        c.stop();
        if (!r) return die(r.error().message);
        return 0;
    }
    if (cmd == "edit" || cmd == "retract" || cmd == "react") {
        if (a.positional.size() != (cmd == "retract" ? 2u : 3u)) return usage();
        goOnline(c);
        auto id = cmd == "edit"      ? c.edit(a.positional[1], a.positional[2])
                  : cmd == "retract" ? c.retract(a.positional[1])
                                     : c.react(a.positional[1], a.positional[2]);
        if (!id) return die(id.error().message);
        return finishSend(c, *id);
    }
    if (cmd == "read") {
        if (a.positional.size() != 2) return usage();
        goOnline(c);
        if (auto r = c.markRead(a.positional[1]); !r) return die(r.error().message);
        bool sent = c.waitForOutbox(std::chrono::seconds(30));
        c.stop();
        return sent ? 0 : kExitQueued;
    }
    if (cmd == "sync") {
        std::mutex out;
        c.setEventHandler([&](const Event& e) {
            if (e.kind == Event::Kind::Connected || e.kind == Event::Kind::Disconnected) return;
            std::lock_guard lock(out);
            std::printf("%s\n", e.json().c_str());
            std::fflush(stdout);
        });
        bool synced = goOnline(c);
        if (auto wait = std::stoi(a.opt("wait", "0")); wait > 0)
            std::this_thread::sleep_for(std::chrono::seconds(wait));
        c.waitForOutbox(std::chrono::seconds(10));
        c.stop();
        c.setEventHandler({});
        if (!Client::profileExists(dir)) return die("this device was erased by the firm");
        if (!synced) return die("cannot reach the relay (or it refused this device)");
        return 0;
    }
    if (cmd == "history") {
        if (a.positional.size() != 2) return usage();
        auto list = c.history(a.positional[1], std::size_t(std::stoul(a.opt("limit", "200"))));
        if (!list) return die(list.error().message);
        for (auto& m : *list)
            std::printf("%s\n", messageJson(m).c_str());
        return 0;
    }
    if (cmd == "search") {
        if (a.positional.size() != 2) return usage();
        auto list = c.search(a.positional[1]);
        if (!list) return die(list.error().message);
        for (auto& m : *list)
            std::printf("%s\n", messageJson(m).c_str());
        return 0;
    }
    if (cmd == "safety-number") {
        if (a.positional.size() != 2) return usage();
        goOnline(c, std::chrono::seconds(15));
        auto n = c.safetyNumber(a.positional[1]);
        if (!n) {
            c.stop();
            return die(n.error().message);
        }
        if (a.flag("accept")) {
            if (auto r = c.acceptSafetyNumber(a.positional[1]); !r) {
                c.stop();
                return die(r.error().message);
            }
            c.waitForOutbox(std::chrono::seconds(30));
            n->changed = false;
        }
        c.stop();
        std::printf("%s\n%s\n", n->digits.c_str(),
                    n->changed ? "changed: accept with --accept after verifying" : "unchanged");
        return 0;
    }
    if (cmd == "devices") {
        if (a.positional.size() == 3 && a.positional[1] == "approve") {
            unsigned long n = 0;
            try {
                n = std::stoul(a.positional[2]);
            } catch (...) {
                return usage();
            }
            if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
            auto r = c.approveDevice(std::uint32_t(n));
            c.stop();
            if (!r) return die(r.error().message);
            std::printf("approved device %lu\n", n);
            return 0;
        }
        if (a.positional.size() != 1) return usage();
        // Going online also approves a device that redeemed one of this device's links.
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        auto list = c.devices();
        c.stop();
        if (!list) return die(list.error().message);
        for (auto& d : *list) {
            std::string status = d.wipeRequestedMs ? "wipe-pending"
                                 : d.revokedMs     ? "revoked"
                                 : d.pendingMs     ? "awaiting-approval"
                                                   : "active";
            std::printf("%u\t%s\t%s\t%s%s\n", d.device, d.platform.c_str(), d.appVersion.c_str(),
                        status.c_str(), d.thisDevice ? "\tthis" : "");
        }
        return 0;
    }
    if (cmd == "link-device") {
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        auto link = c.createDeviceLink();
        c.stop();
        if (!link) return die(link.error().message);
        std::printf("%s\n", link->c_str());
        return 0;
    }
    if (cmd == "admin-devices") {
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        auto list = c.adminDevices(a.positional.size() > 1 ? a.positional[1] : "");
        c.stop();
        if (!list) return die(list.error().message);
        for (auto& d : *list)
            std::printf("%s\t%u\t%s\t%s\t%s\t%llu\t%llu\t%s\n", d.user.c_str(), d.device,
                        d.role.c_str(), d.platform.c_str(), d.appVersion.c_str(),
                        (unsigned long long)d.enrolledMs, (unsigned long long)d.lastSeenMs,
                        d.wipedMs           ? ("wiped-at-" + std::to_string(d.wipedMs)).c_str()
                        : d.wipeRequestedMs ? "wipe-pending"
                        : d.revokedMs       ? "revoked"
                                            : "active");
        return 0;
    }
    if ((cmd == "admin-revoke" || cmd == "admin-wipe") && a.positional.size() == 3) {
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        const auto device = std::uint32_t(std::strtoul(a.positional[2].c_str(), nullptr, 10));
        auto r = cmd == "admin-revoke" ? c.adminRevoke(a.positional[1], device)
                                       : c.adminWipe(a.positional[1], device);
        c.stop();
        if (!r) return die(r.error().message);
        std::printf("%s %s/%u\n", cmd == "admin-revoke" ? "revoked" : "wipe queued for",
                    a.positional[1].c_str(), device);
        return 0;
    }
    if (cmd == "outbox") {
        auto n = c.outboxSize();
        if (!n) return die(n.error().message);
        std::printf("%zu\n", *n);
        return 0;
    }
    return usage();
}

} // namespace

int main(int argc, char** argv) {
    // The profile key lives in this process: no core dumps.
    prctl(PR_SET_DUMPABLE, 0);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    // Refused before anything happens: an unknown option, a bad value, a stray argument.
    int exitCode = 0;
    auto parsed = commandLine().parseOrReport(argc, argv, exitCode);
    if (!parsed) return exitCode;
    try {
        return run(toArgs(*parsed));
    } catch (const std::exception& e) {
        return die(std::string("unexpected error: ") + e.what());
    }
}
