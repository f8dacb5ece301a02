// The history transfer's document and encrypted blob (issue 23; shared/journal/HistoryTransfer.h,
// docs/protocol.md "History transfer"): round trips, and every way a cut, altered, reordered or
// extended blob or document is refused before anything is imported.

#include <QtTest>

#include "crypto/Digest.h"
#include "journal/HistoryTransfer.h"

using namespace verbatim;
using namespace verbatim::journal;

namespace {

HistoryDocument sampleDocument(int messages) {
    HistoryDocument doc;
    doc.user = "alice";
    doc.sourceDevice = 1;
    doc.createdMs = 1764300000000ULL;
    proto::HistoryConversation c;
    c.set_id("0123456789abcdef0123456789abcdef");
    c.set_title("Estate of Doe");
    c.set_is_matter(true);
    c.add_members("alice");
    c.add_members("client-0123456789ab");
    auto* r = c.add_receipts();
    r->set_user("client-0123456789ab");
    r->set_kind(2);
    r->set_up_to_ms(1764300000500ULL);
    doc.conversations.push_back(c);
    for (int i = 0; i < messages; ++i) {
        proto::HistoryMessage m;
        std::string id(16, '\0');
        id[0] = char(i >> 8);
        id[1] = char(i & 0xff);
        id[15] = 'x';
        m.set_id(id);
        m.set_conversation_id(c.id());
        m.mutable_sender()->set_user(i % 2 ? "alice" : "client-0123456789ab");
        m.mutable_sender()->set_device(1);
        m.set_body("message number " + std::to_string(i) + " HISTORY-MARKER");
        m.set_server_time_ms(1764300000000ULL + std::uint64_t(i));
        if (i == 0) {
            auto* a = m.add_attachments();
            a->set_blob_id(std::string(32, 'b'));
            a->set_key(std::string(32, 'k'));
            a->set_file_name("will.pdf");
            auto* re = m.add_reactions();
            re->set_user("alice");
            re->set_emoji("\xe2\x9c\x94");
        }
        doc.messages.push_back(std::move(m));
    }
    return doc;
}

Bytes digestOf(ByteView b) {
    auto h = crypto::sha256(b);
    return Bytes(h.begin(), h.end());
}

} // namespace

class TestHistoryTransfer : public QObject {
    Q_OBJECT
private slots:
    void documentRoundTripsEveryField() {
        auto doc = sampleDocument(3);
        auto bytes = encodeHistory(doc);
        QVERIFY(bytes);
        auto back = parseHistory(*bytes);
        QVERIFY2(back, back ? "" : back.error().message.c_str());
        QCOMPARE(back->user, doc.user);
        QCOMPARE(back->sourceDevice, doc.sourceDevice);
        QCOMPARE(back->createdMs, doc.createdMs);
        QCOMPARE(back->conversations.size(), std::size_t(1));
        QCOMPARE(back->messages.size(), std::size_t(3));
        QCOMPARE(back->conversations[0].SerializeAsString(),
                 doc.conversations[0].SerializeAsString());
        for (std::size_t i = 0; i < 3; ++i)
            QCOMPARE(back->messages[i].SerializeAsString(), doc.messages[i].SerializeAsString());
    }

    void documentRefusesRepeatsOrphansAndCutBytes() {
        auto doc = sampleDocument(2);
        auto twice = doc;
        twice.messages.push_back(doc.messages[0]);
        QVERIFY(!encodeHistory(twice)); // a writer never makes one
        auto orphan = doc;
        orphan.messages[1].set_conversation_id("not listed");
        QVERIFY(!encodeHistory(orphan));
        auto bytes = *encodeHistory(doc);
        // Every strict prefix is refused: a document ends with its counts.
        for (std::size_t n = 0; n < bytes.size(); ++n)
            QVERIFY(!parseHistory(ByteView(bytes.data(), n)));
        Bytes extended = bytes;
        extended.push_back(0);
        QVERIFY(!parseHistory(extended));
        Bytes wrongCount = bytes;
        wrongCount.back() ^= 1; // the message count
        QVERIFY(!parseHistory(wrongCount));
        Bytes version = bytes;
        version[7] = 2;
        auto v = parseHistory(version);
        QVERIFY(!v);
        QCOMPARE(v.error().code, ErrorCode::Unsupported);
    }

    void blobRoundTripsAcrossChunks() {
        auto bytes = *encodeHistory(sampleDocument(200));
        QVERIFY(bytes.size() > 3 * 1024);
        for (std::uint32_t chunk : {1024u, 4096u, kHistoryChunkBytes}) {
            auto sealed = sealHistory(bytes, chunk);
            QVERIFY(sealed);
            QVERIFY(sealed->blob.size() > bytes.size());
            auto plain = openHistory(sealed->key, sealed->digest, sealed->blob);
            QVERIFY2(plain, plain ? "" : plain.error().message.c_str());
            QVERIFY(Bytes(plain->begin(), plain->end()) == bytes);
        }
        // A document of exactly two chunks: the last chunk is full, and still the last.
        Bytes exact(2048, 'a');
        auto sealed = *sealHistory(exact, 1024);
        auto plain = openHistory(sealed.key, sealed.digest, sealed.blob);
        QVERIFY(plain && plain->size() == 2048);
    }

    // The blob's digest travels in the end-to-end record: an altered blob is refused by it.
    void blobAlteredIsRefusedByItsDigest() {
        auto bytes = *encodeHistory(sampleDocument(20));
        auto sealed = *sealHistory(bytes, 1024);
        Bytes altered = sealed.blob;
        altered[altered.size() / 2] ^= 0x01;
        auto r = openHistory(sealed.key, sealed.digest, altered);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::AuthFailed);
    }

    // Behind the digest, the chunks are authenticated on their own: whoever could also change
    // the digest (it is committed and end-to-end) still could not alter, cut, reorder or extend
    // the blob.
    void blobAlteredCutReorderedOrExtendedIsRefusedByItsChunks() {
        auto bytes = *encodeHistory(sampleDocument(60));
        auto sealed = *sealHistory(bytes, 1024);
        const std::size_t header = 9, chunk = 1024 + 16;
        QVERIFY(sealed.blob.size() > header + 3 * chunk);
        auto opens = [&](const Bytes& blob) {
            return openHistory(sealed.key, digestOf(blob), blob).has_value();
        };
        QVERIFY(opens(sealed.blob));
        for (std::size_t at :
             {std::size_t(0), std::size_t(5), header, header + chunk + 7, sealed.blob.size() - 1}) {
            Bytes b = sealed.blob;
            b[at] ^= 0x80;
            QVERIFY2(!opens(b), std::to_string(at).c_str());
        }
        // Cut at a chunk boundary: the chunk that is now last was not sealed as the last.
        Bytes cut(sealed.blob.begin(), sealed.blob.begin() + std::ptrdiff_t(header + 2 * chunk));
        QVERIFY(!opens(cut));
        // Cut inside a chunk.
        Bytes torn(sealed.blob.begin(), sealed.blob.end() - 5);
        QVERIFY(!opens(torn));
        // Two chunks swapped.
        Bytes swapped = sealed.blob;
        std::swap_ranges(swapped.begin() + std::ptrdiff_t(header),
                         swapped.begin() + std::ptrdiff_t(header + chunk),
                         swapped.begin() + std::ptrdiff_t(header + chunk));
        QVERIFY(!opens(swapped));
        // A chunk repeated at the end.
        Bytes extended = sealed.blob;
        extended.insert(extended.end(), sealed.blob.begin() + std::ptrdiff_t(header),
                        sealed.blob.begin() + std::ptrdiff_t(header + chunk));
        QVERIFY(!opens(extended));
        // Another key.
        Bytes other(32, 7);
        QVERIFY(!openHistory(other, sealed.digest, sealed.blob));
    }

    void limitsAreRefusedWithAClearError() {
        HistoryDocument doc = sampleDocument(1);
        proto::HistoryMessage big = doc.messages[0];
        big.set_body(std::string(kMaxHistoryItemBytes + 1, 'x'));
        big.set_id(std::string(16, 'z'));
        doc.messages.push_back(big);
        auto r = encodeHistory(doc);
        QVERIFY(!r);
        QVERIFY(r.error().message.find("at most") != std::string::npos);
        QVERIFY(r.error().message.find("xxxx") == std::string::npos); // no content in errors
    }
};

QTEST_APPLESS_MAIN(TestHistoryTransfer)
#include "tst_history_transfer.moc"
