// History transfer between a user's own devices (issue 23; docs/protocol.md, "History
// transfer"; TESTPLAN DL-06): real clients on their own profiles and a real relay over TLS.
//  - the history arrives whole on a newly linked device (every message, an attachment that
//    opens, a reaction, an edit), merges with what came since linking without a duplicate, and
//    a second transfer adds nothing;
//  - the relay's storage holds no plaintext of it, and the journal records the transfer (to
//    which device, its digest and size) but never its key;
//  - a blob altered in the relay's blob store is refused, nothing imported;
//  - a "history" another user sends (into a conversation both share) is refused, nothing
//    imported, and the relay refuses anyone but the user sending into the user's own devices.

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "crypto/Digest.h"
#include "journal/HistoryTransfer.h"
#include "journal/SealedEntry.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

/// Files under `dir` (the relay's data directory: database, WAL, blobs) that hold `marker`.
QStringList filesHolding(const QString& dir, const QByteArray& marker) {
    QStringList hits;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(marker)) hits << f.fileName();
    }
    return hits;
}

std::string bytesOf(ByteView b) {
    return std::string(b.begin(), b.end());
}

bool sawEvent(Party& p, client::Event::Kind k) {
    return !p.eventsOf(k).empty();
}

std::size_t messagesIn(Party& p, const std::string& conv) {
    auto h = p->history(conv, 100000, 0);
    return h ? h->size() : 0;
}

/// A raw second device of "alice" (`alice` approves it): the compromised own device of the
/// review, which writes whatever history it likes.
std::unique_ptr<e2e::Device> compromisedOwnDevice(e2e::Harness& h, Party& alice) {
    auto s = h.addDevice("alice");
    if (!s) return nullptr;
    if (!alice->approveDevice(s->device)) return nullptr;
    if (!s->connect(h.endpoint())) return nullptr;
    return s;
}

/// Alice, a lawyer, started and synced (null when that failed).
PartyHandle startedAlice(e2e::Harness& h) {
    auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
    if (!alice) return alice;
    alice->start();
    if (!alice->waitUntilSynced(20s)) return {};
    return alice;
}

/// A lawyer (two devices: the second linked from the first) and a client in one matter, with
/// `messages` texts, a file, an edit and a reaction from before the link.
struct LinkedLawyer {
    PartyHandle alice1, alice2, carol;
    std::string conv;
    std::string lastOld, attached, edited; ///< message ids from before the link
    QTemporaryDir files;
};

bool linkedLawyer(e2e::Harness& h, LinkedLawyer& out, int messages) {
    out.alice1 = startedAlice(h);
    if (!out.alice1) return false;
    auto invite = out.alice1->createInvite("Estate of Doe");
    if (!invite) return false;
    out.carol = joinParty(*invite, "Carol Client", true);
    if (!out.carol) return false;
    out.carol->start();
    if (!out.carol->waitUntilSynced(20s)) return false;
    auto conv = out.carol->resolveConversation("Estate of Doe");
    if (!conv) return false;
    out.conv = *conv;
    std::string last;
    for (int i = 0; i < messages; ++i) {
        auto& from = i % 2 ? out.alice1 : out.carol;
        auto id = from->sendText(out.conv, "HISTORY-MARKER old message " + std::to_string(i));
        if (!id) return false;
        last = *id;
    }
    if (!eventually([&] { return msg(*out.alice1, last).has_value(); }, 30s)) return false;
    out.lastOld = last;
    const QString path = out.files.path() + "/will.txt";
    {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) return false;
        f.write("HISTORY-MARKER the last will and testament");
    }
    auto attached = out.carol->sendAttachment(out.conv, path.toStdString(), "the will");
    if (!attached) return false;
    out.attached = *attached;
    if (!eventually([&] { return msg(*out.alice1, out.attached).has_value(); }, 30s)) return false;
    auto mine = out.alice1->sendText(out.conv, "HISTORY-MARKER first draft");
    if (!mine) return false;
    out.edited = *mine;
    if (!out.alice1->edit(*mine, "HISTORY-MARKER second draft")) return false;
    if (!out.alice1->react(out.attached, "\xe2\x9c\x94")) return false;
    if (!out.alice1->waitForOutbox(30s)) return false;
    auto link = out.alice1->createDeviceLink();
    if (!link) return false;
    out.alice2 = joinParty(*link, "Alice Adams");
    if (!out.alice2) return false;
    out.alice2->start();
    return out.alice2->waitUntilSynced(30s);
}

/// Alice (startedAlice) and Bob, a lawyer's raw device, in a direct conversation Alice starts;
/// with a compromised own device of Alice's when asked.
struct AliceAndBob {
    PartyHandle alice;
    std::unique_ptr<e2e::Device> bob;
    std::string conv;
    std::unique_ptr<e2e::Device> rogue; ///< compromisedOwnDevice(), when asked for
};

enum class Bob { Connected, Offline };
enum class Rogue { No, Yes };

/// Builds `out` on relay `h` (false when `h` or any step failed).
bool aliceAndBob(e2e::Harness& h, AliceAndBob& out, Bob bobIs = Bob::Connected,
                 Rogue rogue = Rogue::No) {
    if (!h.ok()) return false;
    out.alice = startedAlice(h);
    if (!out.alice) return false;
    out.bob = h.enrollStaff("bob", proto::ROLE_LAWYER);
    if (!out.bob || (bobIs == Bob::Connected && !out.bob->connect(h.endpoint()))) return false;
    auto conv = out.alice->createConversation("Alice and Bob", false, {"bob"});
    if (!conv) qWarning("createConversation: %s", conv.error().message.c_str());
    if (!conv) return false;
    out.conv = *conv;
    if (rogue == Rogue::Yes) out.rogue = compromisedOwnDevice(h, *out.alice);
    return rogue == Rogue::No || out.rogue;
}

/// A history of alice's from device `source`, holding conversation `conv` and no message yet.
journal::HistoryDocument historyFrom(std::uint32_t source, const std::string& conv) {
    journal::HistoryDocument doc;
    doc.user = "alice";
    doc.sourceDevice = source;
    doc.createdMs = 1764300000000ULL;
    proto::HistoryConversation c;
    c.set_id(conv);
    doc.conversations.push_back(c);
    return doc;
}

/// `from` offers `doc` to alice's device `to` in conversation `conv` (by default alice's
/// own-devices conversation, as the product's sender does); the relay's answer status (-1: the
/// offer could not be made).
int offerHistory(e2e::Harness& h, e2e::Device& from, std::uint32_t to,
                 const journal::HistoryDocument& doc,
                 const std::string& conv = journal::ownDevicesConversation("alice")) {
    auto bytes = journal::encodeHistory(doc);
    if (!bytes) return -1;
    auto sealed = journal::sealHistory(*bytes);
    if (!sealed) return -1;
    auto blobId =
        client::RelayConnection::uploadBlob(h.endpoint(), from.credentials, bytesOf(sealed->blob));
    if (!blobId) return -1;
    const std::string body = "{\"device\":\"alice/" + std::to_string(to) + "\",\"blob\":\"" +
                             *blobId + "\",\"sha256\":\"" +
                             toHex(ByteView(sealed->digest.data(), sealed->digest.size())) +
                             "\",\"size\":" + std::to_string(sealed->blob.size()) +
                             ",\"conversations\":" + std::to_string(doc.conversations.size()) +
                             ",\"messages\":" + std::to_string(doc.messages.size()) + "}";
    auto send = e2e::buildSend(from, conv, body, h.journalKey().publicKey(), nullptr,
                               [&](proto::JournalRecord& r) {
                                   r.set_type(proto::HISTORY_TRANSFER);
                                   r.set_history_key(bytesOf(sealed->key));
                               });
    if (send.envelopes_size() != 1) return -1;
    proto::Request req;
    *req.mutable_send() = send;
    auto resp = from.connection->call(req);
    return resp ? int(resp->status()) : -1;
}

proto::HistoryMessage historyText(const std::string& id, const std::string& conv,
                                  const std::string& user, std::uint32_t device,
                                  const std::string& body) {
    proto::HistoryMessage m;
    m.set_id(id);
    m.set_conversation_id(conv);
    m.mutable_sender()->set_user(user);
    m.mutable_sender()->set_device(device);
    m.set_body(body);
    m.set_server_time_ms(1764300000000ULL);
    return m;
}

} // namespace

class TestHistory : public QObject {
    Q_OBJECT
private slots:
    void historyArrivesWholeMergesAndStaysOffTheRelay() {
        e2e::Harness h;
        QVERIFY(h.ok());
        LinkedLawyer p;
        QVERIFY(linkedLawyer(h, p, 30));
        const std::string* attached = &p.attached;
        const std::string* mine = &p.edited;
        // Sent after linking: both devices have it already.
        auto since = p.carol->sendText(p.conv, "HISTORY-MARKER since linking");
        QVERIFY(since);
        QVERIFY(eventually([&] { return msg(*p.alice2, *since).has_value(); }, 30s));
        QVERIFY(eventually([&] { return msg(*p.alice1, *since).has_value(); }, 30s));
        QVERIFY(!msg(*p.alice2, *attached).has_value()); // nothing old moved by itself
        QVERIFY(!msg(*p.alice2, p.lastOld).has_value());

        auto sent = p.alice1->sendHistory(p.alice2->account().device);
        QVERIFY2(sent, sent ? "" : sent.error().message.c_str());
        QVERIFY(sent->messages >= 34);
        QVERIFY(p.alice1->waitForOutbox(30s));
        QVERIFY(eventually(
            [&] { return sawEvent(*p.alice2, client::Event::Kind::HistoryImported); }, 30s));
        QVERIFY(p.alice2.get()->eventsOf(client::Event::Kind::HistoryFailed).empty());
        // Every message of the old device, with its text, edit and reaction, once each.
        auto old = p.alice1->history(p.conv, 100000, 0);
        QVERIFY(old);
        for (const auto& m : *old) {
            if (m.kind == client::MessageKind::System) continue;
            auto got = msg(*p.alice2, m.id);
            QVERIFY2(got.has_value(), m.id.c_str());
            QCOMPARE(got->body, m.body);
            QCOMPARE(got->edited, m.edited);
            QCOMPARE(got->reactions.size(), m.reactions.size());
            QCOMPARE(got->senderUser, m.senderUser);
        }
        auto edited = msg(*p.alice2, *mine);
        QVERIFY(edited && edited->body == "HISTORY-MARKER second draft" && edited->edited);
        QVERIFY(edited->outgoing);
        // The attachment opens on the new device: its key came across, the file from the relay.
        auto file = p.alice2->attachmentContent(*attached, 0);
        QVERIFY2(file, file ? "" : file.error().message.c_str());
        QCOMPARE(std::string(file->begin(), file->end()),
                 std::string("HISTORY-MARKER the last will and testament"));
        // Merged: the message that came since linking is there once.
        auto all = p.alice2->history(p.conv, 100000, 0);
        QVERIFY(all);
        QCOMPARE(std::count_if(all->begin(), all->end(),
                               [&](const client::MessageView& m) { return m.id == *since; }),
                 std::ptrdiff_t(1));
        // A second transfer adds nothing.
        const std::size_t had = messagesIn(*p.alice2, p.conv);
        QVERIFY(p.alice1->sendHistory(p.alice2->account().device));
        QVERIFY(p.alice1->waitForOutbox(30s));
        QVERIFY(eventually(
            [&] {
                return p.alice2.get()->eventsOf(client::Event::Kind::HistoryImported).size() == 2;
            },
            30s));
        QCOMPARE(messagesIn(*p.alice2, p.conv), had);
        QVERIFY(p.alice2.get()
                    ->eventsOf(client::Event::Kind::HistoryImported)
                    .back()
                    .detail.rfind("0 messages", 0) == 0);

        // The relay's storage (database, WAL, blobs) holds no plaintext of any of it.
        h.stop();
        QCOMPARE(filesHolding(h.dataDir(), "HISTORY-MARKER"), QStringList());
        QCOMPARE(filesHolding(h.dataDir(), "second draft"), QStringList());
    }

    // The journal records the transfer: who copied what to which device (digest and size), in
    // the user's own-devices conversation, and never the key.
    void transferIsJournaledWithoutItsKey() {
        e2e::Harness h;
        QVERIFY(h.ok());
        LinkedLawyer p;
        QVERIFY(linkedLawyer(h, p, 4));
        auto sent = p.alice1->sendHistory(p.alice2->account().device);
        QVERIFY(sent);
        QVERIFY(p.alice1->waitForOutbox(30s));
        QVERIFY(eventually(
            [&] { return sawEvent(*p.alice2, client::Event::Kind::HistoryImported); }, 30s));
        auto officer = h.enrollStaff("officer", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        auto entries = e2e::pullJournalEntries(*officer);
        QVERIFY(entries);
        auto identity = fromHex(p.alice1->identityKeyHex());
        QVERIFY(identity);
        int transfers = 0;
        for (const auto& e : *entries) {
            if (e.header.conversationId != journal::ownDevicesConversation("alice")) continue;
            auto opened = journal::openEntry(e, h.journalKey(), *identity);
            QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
            const auto& r = opened->record;
            QCOMPARE(r.type(), proto::HISTORY_TRANSFER);
            QVERIFY(r.history_key().empty()); // the key is not the journal's
            QVERIFY(r.body().find("\"device\":\"alice/" +
                                  std::to_string(p.alice2->account().device) + "\"") !=
                    std::string::npos);
            QVERIFY(r.body().find("\"sha256\":\"") != std::string::npos);
            QCOMPARE(r.recipients_size(), 1);
            QCOMPARE(r.recipients(0).device(), p.alice2->account().device);
            ++transfers;
        }
        QCOMPARE(transfers, 1);
    }

    // A lawyer links a phone, then a tablet: each gets the history. The first transfer left the
    // old device's list of its own devices cached without the tablet; the second transfer was
    // dropped as "no longer your active device" until prepareSend asked the relay again.
    void aSecondNewDeviceGetsTheHistoryToo() {
        e2e::Harness h;
        QVERIFY(h.ok());
        LinkedLawyer p;
        QVERIFY(linkedLawyer(h, p, 4));
        QVERIFY(p.alice1->sendHistory(p.alice2->account().device));
        QVERIFY(p.alice1->waitForOutbox(30s));
        QVERIFY(eventually(
            [&] { return sawEvent(*p.alice2, client::Event::Kind::HistoryImported); }, 30s));

        auto link = p.alice1->createDeviceLink();
        QVERIFY(link);
        auto alice3 = joinParty(*link, "Alice Adams");
        QVERIFY(alice3);
        alice3->start();
        QVERIFY(alice3->waitUntilSynced(30s));
        QVERIFY(p.alice1->devices()); // approves the tablet
        auto sent = p.alice1->sendHistory(alice3->account().device);
        QVERIFY2(sent, sent ? "" : sent.error().message.c_str());
        QVERIFY(p.alice1->waitForOutbox(30s));
        QVERIFY(eventually([&] { return sawEvent(*alice3, client::Event::Kind::HistoryImported); },
                           30s));
        QVERIFY(p.alice1.get()->eventsOf(client::Event::Kind::SendFailed).empty());
        QVERIFY(msg(*alice3, p.lastOld).has_value());
    }

    // A blob altered in the relay's blob store: the new device refuses it, imports nothing.
    void alteredBlobIsRefusedAndNothingImported() {
        e2e::Harness h;
        QVERIFY(h.ok());
        LinkedLawyer p;
        QVERIFY(linkedLawyer(h, p, 6));
        const std::string oldId = p.lastOld;
        p.alice2->stop();
        const QStringList before = QDir(h.dataDir() + "/blobs").entryList(QDir::Files);
        auto sent = p.alice1->sendHistory(p.alice2->account().device);
        QVERIFY(sent);
        QVERIFY(p.alice1->waitForOutbox(30s));
        QStringList added;
        for (const auto& f : QDir(h.dataDir() + "/blobs").entryList(QDir::Files))
            if (!before.contains(f)) added << f;
        QCOMPARE(added.size(), 1);
        {
            QFile blob(h.dataDir() + "/blobs/" + added[0]);
            QVERIFY(blob.open(QIODevice::ReadWrite));
            QByteArray bytes = blob.readAll();
            bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x01);
            QVERIFY(blob.seek(0));
            QCOMPARE(blob.write(bytes), qint64(bytes.size()));
        }
        p.alice2->start();
        QVERIFY(eventually([&] { return sawEvent(*p.alice2, client::Event::Kind::HistoryFailed); },
                           30s));
        const auto failed = p.alice2.get()->eventsOf(client::Event::Kind::HistoryFailed);
        QVERIFY2(failed[0].detail.find("nothing was imported") != std::string::npos,
                 failed[0].detail.c_str());
        QVERIFY(!sawEvent(*p.alice2, client::Event::Kind::HistoryImported));
        QVERIFY(!msg(*p.alice2, oldId).has_value());
    }

    // Another user (Bob, a lawyer in a conversation with Alice) sends Alice a "history" that
    // claims to be hers, with a message Alice never had: refused, nothing imported.
    void anotherUsersHistoryIsRefused() {
        e2e::Harness h;
        AliceAndBob p;
        QVERIFY(aliceAndBob(h, p));
        auto& [alice, bob, conv, unused] = p;

        auto doc = historyFrom(bob->device, conv);
        doc.conversations[0].set_title("Alice and Bob");
        doc.messages.push_back(
            historyText(std::string(16, 'p'), conv, "alice", 1, "PLANTED by bob in alice's name"));
        // An ordinary send to the relay.
        QCOMPARE(offerHistory(h, *bob, alice->account().device, doc, conv), int(proto::STATUS_OK));
        QVERIFY(
            eventually([&] { return sawEvent(*alice, client::Event::Kind::HistoryFailed); }, 30s));
        const auto failed = alice.get()->eventsOf(client::Event::Kind::HistoryFailed);
        QVERIFY2(failed[0].detail.find("another user's device") != std::string::npos,
                 failed[0].detail.c_str());
        QTest::qWait(500); // an import, were one started, would have finished by now
        QVERIFY(!sawEvent(*alice, client::Event::Kind::HistoryImported));
        auto hits = alice->search("PLANTED", 10);
        QVERIFY(hits && hits->empty());

        // Nor can Bob reach Alice's devices through her own-devices conversation: the relay
        // refuses him there before any device list is compared.
        proto::JournalRecord rec;
        auto own = e2e::buildSend(
            *bob, conv, "x", h.journalKey().publicKey(), &rec, [&](proto::JournalRecord& r) {
                r.set_conversation_id(journal::ownDevicesConversation("alice"));
            });
        own.set_conversation_id(journal::ownDevicesConversation("alice"));
        proto::Request req;
        *req.mutable_send() = own;
        auto resp = bob->connection->call(req);
        QVERIFY(resp);
        QCOMPARE(int(resp->status()), int(proto::STATUS_FORBIDDEN));
        proto::Request list;
        list.mutable_list_member_devices()->set_conversation_id(
            journal::ownDevicesConversation("alice"));
        auto listed = bob->connection->call(list);
        QVERIFY(listed);
        QCOMPARE(int(listed->status()), int(proto::STATUS_FORBIDDEN));
    }

    // The review's HIGH finding: a compromised own device hands the new device a made-up history
    // (a message "from" the other side, a room that does not exist, "read by" receipts). What is
    // imported is marked as copied and unverified, the invented room and the other users'
    // receipts and deliveries are not taken, and the sender's genuine envelope for an imported id
    // replaces the copy and reports the difference.
    void forgedHistoryIsMarkedRoomsAndReceiptsDroppedAndTheGenuineMessageWins() {
        e2e::Harness h;
        AliceAndBob p;
        QVERIFY(aliceAndBob(h, p, Bob::Connected, Rogue::Yes));
        auto& [alice, bob, conv, s] = p;

        const std::string fakeRoom(32, 'f');
        const std::string fromBob(16, 'b'), inFakeRoom(16, 'r'), ownRead(16, 'o');
        auto doc = historyFrom(s->device, conv);
        // "read by" the other side, never sent by it
        auto* readByBob = doc.conversations[0].add_receipts();
        readByBob->set_user("bob");
        readByBob->set_kind(2);
        readByBob->set_up_to_ms(4000000000000ULL);
        proto::HistoryConversation invented;
        invented.set_id(fakeRoom);
        invented.set_title("Settlement talks");
        invented.add_members("alice");
        invented.add_members("mallory");
        doc.conversations.push_back(invented);
        doc.messages.push_back(
            historyText(fromBob, conv, "bob", bob->device, "FORGED we accept your offer"));
        doc.messages.push_back(
            historyText(inFakeRoom, fakeRoom, "mallory", 1, "FORGED in a room that is not"));
        auto own = historyText(ownRead, conv, "alice", s->device, "FORGED own message");
        own.set_state(std::uint32_t(client::MessageState::Read));
        auto* delivery = own.add_deliveries();
        delivery->set_user("bob");
        delivery->set_device(bob->device);
        delivery->set_delivered_ms(1764300000001ULL);
        delivery->set_read_ms(1764300000002ULL);
        doc.messages.push_back(own);
        QCOMPARE(offerHistory(h, *s, alice->account().device, doc), int(proto::STATUS_OK));
        QVERIFY(eventually([&] { return sawEvent(*alice, client::Event::Kind::HistoryImported); },
                           30s));
        const auto done = alice.get()->eventsOf(client::Event::Kind::HistoryImported);
        QVERIFY2(done[0].detail.find("1 conversations the relay does not list to you were left "
                                     "out (1 messages)") != std::string::npos,
                 done[0].detail.c_str());

        // Shown, but as a copy from device S that this device did not verify.
        auto forged = msg(*alice, toHex(view(fromBob)));
        QVERIFY(forged.has_value());
        QCOMPARE(forged->importedFromDevice, s->device);
        // The invented room and its message are not here.
        QVERIFY(!msg(*alice, toHex(view(inFakeRoom))).has_value());
        auto rooms = alice->conversations();
        QVERIFY(rooms);
        for (const auto& c : *rooms)
            QVERIFY2(c.id != fakeRoom, c.title.c_str());
        // Bob's "read" came from nobody but S: the own message is not shown as read or delivered.
        auto mine = msg(*alice, toHex(view(ownRead)));
        QVERIFY(mine.has_value());
        QCOMPARE(mine->importedFromDevice, s->device);
        QCOMPARE(int(mine->state), int(client::MessageState::Sent));
        auto info = alice->messageInfo(toHex(view(ownRead)));
        QVERIFY(info);
        for (const auto& r : info->recipients)
            QCOMPARE(r.readMs, std::uint64_t(0));

        // Bob's genuine message with that id (queued for alice): checked, it replaces the copy,
        // and the difference is reported as a mismatch.
        auto genuine =
            e2e::buildSend(*bob, conv, "the genuine text", h.journalKey().publicKey(), nullptr,
                           [&](proto::JournalRecord& r) { r.set_message_id(fromBob); });
        proto::Request req;
        *req.mutable_send() = genuine;
        auto resp = bob->connection->call(req);
        QVERIFY(resp);
        QCOMPARE(int(resp->status()), int(proto::STATUS_OK));
        QVERIFY(eventually(
            [&] {
                auto m = msg(*alice, toHex(view(fromBob)));
                return m && m->body == "the genuine text" && m->importedFromDevice == 0;
            },
            30s));
        QVERIFY(eventually([&] { return sawEvent(*alice, client::Event::Kind::JournalMismatch); },
                           10s));
        auto all = alice->history(conv, 1000, 0);
        QVERIFY(all);
        QCOMPARE(std::count_if(
                     all->begin(), all->end(),
                     [&](const client::MessageView& m) { return m.id == toHex(view(fromBob)); }),
                 std::ptrdiff_t(1));
        auto hits = alice->search("FORGED we accept", 10);
        QVERIFY(hits && hits->empty());
    }

    // The review's LOW finding: an offer queued by a device that was revoked before the new
    // device fetched it is refused, nothing imported.
    void offerFromADeviceRevokedSinceIsRefused() {
        e2e::Harness h;
        AliceAndBob p;
        QVERIFY(aliceAndBob(h, p, Bob::Offline, Rogue::Yes));
        auto& [alice, bob, conv, s] = p;
        QVERIFY(alice->waitUntilSynced(20s));
        alice->stop();
        auto doc = historyFrom(s->device, conv);
        const std::string id(16, 'v');
        doc.messages.push_back(historyText(id, conv, "alice", s->device, "from a lost laptop"));
        QCOMPARE(offerHistory(h, *s, alice->account().device, doc), int(proto::STATUS_OK));
        QVERIFY(h.service().revokeDevice("alice", s->device, "test"));
        alice->start();
        QVERIFY(eventually(
            [&] {
                return sawEvent(*alice, client::Event::Kind::HistoryFailed) ||
                       sawEvent(*alice, client::Event::Kind::HistoryImported);
            },
            30s));
        QVERIFY(!sawEvent(*alice, client::Event::Kind::HistoryImported));
        const auto failed = alice.get()->eventsOf(client::Event::Kind::HistoryFailed);
        QVERIFY2(failed[0].detail.find("no longer an active device of yours") != std::string::npos,
                 failed[0].detail.c_str());
        QVERIFY(!msg(*alice, toHex(view(id))).has_value());
    }

    // The sender refuses what it cannot send: itself, another user's device, an unknown one.
    void sendingToAnythingButAnOwnActiveDeviceIsRefused() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = startedAlice(h);
        QVERIFY(alice);
        auto self = alice->sendHistory(alice->account().device);
        QVERIFY(!self);
        QCOMPARE(self.error().code, ErrorCode::InvalidArgument);
        auto unknown = alice->sendHistory(42);
        QVERIFY(!unknown);
        QVERIFY(unknown.error().message.find("not an active, approved device of yours") !=
                std::string::npos);
        QVERIFY(alice->waitForOutbox(5s));
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
