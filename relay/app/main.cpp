// verbatim-relay: init | serve | admin | manifest | seal-keys | backup | restore | check |
// tls-key-pin. See README "Running the relay" and "Install on a server"; the commands live in
// the files RelayApp.h lists.

#include "relay/app/RelayApp.h"

using namespace verbatim;
using namespace verbatim::relayapp;

int main(int argc, char** argv) {
    // Refused before anything happens: an unknown option, a bad value, a stray argument.
    int exitCode = 0;
    auto parsed = commandLine().parseOrReport(argc, argv, exitCode);
    if (!parsed) return exitCode;
    const std::string cmd = parsed->words.front();
    Args a = toArgs(*parsed);
    try {
        if (cmd == "init") return cmdInit(a);
        if (cmd == "serve") return cmdServe(a);
        if (cmd == "admin") return cmdAdmin(a);
        if (cmd == "manifest" || cmd == "policy") return cmdManifest(a);
        if (cmd == "seal-keys") return cmdSealKeys(a);
        if (cmd == "backup") return cmdBackup(a);
        if (cmd == "restore") return cmdRestore(a);
        if (cmd == "check") return cmdCheck(a);
        if (cmd == "tls-key-pin" && a.positional.size() == 1) {
            auto pin = relay::certificateKeyPin(a.positional[0]);
            if (!pin) return die(pin.error().message);
            std::printf("%s\n", pin->c_str());
            return 0;
        }
    } catch (const std::exception& e) {
        return die(std::string("unexpected error: ") + e.what());
    }
    return usage();
}
