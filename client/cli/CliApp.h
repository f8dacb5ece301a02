#pragma once
/// @file CliApp.h
/// The verbatim-cli program's inside, shared by its files (private to the program):
///   main.cpp             the dispatch table from a command's name to its function
///   CommandTable.cpp     every command's options and usage text, the parsed line as Args,
///                        and the helpers every command uses (usage, die, goOnline, finishSend)
///   ProfileCommands.cpp  join, change-passphrase, whoami, accept-notice, outbox
///   MatterCommands.cpp   conversations, create, close, reopen, remove, invite, invites,
///                        revoke-invite, supervised
///   MessageCommands.cpp  send, attach, save, edit, retract, react, read, sync, history, search,
///                        safety-number
///   DeviceCommands.cpp   devices, devices approve, link-device, admin-devices, admin-revoke,
///                        admin-wipe
/// Every command's output format is stable (README "verbatim-cli"): scripts and the end-to-end
/// tests parse it.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/CommandLine.h"

namespace verbatim::client {
class Client;
}

namespace verbatim::cliapp {

inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
/// `join` with an invite shown its recording notice and neither accepted nor declined: nothing
/// was sent, no profile made.
inline constexpr int kExitUndecided = 3;
/// EX_TEMPFAIL: stored in the outbox, not yet accepted by the relay.
inline constexpr int kExitQueued = 75;

/// The parsed line in the shape the commands read: the command's words and its arguments
/// (positional[0] is the command), then every option's values (a flag's is "1").
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> options;
    std::string opt(const std::string& k, const std::string& def = "") const {
        auto it = options.find(k);
        return it == options.end() || it->second.empty() ? def : it->second.back();
    }
    bool flag(const std::string& k) const { return options.count(k) > 0; }
};

// CommandTable.cpp
/// Every command, its options and arguments (docs: README "verbatim-cli").
const cmdline::CommandLine& commandLine();
Args toArgs(const cmdline::Parsed& p);
/// The whole usage on stderr, exit code 2 (a command line parse refused gets its own usage).
int usage();
/// "verbatim-cli: MESSAGE" on stderr, exit code 1.
int die(const std::string& message);
/// Connects, drains the relay queue and flushes the outbox; false when not synced in time.
bool goOnline(client::Client& c, std::chrono::seconds timeout = std::chrono::seconds(30));
/// Waits for the outbox, prints the id, then reports a queued message with exit code 75.
int finishSend(client::Client& c, const std::string& id);

/// A command run on an opened profile; it reads its name from a.positional[0].
using Command = int (*)(client::Client& c, const Args& a);

// ProfileCommands.cpp: these two run before (join: instead of) opening the profile.
int cmdJoin(const Args& a, const std::string& passphrase);
/// `join LINK --decline`: declines an invite (no passphrase, no profile; issue 22).
int cmdDeclineInvite(const Args& a);
int cmdChangePassphrase(const Args& a, const std::string& passphrase);
int cmdWhoami(client::Client& c, const Args& a);
int cmdAcceptNotice(client::Client& c, const Args& a);
int cmdOutbox(client::Client& c, const Args& a);

// MatterCommands.cpp
int cmdConversations(client::Client& c, const Args& a);
int cmdCreate(client::Client& c, const Args& a);
int cmdCloseOrReopen(client::Client& c, const Args& a);
int cmdRemove(client::Client& c, const Args& a);
int cmdInvite(client::Client& c, const Args& a);
int cmdInvites(client::Client& c, const Args& a);
int cmdSupervised(client::Client& c, const Args& a);

// MessageCommands.cpp
int cmdSend(client::Client& c, const Args& a);
int cmdAttach(client::Client& c, const Args& a);
int cmdSave(client::Client& c, const Args& a);
int cmdChangeMessage(client::Client& c, const Args& a); ///< edit, retract, react
int cmdRead(client::Client& c, const Args& a);
int cmdSync(client::Client& c, const Args& a);
int cmdHistory(client::Client& c, const Args& a);
int cmdSearch(client::Client& c, const Args& a);
int cmdSafetyNumber(client::Client& c, const Args& a);

// DeviceCommands.cpp
int cmdDevices(client::Client& c, const Args& a);
// PushCommands.cpp
int cmdPush(client::Client& c, const Args& a); ///< push register URL, push remove
int cmdLinkDevice(client::Client& c, const Args& a);
int cmdAdminDevices(client::Client& c, const Args& a);
int cmdAdminRevokeOrWipe(client::Client& c, const Args& a);

} // namespace verbatim::cliapp
