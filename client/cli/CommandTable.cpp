/// @file CommandTable.cpp
/// Every command of verbatim-cli with its options and usage text (shared/common/CommandLine
/// checks them strictly), the parsed line as Args, and the helpers every command uses.
#include <cstdio>

#include "client/cli/CliApp.h"
#include "client/core/Client.h"

using namespace verbatim;
using namespace verbatim::client;

namespace verbatim::cliapp {

/// The whole usage on stderr, exit code 2 (a command line parse refused gets its own usage).
int usage() {
    std::fputs(commandLine().usage().c_str(), stderr);
    return kExitUsage;
}

int die(const std::string& message) {
    std::fprintf(stderr, "verbatim-cli: %s\n", message.c_str());
    return kExitError;
}

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
             "  join LINK [--name NAME] [--accept-notice | --decline] [--platform NAME]\n"
             "       [--device-name NAME]          NAME: this device in device lists (64 bytes)\n",
             {Option::value("name", "NAME"), Option::flag("accept-notice"), Option::flag("decline"),
              Option::value("platform", "NAME"), Option::value("device-name", "NAME")},
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
            {"invites",
             "  invites                            your invites: "
             "ID<TAB>STATE<TAB>CREATED<TAB>EXPIRES<TAB>REDEEMED\n"
             "                                     <TAB>REDEEMED_BY<TAB>MATTER (STATE: "
             "open, redeemed, expired,\n"
             "                                     revoked, inviter-revoked, declined; times in "
             "ms since the epoch, 0: never)\n"},
            {"revoke-invite",
             "  revoke-invite ID                   revoke one of your invites: its link enrols "
             "nobody\n",
             {},
             {Positional::required("ID")}},
            {"supervised",
             "  supervised [--json] [--weeks N]    the matters of the lawyers you supervise "
             "(metadata only):\n"
             "                                     ID<TAB>FLAG<TAB>WAITING_MS<TAB>LAST_CLIENT_MS"
             "<TAB>CLOSED_MS<TAB>WEEKLY\n"
             "                                     <TAB>PARTICIPANTS<TAB>NUMBER<TAB>CLIENT<TAB>"
             "TITLE (FLAG: overdue or -)\n",
             {Option::flag("json"), Option::value("weeks", "N")}},
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
            {"devices send-history",
             "  devices send-history DEVICE        copy this device's history to another device "
             "of yours\n"
             "                                     (end-to-end encrypted; it imports it when it "
             "syncs)\n",
             {},
             {Positional::required("DEVICE", device)}},
            {"push register",
             "  push register URL                  wake this device through its UnifiedPush "
             "endpoint (https://)\n",
             {},
             {Positional::required("URL")}},
            {"push remove", "  push remove                        no more push wake-ups for this "
                            "device\n"},
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

Args toArgs(const cmdline::Parsed& p) {
    Args a;
    a.positional = p.words;
    a.positional.insert(a.positional.end(), p.positionals.begin(), p.positionals.end());
    a.options = p.options;
    return a;
}

/// Connects, drains the relay queue and flushes the outbox.
bool goOnline(Client& c, std::chrono::seconds timeout) {
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

} // namespace verbatim::cliapp
