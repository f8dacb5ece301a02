// A child process for tst_profile's crash tests: it opens a profile or changes its passphrase
// and, when asked, kills itself with SIGKILL the moment a named step completes (or the test
// kills it at a random moment).
//
//   profile-change-child DIR OLD NEW MODE [CRASH_STEP]
//     MODE  unlock  one unlock attempt with OLD
//           closed  changePassphrase(DIR, OLD, NEW) on a closed profile
//           open    unlock with OLD, then changePassphrase with that open connection (as the app)
// Exit 0 on success, 1 on failure (message on stderr), 2 on a bad command line.

#include <csignal>
#include <cstdio>
#include <string>

#include "client/core/Profile.h"

using namespace verbatim;

namespace {
std::string g_crashAt;
void crashAt(std::string_view step) {
    if (step == g_crashAt) std::raise(SIGKILL);
}
int failed(const Error& e) {
    std::fprintf(stderr, "profile-change-child: %s\n", e.message.c_str());
    return 1;
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 5) return 2;
    const client::ProfilePaths paths{argv[1]};
    const std::string oldPass = argv[2], newPass = argv[3], mode = argv[4];
    if (argc > 5) g_crashAt = argv[5];
    if (mode == "unlock" || mode == "closed") client::setProfileStepHook(crashAt);
    if (mode == "unlock") {
        auto db = client::openProfile(paths, oldPass);
        return db ? 0 : failed(db.error());
    }
    if (mode == "closed") {
        auto r = client::changePassphrase(paths, oldPass, newPass);
        return r ? 0 : failed(r.error());
    }
    if (mode == "open") {
        auto db = client::openProfile(paths, oldPass);
        if (!db) return failed(db.error());
        client::setProfileStepHook(crashAt); // the change's steps, not the unlock's
        auto r = client::changePassphrase(paths, oldPass, newPass, db->get());
        if (!r) return failed(r.error());
        // The re-keyed connection keeps working.
        auto w = (*db)->exec("INSERT INTO account (k, v) VALUES ('after-change', x'01')");
        return w ? 0 : failed(w.error());
    }
    return 2;
}
