// Over 600 lines on purpose: one Qt Test class of tier C scenarios; each starts its own
// e2e::Harness relay and shares the journal-opening and profile-scanning helpers above it.
//
// End-to-end tests of the client core against a real relay over TLS (TESTPLAN tier C):
// ES-03, ES-04, ES-06, ES-08, ES-10, PR-08, CF-05, ST-07 and the matter scenario of issue 4.
// Every party is a real client::Client with its own SQLCipher profile.

#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <random>
#include <thread>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "client/core/Client.h"
#include "client/core/Link.h"
#include "client/core/MediaType.h"
#include "crypto/PassphraseBox.h"
#include "journal/SealedEntry.h"

using namespace verbatim;
using namespace std::chrono_literals;

namespace {

using namespace verbatim::e2e::parties;

QByteArray randomBytes(int n) {
    QByteArray b(n, 0);
    std::mt19937 rng(12345);
    for (auto& c : b)
        c = char(rng());
    return b;
}

/// Pulls the whole journal through a compliance device and opens every entry written by one of
/// `devices` (user/device -> 33-byte identity key). Fails the test on a bad entry.
struct OpenedJournal {
    std::vector<proto::JournalRecord> records; // client-written entries, in journal order
    std::vector<journal::SealedEntry> entries;
};

Result<OpenedJournal> pullJournal(e2e::Harness& h, e2e::Device& officer,
                                  const std::map<std::string, Bytes>& devices) {
    auto entries = e2e::pullJournalEntries(officer);
    if (!entries) return tl::unexpected(entries.error());
    OpenedJournal out;
    for (auto& sealed : *entries) {
        std::string who =
            sealed.header.senderUser + "/" + std::to_string(sealed.header.senderDevice);
        auto it = devices.find(who);
        if (it == devices.end()) continue; // the relay's own audit entries
        auto opened = journal::openEntry(sealed, h.journalKey(), it->second);
        if (!opened)
            return fail(ErrorCode::AuthFailed, "entry from " + who + ": " + opened.error().message);
        out.records.push_back(opened->record);
        out.entries.push_back(sealed);
    }
    return out;
}

std::string who(Party& p) {
    auto a = p->account();
    return a.user + "/" + std::to_string(a.device);
}

Bytes identityOf(Party& p) {
    return *fromHex(p->identityKeyHex());
}

std::string hexId(const std::string& raw) {
    return toHex(view(raw));
}

/// Every file below `dir` (recursively), as bytes.
std::vector<std::pair<QString, QByteArray>> filesBelow(const QString& dir) {
    std::vector<std::pair<QString, QByteArray>> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QString path = it.next();
        QFile f(path);
        if (f.open(QIODevice::ReadOnly)) out.emplace_back(path, f.readAll());
    }
    return out;
}

} // namespace

class TestClientE2E : public QObject {
    Q_OBJECT

private slots:
    // Attachments are labelled by their content, never by their name; what libmagic answers is
    // reduced to a bare RFC 2045 type, and anything unrecognised is application/octet-stream.
    void mediaTypeFromContent() {
        auto type = [](const QByteArray& b) {
            return client::detectMediaType(ByteView(
                reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size())));
        };
        QCOMPARE(type(QByteArray("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")),
                 std::string("application/pdf"));
        QCOMPARE(type(QByteArray::fromHex(
                     "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")),
                 std::string("image/png"));
        QCOMPARE(type(QByteArray("Dear client,\nplease find the draft attached.\n")),
                 std::string("text/plain"));
        QCOMPARE(type(QByteArray()), std::string("application/octet-stream"));
        std::mt19937 rng(7);
        QByteArray noise(4096, 0);
        for (auto& c : noise)
            c = char(rng() & 0xff);
        noise[0] = char(0x00); // not text
        QCOMPARE(type(noise), std::string("application/octet-stream"));
        // Every answer is a bare type/subtype: no parameters, no spaces, lower case.
        for (const auto& t : {type(QByteArray("<html><body>hi</body></html>")), type(noise)}) {
            QVERIFY(t.find_first_of(" ;,\r\n\"") == std::string::npos);
            QCOMPARE(std::count(t.begin(), t.end(), '/'), 1);
        }
    }

    // Link parsing: both forms, and the ways a link can be wrong.
    // An attachment upload reports its progress in steps, ending at the total; the file arrives.
    void attachmentUploadReportsProgress() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto conv = alice->createConversation("Progress", true, {});
        QVERIFY(conv);
        QTemporaryDir dir;
        const QString file = dir.path() + "/big.bin";
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(randomBytes(700 * 1024));
        }
        std::vector<std::pair<std::uint64_t, std::uint64_t>> steps;
        auto id = alice->sendAttachment(*conv, file.toStdString(), "big",
                                        [&](std::uint64_t done, std::uint64_t total) {
                                            steps.push_back({done, total});
                                        });
        QVERIFY2(id, id ? "" : id.error().message.c_str());
        QVERIFY(steps.size() >= 10); // 700 KiB in 64 KiB steps
        for (std::size_t i = 1; i < steps.size(); ++i) {
            QVERIFY(steps[i].first > steps[i - 1].first);
            QCOMPARE(steps[i].second, steps[0].second);
        }
        QCOMPARE(steps.back().first, steps.back().second);
        QVERIFY(steps.back().second >= 700u * 1024);
        QVERIFY(alice->saveAttachment(*id, 0, (dir.path() + "/back.bin").toStdString()));
        QFile a(file), b(dir.path() + "/back.bin");
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QCOMPARE(a.readAll(), b.readAll());
    }

    // C-ATT-1: the media type is a label. An executable script (sent with its execute bits)
    // is labelled as what it is and saved as plain data: no execute bit, the bytes unchanged.
    // C-UTF8-1: every string of a record is UTF-8. A file name from the file system may hold any
    // bytes: it is sent with U+FFFD in place of the bad ones. Text that is not UTF-8 is refused
    // with a clear error before anything is queued, so nothing is left stuck in the outbox.
    void nonUtf8NamesAndTextNeverStickInTheOutbox() {
        QCOMPARE(toValidUtf8("caf\xe9.txt"), std::string("caf\xef\xbf\xbd.txt"));
        QCOMPARE(toValidUtf8("r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84"),
                 std::string("r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84"));
        QVERIFY(isUtf8(toValidUtf8("\xed\xa0\x80\xc0\xaf\xf8\x88\x80\x80\x80 x")));
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto bob = joinParty(h.enrollLink("bob", proto::ROLE_LAWYER), "Bob Baker");
        QVERIFY(alice && bob);
        alice->start();
        bob->start();
        QVERIFY(alice->waitUntilSynced(20s) && bob->waitUntilSynced(20s));
        auto conv = alice->createConversation("Names", true, {"bob"});
        QVERIFY(conv);
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString() + "/caf\xe9.txt"; // Latin-1 on disk
        {
            std::ofstream f(path, std::ios::binary);
            f << "menu";
        }
        auto id = alice->sendAttachment(*conv, path, "", {});
        QVERIFY2(id, id ? "" : id.error().message.c_str());
        QVERIFY(alice->waitForOutbox(20s));
        QVERIFY(eventually([&] { return msg(*bob, *id).has_value(); }));
        QCOMPARE(msg(*bob, *id)->attachments.at(0).fileName, std::string("caf\xef\xbf\xbd.txt"));
        for (const std::string bad : {std::string("\xff\xfe"), std::string("ok then \xc3")}) {
            auto t = alice->sendText(*conv, bad);
            QVERIFY(!t);
            QCOMPARE(t.error().code, ErrorCode::InvalidArgument);
            QVERIFY(t.error().message.find("UTF-8") != std::string::npos);
            auto a = alice->sendAttachment(*conv, path, bad, {});
            QVERIFY(!a);
            QCOMPARE(a.error().code, ErrorCode::InvalidArgument);
        }
        QVERIFY(alice->waitForOutbox(5s)); // nothing left behind
        auto after = alice->sendText(*conv, "still sending");
        QVERIFY(after && alice->waitForOutbox(20s));
        alice->stop();
        bob->stop();
    }

    void attachmentsAreSavedAsDataWhateverTheirType() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto conv = alice->createConversation("Scripts", true, {});
        QVERIFY(conv);
        QTemporaryDir dir;
        const QString file = dir.path() + "/run.sh";
        const QByteArray script("#!/bin/sh\necho ran > \"$0.ran\"\n");
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(script);
            f.close();
            QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        }
        auto id = alice->sendAttachment(*conv, file.toStdString(), "", {});
        QVERIFY2(id, id ? "" : id.error().message.c_str());
        const QString out = dir.path() + "/saved.sh";
        QVERIFY(alice->saveAttachment(*id, 0, out.toStdString()));
        QFile saved(out);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QCOMPARE(saved.readAll(), script);
        const auto perms = saved.permissions();
        QVERIFY(!(perms & (QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther | QFile::ExeUser)));
        QVERIFY(!QFile::exists(out + ".ran")); // nothing ran it
        alice->stop();
    }

    void linksParse() {
        const std::string token(32, 'a'), firm(32, 'b'), pin(64, 'c');
        auto l = client::parseLink("verbatim://join?relay=relay.example:8443&token=" + token +
                                   "&firm=" + firm + "&tls=" + pin);
        QVERIFY(l);
        QCOMPARE(l->kind, client::Link::Kind::Join);
        QCOMPARE(l->host, std::string("relay.example"));
        QCOMPARE(l->port, std::uint16_t(8443));
        QCOMPARE(l->tlsPin, pin);
        auto web = client::parseLink("https://relay.example/enroll#relay=relay.example:443&token=" +
                                     token + "&firm=" + firm + "\n");
        QVERIFY(web);
        QCOMPARE(web->kind, client::Link::Kind::Enroll);
        QVERIFY(web->tlsPin.empty());
        // C-FAIL-6: `alt`, the firm's other nodes in order; the link's own relay and repeats
        // are dropped.
        auto alt =
            client::parseLink("verbatim://join?relay=a.example:1&token=" + token + "&firm=" + firm +
                              "&alt=b.example:2_a.example:1_10.0.0.3:3_b.example:2");
        QVERIFY(alt);
        QCOMPARE(alt->alternates, (std::vector<std::string>{"b.example:2", "10.0.0.3:3"}));
        const std::string base = "verbatim://join?relay=a:1&token=" + token + "&firm=" + firm;
        const std::vector<std::string> bad = {
            base + "&alt=b",        // no port
            base + "&alt=b:0",      // port 0
            base + "&alt=b:1__c:2", // an empty entry
            base + "&alt=b.:1",     // not a host
            base + "&alt=b:1_",     // a trailing separator
            "",
            "join?relay=a:1",
            "verbatim://join",
            "verbatim://other?relay=a:1&token=" + token + "&firm=" + firm,
            "verbatim://join?relay=a&token=" + token + "&firm=" + firm,       // no port
            "verbatim://join?relay=a:0&token=" + token + "&firm=" + firm,     // port 0
            "verbatim://join?relay=a:70000&token=" + token + "&firm=" + firm, // port out of range
            "verbatim://join?relay=a:1&token=" + token.substr(1) + "&firm=" + firm, // short token
            "verbatim://join?relay=a:1&token=" + std::string(32, 'A') +
                "&firm=" + firm,                        // not lowercase hex
            "verbatim://join?relay=a:1&token=" + token, // nothing to pin
            "verbatim://join?relay=a:1&token=" + token + "&firm=" + firm + "&tls=xyz", // bad pin
            "https://relay.example/join?token=" + token, // query, not fragment
            "verbatim://join?relay=a:1&token=" + token + "&firm=" + firm + "&x" +
                std::string(3000, 'y'),
        };
        for (const auto& b : bad) {
            auto r = client::parseLink(b);
            QVERIFY2(!r, b.substr(0, 80).c_str());
            QCOMPARE(r.error().code, ErrorCode::Malformed);
        }
    }

    // Issue 23 (C-LINK-1, C-LINK-7): a name given twice is refused in every form, known or not
    // (the page at /i/ and the app would otherwise read two different links); the https invite
    // form /i/ (or /i) must point at the relay it names, its address read as a browser reads it
    // (case, percent-escapes, default port, IPv4 forms) and refused where it reads otherwise than
    // it looks (a user name before the host, spaces, backslashes, non-ASCII, IDN, trailing dot).
    void linksNameTheirRelayOnceAndWebInvitesTheirServer() {
        const std::string t = "&token=" + std::string(32, 'a') + "&firm=" + std::string(32, 'b');
        const std::vector<std::pair<std::string, std::uint16_t>> good = {
            {"https://relay.example/i/#relay=relay.example:443" + t, 443},
            {"https://relay.example:443/i#relay=relay.example:443" + t, 443},
            {"https://Relay.EXAMPLE:/i/#relay=relay.example:443" + t, 443},
            {"HTTPS://relay.example:8443/i/#relay=RELAY.example:8443" + t, 8443},
            {"https://relay%2Eexample:8443/i/#relay=relay.example:8443" + t, 8443},
            {"https://2130706433:8443/i/#relay=127.0.0.1:8443" + t, 8443},
            {"https://127.1:8443/i/#relay=127.0.0.1:8443" + t, 8443},
            {"https://elsewhere.example/links/join#relay=relay.example:8443" + t, 8443},
        };
        for (const auto& [text, port] : good) {
            auto l = client::parseLink(text);
            QVERIFY2(l, (text.substr(0, 60) + ": " + (l ? "" : l.error().message)).c_str());
            QCOMPARE(l->kind, client::Link::Kind::Join);
            QCOMPARE(l->port, port);
        }
        const std::string r = "relay=relay.example:443";
        const std::vector<std::string> bad = {
            // Duplicates, either order, in both forms, known or not.
            "verbatim://join?" + r + "&relay=evil.example:443" + t,
            "verbatim://join?relay=evil.example:443&" + r + t,
            "verbatim://join?" + r + t + "&token=" + std::string(32, 'c'),
            "verbatim://join?" + r + t + "&x=1&x=1",
            "https://relay.example/i/#" + r + "&relay=evil.example:443" + t,
            "https://relay.example/i/#relay=evil.example:443&" + r + t,
            "https://relay.example/join#" + r + t + "&x=1&x=2",
            // The /i/ form names another relay than the server it points at.
            "https://relay.example/i/#relay=evil.example:443" + t,
            "https://relay.example/i/#relay=relay.example:8443" + t, // no port: 443
            "https://relay.example:8443/i/#" + r + t,
            "https://relay.example.com/i/#" + r + t,
            // Addresses that read otherwise than they look.
            "https://relay.example%2F@evil.example/i/#relay=evil.example:443" + t,
            "https://firm@relay.example/i/#" + r + t,
            "https://relay.example\\@evil.example/i/#" + r + t,
            "https://relay.example./i/#" + r + t,
            "https://relay.example./i/#relay=relay.example.:443" + t,
            "https://r\xd0\xb5lay.example/i/#relay=r\xd0\xb5lay.example:443" + t, // Cyrillic e
            "https://xn--rlay-8ve.example/i/#relay=xn--rlay-8ve.example:443" + t,
            "https://rel\tay.example/i/#" + r + t,
            "https://relay.example:0/i/#" + r + t,
            "https://relay.example:99999/i/#" + r + t,
            "https://relay.example/i/?x#" + r + t,
            "https://relay.example/x/i/#" + r + t,
            "https://relay.example/i/x#" + r + t,
            "https://0x1g.example.1/i/#" + r + t,
            // Relay hosts only one reading of which is taken, and characters no link has.
            "verbatim://join?relay=0x7f.1:443" + t,
            "verbatim://join?relay=127.1:443" + t,
            "verbatim://join?relay=127.0.0.01:443" + t,
            "verbatim://join?relay=xn--rlay-8ve.example:443" + t,
            "verbatim://join?relay=relay..example:443" + t,
            "verbatim://join?relay=relay.example:000443" + t,
            "verbatim://join?" + r + t + "&x=%41",
            "verbatim://join?" + r + t + "&=1",
        };
        for (const auto& b : bad) {
            auto l = client::parseLink(b);
            QVERIFY2(!l, b.substr(0, 80).c_str());
            QCOMPARE(l.error().code, ErrorCode::Malformed);
            QVERIFY(l.error().message.find(std::string(32, 'a')) == std::string::npos);
        }
        // The app's web form of an invite names its relay, so it reads back as the same link.
        const std::string invite = "verbatim://join?relay=Relay.Example:8443" + t + "&mv=5";
        const auto web = client::webInviteLink(invite);
        QCOMPARE(web, "https://Relay.Example:8443/i/#" + invite.substr(16));
        auto back = client::parseLink(web);
        QVERIFY2(back, back ? "" : back.error().message.c_str());
        QCOMPARE(back->host, std::string("Relay.Example"));
        QCOMPARE(back->minManifestMs, std::uint64_t(5));
    }

    // Issue 4's scenario: a lawyer with two devices, a supervisor and a client invited by link
    // share a matter. Text, an attachment, an edit, a reaction, a retraction and receipts reach
    // every device; the journal holds exactly one entry per message, the retracted original
    // included (ES-03, ES-04).
    void matterReachesEveryDevice() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice1 = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        QVERIFY(alice1);
        alice1->start();
        QVERIFY(alice1->waitUntilSynced(20s));
        // Alice's second device, linked from her first, which approves it (issue 15 break 2).
        auto deviceLink = alice1->createDeviceLink();
        QVERIFY(deviceLink);
        auto alice2 = joinParty(*deviceLink, "Alice Adams");
        QVERIFY(alice2);
        auto sam = joinParty(h.enrollLink("sam", proto::ROLE_SUPERVISOR), "Sam Super");
        QVERIFY(alice1 && alice2 && sam);
        QCOMPARE(alice1->account().role, std::string("lawyer"));
        QVERIFY(!alice1->account().noticeRequired);
        for (auto* p : {alice1.get(), alice2.get(), sam.get()}) {
            (*p)->start();
            QVERIFY((*p)->waitUntilSynced(20s));
        }
        auto conv = alice1->createConversation("Estate of Doe", true, {"sam"});
        QVERIFY2(conv, conv ? "" : conv.error().message.c_str());
        auto invite = alice1->createInvite("Estate of Doe");
        QVERIFY2(invite, invite ? "" : invite.error().message.c_str());
        QVERIFY(invite->rfind("verbatim://join?", 0) == 0);

        // The client joins; until the recording notice is accepted nothing can be sent.
        auto carol = joinParty(*invite, "Carol Client");
        QVERIFY(carol);
        QVERIFY(carol->account().noticeRequired);
        QVERIFY(!carol->account().noticeAccepted);
        auto early = carol->sendText(*conv, "can I write yet?");
        QVERIFY(!early);
        QVERIFY(early.error().message.find("recording notice") != std::string::npos);
        QVERIFY(carol->acceptNotice());
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));

        auto m1 = alice1->sendText(*conv, "Please review clause 4 of the will");
        QVERIFY(m1);
        for (auto* p : {alice2.get(), sam.get(), carol.get()})
            QVERIFY2(
                eventually([&] { return hasBody(*p, *m1, "Please review clause 4 of the will"); }),
                who(*p).c_str());
        // Sent-message sync: the lawyer's second device shows it as sent by her.
        QVERIFY(msg(*alice2, *m1)->outgoing);
        QVERIFY(!msg(*carol, *m1)->outgoing);
        QCOMPARE(msg(*carol, *m1)->senderUser, std::string("alice"));

        // An attachment from the client reaches every device and decrypts to the same bytes.
        QTemporaryDir files;
        // A PDF by its content (the media type is sniffed from the bytes, issue 17).
        const QByteArray scan =
            QByteArray("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") + randomBytes(300 * 1024);
        {
            QFile f(files.filePath("scan.pdf"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(scan);
        }
        auto a1 =
            carol->sendAttachment(*conv, files.filePath("scan.pdf").toStdString(), "signed page");
        QVERIFY2(a1, a1 ? "" : a1.error().message.c_str());
        for (auto* p : {alice1.get(), alice2.get(), sam.get()}) {
            QVERIFY(eventually([&] { return msg(*p, *a1).has_value(); }));
            auto m = *msg(*p, *a1);
            QCOMPARE(m.kind, client::MessageKind::Attachment);
            QCOMPARE(m.attachments.size(), std::size_t(1));
            QCOMPARE(m.attachments[0].fileName, std::string("scan.pdf"));
            QCOMPARE(m.attachments[0].mimeType, std::string("application/pdf"));
            QString out =
                files.filePath(QString::fromStdString("got-" + who(*p)).replace('/', '-'));
            auto saved = (*p)->saveAttachment(*a1, 0, out.toStdString());
            QVERIFY2(saved, saved ? "" : saved.error().message.c_str());
            QFile f(out);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.readAll() == scan);
        }

        // Names and roles come from the firm's directory.
        QCOMPARE(msg(*alice1, *a1)->senderName, std::string("Carol Client"));
        {
            auto list = alice1->conversations();
            QVERIFY(list && list->size() == 1);
            const auto& c = list->front();
            QCOMPARE(c.title, std::string("Estate of Doe"));
            QVERIFY(c.isMatter);
            QCOMPARE(c.members.size(), std::size_t(3));
            QCOMPARE(c.memberNames.size(), std::size_t(3));
            QVERIFY(std::find(c.memberRoles.begin(), c.memberRoles.end(), "client") !=
                    c.memberRoles.end());
            QVERIFY(std::find(c.memberNames.begin(), c.memberNames.end(), "Carol Client") !=
                    c.memberNames.end());
        }

        // The lawyer edits from her other device; everyone sees the new text and the marker.
        auto e1 = alice2->edit(*m1, "Please review clauses 4 and 7 of the will");
        QVERIFY2(e1, e1 ? "" : e1.error().message.c_str());
        for (auto* p : {alice1.get(), sam.get(), carol.get()})
            QVERIFY(eventually(
                [&] { return hasBody(*p, *m1, "Please review clauses 4 and 7 of the will"); }));
        QVERIFY(msg(*carol, *m1)->edited);
        // Only the author edits.
        QVERIFY(!carol->edit(*m1, "forged"));

        auto r1 = sam->react(*m1, "👍");
        QVERIFY(r1);
        QVERIFY(eventually([&] {
            auto m = msg(*alice1, *m1);
            return m && m->reactions.size() == 1 &&
                   m->reactions[0] == std::pair<std::string, std::string>("sam", "👍");
        }));

        // Delete for everyone: gone from every device and from search; a placeholder stays.
        auto x1 = alice1->retract(*m1);
        QVERIFY(x1);
        for (auto* p : {alice1.get(), alice2.get(), sam.get(), carol.get()}) {
            QVERIFY(eventually([&] {
                auto m = msg(*p, *m1);
                return m && m->retracted;
            }));
            auto m = *msg(*p, *m1);
            QVERIFY(m.body.empty());
            QVERIFY(m.reactions.empty());
            QCOMPARE(m.retractedBy, std::string("alice"));
            QVERIFY((*p)->search("clauses")->empty());
            QVERIFY((*p)->search("will")->empty());
        }
        QVERIFY(!carol->search("signed page")->empty());

        // Receipts: delivered once every other member's device stored it, read once all read.
        auto m2 = alice1->sendText(*conv, "Thank you all");
        QVERIFY(m2);
        QVERIFY(eventually([&] {
            auto m = msg(*alice1, *m2);
            return m && (m->state == client::MessageState::Delivered ||
                         m->state == client::MessageState::Read);
        }));
        QVERIFY(
            eventually([&] { return msg(*carol, *m2).has_value() && msg(*sam, *m2).has_value(); }));
        QVERIFY(carol->markRead(*conv));
        QVERIFY(sam->markRead(*conv));
        QVERIFY(eventually([&] { return msg(*alice1, *m2)->state == client::MessageState::Read; }));

        // Compliance pulls the journal: one entry per logical message, byte-equal to what the
        // devices showed; the retracted original is still there (ES-03, ES-04).
        auto officer = h.enrollStaff("comply", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        std::map<std::string, Bytes> ids{{who(*alice1), identityOf(*alice1)},
                                         {who(*alice2), identityOf(*alice2)},
                                         {who(*sam), identityOf(*sam)},
                                         {who(*carol), identityOf(*carol)}};
        auto j = pullJournal(h, *officer, ids);
        QVERIFY2(j, j ? "" : j.error().message.c_str());
        std::map<std::string, std::vector<proto::JournalRecord>> byId;
        for (auto& r : j->records)
            byId[hexId(r.message_id())].push_back(r);
        for (const auto& id : {*m1, *a1, *e1, *r1, *x1, *m2})
            QCOMPARE(byId[id].size(), std::size_t(1));
        QCOMPARE(byId[*m1][0].type(), proto::TEXT);
        QCOMPARE(byId[*m1][0].body(), std::string("Please review clause 4 of the will"));
        QCOMPARE(byId[*e1][0].type(), proto::EDIT);
        QCOMPARE(hexId(byId[*e1][0].ref_message_id()), *m1);
        QCOMPARE(byId[*e1][0].body(), std::string("Please review clauses 4 and 7 of the will"));
        QCOMPARE(byId[*r1][0].type(), proto::REACTION);
        QCOMPARE(byId[*x1][0].type(), proto::RETRACT);
        QCOMPARE(hexId(byId[*x1][0].ref_message_id()), *m1);
        QCOMPARE(byId[*a1][0].type(), proto::ATTACHMENT);
        QCOMPARE(byId[*a1][0].attachments(0).size(), std::uint64_t(scan.size()));
        QCOMPARE(byId[*a1][0].attachments(0).file_name(), std::string("scan.pdf"));
        QCOMPARE(byId[*a1][0].attachments(0).mime_type(), std::string("application/pdf"));
        // The journal names every recipient device of a message.
        QCOMPARE(byId[*m2][0].recipients_size(), 3); // alice/2, sam and carol; not the sender
        int notices = 0, receipts = 0;
        for (auto& r : j->records) {
            if (r.type() == proto::NOTICE_ACCEPTED && r.sender().user() == carol->account().user)
                ++notices;
            if (r.type() == proto::RECEIPT) ++receipts;
        }
        QCOMPARE(notices, 1);
        QVERIFY(receipts >= 2);
    }

    // A client offline while the lawyer writes gets everything, in order, once back; a relay
    // restart in the middle of the conversation loses nothing and duplicates nothing.
    void offlineAndRelayRestartLoseNothing() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto carol = joinParty(h.inviteLink("alice", "Offline matter"), "Carol", true);
        QVERIFY(carol);
        auto conv = carol->resolveConversation("Offline matter");
        QVERIFY(conv);
        QVERIFY(alice->waitUntilSynced(5s));
        // Carol stays offline.
        std::vector<std::string> sent;
        for (int i = 0; i < 15; ++i) {
            auto id = alice->sendText(*conv, "before restart " + std::to_string(i));
            QVERIFY(id);
            sent.push_back(*id);
        }
        QVERIFY(alice->waitForOutbox(20s));
        // The relay goes down; the lawyer keeps writing into her outbox.
        h.stop();
        for (int i = 0; i < 5; ++i) {
            auto id = alice->sendText(*conv, "while the relay is down " + std::to_string(i));
            QVERIFY(id);
            sent.push_back(*id);
        }
        QCOMPARE(*alice->outboxSize(), std::size_t(5));
        QCOMPARE(msg(*alice, sent.back())->state, client::MessageState::Queued);
        QVERIFY(h.restart());
        QVERIFY(alice->waitForOutbox(30s));
        for (int i = 0; i < 5; ++i) {
            auto id = alice->sendText(*conv, "after restart " + std::to_string(i));
            QVERIFY(id);
            sent.push_back(*id);
        }
        QVERIFY(alice->waitForOutbox(20s));

        carol->start();
        QVERIFY(carol->waitUntilSynced(30s));
        auto hist = carol->history(*conv, 1000);
        QVERIFY(hist);
        std::vector<std::string> got;
        for (auto& m : *hist)
            if (m.kind == client::MessageKind::Text) got.push_back(m.id);
        QCOMPARE(got.size(), sent.size());
        QCOMPARE(got, sent); // all 25, in order, once
        QCOMPARE((*carol).eventsOf(client::Event::Kind::Message).size(), std::size_t(25));
        // The relay's queue for Carol is empty: everything was acknowledged after storing.
        carol->stop();
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        QCOMPARE((*carol).eventsOf(client::Event::Kind::Message).size(), std::size_t(25));
    }

    // ES-06 / ES-08: a patched sender shows A and journals B. The recipient refuses A (the
    // relay-stamped commitment does not open) and files a signed, journaled mismatch report.
    // The other half: a journal entry whose commitment opens A but whose sealed record says B
    // is caught by compliance when it opens the entry.
    void divergentEscrowIsDetected() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto mallory = h.enrollStaff("mallory", proto::ROLE_LAWYER);
        QVERIFY(mallory && mallory->connect(h.endpoint()));
        auto carol = joinParty(h.inviteLink("mallory", "Divergent"), "Carol", true);
        QVERIFY(carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        auto conv = *carol->resolveConversation("Divergent");

        // Shown: "pay account A"; journaled: "pay account B".
        proto::JournalRecord shown;
        auto send = e2e::buildSend(*mallory, conv, "Please pay the settlement into account A",
                                   h.journalKey().publicKey(), &shown);
        QVERIFY(send.envelopes_size() >= 1);
        proto::JournalRecord escrowed = shown;
        escrowed.set_body("Please pay the settlement into account B");
        auto sealed = journal::sealRecord(escrowed, h.journalKey().publicKey(),
                                          [&](ByteView m) { return mallory->sessions->sign(m); });
        QVERIFY(sealed);
        send.set_journal_entry(std::string(
            reinterpret_cast<const char*>(sealed->serialize().data()), sealed->serialize().size()));
        proto::Request req;
        *req.mutable_send() = send;
        QCOMPARE(mallory->connection->call(req)->status(), proto::STATUS_OK);

        const std::string id = hexId(shown.message_id());
        QVERIFY(eventually([&] { return msg(*carol, id).has_value(); }));
        auto m = *msg(*carol, id);
        QCOMPARE(m.state, client::MessageState::Mismatch);
        QVERIFY(m.body.empty()); // not displayed
        QVERIFY(carol->search("settlement")->empty());
        // The event follows the stored state, from the client's worker.
        QVERIFY(eventually(
            [&] { return (*carol).eventsOf(client::Event::Kind::JournalMismatch).size() == 1; }));
        QVERIFY(carol->waitForOutbox(20s));

        // The report is in the journal, signed by Carol's device, naming the message.
        auto officer = h.enrollStaff("comply", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        auto j =
            pullJournal(h, *officer,
                        {{who(*carol), identityOf(*carol)},
                         {"mallory/" + std::to_string(mallory->device), mallory->identityKey}});
        QVERIFY2(j, j ? "" : j.error().message.c_str());
        int reports = 0;
        for (auto& r : j->records)
            if (r.type() == proto::MISMATCH_REPORT) {
                ++reports;
                QCOMPARE(r.sender().user(), carol->account().user);
                QVERIFY(r.ref_message_id() == shown.message_id());
                QVERIFY(r.body().find(id) != std::string::npos);
                QVERIFY(r.body().find("account") == std::string::npos); // no content in the report
            }
        QCOMPARE(reports, 1);

        // Other half: the header commits to what was shown, the sealed record says otherwise.
        // Before issue 17 only compliance could see it; now every recipient opens the journal's
        // copy from the sender's ephemeral secret and withholds the message at once.
        proto::JournalRecord shown2;
        auto send2 = e2e::buildSend(
            *mallory, conv, "Meeting moved to 3pm", h.journalKey().publicKey(), &shown2, {},
            [](proto::JournalRecord& lie) { lie.set_body("Meeting cancelled"); });
        proto::Request req2;
        *req2.mutable_send() = send2;
        QCOMPARE(mallory->connection->call(req2)->status(), proto::STATUS_OK);
        const std::string id2 = hexId(shown2.message_id());
        QVERIFY(eventually([&] { return msg(*carol, id2).has_value(); }));
        auto m2 = *msg(*carol, id2);
        QCOMPARE(m2.state, client::MessageState::Mismatch);
        QVERIFY(m2.body.empty());
        QVERIFY(carol->search("3pm")->empty());
        QVERIFY(eventually(
            [&] { return (*carol).eventsOf(client::Event::Kind::JournalMismatch).size() == 2; }));
        QVERIFY(carol->waitForOutbox(20s));
        auto sealed2 = journal::SealedEntry::parse(view(send2.journal_entry()));
        QVERIFY(sealed2);
        auto opened = journal::openEntry(*sealed2, h.journalKey(), mallory->identityKey);
        QVERIFY(!opened);
        QCOMPARE(opened.error().detail, int(journal::Fault::CommitmentMismatch));
        // Carol's report names the journal copy check and the fault, never the content.
        auto j2 = pullJournal(h, *officer,
                              {{who(*carol), identityOf(*carol)}}); // Mallory's lie does not open
        QVERIFY2(j2, j2 ? "" : j2.error().message.c_str());
        int copyReports = 0;
        for (auto& r : j2->records)
            if (r.type() == proto::MISMATCH_REPORT && r.ref_message_id() == shown2.message_id()) {
                ++copyReports;
                QVERIFY2(r.body().find("\"journal_copy\":\"commitment-mismatch\"") !=
                             std::string::npos,
                         r.body().c_str());
                QVERIFY(r.body().find("3pm") == std::string::npos &&
                        r.body().find("cancelled") == std::string::npos);
            }
        QCOMPARE(copyReports, 1);

        // A sender that leaves out its ephemeral secret (so that nobody could check) is withheld too.
        proto::JournalRecord shown3;
        auto send3 = e2e::buildSend(*mallory, conv, "no key for you", h.journalKey().publicKey(),
                                    &shown3, [](proto::JournalRecord&) {});
        // Re-encrypt the same record without journal_ephemeral for Carol's device.
        {
            proto::JournalRecord noKey = shown3;
            noKey.clear_journal_ephemeral();
            const std::string payload = noKey.SerializeAsString();
            for (auto& env : *send3.mutable_envelopes()) {
                auto ct = mallory->sessions->encrypt({env.user(), std::int32_t(env.device())},
                                                     view(payload));
                QVERIFY(ct);
                env.set_type(std::uint32_t(ct->type));
                env.set_body(std::string(ct->body.begin(), ct->body.end()));
            }
        }
        proto::Request req3;
        *req3.mutable_send() = send3;
        QCOMPARE(mallory->connection->call(req3)->status(), proto::STATUS_OK);
        QVERIFY(eventually([&] { return msg(*carol, hexId(shown3.message_id())).has_value(); }));
        QCOMPARE(msg(*carol, hexId(shown3.message_id()))->state, client::MessageState::Mismatch);
    }

    // ES-10: a relay whose manifest (and so journal key) is not signed by the firm root the
    // link pins is refused at join, and nothing is kept.
    void foreignJournalKeyIsRefused() {
        e2e::Harness h;
        QVERIFY(h.ok());
        std::string link = h.enrollLink("alice", proto::ROLE_LAWYER);
        auto pos = link.find("&firm=") + 6;
        std::string forged = link;
        forged.replace(pos, 32, std::string(32, 'a'));
        QTemporaryDir dir;
        const std::string profile = dir.path().toStdString() + "/p";
        client::JoinOptions o;
        auto c = client::Client::join(profile, kPass, forged, o);
        QVERIFY(!c);
        QCOMPARE(c.error().code, ErrorCode::AuthFailed);
        QVERIFY(c.error().message.find("not signed by the firm") != std::string::npos);
        QVERIFY(!client::Client::profileExists(profile));
        QVERIFY(!QFile::exists(QString::fromStdString(profile + "/profile.db")));
        // Malformed links are refused before anything happens.
        for (std::string bad : std::vector<std::string>{
                 "https://example.com/", "verbatim://join?relay=x&token=zz",
                 "verbatim://steal?relay=1:1", link.substr(0, link.find("&firm="))}) {
            auto r = client::Client::join(profile, kPass, bad, o);
            QVERIFY(!r);
            QCOMPARE(r.error().code, ErrorCode::Malformed);
        }
        // The refused link's token never left the device: it still works.
        auto ok = client::Client::join(profile, kPass, link, o);
        QVERIFY2(ok, ok ? "" : ok.error().message.c_str());
        // A spent enrollment link gives a clear error.
        QTemporaryDir dir2;
        auto again = client::Client::join(dir2.path().toStdString() + "/p", kPass, link, o);
        QVERIFY(!again);
        QVERIFY2(again.error().message.find("registration refused") != std::string::npos,
                 again.error().message.c_str());
    }

    // ES-10, second half: a relay that later serves a journal key the firm root did not sign
    // gets nothing (messages stay queued); a rotation signed by the root is adopted, and
    // entries of the old epoch still open with the old key.
    void journalKeyRotation() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto carol = joinParty(h.inviteLink("alice", "Rotation"), "Carol", true);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        auto conv = *carol->resolveConversation("Rotation");
        auto before = alice->sendText(conv, "old epoch");
        QVERIFY(alice->waitForOutbox(20s));
        QVERIFY(eventually([&] { return msg(*carol, *before).has_value(); }));

        // Rotation signed by the firm root.
        h.rotateJournalKey();
        QVERIFY(h.restart());
        auto after = alice->sendText(conv, "new epoch");
        QVERIFY(alice->waitForOutbox(30s));
        QVERIFY(eventually([&] { return hasBody(*carol, *after, "new epoch"); }));
        QVERIFY(!(*alice).eventsOf(client::Event::Kind::JournalKeyRotated).empty());

        auto officer = h.enrollStaff("comply", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        auto entries = e2e::pullJournalEntries(*officer);
        QVERIFY(entries);
        int opened = 0;
        for (const auto& sealed : *entries) {
            if (sealed.header.senderUser != "alice") continue;
            auto id =
                hexId(std::string(sealed.header.messageId.begin(), sealed.header.messageId.end()));
            const auto& key = id == *before ? h.oldJournalKeys().front() : h.journalKey();
            const auto& other = id == *before ? h.journalKey() : h.oldJournalKeys().front();
            QVERIFY(journal::openEntry(sealed, key, identityOf(*alice)));
            QVERIFY(!journal::openEntry(sealed, other, identityOf(*alice))); // epochs are isolated
            ++opened;
        }
        QCOMPARE(opened, 2);

        // A rogue relay: its journal key is signed by another root. Nothing leaves.
        h.serveForeignManifest();
        QVERIFY(h.restart());
        auto held = alice->sendText(conv, "must not be sealed to a rogue key");
        QVERIFY(held);
        QVERIFY(eventually(
            [&] { return !(*alice).eventsOf(client::Event::Kind::JournalKeyRefused).empty(); }));
        QVERIFY(!alice->waitForOutbox(2s));
        QCOMPARE(*alice->outboxSize(), std::size_t(1));
        QCOMPARE(msg(*alice, *held)->state, client::MessageState::Queued);
        QVERIFY(!msg(*carol, *held).has_value());
    }

    // Pre-keys run low as others start sessions: the relay says so and the client uploads a new
    // batch (ids continue after the first 100), so first contact keeps its one-time pre-key.
    void preKeysAreReplenished() {
        e2e::Harness h({}, [](relay::RelayConfig& c) {
            c.limits.preKeyFetch = c.limits.preKeyTarget = c.limits.preKeyPair =
                relay::BucketSpec{1e9, 1e9};
        });
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto fetcher = h.enrollStaff("fetcher", proto::ROLE_LAWYER);
        QVERIFY(fetcher && fetcher->connect(h.endpoint()));
        std::set<std::uint32_t> ids;
        auto fetch = [&]() -> std::optional<std::uint32_t> {
            proto::Request r;
            r.mutable_fetch_bundles()->set_user("alice");
            auto resp = fetcher->connection->call(r);
            if (!resp || resp->status() != proto::STATUS_OK || resp->bundles().devices_size() != 1)
                return std::nullopt;
            const auto& b = resp->bundles().devices(0);
            return b.has_pre_key() ? std::optional<std::uint32_t>(b.pre_key().id()) : std::nullopt;
        };
        for (int i = 0; i < 90; ++i) {
            auto id = fetch();
            QVERIFY2(id, "a one-time pre-key was missing");
            QVERIFY(ids.insert(*id).second); // never handed out twice
        }
        // The client heard "low" and uploaded another batch: fetching on never runs dry.
        for (int i = 0; i < 60; ++i) {
            std::optional<std::uint32_t> id;
            QVERIFY(eventually([&] { return (id = fetch()).has_value(); }, 5s));
            QVERIFY(ids.insert(*id).second);
        }
        QVERIFY(*ids.rbegin() > 100);
    }

    // DL-03, client side: a wipe queued by the admin for an offline device is delivered when it
    // connects, checked against the relay key in the firm manifest, and the profile is erased.
    void remoteWipeErasesTheProfile() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice);
        const std::string profile = alice.get()->profile();
        QVERIFY(QFile::exists(QString::fromStdString(profile + "/profile.db")));
        QVERIFY(h.service().queueWipe("alice", alice->account().device, "test"));
        alice->start();
        const bool wiped =
            eventually([&] { return !(*alice).eventsOf(client::Event::Kind::Wiped).empty(); });
        if (!wiped) {
            std::lock_guard lock((*alice).mutex);
            for (auto& e : (*alice).events)
                qWarning("event: %s", e.json().c_str());
        }
        QVERIFY(wiped);
        QVERIFY(!client::Client::profileExists(profile));
        for (const char* f : {"/profile.db", "/profile.key", "/profile.db-wal"})
            QVERIFY2(!QFile::exists(QString::fromStdString(profile + f)), f);
        auto reopened = client::Client::open(profile, kPass);
        QVERIFY(!reopened);
    }

    // PR-08: a participant's identity keys change (a new device appears). The safety number
    // changes, sending to them is held until the user accepts, and the acceptance is journaled.
    void safetyNumberChangeHoldsSending() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto carol = joinParty(h.inviteLink("alice", "Safety"), "Carol", true);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        auto conv = *carol->resolveConversation("Safety");
        auto first = carol->sendText(conv, "first");
        QVERIFY(first);
        QVERIFY(eventually([&] { return msg(*alice, *first).has_value(); }));
        auto before = carol->safetyNumber("alice");
        QVERIFY2(before, before ? "" : before.error().message.c_str());
        QCOMPARE(before->digits.size(), std::size_t(60));
        QVERIFY(!before->changed);
        // Both ends compute the same number.
        auto theirs = alice->safetyNumber(carol->account().user);
        QVERIFY(theirs);
        QCOMPARE(theirs->digits, before->digits);

        // Alice loses her only device: the firm revokes it and enrolls a new first device. That
        // is an identity change every contact sees and must accept (issue 15 break 2).
        QVERIFY(h.service().revokeDevice("alice", alice->account().device, "test"));
        auto alice2 = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice2);
        alice2->start();
        QVERIFY(alice2->waitUntilSynced(20s));
        auto held = carol->sendText(conv, "second");
        QVERIFY(held);
        QVERIFY(
            eventually([&] { return msg(*carol, *held)->state == client::MessageState::Blocked; }));
        auto after = carol->safetyNumber("alice");
        QVERIFY(after && after->changed);
        QVERIFY(after->digits != before->digits);
        QCOMPARE(after->devices, std::size_t(1)); // active devices only: the new one (C-SN-4)
        QVERIFY(!(*carol).eventsOf(client::Event::Kind::SafetyNumberChanged).empty());
        std::this_thread::sleep_for(300ms);
        QVERIFY(!msg(*alice2, *held).has_value()); // nothing left while held

        QVERIFY(carol->acceptSafetyNumber("alice"));
        QVERIFY(eventually([&] { return hasBody(*alice2, *held, "second"); }));
        QVERIFY(!carol->safetyNumber("alice")->changed);
        QVERIFY(carol->waitForOutbox(20s));
        auto officer = h.enrollStaff("comply", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        auto j = pullJournal(h, *officer, {{who(*carol), identityOf(*carol)}});
        QVERIFY(j);
        int accepted = 0;
        for (auto& r : j->records)
            if (r.type() == proto::SAFETY_NUMBER_ACCEPTED) {
                ++accepted;
                QVERIFY(r.body().find(after->digits) != std::string::npos);
            }
        QCOMPARE(accepted, 1);
    }

    // CF-05: the client's disk fills up. Sending gives a clear error and queues nothing; a
    // message that arrives meanwhile is not acknowledged, the session does not advance, and it
    // is stored once there is room again.
    void clientDiskFull() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto carol = joinParty(h.inviteLink("alice", "Disk"), "Carol", true);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        auto conv = *carol->resolveConversation("Disk");
        auto hello = alice->sendText(conv, "hello");
        QVERIFY(eventually([&] { return msg(*carol, *hello).has_value(); }));

        // Cap the database at its current size.
        QFile db(QString::fromStdString(carol.get()->profile() + "/profile.db"));
        QVERIFY(carol->limitDatabasePages(1)); // below the current size: every growth fails
        std::string big(3000, 'x');
        auto refused = carol->sendText(conv, big + " never queued");
        if (refused) {
            // SQLite may fit one small row into free space; then it must still leave.
            QVERIFY(carol->waitForOutbox(20s));
        } else {
            QVERIFY2(refused.error().message.find("full") != std::string::npos,
                     refused.error().message.c_str());
        }
        std::vector<std::string> during;
        for (int i = 0; i < 5; ++i)
            during.push_back(*alice->sendText(conv, big + " while full " + std::to_string(i)));
        QVERIFY(alice->waitForOutbox(20s));
        QVERIFY(eventually(
            [&] { return !(*carol).eventsOf(client::Event::Kind::Undecryptable).empty(); }));
        for (auto& id : during)
            QVERIFY(!msg(*carol, id).has_value());
        QVERIFY(carol->limitDatabasePages(0));
        for (auto& id : during)
            QVERIFY(eventually([&] { return msg(*carol, id).has_value(); }));
        auto hist = carol->history(conv, 100);
        std::set<std::string> unique;
        for (auto& m : *hist)
            QVERIFY(unique.insert(m.id).second);
        // Later messages decrypt: nothing was lost from the ratchet.
        auto later = alice->sendText(conv, "later");
        QVERIFY(eventually([&] { return hasBody(*carol, *later, "later"); }));
    }

    // ST-07 and ES-01 (short form): a wrong passphrase changes nothing; no profile file and no
    // relay file holds the database key or any message text, attachment bytes included.
    void noPlaintextAtRest() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto carol = joinParty(h.inviteLink("alice", "Canary"), "Carol", true);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        auto conv = *carol->resolveConversation("Canary");
        const std::string canary = "CANARY-7f3a9c-privileged";
        const QByteArray attachmentCanary = QByteArray("ATTACHCANARY-51d2e0-").repeated(500);
        QTemporaryDir files;
        {
            QFile f(files.filePath("memo.txt"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(attachmentCanary);
        }
        std::vector<std::string> ids;
        for (int i = 0; i < 20; ++i)
            ids.push_back(*alice->sendText(conv, canary + " " + std::to_string(i)));
        ids.push_back(*carol->sendAttachment(conv, files.filePath("memo.txt").toStdString(),
                                             canary + " caption"));
        auto retracted = *carol->sendText(conv, canary + " retracted later");
        QVERIFY(eventually([&] { return msg(*alice, retracted).has_value(); }));
        QVERIFY(carol->retract(retracted));
        QVERIFY(eventually([&] { return msg(*alice, retracted)->retracted; }));
        for (auto& id : ids)
            QVERIFY(eventually(
                [&] { return msg(*carol, id).has_value() && msg(*alice, id).has_value(); }));
        QVERIFY(alice->saveAttachment(ids.back(), 0, files.filePath("copy.txt").toStdString()));

        // Wrong passphrase: WrongKey, and the files are untouched but for the failed-unlock count
        // (profile.key's 36-byte counter header in front of the same sealed key, and the guard).
        const QString carolDir = QString::fromStdString(carol.get()->profile());
        carol->stop();
        alice->stop();
        auto withoutCounter = [](std::vector<std::pair<QString, QByteArray>> files) {
            for (auto& [path, bytes] : files) {
                if (path.endsWith("/profile.key")) bytes = bytes.mid(36);
                if (path.endsWith("/guard")) bytes.clear();
            }
            return files;
        };
        auto before = withoutCounter(filesBelow(carolDir));
        auto wrong = client::Client::open(carol.get()->profile(), "not the passphrase");
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, ErrorCode::WrongKey);
        QVERIFY(withoutCounter(filesBelow(carolDir)) == before);

        // The database key, as the passphrase unwraps it, is in no file.
        QFile keyFile(carolDir + "/profile.key");
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        QByteArray box = keyFile.readAll().mid(36); // the sealed key, after the counter header
        auto dbKey = crypto::passphraseOpen(
            ByteView(reinterpret_cast<const std::uint8_t*>(box.data()), std::size_t(box.size())),
            view(std::string(kPass)));
        QVERIFY(dbKey);
        const QByteArray rawKey(reinterpret_cast<const char*>(dbKey->data()), int(dbKey->size()));
        const std::string hexKey = toHex(*dbKey);

        std::vector<QString> scanned;
        for (const QString& dir :
             {h.dataDir(), carolDir, QString::fromStdString(alice.get()->profile())}) {
            for (auto& [path, bytes] : filesBelow(dir)) {
                scanned.push_back(path);
                QVERIFY2(!bytes.contains(QByteArray::fromStdString(canary)), qPrintable(path));
                QVERIFY2(!bytes.contains(QByteArray::fromStdString(canary).toBase64()),
                         qPrintable(path));
                QVERIFY2(!bytes.contains(attachmentCanary.left(20)), qPrintable(path));
                QVERIFY2(!bytes.contains(rawKey), qPrintable(path));
                QVERIFY2(!bytes.contains(QByteArray::fromStdString(hexKey)), qPrintable(path));
                if (path.endsWith("profile.db") || path.endsWith("relay.db"))
                    QVERIFY(!bytes.startsWith("SQLite format 3"));
            }
        }
        QVERIFY(scanned.size() >= 6);
        // The right passphrase still opens it, and the text is there.
        auto reopened = client::Client::open(carol.get()->profile(), kPass);
        QVERIFY(reopened);
        QVERIFY((*reopened)->search("privileged")->size() >= 20);
    }
};

QTEST_GUILESS_MAIN(TestClientE2E)
#include "tst_client_e2e.moc"
