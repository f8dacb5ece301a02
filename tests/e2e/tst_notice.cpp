// Issue 22, "A fair recording notice": against a real relay over TLS, with the product's client
// core and the real verbatim-cli:
//   - the notice a client reads before joining names who invited it and to which matter (from
//     the relay's answer about the invite) and states the retention period, the privacy notice
//     link and whether the firm may erase the client's copy (from the root-signed manifest);
//     where the manifest sets no period it says so, and only an https:// link is a link;
//   - asking registers nobody;
//   - declining registers nobody, sends nothing into the matter, kills the invite (a later
//     join is refused), shows "declined" in the lawyer's list and is journaled with no client
//     content;
//   - declining an invite that was used, revoked, expired or already declined, a guessed
//     token, or an enrollment link is refused with a clear error and changes nothing.

#include <QProcess>
#include <QtTest>

#include <algorithm>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "RelayProgram.h"
#include "client/core/InviteNotice.h"
#include "journal/JournalCrypto.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

const std::string kPrivacy = "https://firm.example/privacy-notice";

void firmPolicy(journal::FirmManifest& m) {
    m.retention.yearsAfterClose = 6;
    m.retention.yearsDirect = 2;
    m.privacyNoticeUrl = kPrivacy;
    m.policy.mayWipeClientDevices = true;
}

/// Alice Adams (lawyer) joined through the product's client, with the matter "Estate of Doe"
/// (number 2024/117, client Carol Smith) open.
PartyHandle aliceWithMatter(e2e::Harness& h) {
    if (!h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test")) return {};
    auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
    if (!alice) return {};
    alice->start();
    if (!alice->waitUntilSynced(20s)) return {};
    if (!alice->createConversation("Estate of Doe", true, {}, "2024/117", "Carol Smith")) return {};
    return alice;
}

std::optional<client::InviteView> inviteById(client::Client& c, const std::string& link) {
    auto list = c.invites();
    if (!list) return std::nullopt;
    const std::string id = e2e::linkToken(link).substr(0, 8);
    for (const auto& v : *list)
        if (v.id == id) return v;
    return std::nullopt;
}

bool hasClientUser(e2e::Harness& h) {
    auto users = h.service().listUsers();
    return users && std::any_of(users->begin(), users->end(),
                                [](const auto& u) { return u.role == proto::ROLE_CLIENT; });
}

struct Run {
    int code = -1;
    QByteArray out, err;
};

Run cli(const QStringList& args, const QString& passphrase = QString::fromLatin1(kPass)) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VERBATIM_PASSPHRASE", passphrase);
    p.setProcessEnvironment(env);
    p.start(VERBATIM_CLI_BIN, args);
    Run r;
    p.closeWriteChannel(); // not a terminal: the CLI asks nothing
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestNotice : public QObject {
    Q_OBJECT

private slots:
    // C-NOTICE-3: every fact of the notice, each from where the client can check it.
    void noticeNamesInviterMatterRetentionPrivacyAndErasure() {
        e2e::Harness h;
        QVERIFY(h.ok());
        h.setManifestTweak(firmPolicy);
        QVERIFY(h.restart());
        auto alice = aliceWithMatter(h);
        QVERIFY(alice);
        auto link = alice->createInvite("Estate of Doe");
        QVERIFY2(link, link ? "" : link.error().message.c_str());

        auto notice = client::previewInvite(*link);
        QVERIFY2(notice, notice ? "" : notice.error().message.c_str());
        QCOMPARE(notice->firmName, std::string("Test Firm LLP"));
        QCOMPARE(notice->inviterName, std::string("Alice Adams"));
        QCOMPARE(notice->matterTitle, std::string("Estate of Doe"));
        QCOMPARE(notice->matterNumber, std::string("2024/117"));
        QCOMPARE(notice->clientName, std::string("Carol Smith"));
        QCOMPARE(notice->retentionYears, 6u);
        QCOMPARE(notice->privacyNoticeUrl, kPrivacy);
        QVERIFY(notice->firmMayErase);
        QVERIFY(notice->expiresMs > 0);
        const auto lines = client::noticeStatements(*notice);
        QCOMPARE(lines.size(), std::size_t(4));
        QCOMPARE(lines[0], std::string("Alice Adams of Test Firm LLP invited you to the matter "
                                       "\"Estate of Doe\" (ref. 2024/117), for Carol Smith."));
        QVERIFY(lines[1].find("for 6 years after the matter closes") != std::string::npos);
        QCOMPARE(lines[2], "How the firm uses your personal data: " + kPrivacy);
        QVERIFY(lines[3].find("may erase the copy") != std::string::npos);

        // Asking registered nobody and spent nothing: the invite is still open.
        QVERIFY(!hasClientUser(h));
        auto v = inviteById(*alice.get()->c, *link);
        QVERIFY(v);
        QCOMPARE(v->state, std::string("open"));
    }

    // Where the manifest sets no retention and no privacy notice and keeps client copies, the
    // notice says so plainly instead of inventing a number; only https:// is ever a link.
    void noticeSaysPlainlyWhatTheFirmDidNotSet() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = aliceWithMatter(h);
        QVERIFY(alice);
        auto link = alice->createInvite("Estate of Doe");
        QVERIFY(link);
        auto notice = client::previewInvite(*link);
        QVERIFY2(notice, notice ? "" : notice.error().message.c_str());
        QCOMPARE(notice->retentionYears, 0u);
        QVERIFY(notice->privacyNoticeUrl.empty());
        QVERIFY(!notice->firmMayErase);
        const auto lines = client::noticeStatements(*notice);
        QVERIFY(lines[1].find("as long as the firm's records policy requires") !=
                std::string::npos);
        QVERIFY(lines[2].find("has not published a privacy notice") != std::string::npos);
        QVERIFY(lines[3].find("will not erase the copy") != std::string::npos);

        QVERIFY(client::isShowableLink(kPrivacy));
        QVERIFY(!client::isShowableLink("http://firm.example/privacy"));
        QVERIFY(!client::isShowableLink("javascript:alert(1)"));
        QVERIFY(!client::isShowableLink("https://firm.example/a b"));
        QVERIFY(!client::isShowableLink("https://"));
        QVERIFY(!client::isShowableLink("HTTPS://firm.example\n"));
    }

    // Decline: nothing registered, nothing in the conversation, the invite dead for good,
    // "declined" in the lawyer's list, and the journal says so without any client content.
    void declineSendsNothingAndKillsTheInvite() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto olive = h.enrollStaff("olive", proto::ROLE_COMPLIANCE);
        QVERIFY(olive);
        QVERIFY(olive->connect(h.endpoint()));
        auto alice = aliceWithMatter(h);
        QVERIFY(alice);
        auto link = alice->createInvite("Estate of Doe");
        QVERIFY(link);
        auto convs = alice->conversations();
        QVERIFY(convs && convs->size() == 1);
        const std::string conv = convs->front().id;

        auto declined = client::declineInvite(*link);
        QVERIFY2(declined, declined ? "" : declined.error().message.c_str());
        QVERIFY(declined->declinedMs > 0);
        QCOMPARE(declined->inviterName, std::string("Alice Adams"));

        // Nobody registered; the matter still has Alice alone and no message.
        QVERIFY(!hasClientUser(h));
        auto after = alice->conversations();
        QVERIFY(after && after->size() == 1);
        QCOMPARE(after->front().members.size(), std::size_t(1));
        QVERIFY(alice->waitUntilSynced(10s));
        auto msgs = alice->history(conv, 100);
        QVERIFY(msgs);
        for (const auto& m : *msgs) // not even a system line about a client
            QVERIFY2(m.kind != client::MessageKind::Text && m.kind != client::MessageKind::Notice &&
                         m.senderUser.rfind("client-", 0) != 0 &&
                         m.body.find("Carol") == std::string::npos,
                     m.body.c_str());

        // The lawyer's list says declined, with when.
        auto v = inviteById(*alice.get()->c, *link);
        QVERIFY(v);
        QCOMPARE(v->state, std::string("declined"));
        QCOMPARE(v->declinedMs, declined->declinedMs);
        // It cannot be revoked any more either: it is over.
        auto revoke = alice->revokeInvite(v->id);
        QVERIFY(!revoke);
        QVERIFY2(revoke.error().message.find("declined") != std::string::npos,
                 revoke.error().message.c_str());

        // A declined invite cannot be used afterwards, nor asked about or declined again.
        QVERIFY(!joinParty(*link, "Carol Smith", true));
        Party mallory;
        client::JoinOptions o;
        o.displayName = "Mallory";
        auto joined = client::Client::join(mallory.profile(), kPass, *link, o);
        QVERIFY(!joined);
        QVERIFY2(joined.error().message.find("declined") != std::string::npos,
                 joined.error().message.c_str());
        QVERIFY(!client::Client::profileExists(mallory.profile()));
        auto again = client::declineInvite(*link);
        QVERIFY(!again);
        QVERIFY2(again.error().message.find("declined") != std::string::npos,
                 again.error().message.c_str());
        QVERIFY(!client::previewInvite(*link));
        QVERIFY(!hasClientUser(h));

        // The journal: one invite-declined entry by the relay, naming the invite, the matter and
        // its lawyer; nothing after the invite but that, and no entry by any client.
        auto entries = e2e::pullJournalEntries(*olive);
        QVERIFY2(entries, entries ? "" : entries.error().message.c_str());
        int declines = 0;
        for (const auto& e : *entries) {
            QCOMPARE(e.header.senderUser, std::string("relay"));
            auto opened = journal::openEntry(e, h.journalKey(), h.relayIdentityPublic());
            QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
            const std::string& body = opened->record.body();
            if (body.find("\"invite-declined\"") == std::string::npos) continue;
            ++declines;
            QVERIFY(body.find("\"invite\":\"" + v->id + "\"") != std::string::npos);
            QVERIFY(body.find("\"conversation\":\"" + conv + "\"") != std::string::npos);
            QVERIFY(body.find("\"inviter\":\"alice\"") != std::string::npos);
            QVERIFY(body.find("Carol") == std::string::npos);
        }
        QCOMPARE(declines, 1);
    }

    // A hostile or late client: used, revoked, expired, guessed, enrollment links are refused
    // with the reason, and nothing changes.
    void declineIsRefusedForInvitesThatAreNotOpen() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = aliceWithMatter(h);
        QVERIFY(alice);

        // Used: Carol joined through it.
        auto used = alice->createInvite("Estate of Doe");
        QVERIFY(used);
        auto carol = joinParty(*used, "Carol Smith", true);
        QVERIFY(carol);
        auto r = client::declineInvite(*used);
        QVERIFY(!r);
        QVERIFY2(r.error().message.find("already been used") != std::string::npos,
                 r.error().message.c_str());
        QCOMPARE(inviteById(*alice.get()->c, *used)->state, std::string("redeemed"));

        // Revoked by the lawyer.
        auto revoked = alice->createInvite("Estate of Doe");
        QVERIFY(revoked);
        QVERIFY(alice->revokeInvite(e2e::linkToken(*revoked).substr(0, 8)));
        r = client::declineInvite(*revoked);
        QVERIFY(!r);
        QVERIFY2(r.error().message.find("revoked") != std::string::npos, r.error().message.c_str());
        QCOMPARE(inviteById(*alice.get()->c, *revoked)->state, std::string("revoked"));

        // Expired (a TTL of 0 is expired at once).
        auto expiredRelayLink = h.service().inviteToMatter("alice", "Estate of Doe", 0);
        QVERIFY(expiredRelayLink);
        const std::string expired = h.link("join", e2e::linkToken(*expiredRelayLink));
        r = client::declineInvite(expired);
        QVERIFY(!r);
        QVERIFY2(r.error().message.find("expired") != std::string::npos, r.error().message.c_str());
        QCOMPARE(inviteById(*alice.get()->c, expired)->state, std::string("expired"));

        // Someone else's invite, known only by its id (the first 8 hex digits, which lists
        // show): a guessed rest is an invalid token, and the real invite stays open.
        auto open = alice->createInvite("Estate of Doe");
        QVERIFY(open);
        const std::string token = e2e::linkToken(*open);
        std::string guess = token;
        guess[31] = guess[31] == '0' ? '1' : '0';
        r = client::declineInvite(h.link("join", guess));
        QVERIFY(!r);
        QVERIFY2(r.error().message.find("invalid token") != std::string::npos,
                 r.error().message.c_str());
        QCOMPARE(inviteById(*alice.get()->c, *open)->state, std::string("open"));

        // An enrollment link has no notice: the client refuses it before asking, and the relay
        // refuses it when asked directly.
        const std::string enroll = h.enrollLink("bob", proto::ROLE_LAWYER);
        r = client::declineInvite(enroll);
        QVERIFY(!r);
        QVERIFY2(r.error().message.find("enrollment link") != std::string::npos,
                 r.error().message.c_str());
        auto raw = client::RelayConnection::askInvite(h.endpoint(), e2e::linkToken(enroll), true);
        QVERIFY(!raw);
        QCOMPARE(raw.error().detail, 400);
        // ... and it still enrols Bob.
        QVERIFY(joinParty(enroll, "Bob"));

        // The open invite still works for its client.
        QVERIFY(joinParty(*open, "Dora Client", true));
        QCOMPARE(inviteById(*alice.get()->c, *open)->state, std::string("redeemed"));
    }

    // The real verbatim-cli: `join` shows the notice and, undecided, stops with nothing sent;
    // `join --decline` declines; the lawyer's `invites` lists it as declined; a later
    // `join --accept-notice` is refused.
    void cliShowsTheNoticeAndDeclines() {
        e2e::Harness h;
        QVERIFY(h.ok());
        h.setManifestTweak(firmPolicy);
        QVERIFY(h.restart());
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        QTemporaryDir dir;
        const QString lawyer = dir.filePath("alice"), client = dir.filePath("carol");
        auto r = cli({"--profile", lawyer, "join",
                      QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "--name",
                      "Alice Adams"});
        QVERIFY2(r.code == 0, r.err.constData());
        r = cli({"--profile", lawyer, "create", "Estate of Doe", "--matter"});
        QVERIFY2(r.code == 0, r.err.constData());
        r = cli({"--profile", lawyer, "invite", "--matter", "Estate of Doe"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString link =
            QString::fromUtf8(r.out).split('\n').filter("verbatim://").value(0).trimmed();
        QVERIFY2(link.startsWith("verbatim://join"), r.out.constData());

        r = cli({"--profile", client, "join", link, "--name", "Carol Smith"});
        QCOMPARE(r.code, 3);
        const QString shown = QString::fromUtf8(r.out);
        QVERIFY2(shown.contains("Alice Adams of Test Firm LLP invited you to the matter \"Estate "
                                "of Doe\""),
                 r.out.constData());
        QVERIFY(shown.contains("for 6 years after the matter closes"));
        QVERIFY(shown.contains(QString::fromStdString(kPrivacy)));
        QVERIFY(shown.contains("may erase the copy"));
        QVERIFY(shown.contains("This conversation is recorded."));
        QVERIFY(shown.contains("Nothing was sent and no profile was made."));
        QVERIFY(!client::Client::profileExists(client.toStdString()));
        QVERIFY(!hasClientUser(h));

        r = cli({"--profile", client, "join", link, "--decline"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("You declined."), r.out.constData());
        QVERIFY(!client::Client::profileExists(client.toStdString()));

        r = cli({"--profile", lawyer, "invites"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("\tdeclined\t"), r.out.constData());

        r = cli({"--profile", client, "join", link, "--name", "Carol Smith", "--accept-notice"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("declined"), r.err.constData());
        QVERIFY(!hasClientUser(h));
    }

    // The whole path with the real programs: `verbatim-relay init`, the policy signed by the root
    // key with `verbatim-relay policy`, `serve`; the lawyer and the client are verbatim-cli. The
    // notice states what the signed policy says; the decline shows in `admin invites` too.
    void realProgramsStateTheSignedPolicy() {
        QTemporaryDir dir;
        const QString d = dir.path();
        const auto env = e2e::relayEnvironment("notice-test-relay-passphrase");
        auto relay = [&](const QStringList& args) {
            auto r = e2e::runProgram(VERBATIM_RELAY_BIN, args, env);
            if (r.code != 0)
                qWarning("verbatim-relay %s: %s", qPrintable(args.join(' ')), qPrintable(r.err));
            return r;
        };
        const std::uint16_t port = e2e::freeLoopbackPort();
        std::uint16_t adminPort = e2e::freeLoopbackPort();
        while (adminPort == port)
            adminPort = e2e::freeLoopbackPort();
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        {
            QFile f(d + "/journal.pub");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(toHex(journalKey->publicKey())));
        }
        const QString data = d + "/data", unlock = d + "/relay.unlock";
        QCOMPARE(relay({"init", "--data", data, "--unlock-file", unlock, "--firm", "Doe & Partners",
                        "--journal-key", d + "/journal.pub", "--root-key-out", d + "/root.key",
                        "--address", QString("127.0.0.1:%1").arg(port)})
                     .code,
                 0);
        QCOMPARE(relay({"policy", "--data", data, "--root-key", d + "/root.key",
                        "--retention-years", "7", "--privacy-notice",
                        QString::fromStdString(kPrivacy), "--wipe-client-devices", "no"})
                     .code,
                 0);
        auto enroll = relay({"admin", "--data", data, "--unlock-file", unlock, "enroll", "alice",
                             "--role", "lawyer", "--name", "Alice Adams"});
        QCOMPARE(enroll.code, 0);
        const QString aliceLink = enroll.out.trimmed();
        e2e::ServedRelay served;
        QVERIFY(served.start(VERBATIM_RELAY_BIN, data, unlock, port, adminPort, env));

        const QString lawyer = d + "/alice", client = d + "/carol";
        auto r = cli({"--profile", lawyer, "join", aliceLink, "--name", "Alice Adams"});
        QVERIFY2(r.code == 0, r.err.constData());
        r = cli({"--profile", lawyer, "invite", "--matter", "Estate of Roe"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString link =
            QString::fromUtf8(r.out).split('\n').filter("verbatim://").value(0).trimmed();
        QVERIFY2(link.startsWith("verbatim://join"), r.out.constData());

        r = cli({"--profile", client, "join", link, "--name", "Carol Roe"});
        QCOMPARE(r.code, 3);
        const QString shown = QString::fromUtf8(r.out);
        QVERIFY2(shown.contains("Alice Adams of Doe & Partners invited you to the matter \"Estate "
                                "of Roe\"."),
                 r.out.constData());
        QVERIFY(shown.contains("for 7 years after the matter closes"));
        QVERIFY(shown.contains("How the firm uses your personal data: " +
                               QString::fromStdString(kPrivacy)));
        QVERIFY(shown.contains("will not erase the copy"));
        QVERIFY(!client::Client::profileExists(client.toStdString()));

        r = cli({"--profile", client, "join", link, "--decline"});
        QVERIFY2(r.code == 0, r.err.constData());
        auto invites = relay({"admin", "--data", data, "--unlock-file", unlock, "invites"});
        QVERIFY(invites.out.contains("declined"));
        r = cli({"--profile", client, "join", link, "--name", "Carol Roe", "--accept-notice"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("declined"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestNotice)
#include "tst_notice.moc"
