// verbatim-cli: the headless Verbatim client. See README "verbatim-cli" for every command and
// its output format (stable: scripts and the end-to-end tests parse it); the commands live in the
// files CliApp.h lists.

#include <exception>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "client/cli/CliApp.h"
#include "client/core/Client.h"
#include "common/Passphrase.h"

using namespace verbatim;
using namespace verbatim::client;
using namespace verbatim::cliapp;

namespace {

/// Every command that runs on an opened profile, by the name it is called by.
struct Entry {
    const char* name;
    Command run;
};
constexpr Entry kCommands[] = {
    {"whoami", cmdWhoami},
    {"accept-notice", cmdAcceptNotice},
    {"outbox", cmdOutbox},
    {"conversations", cmdConversations},
    {"create", cmdCreate},
    {"close", cmdCloseOrReopen},
    {"reopen", cmdCloseOrReopen},
    {"remove", cmdRemove},
    {"invite", cmdInvite},
    {"invites", cmdInvites},
    {"revoke-invite", cmdInvites},
    {"supervised", cmdSupervised},
    {"send", cmdSend},
    {"attach", cmdAttach},
    {"save", cmdSave},
    {"edit", cmdChangeMessage},
    {"retract", cmdChangeMessage},
    {"react", cmdChangeMessage},
    {"read", cmdRead},
    {"sync", cmdSync},
    {"history", cmdHistory},
    {"search", cmdSearch},
    {"safety-number", cmdSafetyNumber},
    {"devices", cmdDevices},
    {"link-device", cmdLinkDevice},
    {"push", cmdPush},
    {"admin-devices", cmdAdminDevices},
    {"admin-revoke", cmdAdminRevokeOrWipe},
    {"admin-wipe", cmdAdminRevokeOrWipe},
};

int run(const Args& a) {
    if (a.positional.empty() || a.opt("profile").empty()) return usage();
    const std::string& cmd = a.positional[0];
    // Declining an invite makes no profile: no passphrase to ask for (issue 22).
    if (cmd == "join" && a.flag("decline")) return cmdDeclineInvite(a);
    // A new passphrase (join) is asked twice at a prompt.
    auto pass = readPassphrase(a.opt("passphrase-file"), "Passphrase: ", cmd == "join");
    if (!pass) return die(pass.error().message);
    if (cmd == "join") return cmdJoin(a, *pass);
    if (cmd == "change-passphrase") return cmdChangePassphrase(a, *pass);

    auto client = Client::open(a.opt("profile"), *pass);
    if (!client) return die(client.error().message);
    for (const auto& e : kCommands)
        if (cmd == e.name) return e.run(**client, a);
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
