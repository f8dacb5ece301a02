// What pruning leaves in the relay's file (issue 22, what pruning costs), end to end through a
// real relay over TLS: a lawyer sends 20 messages, two compliance devices acknowledge them, the
// relay prunes, stops, and the test reads its database file as someone holding the database key
// would (every page decrypted, free pages and free cells included). No pruned entry's header or
// signature (who wrote to whom and when; the signature names its signer to anyone holding the
// identity keys) is left anywhere in it, while the rows the relay still holds are found (so the
// scan can see them). The pruned entries' GCM ciphertexts are freed without being zeroed (the
// relay stores them apart from the metadata for that): without the header's ephemeral key they
// open for nobody, the firm included. The relay's rows are stored in two parts, and every one
// reads back whole through the wire.

#include <QFile>
#include <QtTest>

#include <openssl/evp.h>

#include "E2EHarness.h"
#include "journal/JournalAck.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e;

namespace {

/// Every page of a SQLCipher 4 file (raw key, 4096-byte pages, 80-byte reserve: IV and
/// HMAC-SHA512) decrypted the way SQLCipher does, HMACs unchecked: AES-256-CBC over the page
/// without its reserve, with the IV stored right after it; page 1 begins after its 16-byte salt.
QByteArray decryptedPages(const QByteArray& file, ByteView key) {
    constexpr int kPage = 4096, kReserve = 80;
    QByteArray out;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    for (qsizetype page = 0; (page + 1) * kPage <= file.size(); ++page) {
        const auto* p = reinterpret_cast<const unsigned char*>(file.constData()) + page * kPage;
        const int offset = page == 0 ? 16 : 0;
        const int size = kPage - offset - kReserve;
        QByteArray plain(kPage, '\0');
        int n = 0;
        if (EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key.data(), p + kPage - kReserve) !=
                1 ||
            EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
            EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()) + offset, &n,
                              p + offset, size) != 1 ||
            n != size) {
            out.clear();
            break;
        }
        out += plain;
    }
    EVP_CIPHER_CTX_free(ctx);
    return out;
}

QByteArray bytes(ByteView b) {
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
}

} // namespace

class TestPruningResidue : public QObject {
    Q_OBJECT

private slots:
    void prunedEntriesLeaveNoMetadataInTheFile() {
        Harness h({}, [](relay::RelayConfig& c) {
            c.journalPruneAfter = std::chrono::milliseconds(0);
            c.journalPruneInterval = std::chrono::milliseconds(0); // pruned when the test says
            c.journalPruneBatch = 8;                               // several steps
        });
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("alice", proto::ROLE_LAWYER);
        std::string conv;
        auto client = h.inviteClient("alice", "Lease dispute", &conv);
        auto a = h.enrollStaff("comply-a", proto::ROLE_COMPLIANCE);
        auto b = h.enrollStaff("comply-b", proto::ROLE_COMPLIANCE);
        QVERIFY(lawyer && client && a && b);
        for (Device* d : {lawyer.get(), a.get(), b.get()})
            QVERIFY(d->connect(h.endpoint()));
        QVERIFY(sendNumbered(h, *lawyer, conv, "residue entry ", 20));
        auto chain = pullJournalChain(*a);
        QVERIFY(chain && !chain->items.empty());
        const std::uint64_t head = chain->items.back().sequence;
        QVERIFY(chain->items.back().chainHash);

        // Stored in two parts: each of the relay's rows has its ciphertext apart, and the pull
        // above (which checked every chain hash) got them back whole.
        {
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
            QVERIFY(db);
            auto st = (*db)->prepare("SELECT count(*) FROM journal_meta m JOIN journal_sealed s "
                                     "ON s.seq = m.seq WHERE m.cut IS NOT NULL");
            QVERIFY(st && *st->step());
            QCOMPARE(std::uint64_t(st->columnInt(0)), head);
        }

        // The lawyer's entries below the head will be pruned; the head row stays.
        std::vector<journal::SealedEntry> pruned;
        std::optional<journal::SealedEntry> kept;
        for (const auto& item : chain->items) {
            auto e = journal::SealedEntry::parse(item.entry);
            QVERIFY(e);
            if (item.sequence == head)
                kept = *e;
            else if (e->header.senderUser == "alice")
                pruned.push_back(*e);
        }
        QVERIFY(kept);
        QVERIFY(pruned.size() >= 19);

        const std::string firm = h.firmFingerprint();
        const std::uint64_t t = relay::wallClockMs();
        for (Device* officer : {a.get(), b.get()}) {
            auto ack = journal::JournalAck::make(
                firm, officer->user, officer->device, head, *chain->items.back().chainHash, t, {},
                [&](ByteView m) { return officer->sessions->sign(m); });
            QVERIFY(ack);
            const Bytes signedAck = ack->serialize();
            proto::Request req;
            req.mutable_ack_journal()->set_ack(std::string(signedAck.begin(), signedAck.end()));
            auto r = officer->connection->call(req);
            QVERIFY(r);
            QVERIFY2(r->status() == proto::STATUS_OK, r->error().c_str());
        }
        auto n = h.service().pruneJournalNow();
        QVERIFY(n);
        QCOMPARE(*n, head - 1);
        auto state = h.service().journalPruneState();
        QVERIFY(state);
        QCOMPARE(state->pruned_through(), head - 1);
        h.stop(); // the last connection closes: the WAL goes into the file

        QByteArray file;
        for (const char* suffix : {"", "-wal"}) {
            QFile f(QString::fromStdString(h.databasePath()) + suffix);
            if (!f.exists()) continue;
            QVERIFY(f.open(QIODevice::ReadOnly));
            file += f.readAll();
        }
        const QByteArray plain = decryptedPages(file, h.databaseKey());
        QVERIFY2(!plain.isEmpty(), "the relay's file did not decrypt");
        // The scan sees rows: the kept entry's header and signature are there.
        QVERIFY(plain.contains(bytes(kept->header.serialize())));
        QVERIFY(plain.contains(bytes(kept->signature)));
        int ciphertextsLeft = 0;
        for (const auto& e : pruned) {
            QVERIFY2(!plain.contains(bytes(e.header.serialize())),
                     "a pruned entry's header is still in the relay's file");
            QVERIFY2(!plain.contains(bytes(e.signature)),
                     "a pruned entry's signature is still in the relay's file");
            ciphertextsLeft += plain.contains(bytes(e.ciphertext)) ? 1 : 0;
        }
        qInfo("%d of %zu pruned ciphertexts are still in free pages (unopenable without their "
              "headers)",
              ciphertextsLeft, pruned.size());
    }
};

QTEST_GUILESS_MAIN(TestPruningResidue)
#include "tst_pruning_residue.moc"
