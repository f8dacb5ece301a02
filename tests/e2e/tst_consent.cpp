// Issue 17, "Consent enforced": an outside party's recording-notice acceptance is journaled
// before anything else it sends into a conversation. Against a real relay over TLS:
//   - a modified client (raw sends through the harness) that skips the notice is refused with
//     STATUS_NOTICE_REQUIRED, and the lawyer never receives the refused message; once its
//     acceptance (declared in clear, journaled) is in, it can send;
//   - the real client shows the canonical notice, journals the canonical body and sends;
//   - a relay that lets such a message through (the check switched off) is caught by the real
//     Archive verify: `no-notice` at the message's sequence number.

#include <QtTest>

#include <algorithm>
#include <set>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "MatterParties.h"
#include "client/compliance/Archive.h"
#include "client/core/Client.h"
#include "journal/RecordingNotice.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

void enforce(relay::RelayConfig& c) {
    c.requireNoticeAcceptance = true;
}
void letThrough(relay::RelayConfig& c) {
    c.requireNoticeAcceptance = false;
}

/// A raw NOTICE_ACCEPTED send with `body`, declaring `version`/`hash` in clear (none when
/// `declare` is false).
proto::SendMessage acceptance(e2e::Harness& h, e2e::Device& from, const std::string& conv,
                              const std::string& body, bool declare, std::uint32_t version,
                              const std::string& hash) {
    auto send = e2e::buildSend(from, conv, body, h.journalKey().publicKey(), nullptr,
                               [](proto::JournalRecord& r) { r.set_type(proto::NOTICE_ACCEPTED); });
    if (declare) {
        send.mutable_notice_acceptance()->set_version(version);
        send.mutable_notice_acceptance()->set_text_sha256(hash);
    }
    return send;
}

std::string currentHash() {
    const auto h = *journal::recordingNoticeHash();
    return std::string(h.begin(), h.end());
}

std::optional<proto::Response> sendRaw(e2e::Device& d, const proto::SendMessage& send) {
    proto::Request req;
    *req.mutable_send() = send;
    auto r = d.connection->call(req);
    if (!r) return std::nullopt;
    return *r;
}

} // namespace

class TestConsent : public QObject {
    Q_OBJECT

private slots:
    void noticeTextIsCanonical() {
        auto text = journal::recordingNoticeText(1);
        QVERIFY(text && !text->empty());
        QVERIFY(!journal::recordingNoticeText(2));
        // Version 1's bytes are fixed for good (docs/protocol.md gives this hash): a new text is a new version.
        const auto h = *journal::recordingNoticeHash(1);
        QCOMPARE(text->size(), std::size_t(499));
        QCOMPARE(toHex(ByteView(h.data(), h.size())),
                 std::string("41ff7fbbe303c4b965f3cccadfc18f4f1a06a05098838fbe45689d16088d4a49"));
        const auto body = journal::noticeAcceptanceBody("Smith & \"Jones\"");
        auto parsed = journal::parseNoticeAcceptance(body);
        QVERIFY(parsed);
        QCOMPARE(parsed->version, 1u);
        QCOMPARE(parsed->firm, std::string("Smith & \"Jones\""));
        QVERIFY(journal::isKnownNotice(parsed->version, parsed->textSha256));
        QVERIFY(body.rfind("{\"notice_version\":1,\"notice_sha256\":\"", 0) == 0);
        QVERIFY(!journal::isKnownNotice(2, parsed->textSha256));
        QVERIFY(!journal::parseNoticeAcceptance(journal::kLegacyNoticeAcceptanceBody));
    }

    void clientSkippingTheNoticeIsRefused() {
        e2e::Harness h({}, enforce);
        QVERIFY(h.ok());
        e2e::ConnectedMatter matter;
        QVERIFY(e2e::connectMatter(h, "alice", "Lease dispute", matter));
        auto &lawyer = matter.lawyer, &client = matter.client;
        const std::string& conv = matter.conv;
        const auto head = h.service().journalHead().first;

        // A text before any acceptance: refused, nothing journaled, nothing delivered.
        auto r = sendRaw(*client, h.buildSend(*client, conv, "skipped the notice"));
        QVERIFY(r);
        QCOMPARE(int(r->status()), int(proto::STATUS_NOTICE_REQUIRED));
        QCOMPARE(r->error(), std::string("accept the recording notice first"));
        QCOMPARE(h.service().journalHead().first, head);
        // A declaration of a notice the relay does not know: refused as a bad request.
        r = sendRaw(*client, acceptance(h, *client, conv, "{}", true, 2, currentHash()));
        QVERIFY(r);
        QCOMPARE(int(r->status()), int(proto::STATUS_BAD_REQUEST));
        r = sendRaw(*client, acceptance(h, *client, conv, "{}", true, 1, std::string(32, '\0')));
        QVERIFY(r);
        QCOMPARE(int(r->status()), int(proto::STATUS_BAD_REQUEST));
        QCOMPARE(h.service().journalHead().first, head);
        // The lawyer is not bound by the notice.
        r = sendRaw(*lawyer, h.buildSend(*lawyer, conv, "Welcome"));
        QVERIFY(r);
        QCOMPARE(int(r->status()), int(proto::STATUS_OK));
        QCOMPARE(client->waitForEnvelopes(1).size(), std::size_t(1));
        QVERIFY(lawyer->waitForEnvelopes(1, 300).empty()); // the refused text never arrived

        // The acceptance is the one send allowed; once journaled, the client can send.
        r = sendRaw(*client, acceptance(h, *client, conv, journal::noticeAcceptanceBody("Firm"),
                                        true, 1, currentHash()));
        QVERIFY(r);
        QCOMPARE(int(r->status()), int(proto::STATUS_OK));
        r = sendRaw(*client, h.buildSend(*client, conv, "now I may"));
        QVERIFY(r);
        QCOMPARE(int(r->status()), int(proto::STATUS_OK));
        auto got = lawyer->waitForEnvelopes(2);
        QCOMPARE(got.size(), std::size_t(2));
        auto first = h.open(*lawyer, got[0]);
        auto second = h.open(*lawyer, got[1]);
        QVERIFY(first && second);
        QCOMPARE(int(first->type()), int(proto::NOTICE_ACCEPTED));
        QCOMPARE(second->body(), std::string("now I may"));

        // Per conversation: the same client in another matter must accept there too.
        std::string other;
        auto bob = h.enrollStaff("bob", proto::ROLE_LAWYER);
        auto client2 = h.inviteClient("bob", "Other matter", &other);
        QVERIFY(bob && client2);
        QVERIFY(client2->connect(h.endpoint()));
        r = sendRaw(*client2, h.buildSend(*client2, other, "no notice here"));
        QVERIFY(r);
        QCOMPARE(int(r->status()), int(proto::STATUS_NOTICE_REQUIRED));
    }

    void realClientShowsAcceptsAndSends() {
        e2e::Harness h({}, enforce);
        QVERIFY(h.ok());
        auto lawyer = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(lawyer);
        lawyer->start();
        auto client = joinParty(h.inviteLink("alice", "Estate"), "Carol");
        QVERIFY(client);
        client->start();
        QVERIFY(eventually([&] { return client->isConnected() && lawyer->isConnected(); }));
        QVERIFY(client->account().noticeRequired);
        auto convs = client->conversations();
        QVERIFY(convs && !convs->empty());
        const std::string conv = convs->front().id;
        QVERIFY(!client->sendText(conv, "before")); // refused locally
        QVERIFY(client->acceptNotice());
        QVERIFY(client->sendText(conv, "after the notice"));
        QVERIFY(client->waitForOutbox(20s));
        QVERIFY((*client).eventsOf(client::Event::Kind::SendFailed).empty());
        QVERIFY(eventually([&] {
            auto msgs = lawyer->history(conv, 50);
            return msgs &&
                   std::any_of(msgs->begin(), msgs->end(), [](const client::MessageView& m) {
                       return m.body == "after the notice";
                   });
        }));
    }

    void upgradedRelayAsksAgainAndTheClientReaccepts() {
        // A relay upgraded to schema 9 knows no acceptance made before (its notices table starts
        // empty): the client's next send is refused, the client asks again, and after the new
        // acceptance it sends.
        e2e::Harness h({}, enforce);
        QVERIFY(h.ok());
        EstateParties estate;
        QVERIFY(joinEstate(h, estate));
        auto &lawyer = estate.lawyer, &client = estate.client;
        const std::string& conv = estate.conv;
        QVERIFY(client->waitForOutbox(20s)); // the acceptance is journaled
        QVERIFY(client->account().noticeAccepted);

        h.stop();
        {
            storage::OpenOptions o;
            o.create = false;
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), o);
            QVERIFY(db);
            QVERIFY((*db)->exec("DELETE FROM notices")); // as after the V9 migration
        }
        QVERIFY(h.restart());
        QVERIFY(eventually([&] { return client->isConnected(); }));
        QVERIFY(client->sendText(conv, "after the upgrade"));
        QVERIFY(eventually(
            [&] { return !(*client).eventsOf(client::Event::Kind::SendFailed).empty(); }));
        const auto failed = (*client).eventsOf(client::Event::Kind::SendFailed).front();
        QVERIFY2(failed.detail.find("accept the recording notice first") != std::string::npos,
                 failed.detail.c_str());
        QVERIFY(!client->account().noticeAccepted);
        QVERIFY(!client->sendText(conv, "refused locally until accepted"));

        QVERIFY(client->acceptNotice());
        QVERIFY(client->sendText(conv, "accepted again"));
        QVERIFY(client->waitForOutbox(20s));
        QCOMPARE((*client).eventsOf(client::Event::Kind::SendFailed).size(), std::size_t(1));
        QVERIFY(eventually([&] {
            auto msgs = lawyer->history(conv, 50);
            return msgs &&
                   std::any_of(msgs->begin(), msgs->end(), [](const client::MessageView& m) {
                       return m.body == "accepted again";
                   });
        }));
        auto msgs = lawyer->history(conv, 50);
        QVERIFY(msgs && std::none_of(msgs->begin(), msgs->end(), [](const client::MessageView& m) {
                    return m.body == "after the upgrade";
                }));
    }

    void verifyFlagsMessagesWithoutNotice() {
        // A relay that lets the messages through (the check switched off): compliance catches it.
        e2e::Harness h({}, letThrough);
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("alice", proto::ROLE_LAWYER);
        std::string conv, conv2;
        auto client = h.inviteClient("alice", "Lease dispute", &conv);
        auto client2 = h.inviteClient("alice", "Second matter", &conv2);
        QVERIFY(lawyer && client && client2);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(client->connect(h.endpoint()));
        QVERIFY(client2->connect(h.endpoint()));
        auto seqOf = [](const std::optional<proto::Response>& r) {
            return r && r->status() == proto::STATUS_OK ? r->send_result().journal_sequence() : 0;
        };
        const auto lawyerSeq = seqOf(sendRaw(*lawyer, h.buildSend(*lawyer, conv, "Welcome")));
        const auto skipped =
            seqOf(sendRaw(*client, h.buildSend(*client, conv, "skipped the notice")));
        const auto accepted = seqOf(
            sendRaw(*client, acceptance(h, *client, conv, journal::noticeAcceptanceBody("Firm"),
                                        true, 1, currentHash())));
        const auto fine = seqOf(sendRaw(*client, h.buildSend(*client, conv, "after accepting")));
        // An acceptance of a notice nobody knows is no acceptance (undeclared: the relay let it by).
        const auto bogus =
            seqOf(sendRaw(*client2, acceptance(h, *client2, conv2,
                                               "{\"notice_version\":7,\"notice_sha256\":\"" +
                                                   std::string(64, '0') + "\",\"firm\":\"F\"}",
                                               false, 0, {})));
        const auto afterBogus =
            seqOf(sendRaw(*client2, h.buildSend(*client2, conv2, "after a bogus acceptance")));
        QVERIFY(lawyerSeq && skipped && accepted && fine && bogus && afterBogus);

        auto officer = joinOfficer(h);
        QVERIFY(officer);
        QTemporaryDir dir;
        auto pulled =
            pullInProcess(*officer, dir.path().toStdString() + "/a.archive", h.journalKey());
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        const auto* report = &pulled->report;
        std::set<std::uint64_t> flagged;
        std::string bogusDetail;
        for (const auto& p : report->problems)
            if (p.fault == "no-notice") {
                flagged.insert(p.sequence);
                if (p.sequence == afterBogus) bogusDetail = p.detail;
            }
        QCOMPARE(flagged, (std::set<std::uint64_t>{skipped, afterBogus}));
        QVERIFY2(bogusDetail.find("seq " + std::to_string(bogus)) != std::string::npos,
                 bogusDetail.c_str());
        QVERIFY(std::string(compliance::faultDescription("no-notice")).find("recording notice") !=
                std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestConsent)
#include "tst_consent.moc"
