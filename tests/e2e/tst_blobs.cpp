// Attachment blobs under abuse (issue 16 item 4; TESTPLAN AB-04 blob-flood): a real relay over
// TLS. A client device past its quota or its hourly rate is refused with the documented status
// while its sends go through; a relay whose free disk is under the reserve refuses every upload
// while sends and the journal go on; uploads no send declared are removed after the grace period
// while declared ones stay for compliance; a send may only declare its own device's uploads; and
// partial or orphaned files do not outlive a failure or a restart.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <filesystem>
#include <fstream>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "compliance/Archive.h"
#include "crypto/Random.h"
#include "journal/AttachmentBlob.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t KiB = 1024;

std::string str(const Bytes& b) {
    return std::string(b.begin(), b.end());
}

Result<std::string> upload(e2e::Harness& h, e2e::Device& d, std::size_t bytes) {
    return client::RelayConnection::uploadBlob(h.endpoint(), d.credentials,
                                               str(crypto::randomBytes(bytes)));
}

/// The HTTP status a refused upload carried (RelayConnection puts it in Error::detail).
int statusOf(const Result<std::string>& r) {
    return r ? 200 : r.error().detail;
}

/// One value of the admin listener's /metrics.
std::uint64_t metric(e2e::Harness& h, const std::string& name) {
    net::io_context ioc;
    net::ip::tcp::socket admin(ioc);
    admin.connect({net::ip::make_address("127.0.0.1"), h.server().adminPort()});
    net::write(admin, net::buffer(std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string body;
    boost::system::error_code ec;
    char buf[4096];
    while (!ec)
        body.append(buf, admin.read_some(net::buffer(buf), ec));
    auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? ~0ull : std::stoull(body.substr(at + name.size() + 2));
}

QStringList blobFiles(e2e::Harness& h, const QString& pattern = "*") {
    return QDir(h.dataDir() + "/blobs").entryList({pattern}, QDir::Files | QDir::Hidden);
}

/// An upload that stops half-way: headers announcing `length` bytes, then `sent` of them, and the
/// connection held open until the object dies (which abandons the upload).
struct StalledUpload {
    net::io_context ioc;
    net::ssl::context ctx{net::ssl::context::tls_client};
    net::ssl::stream<net::ip::tcp::socket> s{ioc, ctx};
    StalledUpload(e2e::Harness& h, e2e::Device& d, std::size_t length, std::size_t sent) {
        s.next_layer().connect({net::ip::make_address("127.0.0.1"), h.server().port()});
        s.handshake(net::ssl::stream_base::client);
        std::string req =
            "POST /v1/blobs HTTP/1.1\r\nHost: x\r\nX-Verbatim-Device: " + d.credentials.user + "/" +
            std::to_string(d.credentials.device) + "\r\nAuthorization: Bearer " +
            toHex(d.credentials.secret) + "\r\nContent-Length: " + std::to_string(length) +
            "\r\n\r\n";
        req += std::string(sent, 'p');
        net::write(s, net::buffer(req));
    }
    void abandon() {
        boost::system::error_code ec;
        s.next_layer().close(ec);
    }
};

proto::Response sendOf(e2e::Device& d, const proto::SendMessage& send) {
    proto::Request req;
    *req.mutable_send() = send;
    auto r = d.connection->call(req);
    if (!r) {
        proto::Response failed;
        failed.set_status(proto::STATUS_INTERNAL);
        failed.set_error("no answer: " + r.error().message);
        return failed;
    }
    return *r;
}

/// A lawyer and an invited client in one matter, both connected.
struct Matter {
    std::unique_ptr<e2e::Device> lawyer, client;
    std::string conversation;
};
std::unique_ptr<Matter> openMatter(e2e::Harness& h, const std::string& lawyer,
                                   const std::string& title) {
    auto m = std::make_unique<Matter>();
    m->lawyer = h.enrollStaff(lawyer, proto::ROLE_LAWYER);
    if (!m->lawyer || !m->lawyer->connect(h.endpoint())) return nullptr;
    m->client = h.inviteClient(lawyer, title, &m->conversation);
    if (!m->client || !m->client->connect(h.endpoint())) return nullptr;
    return m;
}

std::vector<crypto::X25519Key> keysOf(e2e::Harness& h) {
    std::vector<crypto::X25519Key> keys;
    keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*h.journalKey().privateKey())));
    return keys;
}

} // namespace

class TestBlobs : public QObject {
    Q_OBJECT

private slots:
    // AB-04: a client device at its quota is refused 507 "attachment quota exceeded", counting an
    // upload still streaming; staff have their own, larger quota; the client's sends, declaring
    // its stored uploads, go through.
    void clientQuotaRefusesUploadsNotSends() {
        e2e::Harness h({}, [](relay::RelayConfig& c) {
            c.blobs.client = {100 * KiB, 10 * 1024 * KiB, 100};
            c.blobs.staff = {1024 * KiB, 10 * 1024 * KiB, 100};
        });
        QVERIFY(h.ok());
        auto m = openMatter(h, "lena", "Quota Matter");
        QVERIFY(m);

        auto first = upload(h, *m->client, 60 * KiB);
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        // A second upload that is still streaming holds its room: a third does not fit beside it.
        {
            StalledUpload stalled(h, *m->client, 30 * KiB, 1000);
            QVERIFY(QTest::qWaitFor(
                [&] { return metric(h, "verbatim_blob_uploads_in_flight") == 1; }, 5000));
            auto crowded = upload(h, *m->client, 30 * KiB);
            QCOMPARE(statusOf(crowded), 507);
            QVERIFY2(crowded.error().message.find("attachment quota exceeded") != std::string::npos,
                     crowded.error().message.c_str());
            stalled.abandon();
            // Abandoned: the room and the partial file are given back.
            QVERIFY(QTest::qWaitFor(
                [&] { return metric(h, "verbatim_blob_uploads_in_flight") == 0; }, 5000));
        }
        QVERIFY2(blobFiles(h, ".upload-*").isEmpty(),
                 qPrintable(blobFiles(h, ".upload-*").join(",")));
        auto second = upload(h, *m->client, 30 * KiB);
        QVERIFY2(second, second ? "" : second.error().message.c_str());
        auto over = upload(h, *m->client, 20 * KiB); // 60 + 30 + 20 > 100 KiB
        QCOMPARE(statusOf(over), 507);
        QVERIFY2(over.error().message.find("attachment quota exceeded") != std::string::npos,
                 over.error().message.c_str());
        QVERIFY(upload(h, *m->client, 5 * KiB)); // what still fits is taken

        // The lawyer's device is counted on its own, against the staff quota.
        auto staff = upload(h, *m->lawyer, 500 * KiB);
        QVERIFY2(staff, staff ? "" : staff.error().message.c_str());
        QCOMPARE(statusOf(upload(h, *m->lawyer, 600 * KiB)), 507);

        // Refused uploads, yet the client's messages go through, one of them declaring a blob.
        auto text = h.buildSend(*m->client, m->conversation, "the quota does not stop messages");
        QCOMPARE(sendOf(*m->client, text).status(), proto::STATUS_OK);
        auto withFile = h.buildSend(*m->client, m->conversation, "the letter");
        withFile.add_blob_ids(str(*fromHex(*first)));
        auto sent = sendOf(*m->client, withFile);
        QVERIFY2(sent.status() == proto::STATUS_OK, sent.error().c_str());
        QVERIFY(m->lawyer->waitForEnvelopes(2).size() >= 2);
    }

    // AB-04: uploads and bytes per sliding hour, per device: past either the client is refused
    // 429 with a Retry-After; its sends go through.
    void clientRateRefusesUploadsNotSends() {
        e2e::Harness h({}, [](relay::RelayConfig& c) {
            c.blobs.client = {10 * 1024 * KiB, 100 * KiB, 3};
            c.blobs.staff = {10 * 1024 * KiB, 10 * 1024 * KiB, 100};
        });
        QVERIFY(h.ok());
        auto m = openMatter(h, "rita", "Rate Matter");
        QVERIFY(m);
        std::string second;
        auto other = h.inviteClient("rita", "Rate Matter Two", &second);
        QVERIFY(other && other->connect(h.endpoint()));

        // Uploads per hour: three, then 429.
        for (int i = 0; i < 3; ++i)
            QVERIFY(upload(h, *m->client, 1 * KiB));
        auto fourth = upload(h, *m->client, 1 * KiB);
        QCOMPARE(statusOf(fourth), 429);
        QVERIFY2(fourth.error().message.find("attachment upload rate exceeded") !=
                     std::string::npos,
                 fourth.error().message.c_str());
        // Bytes per hour: 60 KiB, then 60 KiB more is past 100 KiB.
        QVERIFY(upload(h, *other, 60 * KiB));
        QCOMPARE(statusOf(upload(h, *other, 60 * KiB)), 429);
        // An upload larger than the hour's allowance can never pass: 413, not "try later".
        QCOMPARE(statusOf(upload(h, *other, 101 * KiB)), 413);
        // Staff are not held to the client's rate.
        for (int i = 0; i < 5; ++i)
            QVERIFY(upload(h, *m->lawyer, 30 * KiB));

        // The refusal carries Retry-After (seconds until the oldest upload leaves the hour).
        {
            net::io_context ioc;
            net::ssl::context ctx(net::ssl::context::tls_client);
            net::ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
            s.next_layer().connect({net::ip::make_address("127.0.0.1"), h.server().port()});
            s.handshake(net::ssl::stream_base::client);
            const auto& c = m->client->credentials;
            net::write(s, net::buffer(
                              "POST /v1/blobs HTTP/1.1\r\nHost: x\r\nX-Verbatim-Device: " + c.user +
                              "/" + std::to_string(c.device) + "\r\nAuthorization: Bearer " +
                              toHex(c.secret) + "\r\nContent-Length: 10\r\n\r\n0123456789"));
            std::string reply;
            boost::system::error_code ec;
            char buf[4096];
            while (!ec)
                reply.append(buf, s.read_some(net::buffer(buf), ec));
            QVERIFY2(reply.starts_with("HTTP/1.1 429"), reply.c_str());
            auto at = reply.find("Retry-After: ");
            QVERIFY2(at != std::string::npos, reply.c_str());
            const int seconds = std::stoi(reply.substr(at + 13));
            QVERIFY2(seconds > 3500 && seconds <= 3600, reply.c_str());
        }

        auto text = h.buildSend(*m->client, m->conversation, "the rate does not stop messages");
        QCOMPARE(sendOf(*m->client, text).status(), proto::STATUS_OK);
    }

    // AB-04: free disk under the reserve (the reserve set above the free space, standing for a
    // full disk): every upload is refused 507 "relay storage low", staff too, before its body is
    // read; sends are stored and journaled, and compliance pulls them.
    void diskReserveRefusesUploadsNotSendsOrJournal() {
        e2e::Harness h({}, [](relay::RelayConfig& c) { c.blobs.reserveBytes = 1ull << 60; });
        QVERIFY(h.ok());
        auto m = openMatter(h, "nora", "Full Disk Matter");
        QVERIFY(m);
        auto officer = h.enrollStaff("comply", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));

        for (auto* d : {m->client.get(), m->lawyer.get()}) {
            auto refused = upload(h, *d, 50 * KiB);
            QCOMPARE(statusOf(refused), 507);
            QVERIFY2(refused.error().message.find("relay storage low") != std::string::npos,
                     refused.error().message.c_str());
        }
        QVERIFY(blobFiles(h).isEmpty());

        const auto before = h.service().journalHead().first;
        auto a = h.buildSend(*m->client, m->conversation, "sent while the disk is at its reserve");
        QCOMPARE(sendOf(*m->client, a).status(), proto::STATUS_OK);
        auto b = h.buildSend(*m->lawyer, m->conversation, "and answered");
        QCOMPARE(sendOf(*m->lawyer, b).status(), proto::STATUS_OK);
        QCOMPARE(h.service().journalHead().first, before + 2);
        QVERIFY(m->lawyer->waitForEnvelopes(1).size() >= 1);
        auto entries = e2e::pullJournalEntries(*officer);
        QVERIFY2(entries, entries ? "" : entries.error().message.c_str());
        bool sawA = false, sawB = false;
        for (const auto& e : *entries) {
            sawA = sawA || constantTimeEqual(e.header.messageId, view(a.message_id()));
            sawB = sawB || constantTimeEqual(e.header.messageId, view(b.message_id()));
        }
        QVERIFY(sawA && sawB);
    }

    // AB-04: an upload that no send declared is removed once the grace period is over; the
    // attachment a real client sent (which declares its blob) stays, and compliance pulls it.
    void undeclaredBlobsAreSweptDeclaredOnesStay() {
        e2e::Harness h({}, [](relay::RelayConfig& c) {
            c.blobs.grace = std::chrono::milliseconds(3000);
            c.blobs.sweepInterval = std::chrono::milliseconds(200);
        });
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto officer =
            joinParty(h.enrollLink("comply", proto::ROLE_COMPLIANCE), "Casey Compliance");
        QVERIFY(alice && officer);
        alice->start();
        officer->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto link = alice->createInvite("Estate of Jones");
        QVERIFY(link);
        auto carol = joinParty(*link, "Carol Client", true);
        QVERIFY(carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        const std::string matter = *carol->resolveConversation("Estate of Jones");

        QTemporaryDir dir;
        const QString file = dir.path() + "/will.pdf";
        const QByteArray content = QByteArray("%PDF-1.4 last will ") + QByteArray(3000, 'w');
        {
            QFile out(file);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(content);
        }
        auto sent = carol->sendAttachment(matter, file.toStdString(), "The will");
        QVERIFY2(sent, sent ? "" : sent.error().message.c_str());
        QVERIFY(carol->waitForOutbox(20s));

        // Uploaded by a device that never sends a message about it.
        auto dave = h.enrollStaff("dave", proto::ROLE_LAWYER);
        QVERIFY(dave && dave->connect(h.endpoint()));
        auto stray = upload(h, *dave, 20 * KiB);
        QVERIFY(stray);
        QVERIFY(fs::exists((h.dataDir() + "/blobs/").toStdString() + *stray));

        QVERIFY(QTest::qWaitFor(
            [&] { return !fs::exists((h.dataDir() + "/blobs/").toStdString() + *stray); }, 10000));
        auto gone = client::RelayConnection::downloadBlob(h.endpoint(), dave->credentials, *stray,
                                                          64 * KiB);
        QVERIFY(!gone);
        QCOMPARE(gone.error().code,
                 ErrorCode::NotFound); // 404: "the relay no longer has this attachment"
        QVERIFY(metric(h, "verbatim_blobs_swept_total") >= 1);
        // Its bytes no longer count against dave's quota, but the hour's rate still counts it.

        // Several sweeps later the declared one is still there: compliance pulls and opens it.
        QTest::qWait(1000);
        QCOMPARE(blobFiles(h).size(), 1);
        auto archive =
            compliance::Archive::open(dir.path().toStdString() + "/firm.archive", keysOf(h), true);
        QVERIFY(archive);
        QVERIFY((*archive)->setManifest(view(*officer->firmManifest()),
                                        officer->account().firmFingerprint));
        QVERIFY(eventually([&] { return officer->isConnected(); }, 20s));
        auto* c = officer.get()->c.get();
        auto stats = (*archive)->pull(
            [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); },
            [c](const std::string& id, std::uint64_t max) { return c->fetchBlob(id, max); });
        QVERIFY2(stats, stats ? "" : stats.error().message.c_str());
        QCOMPARE(stats->attachments, std::uint64_t(1));
        auto problems = (*archive)->problems();
        QVERIFY(problems);
        for (const auto& p : *problems)
            QVERIFY2(p.fault.find("attachment") == std::string::npos, p.detail.c_str());
    }

    // AB-04: a send may declare only blobs its own device uploaded and the relay still stores:
    // another device's upload is 403 (even one of the same user), an unknown one 410, a malformed
    // id 400; nothing of a refused send is stored.
    void sendDeclaringAnotherDevicesBlobIsRefused() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto m = openMatter(h, "olga", "Borrowed Blob Matter");
        QVERIFY(m);
        auto theirs = upload(h, *m->lawyer, 2 * KiB);
        auto mine = upload(h, *m->client, 2 * KiB);
        QVERIFY(theirs && mine);
        const auto head = h.service().journalHead().first;

        auto borrowed = h.buildSend(*m->client, m->conversation, "look at this");
        borrowed.add_blob_ids(str(*fromHex(*theirs)));
        auto r = sendOf(*m->client, borrowed);
        QCOMPARE(r.status(), proto::STATUS_FORBIDDEN);
        QVERIFY2(r.error().find("uploaded by another device") != std::string::npos,
                 r.error().c_str());

        auto unknown = h.buildSend(*m->client, m->conversation, "and this");
        unknown.add_blob_ids(str(crypto::randomBytes(32)));
        QCOMPARE(sendOf(*m->client, unknown).status(), proto::STATUS_GONE);

        auto malformed = h.buildSend(*m->client, m->conversation, "and that");
        malformed.add_blob_ids(str(crypto::randomBytes(31)));
        QCOMPARE(sendOf(*m->client, malformed).status(), proto::STATUS_BAD_REQUEST);
        auto twice = h.buildSend(*m->client, m->conversation, "twice");
        twice.add_blob_ids(str(*fromHex(*mine)));
        twice.add_blob_ids(str(*fromHex(*mine)));
        QCOMPARE(sendOf(*m->client, twice).status(), proto::STATUS_BAD_REQUEST);
        QCOMPARE(h.service().journalHead().first, head); // nothing was journaled

        // The lawyer's second device cannot declare the first one's upload either.
        auto laptop = h.addDevice("olga", m->lawyer.get());
        QVERIFY(laptop && laptop->connect(h.endpoint()));
        auto sibling = h.buildSend(*laptop, m->conversation, "from the laptop");
        sibling.add_blob_ids(str(*fromHex(*theirs)));
        QCOMPARE(sendOf(*laptop, sibling).status(), proto::STATUS_FORBIDDEN);
        const auto before = h.service().journalHead().first; // the laptop's enrolment was journaled

        auto own = h.buildSend(*m->client, m->conversation, "my own file");
        own.add_blob_ids(str(*fromHex(*mine)));
        auto ok = sendOf(*m->client, own);
        QVERIFY2(ok.status() == proto::STATUS_OK, ok.error().c_str());
        QCOMPARE(h.service().journalHead().first, before + 1);
    }

    // AB-04: no partial upload outlives its connection, and a restart removes what a crash left:
    // partial files, and blob files the database never recorded; recorded blobs stay.
    void partialAndOrphanedFilesAreRemoved() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto m = openMatter(h, "pia", "Crash Matter");
        QVERIFY(m);
        auto kept = upload(h, *m->client, 4 * KiB);
        QVERIFY(kept);
        {
            StalledUpload stalled(h, *m->client, 64 * KiB, 8 * KiB);
            QVERIFY(QTest::qWaitFor([&] { return blobFiles(h, ".upload-*").size() == 1; }, 5000));
        }
        QVERIFY(QTest::qWaitFor([&] { return blobFiles(h, ".upload-*").isEmpty(); }, 5000));

        // What a crash leaves: a partial upload and a renamed file whose row was never written.
        const QString blobs = h.dataDir() + "/blobs/";
        const QString partial =
            blobs + ".upload-" + QString::fromStdString(toHex(crypto::randomBytes(32)));
        const QString orphan = blobs + QString::fromStdString(toHex(crypto::randomBytes(32)));
        for (const auto& p : {partial, orphan}) {
            QFile f(p);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("leftover");
        }
        h.stop();
        QVERIFY(h.restart());
        QVERIFY(!QFile::exists(partial));
        QVERIFY(!QFile::exists(orphan));
        QVERIFY(QFile::exists(blobs + QString::fromStdString(*kept)));
        QVERIFY(m->client->connect(h.endpoint()));
        auto back = client::RelayConnection::downloadBlob(h.endpoint(), m->client->credentials,
                                                          *kept, 8 * KiB);
        QVERIFY(back && back->size() == 4 * KiB);
    }

    // A reference's size is the sender's claim: one claiming 2^60 bytes is refused with a clear
    // error before anything is downloaded, by the recipient's client (saveAttachment) and by
    // compliance's pull (the blob source is never asked; the archive records why), so a hostile
    // sender cannot set the download limit.
    void attachmentClaimingAHugeSizeIsNotDownloaded() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto mallory = h.enrollStaff("mallory", proto::ROLE_LAWYER);
        QVERIFY(mallory && mallory->connect(h.endpoint()));
        auto carol = joinParty(h.inviteLink("mallory", "Big Claim"), "Carol", true);
        auto officer = joinParty(h.enrollLink("comply", proto::ROLE_COMPLIANCE), "Officer");
        QVERIFY(carol && officer);
        carol->start();
        officer->start();
        QVERIFY(carol->waitUntilSynced(20s));
        const std::string conv = *carol->resolveConversation("Big Claim");

        auto sealed = journal::sealAttachment(toSecure(view(std::string("a small file"))));
        QVERIFY(sealed);
        auto id = client::RelayConnection::uploadBlob(h.endpoint(), mallory->credentials,
                                                      str(sealed->blob));
        QVERIFY2(id, id ? "" : id.error().message.c_str());
        constexpr std::uint64_t kClaimed = 1ull << 60;
        proto::JournalRecord shown;
        auto send = e2e::buildSend(
            *mallory, conv, "the file", h.journalKey().publicKey(), &shown,
            [&](proto::JournalRecord& r) {
                r.set_type(proto::ATTACHMENT);
                auto* a = r.add_attachments();
                a->set_blob_id(str(*fromHex(*id)));
                a->set_key(str(Bytes(sealed->key.begin(), sealed->key.end())));
                a->set_digest(str(Bytes(sealed->digest.begin(), sealed->digest.end())));
                a->set_plaintext_digest(str(crypto::randomBytes(32)));
                a->set_size(kClaimed);
                a->set_file_name("huge.bin");
            });
        send.add_blob_ids(str(*fromHex(*id)));
        auto sent = sendOf(*mallory, send);
        QVERIFY2(sent.status() == proto::STATUS_OK, sent.error().c_str());
        const std::string message = toHex(view(shown.message_id()));
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = carol->message(message);
                return m && *m;
            },
            20000));
        QTemporaryDir dir;
        const std::string target = dir.path().toStdString() + "/huge.bin";
        auto saved = carol->saveAttachment(message, 0, target);
        QVERIFY(!saved);
        QVERIFY2(saved.error().message.find("claims " + std::to_string(kClaimed) +
                                            " bytes, over the 100 MiB") != std::string::npos,
                 saved.error().message.c_str());
        QVERIFY(!fs::exists(target));

        auto archive =
            compliance::Archive::open(dir.path().toStdString() + "/firm.archive", keysOf(h), true);
        QVERIFY(archive);
        QVERIFY((*archive)->setManifest(view(*officer->firmManifest()),
                                        officer->account().firmFingerprint));
        QVERIFY(eventually([&] { return officer->isConnected(); }, 20s));
        auto* c = officer.get()->c.get();
        std::vector<std::uint64_t> asked; // the limits the blob source was asked with
        auto stats = (*archive)->pull(
            [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); },
            [c, &asked](const std::string& blob, std::uint64_t max) {
                asked.push_back(max);
                return c->fetchBlob(blob, max);
            });
        QVERIFY2(stats, stats ? "" : stats.error().message.c_str());
        QVERIFY(asked.empty());
        auto problems = (*archive)->problems();
        QVERIFY(problems);
        std::size_t refused = 0;
        for (const auto& p : *problems)
            if (p.fault == "attachment-unavailable" &&
                p.detail.find("claims " + std::to_string(kClaimed) + " bytes") != std::string::npos)
                ++refused;
        QCOMPARE(refused, std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestBlobs)
#include "tst_blobs.moc"
