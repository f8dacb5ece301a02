/// @file PushCommands.cpp
/// push register URL, push remove: this device's UnifiedPush endpoint (issue 23). A phone build
/// does the same with the URL its distributor hands the app; the command is for scripts and tests.
#include <cstdio>

#include "client/cli/CliApp.h"
#include "client/core/Client.h"

using namespace verbatim;
using namespace verbatim::client;

namespace verbatim::cliapp {

int cmdPush(Client& c, const Args& a) {
    const bool reg = a.positional.size() == 3 && a.positional[1] == "register";
    const bool remove = a.positional.size() == 2 && a.positional[1] == "remove";
    if (!reg && !remove) return usage();
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    auto r = c.setPushEndpoint(reg ? a.positional[2] : std::string());
    c.stop();
    if (!r) return die(r.error().message);
    // The URL is a capability: not echoed.
    std::printf(reg ? "push endpoint registered\n" : "push endpoint removed\n");
    return 0;
}

} // namespace verbatim::cliapp
