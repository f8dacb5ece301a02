/// @file JournalCli.h
/// What the commands of verbatim-journal share (main.cpp holds the command table and the
/// dispatch; ArchiveCommands.cpp the archive commands, SupervisionCommands.cpp the supervision
/// ones): the parsed arguments, the error exit, the journal keys unlocked, the compliance
/// officer's device that journals an action (issue 21), and the commands themselves.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include "common/Bytes.h"
#include "common/Result.h"
#include "compliance/Archive.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"
#include "crypto/X25519.h"

namespace verbatim::client {
class Client;
}

namespace verbatim::journaltool {

namespace fs = std::filesystem;

/// A parsed command line: the arguments after the command, each option's last value, and the
/// options given (for flags).
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> opts;
    std::set<std::string> flags;
    std::map<std::string, std::vector<std::string>> lists; ///< every value of each option
    std::string opt(const std::string& k) const {
        auto it = opts.find(k);
        return it == opts.end() ? std::string() : it->second;
    }
    std::vector<std::string> all(const std::string& k) const {
        auto it = lists.find(k);
        return it == lists.end() ? std::vector<std::string>() : it->second;
    }
};

/// The whole usage on stderr, exit code 2 (main.cpp).
int usage();

/// "verbatim-journal: MESSAGE" on stderr; returns exit code 1.
int die(const std::string& message);
int die(const Error& e);
/// "verbatim-journal: COMMAND: MESSAGE" on stderr; returns the usage exit code 2 (a command line
/// refused before anything is unlocked or journaled).
int refused(const std::string& command, const std::string& message);

/// The journal key passphrase: --passphrase-file, VERBATIM_PASSPHRASE or a prompt.
Result<std::string> passphrase(const std::map<std::string, std::string>& opts, bool confirm);

/// Unlocks every journal key file named in --key (comma-separated).
Result<std::vector<crypto::X25519Key>> unlockKeys(const Args& a);

/// Opens (or with `create`, creates) the archive at `path` with the keys of --key.
Result<std::unique_ptr<compliance::Archive>> openArchive(const Args& a, const std::string& path,
                                                         bool create);
/// Opens the archive at `path` for reading only (Archive::openReadOnly): never migrated or written.
Result<std::unique_ptr<compliance::Archive>> openArchiveReadOnly(const Args& a,
                                                                 const std::string& path);

/// The time of option `name` in ms since the epoch, 0 if not given; sets `bad` (and says why)
/// if it is not a date.
std::uint64_t timeOpt(const Args& a, const char* name, bool endOfDay, bool& bad);

/// " name=value" for each of `names` given, for an access record's detail.
std::string scopeText(const Args& a, std::initializer_list<const char*> names);

/// Writes `data` to a new file `p` (refused if it exists) and syncs it; removed on failure.
Result<void> writeNew(const fs::path& p, ByteView data, mode_t mode);

/// The compliance profile's device: opened with its passphrase and connected, the outcome of its
/// sends recorded (the tool acts only once the relay has stored what it journals).
struct Officer {
    std::unique_ptr<client::Client> client;
    std::mutex mutex;
    std::condition_variable cv;
    std::map<std::string, std::string> outcomes; ///< message id -> "sent N" or why it failed
    ~Officer();
};

/// Opens the compliance profile of --profile and connects it (waits up to 10 s).
Result<std::unique_ptr<Officer>> openOfficer(const Args& a);

/// Appends `body` to the journal as a SUPERVISION record from the officer's device and waits
/// until the relay has stored it; returns its journal sequence.
Result<std::uint64_t> journalRecord(Officer& o, const std::string& body);

/// Pulls everything new into `archive` through the officer's device, then applies the new
/// supervision records and runs the policies. A relay restore is followed only when
/// `acceptRestore` (hex) names its announced epoch (docs/protocol.md J-RESTORE-3); otherwise the
/// stats say it is pending and nothing is pulled or evaluated. Then every disposition record
/// this archive holds and has not applied (any officer's) is applied (Retention::applyPending):
/// what it removed goes to `applied`.
Result<compliance::PullStats> pullWith(compliance::Archive& archive, Officer& o,
                                       compliance::RefreshStats* refreshed = nullptr,
                                       const std::string& acceptRestore = {},
                                       compliance::AppliedDispositions* applied = nullptr);

/// Brings the archive up to date through the officer's device, asks `make` for the SUPERVISION
/// records to journal (it may refuse: an unknown alert id), journals them from the device in
/// order, then pulls again so that this archive shows them. Prints what was journaled.
using MakeBodies = std::function<Result<std::vector<std::string>>(compliance::Supervision&)>;
int journalActions(const Args& a, compliance::Archive& archive, const std::string& what,
                   const MakeBodies& make);
/// A MakeBodies that journals `bodies` as they are.
MakeBodies fixedBodies(std::vector<std::string> bodies);

/// With --profile, search, show and export are journaled (an `access` record) before anything is
/// shown or written; without it they are not, and a note says so.
int journalAccess(const Args& a, compliance::Archive& archive, const std::string& action,
                  const std::string& detail);

// The archive commands (ArchiveCommands.cpp).
int keygen(const std::map<std::string, std::string>& opts);
int pull(const Args& a);
int verify(const Args& a);
int search(const Args& a);
int show(const Args& a);
int exportCmd(const Args& a);
int conversations(const Args& a);
int audit(const Args& a);
// The acknowledgement that lets the relay prune (AckCommand.cpp).
int ack(const Args& a);
// A new archive from the relay's pruned boundary (BoundaryCommands.cpp; issue 22).
int pullFromBoundary(const Args& a);
int boundarySnapshot(const Args& a);

// Legal hold, retention and disposal (RetentionCommands.cpp; issue 22).
int holdAdd(const Args& a);
int holdRelease(const Args& a);
int holdList(const Args& a);
int holdExport(const Args& a);
int retentionSet(const Args& a);
int retentionList(const Args& a);
int dispose(const Args& a);

// The supervision commands (SupervisionCommands.cpp).
int policyAdd(const Args& a);
int policyAddExamples(const Args& a);
int policyExamples();
int policyList(const Args& a, bool show);
int policyDisable(const Args& a);
int alerts(const Args& a);
int review(const Args& a);
int sample(const Args& a);
int report(const Args& a);
int accessLog(const Args& a);

} // namespace verbatim::journaltool
