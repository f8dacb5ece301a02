#pragma once
// The compliance side of end-to-end tests: officers whose profiles verbatim-journal opens, the
// journal key sealed as `verbatim-journal keygen` writes it, runs of the real tool, and the
// archive's database for tests that tamper with it, an in-process pull and its audit trail.
// Shared by tst_compliance, tst_supervision, tst_retention, tst_pruning, tst_walls and
// tst_supervisors (those that run the tool define VERBATIM_JOURNAL_BIN).

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../journal/ArchiveRows.h"
#include "ClientParty.h"
#include "E2EHarness.h"
#include "client/compliance/Archive.h"
#include "common/Try.h"
#include "crypto/PassphraseBox.h"
#include "crypto/X25519.h"
#include "storage/Database.h"

namespace verbatim::e2e::parties {

/// The passphrase of every journal key file writeKeyFile() writes.
inline constexpr const char* kJournalPass = "journal key passphrase 1";

/// A finished run of a command-line program: exit code (-1: crashed or did not finish), output.
struct Run {
    int code = -1;
    QString out, err;
};

#ifdef VERBATIM_JOURNAL_BIN
/// Runs verbatim-journal with `args`, the journal key passphrase `pass` and the officers'
/// profile passphrase in the environment, for at most 120 s.
inline Run journalTool(const QStringList& args, const QString& pass = kJournalPass) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VERBATIM_PASSPHRASE", pass);
    env.insert("VERBATIM_PROFILE_PASSPHRASE", kPass);
    p.setProcessEnvironment(env);
    p.start(VERBATIM_JOURNAL_BIN, args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        return {-1, {}, "verbatim-journal did not finish within 120 s"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}
#endif

/// Writes `key` sealed under kJournalPass into `dir`/`name`, as `verbatim-journal keygen` does;
/// its path, or "" when it could not.
inline QString writeKeyFile(const QString& dir, const crypto::X25519Key& key,
                            const QString& name = "journal.key") {
    auto priv = key.privateKey();
    auto box = crypto::passphraseSeal(*priv, view(std::string_view(kJournalPass)));
    QString path = dir + "/" + name;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(reinterpret_cast<const char*>(box->data()), qint64(box->size()));
    return path;
}

/// The archive's database, opened as verbatim-journal opens it (its key derived from the first
/// journal key `key`), for the tests that tamper with it; null when it cannot be opened.
inline std::unique_ptr<storage::Database> archiveDb(const QString& path,
                                                    const crypto::X25519Key& key) {
    auto priv = key.privateKey();
    return priv ? verbatim::test::archiveDatabase(path.toStdString(), *priv, false) : nullptr;
}

inline constexpr std::int64_t kTwoYearsMs = 2 * 366 * 24 * 3600 * 1000LL;

/// Makes the entries the archive pulled in the last 30 days look two years old (the relay's
/// time of each row): retention periods are in years, the test's messages seconds old.
inline bool backdate(const QString& path, const crypto::X25519Key& key) {
    auto db = archiveDb(path, key);
    if (!db) return false;
    const std::string recent =
        std::to_string(QDateTime::currentMSecsSinceEpoch() - 30 * 24 * 3600 * 1000LL);
    for (const char* table : {"entries", "records"})
        if (!db->exec(std::string("UPDATE ") + table + " SET server_time_ms = server_time_ms - " +
                      std::to_string(kTwoYearsMs) + " WHERE server_time_ms > " + recent))
            return false;
    return true;
}

/// The number the first group of `pattern` captures in `text` (-1: no match).
inline qint64 captured(const QString& text, const QString& pattern) {
    auto m = QRegularExpression(pattern).match(text);
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

/// The journal sequence a "journaled ... at seq N" line names (0: none).
inline std::uint64_t journaledAt(const QString& out) {
    auto m = QRegularExpression("journaled .* at seq (\\d+)").match(out);
    return m.hasMatch() ? m.captured(1).toULongLong() : 0;
}

#ifdef VERBATIM_JOURNAL_BIN
/// `verbatim-journal pull` of `profile`'s firm journal into `archive` with key file `key`.
inline Run pullArchive(const QString& profile, const QString& archive, const QString& key) {
    return journalTool({"pull", "--profile", profile, "--archive", archive, "--key", key});
}
#endif

/// A compliance officer ("officer", named Officer) joined to the relay of `h`, started and
/// connected; empty (with a warning) when it could not join or connect.
inline PartyHandle joinOfficer(Harness& h) {
    auto officer = joinParty(h.enrollLink("officer", proto::ROLE_COMPLIANCE), "Officer");
    if (!officer) return {};
    officer->start();
    if (!eventually([&] { return officer->isConnected(); })) {
        qWarning("the officer did not connect");
        return {};
    }
    return officer;
}

/// The staff of the two-officer compliance tests: Alice Adams (lawyer "alice"), Ada Admin
/// (administrator "root") and the officers Casey A and Casey B ("comply-a", "comply-b").
struct ComplianceStaff {
    PartyHandle alice, admin, officerA, officerB;
};

/// Joins `staff` to the relay of `h` in that order and starts every client; true once Alice and
/// the administrator are synced.
inline bool joinComplianceStaff(Harness& h, ComplianceStaff& staff) {
    staff.alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
    staff.admin = joinParty(h.enrollLink("root", proto::ROLE_ADMIN), "Ada Admin");
    staff.officerA = joinParty(h.enrollLink("comply-a", proto::ROLE_COMPLIANCE), "Casey A");
    staff.officerB = joinParty(h.enrollLink("comply-b", proto::ROLE_COMPLIANCE), "Casey B");
    if (!staff.alice || !staff.admin || !staff.officerA || !staff.officerB) return false;
    for (auto* p : {&staff.alice, &staff.admin, &staff.officerA, &staff.officerB})
        (*p)->start();
    return staff.alice->waitUntilSynced(20s) && staff.admin->waitUntilSynced(20s);
}

/// What the two officers' runs of verbatim-journal take: the journal key file in `dir`, their
/// profiles and an archive path each ("a.archive", "b.archive").
struct OfficerFiles {
    QString key, profileA, profileB, archiveA, archiveB;
};

/// Stops both officers' clients (the tool opens their profiles itself) and names their files.
inline OfficerFiles officerFiles(Harness& h, const QTemporaryDir& dir, Party& officerA,
                                 Party& officerB) {
    officerA->stop();
    officerB->stop();
    return {writeKeyFile(dir.path(), h.journalKey()), QString::fromStdString(officerA.profile()),
            QString::fromStdString(officerB.profile()), dir.path() + "/a.archive",
            dir.path() + "/b.archive"};
}

/// An archive pulled in-process and its verify report.
struct PulledArchive {
    std::unique_ptr<compliance::Archive> archive;
    compliance::VerifyReport report;
};

/// What an officer's `verbatim-journal pull` and `verify` do, in this process: opens a new
/// archive at `path` with the journal key `journalKey` (a copy), pulls the whole firm journal
/// through `officer`'s client (with the attachments when `blobs`) and verifies it.
inline Result<PulledArchive> pullInProcess(Party& officer, const std::string& path,
                                           const crypto::X25519Key& journalKey,
                                           bool blobs = false) {
    VERBATIM_TRY_LET(priv, journalKey.privateKey());
    VERBATIM_TRY_LET(copy, crypto::X25519Key::fromPrivate(*priv));
    std::vector<crypto::X25519Key> keys;
    keys.push_back(std::move(*copy));
    VERBATIM_TRY_LET(archive, compliance::Archive::open(path, std::move(keys), true));
    VERBATIM_TRY_LET(manifest, officer->firmManifest());
    VERBATIM_TRY((*archive)->setManifest(view(*manifest), officer->account().firmFingerprint));
    auto* c = officer.c.get();
    compliance::BlobSource fetchBlob;
    if (blobs)
        fetchBlob = [c](const std::string& id, std::uint64_t m) { return c->fetchBlob(id, m); };
    VERBATIM_TRY((*archive)->pull(
        [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); }, fetchBlob));
    VERBATIM_TRY_LET(report, (*archive)->verify());
    return PulledArchive{std::move(*archive), std::move(*report)};
}

/// pullInProcess() into a temporary archive; its verify report, and in `lines` its audit trail
/// (`verbatim-journal audit`'s lines) as "action actor target detail". Empty when it failed.
inline std::optional<compliance::VerifyReport> auditedPull(e2e::Harness& h, Party& officer,
                                                           std::vector<std::string>* lines) {
    QTemporaryDir dir;
    auto pulled = pullInProcess(officer, dir.path().toStdString() + "/a.archive", h.journalKey());
    if (!pulled) return std::nullopt;
    auto trail = pulled->archive->auditTrail();
    if (!trail) return std::nullopt;
    for (const auto& a : *trail)
        lines->push_back(a.action + " " + a.actor + " " + a.target + " " + a.detail);
    return pulled->report;
}

/// How many of `lines` start with `prefix`.
inline int countPrefix(const std::vector<std::string>& lines, const std::string& prefix) {
    return int(std::count_if(lines.begin(), lines.end(),
                             [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
}

} // namespace verbatim::e2e::parties
