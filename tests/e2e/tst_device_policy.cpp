// Issue 22, "On devices": the firm's device policy from the root-signed manifest, applied by real
// clients through a real relay over TLS:
//   - device retention removes messages older than device_message_days from a profile (text,
//     search rows, attachment files), newer ones stay, while compliance's archive still has them;
//   - clients-may-save no: a client's save is refused in the core and by the real verbatim-cli
//     (no file written), staff still may;
//   - a save is journaled (ATTACHMENT_SAVED): compliance sees who saved which file on which
//     device in the timeline and search, verify stays clean; a save made offline waits in the
//     outbox;
//   - an admin's wipe of a client's device is refused without wipe-client-devices and carried out
//     with it; a client's device ignores (and reports) a wipe its firm's policy does not allow.

#include <QProcess>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "client/compliance/Archive.h"
#include "client/core/Client.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;
namespace fs = std::filesystem;

namespace {

bool inHistory(Party& p, const std::string& conv, const std::string& body) {
    auto msgs = p->history(conv, 200);
    return msgs && std::any_of(msgs->begin(), msgs->end(),
                               [&](const client::MessageView& m) { return m.body == body; });
}

std::optional<client::MessageView> byBody(Party& p, const std::string& conv,
                                          const std::string& body) {
    auto msgs = p->history(conv, 200);
    if (!msgs) return std::nullopt;
    for (auto& m : *msgs)
        if (m.body == body) return m;
    return std::nullopt;
}

std::string writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& data) {
    const std::string path = dir.path().toStdString() + "/" + name;
    std::ofstream(path, std::ios::binary) << data;
    return path;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A firm whose manifest `tweak` shapes: lawyer Alice, client Carol (notice accepted) in matter
/// "Lease", a compliance officer; all online.
struct Firm {
    e2e::Harness h;
    PartyHandle alice, carol, officer;
    std::string matter;
    QTemporaryDir files;
};

std::unique_ptr<Firm> makeFirm(const std::function<void(journal::FirmManifest&)>& tweak) {
    auto f = std::make_unique<Firm>();
    if (!f->h.ok()) return nullptr;
    if (tweak) {
        f->h.setManifestTweak(tweak);
        if (!f->h.restart()) return nullptr;
    }
    f->alice = joinParty(f->h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
    f->carol = joinParty(f->h.inviteLink("alice", "Lease"), "Carol", true);
    f->officer = joinParty(f->h.enrollLink("olivia", proto::ROLE_COMPLIANCE), "Olivia");
    if (!f->alice || !f->carol || !f->officer) return nullptr;
    f->alice->start();
    f->carol->start();
    f->officer->start();
    if (!eventually([&] {
            return f->alice->isConnected() && f->carol->isConnected() && f->officer->isConnected();
        }))
        return nullptr;
    auto convs = f->carol->conversations();
    if (!convs || convs->size() != 1) return nullptr;
    f->matter = convs->front().id;
    // The lawyer's device has heard of the client joining (the matter's member list).
    if (!eventually([&] {
            auto c = f->alice->conversations();
            return c && c->size() == 1 && c->front().members.size() == 2;
        }))
        return nullptr;
    return f;
}

/// The officer's archive of everything journaled so far (pulled with attachments), verified.
Result<PulledArchive> pull(e2e::Harness& h, Party& officer, const QTemporaryDir& dir) {
    return pullInProcess(officer, dir.path().toStdString() + "/firm.archive", h.journalKey(), true);
}

Run cli(const QStringList& args) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VERBATIM_PASSPHRASE", kPass);
    p.setProcessEnvironment(env);
    p.start(VERBATIM_CLI_BIN, args);
    if (!p.waitForFinished(60000)) {
        p.kill();
        return {};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

class TestDevicePolicy : public QObject {
    Q_OBJECT

private slots:
    // a manifest with device_message_days = 1 removes older messages from the profile
    // (text, search rows, the attachment file), keeps newer ones, and compliance still finds the
    // removed ones. "Now" is injected instead of waiting a day.
    void deviceRetentionRemovesOldMessagesWhileComplianceKeepsThem() {
        auto f = makeFirm([](journal::FirmManifest& m) { m.policy.messageDays = 1; });
        QVERIFY(f);
        QCOMPARE(f->alice->devicePolicy().messageDays, 1u);
        const std::string path = writeFile(f->files, "old-lease.pdf", "%PDF-1.4 old lease terms");
        auto old = f->carol->sendAttachment(f->matter, path, "old advice about the lease");
        QVERIFY2(old, old ? "" : old.error().message.c_str());
        QVERIFY(f->carol->sendText(f->matter, "old question about the deposit"));
        QVERIFY(eventually(
            [&] { return inHistory(*f->alice, f->matter, "old advice about the lease"); }));
        QVERIFY(eventually(
            [&] { return inHistory(*f->alice, f->matter, "old question about the deposit"); }));
        // Alice opened the attachment, so this device holds its blob.
        const std::string saved = f->files.path().toStdString() + "/opened.pdf";
        QVERIFY(f->alice->saveAttachment(*old, 0, saved));
        std::this_thread::sleep_for(50ms); // the relay's clock moves on
        QVERIFY(f->carol->sendText(f->matter, "new question"));
        QVERIFY(eventually([&] { return inHistory(*f->alice, f->matter, "new question"); }));
        auto newest = byBody(*f->alice, f->matter, "old question about the deposit");
        QVERIFY(newest && newest->serverTimeMs);
        std::size_t blobsBefore = 0;
        for (auto& e : fs::directory_iterator(f->alice.get()->profile() + "/blobs"))
            blobsBefore += e.is_regular_file();
        QVERIFY(blobsBefore >= 1);

        // A day and a moment after the two old messages: both leave Alice's device.
        auto removed = f->alice->applyDeviceRetention(newest->serverTimeMs + 86'400'000ULL + 1);
        QVERIFY2(removed, removed ? "" : removed.error().message.c_str());
        QVERIFY2(*removed >= 2, std::to_string(*removed).c_str());
        QVERIFY(!inHistory(*f->alice, f->matter, "old advice about the lease"));
        QVERIFY(!inHistory(*f->alice, f->matter, "old question about the deposit"));
        QVERIFY(inHistory(*f->alice, f->matter, "new question"));
        auto found = f->alice->search("deposit");
        QVERIFY(found && found->empty());
        auto gone = f->alice->message(*old);
        QVERIFY(gone && !gone->has_value());
        std::size_t blobsAfter = 0;
        for (auto& e : fs::directory_iterator(f->alice.get()->profile() + "/blobs"))
            blobsAfter += e.is_regular_file();
        QVERIFY(blobsAfter < blobsBefore);
        auto expired = (*f->alice).eventsOf(client::Event::Kind::MessagesExpired);
        QVERIFY(!expired.empty() && expired.front().conversation == f->matter);
        auto convs = f->alice->conversations();
        QVERIFY(convs && !convs->empty());
        QCOMPARE(convs->front().lastMessage, std::string("new question"));
        // Without the policy's day passing, nothing more goes.
        auto again = f->alice->applyDeviceRetention();
        QVERIFY(again && *again == 0);
        QVERIFY(inHistory(*f->alice, f->matter, "new question"));

        // The journal keeps everything: compliance finds the removed messages.
        QVERIFY(f->alice->waitForOutbox(20s));
        QTemporaryDir dir;
        auto pulled = pull(f->h, *f->officer, dir);
        QVERIFY(pulled);
        QVERIFY2(pulled->report.ok(), pulled->report.text().c_str());
        compliance::SearchQuery q;
        q.text = "deposit";
        auto hits = pulled->archive->search(q);
        QVERIFY(hits && hits->size() == 1);
        QCOMPARE(hits->front().text, std::string("old question about the deposit"));
    }

    // clients-may-save no. The client's save is refused (core and the real CLI, no file
    // written, exit code 1 like the CLI's other refusals); staff still save.
    void policyForbiddingClientSavesIsEnforcedInCoreAndCli() {
        auto f = makeFirm([](journal::FirmManifest& m) { m.policy.clientsMaySave = false; });
        QVERIFY(f);
        auto carolPolicy = f->carol->devicePolicy();
        QVERIFY(carolPolicy.known && !carolPolicy.staff && !carolPolicy.maySave &&
                carolPolicy.mayCopy);
        QVERIFY(f->alice->devicePolicy().maySave);
        const std::string path = writeFile(f->files, "lease.pdf", "%PDF-1.4 the lease");
        auto fromAlice = f->alice->sendAttachment(f->matter, path, "the lease");
        QVERIFY2(fromAlice, fromAlice ? "" : fromAlice.error().message.c_str());
        QVERIFY(eventually([&] { return inHistory(*f->carol, f->matter, "the lease"); }));

        const std::string target = f->files.path().toStdString() + "/carol-copy.pdf";
        auto refused = f->carol->saveAttachment(*fromAlice, 0, target);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Forbidden);
        QVERIFY2(refused.error().message.find("does not allow saving attachments") !=
                     std::string::npos,
                 refused.error().message.c_str());
        QVERIFY(!fs::exists(target));

        // The command-line client refuses the same way.
        f->carol->stop();
        const std::string profile = f->carol.get()->profile();
        f->carol.p->c.reset(); // the CLI opens the profile itself
        auto run = cli({"--profile", QString::fromStdString(profile), "save",
                        QString::fromStdString(*fromAlice), QString::fromStdString(target)});
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains("does not allow saving attachments"), qPrintable(run.err));
        QVERIFY(!fs::exists(target));
        QVERIFY(!fs::exists(target + ".verbatim-part"));

        // Staff may: Alice saves her own attachment (and the CLI does for her too).
        const std::string staffCopy = f->files.path().toStdString() + "/alice-copy.pdf";
        auto ok = f->alice->saveAttachment(*fromAlice, 0, staffCopy);
        QVERIFY2(ok, ok ? "" : ok.error().message.c_str());
        QCOMPARE(readFile(staffCopy), std::string("%PDF-1.4 the lease"));
        f->alice->stop();
        const std::string aliceProfile = f->alice.get()->profile();
        f->alice.p->c.reset();
        const std::string cliCopy = f->files.path().toStdString() + "/alice-cli-copy.pdf";
        auto cliRun = cli({"--profile", QString::fromStdString(aliceProfile), "save",
                           QString::fromStdString(*fromAlice), QString::fromStdString(cliCopy)});
        QVERIFY2(cliRun.code == 0, qPrintable(cliRun.err));
        QCOMPARE(readFile(cliCopy), std::string("%PDF-1.4 the lease"));
    }

    // a save is journaled (file name, message, device; no content) and compliance sees it
    // in the timeline and search, with verify clean; one made offline waits in the outbox.
    void saveIsJournaledAndShownToCompliance() {
        auto f = makeFirm({});
        QVERIFY(f);
        const std::string path = writeFile(f->files, "lease.pdf", "%PDF-1.4 secret lease terms");
        auto sent = f->carol->sendAttachment(f->matter, path, "signed lease");
        QVERIFY(sent);
        QVERIFY(eventually([&] { return inHistory(*f->alice, f->matter, "signed lease"); }));
        const std::string target = f->files.path().toStdString() + "/saved.pdf";
        QVERIFY(f->alice->saveAttachment(*sent, 0, target));
        QVERIFY(f->alice->waitForOutbox(20s));
        // Offline: the save happens, its record waits in the outbox and goes when online.
        f->carol->stop();
        QVERIFY(eventually([&] { return !f->carol->isConnected(); }));
        auto offline =
            f->carol->saveAttachment(*sent, 0, f->files.path().toStdString() + "/carol.pdf");
        QVERIFY2(offline, offline ? "" : offline.error().message.c_str());
        auto waiting = f->carol->outboxSize();
        QVERIFY(waiting && *waiting >= 1);
        f->carol->start();
        QVERIFY(f->carol->waitUntilSynced(20s));
        QVERIFY(eventually([&] {
            auto n = f->carol->outboxSize();
            return n && *n == 0;
        }));

        QTemporaryDir dir;
        auto pulled = pull(f->h, *f->officer, dir);
        QVERIFY(pulled);
        QVERIFY2(pulled->report.ok(), pulled->report.text().c_str());
        auto events = pulled->archive->timeline(f->matter);
        QVERIFY(events);
        std::vector<compliance::TimelineEvent> saves;
        for (auto& e : *events)
            if (e.kind == compliance::TimelineEvent::Kind::AttachmentSaved) saves.push_back(e);
        QCOMPARE(saves.size(), std::size_t(2));
        const std::string aliceUser = f->alice->account().user;
        QCOMPARE(saves[0].user, aliceUser);
        const std::string text = compliance::attachmentSavedText(saves[0].body);
        QVERIFY2(text.find("saved lease.pdf on device " + aliceUser + "/") == 0, text.c_str());
        QVERIFY2(text.find(*sent) != std::string::npos, text.c_str());
        QVERIFY(saves[0].body.find("secret lease terms") == std::string::npos);
        QVERIFY(saves[0].attachments.empty()); // names it, carries nothing of it
        QCOMPARE(saves[1].user, f->carol->account().user);
        compliance::SearchQuery q;
        q.text = "saved lease.pdf";
        auto hits = pulled->archive->search(q);
        QVERIFY(hits);
        QCOMPARE(hits->size(), std::size_t(2));
        QVERIFY2(hits->front().text.find("saved lease.pdf on device") == 0,
                 hits->front().text.c_str());
        // Nobody's chat shows it.
        auto carolView = f->carol->history(f->matter, 200);
        QVERIFY(carolView);
        for (auto& m : *carolView)
            QVERIFY(m.body.find("saved") == std::string::npos);
    }

    // an admin's wipe of a client's device is refused (naming the policy) unless the
    // manifest allows it; then it is carried out. A staff device's wipe never needed it.
    void adminWipeOfClientDeviceFollowsThePolicy() {
        auto f = makeFirm({});
        QVERIFY(f);
        auto admin = joinParty(f->h.enrollLink("root", proto::ROLE_ADMIN), "Admin");
        QVERIFY(admin);
        admin->start();
        QVERIFY(eventually([&] { return admin->isConnected(); }));
        const auto carol = f->carol->account();
        auto refused = admin->adminWipe(carol.user, carol.device);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.find("policy does not allow erasing clients' devices") !=
                     std::string::npos,
                 refused.error().message.c_str());
        // The admin command on the relay's own store refuses too (the same check).
        auto direct = f->h.service().queueWipe(carol.user, carol.device, "admin-cli");
        QVERIFY(!direct);
        QVERIFY(client::Client::profileExists(f->carol.get()->profile()));
        QVERIFY(f->carol->sendText(f->matter, "still here"));
        QVERIFY(eventually([&] { return inHistory(*f->alice, f->matter, "still here"); }));
        // Staff devices: as before.
        const auto alice = f->alice->account();
        auto staffWipe = admin->adminWipe(alice.user, alice.device);
        QVERIFY2(staffWipe, staffWipe ? "" : staffWipe.error().message.c_str());
        QVERIFY(
            eventually([&] { return !client::Client::profileExists(f->alice.get()->profile()); }));

        // The firm allows it (a new root-signed manifest): the wipe goes through and the client's
        // device obeys.
        f->h.setManifestTweak(
            [](journal::FirmManifest& m) { m.policy.mayWipeClientDevices = true; });
        QVERIFY(f->h.restart());
        QVERIFY(eventually([&] { return admin->isConnected() && f->carol->isConnected(); }));
        auto allowed = admin->adminWipe(carol.user, carol.device);
        QVERIFY2(allowed, allowed ? "" : allowed.error().message.c_str());
        QVERIFY(
            eventually([&] { return !client::Client::profileExists(f->carol.get()->profile()); }));
    }

    // a client's device ignores, and reports, a wipe command its firm's signed policy does
    // not allow (a relay that wipes anyway: here one that queued the wipe under a manifest the
    // client never saw, then serves the one that forbids it).
    void clientDeviceIgnoresWipeThePolicyForbids() {
        auto f = makeFirm({});
        QVERIFY(f);
        const Bytes forbidding = f->h.signedManifestBytes();
        const auto carol = f->carol->account();
        f->carol->stop();
        QVERIFY(eventually([&] { return !f->carol->isConnected(); }));
        f->h.setManifestTweak(
            [](journal::FirmManifest& m) { m.policy.mayWipeClientDevices = true; });
        QVERIFY(f->h.restart());
        QVERIFY(f->h.service().queueWipe(carol.user, carol.device, "admin-cli"));
        f->h.serveManifestBytes(forbidding);
        QVERIFY(f->h.restart());
        f->carol->start();
        QVERIFY(eventually(
            [&] { return !(*f->carol).eventsOf(client::Event::Kind::WipeRefused).empty(); }));
        QVERIFY((*f->carol).eventsOf(client::Event::Kind::Wiped).empty());
        QVERIFY(client::Client::profileExists(f->carol.get()->profile()));
        auto history = f->carol->history(f->matter, 10);
        QVERIFY(history); // the profile is intact and readable
    }
};

QTEST_GUILESS_MAIN(TestDevicePolicy)
#include "tst_device_policy.moc"
