// The passphrase-sealed key file: round trip, wrong passphrase, tamper, hostile parameters.

#include <QtTest>

#include "TestKdfCost.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"

using namespace verbatim;
using namespace verbatim::crypto;

class TestPassphraseBox : public QObject {
    Q_OBJECT
    const ScryptParams m_fast{10, 8, 1};

private slots:
    void roundTripReturnsTheSecret() {
        Bytes secret = randomBytes(32);
        auto box = passphraseSeal(secret, view("correct horse battery staple"), m_fast);
        QVERIFY(box);
        auto opened = passphraseOpen(*box, view("correct horse battery staple"));
        QVERIFY(opened);
        QVERIFY(constantTimeEqual(*opened, secret));
    }

    void defaultParametersRoundTrip() {
        // A test program seals at its cheap cost by default (tests/support/TestKdfCost.h).
        Bytes secret = randomBytes(32);
        auto box = passphraseSeal(secret, view("pw"));
        QVERIFY(box);
        QCOMPARE(int((*box)[4]), testsupport::kTestScryptLog2N);
        QVERIFY(passphraseOpen(*box, view("pw")));
    }

    // Issue 16 item 6: the production cost is scrypt N = 2^17, r = 8, p = 1 (128 MiB), and a box
    // states its own parameters, so an older, cheaper one still opens.
    void productionCostIsAtLeast2To17AndBoxesStateTheirCost() {
        const ScryptParams production;
        QCOMPARE(int(production.log2N), 17);
        QCOMPARE(production.r, 8u);
        QCOMPARE(production.p, 1u);
        testsupport::useProductionKdfCost(true);
        const ScryptParams now = scryptCost();
        testsupport::useProductionKdfCost(false);
        QCOMPARE(int(now.log2N), 17);
        QCOMPARE(int(scryptCost().log2N), testsupport::kTestScryptLog2N);

        QVERIFY(scryptAtLeast(production, production));
        QVERIFY(!scryptAtLeast(kLegacyScrypt, production));
        QVERIFY(!scryptAtLeast({17, 4, 2}, production)); // same work, half the memory
        QVERIFY(!scryptAtLeast({16, 8, 2}, production));
        QVERIFY(scryptAtLeast({18, 8, 1}, production));
        QVERIFY(!scryptAtLeast(production, {18, 8, 1}));

        auto legacy = passphraseSeal(randomBytes(32), view("pw"), kLegacyScrypt);
        QVERIFY(legacy);
        auto params = passphraseBoxParams(*legacy);
        QVERIFY(params);
        QCOMPARE(int(params->log2N), 15);
        QCOMPARE(params->r, 8u);
        QCOMPARE(params->p, 1u);
        QVERIFY(passphraseOpen(*legacy, view("pw")));
        QVERIFY(
            !passphraseBoxParams(view("not a box at all, but long enough to be one in size only")));
    }

    void wrongPassphraseIsWrongKeyAndLeaksNothing() {
        Bytes secret = randomBytes(32);
        auto box = passphraseSeal(secret, view("right"), m_fast);
        auto opened = passphraseOpen(*box, view("wrong"));
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, ErrorCode::WrongKey);
        QVERIFY(opened.error().message.find("right") == std::string::npos);
        QVERIFY(opened.error().message.find(toHex(secret)) == std::string::npos);
    }

    void everyFlippedByteFails() {
        auto box = *passphraseSeal(randomBytes(32), view("pw"), m_fast);
        for (std::size_t i = 0; i < box.size(); ++i) {
            Bytes t = box;
            t[i] ^= 0x01;
            if (i == 4) t[i] = 11; // keep the cost bounded while still changing N
            QVERIFY2(!passphraseOpen(t, view("pw")), qPrintable(QString("byte %1").arg(i)));
        }
    }

    void truncatedOrForeignFilesAreMalformed() {
        auto box = *passphraseSeal(randomBytes(32), view("pw"), m_fast);
        for (std::size_t n : {std::size_t(0), std::size_t(3), std::size_t(40), std::size_t(56)}) {
            auto r = passphraseOpen(ByteView(box.data(), n), view("pw"));
            QVERIFY(!r);
            QCOMPARE(r.error().code, ErrorCode::Malformed);
        }
        // A cut inside the ciphertext cannot be told from a wrong passphrase: both fail the tag.
        auto cut = passphraseOpen(ByteView(box.data(), box.size() - 17), view("pw"));
        QVERIFY(!cut);
        QCOMPARE(cut.error().code, ErrorCode::WrongKey);
        auto r = passphraseOpen(
            view("SQLite format 3\0 and then some more bytes to reach the size"), view("pw"));
        QVERIFY(!r);
    }

    void hostileCostParametersAreRefusedQuickly() {
        auto box = *passphraseSeal(randomBytes(32), view("pw"), m_fast);
        Bytes t = box;
        t[4] = 40; // N = 2^40 would need terabytes
        QElapsedTimer timer;
        timer.start();
        auto r = passphraseOpen(t, view("pw"));
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Unsupported);
        QVERIFY(timer.elapsed() < 1000);
    }

    void emptyPassphraseIsRefused() {
        auto r = passphraseSeal(randomBytes(32), ByteView(), m_fast);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestPassphraseBox)
#include "tst_passphrase_box.moc"
