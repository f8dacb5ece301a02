// Over 600 lines on purpose: one Qt Test class for the relay core library (one test per
// library); every function runs on the RelayFixture that init() creates, with the gates and job
// helpers above it.
//
// Relay core (RelayService, StorageThread, RateLimiter) driven directly, with real Signal
// devices and real journal entries: registration and invites (RL-10, RL-11, RL-12), device
// authentication and revocation (RL-09 core part, DL-01; a wipe revokes at once, issue 15
// break 7), pre-keys (PR-10, IDOR), send with journal validation and device lists (ES-07,
// RL-14), store-and-forward delivery, the journal
// pull (JT-03 chain part, ES-01 short, ES-02), group commit, restart, and a full database
// (CF-03, CF-04).

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <future>
#include <latch>
#include <set>
#include <thread>

#include <QFile>
#include <QFileInfo>

#include "RelayFixture.h"
#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Random.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "relay/core/RelaySchema.h"

using namespace verbatim;
using namespace verbatim::relay;

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QByteArray describe(const proto::Response& r) {
    return QByteArray::number(int(r.status())) + " \"" + QByteArray::fromStdString(r.error()) +
           "\"";
}

std::string errorText(const Error& e) {
    return e.message + " (detail " + std::to_string(e.detail) + ")";
}

bool sameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
    return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

std::vector<std::pair<std::string, std::uint32_t>>
addresses(const google::protobuf::RepeatedPtrField<proto::DeviceAddress>& list) {
    std::vector<std::pair<std::string, std::uint32_t>> out;
    for (const auto& a : list)
        out.push_back({a.user(), a.device()});
    std::sort(out.begin(), out.end());
    return out;
}

Bytes utf16le(const std::string& ascii) {
    Bytes out;
    for (char c : ascii) {
        out.push_back(std::uint8_t(c));
        out.push_back(0);
    }
    return out;
}

Bytes base64(ByteView b) {
    QByteArray enc =
        QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size())).toBase64();
    return Bytes(enc.begin(), enc.end());
}

std::string upper(std::string s) {
    for (auto& c : s)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// ---- the journal's two kinds of entries -------------------------------------------------------
// Besides one entry per message, the relay appends every administrative action to the journal
// chain: an ADMIN_ACTION record sealed to the journal key, sent by relay/0 and signed with the
// relay's journal identity (RelayConfig::relayIdentityPublic).

/// True for an entry the relay wrote itself (an administrative action).
bool relayAuthored(const journal::EntryHeader& h) {
    return h.senderUser == "relay" && h.senderDevice == 0;
}

/// Positions (indexes into the list given) of the message entries and of the relay's own.
struct ByAuthor {
    std::vector<std::size_t> messages, admin;
};
Result<ByAuthor> byAuthor(const std::vector<Bytes>& entries) {
    ByAuthor out;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        auto entry = journal::SealedEntry::parse(entries[i]);
        if (!entry) return tl::unexpected(entry.error());
        (relayAuthored(entry->header) ? out.admin : out.messages).push_back(i);
    }
    return out;
}

/// from, from + 1, ..., to - 1.
std::vector<std::size_t> positions(std::size_t from, std::size_t to) {
    std::vector<std::size_t> out;
    for (std::size_t i = from; i < to; ++i)
        out.push_back(i);
    return out;
}

/// The journal entries of a compliance pull, in sequence order.
std::vector<Bytes> entriesOf(const std::vector<journal::ChainItem>& items) {
    std::vector<Bytes> out;
    for (const auto& item : items)
        out.push_back(item.entry);
    return out;
}

QStringList qsl(std::initializer_list<std::vector<std::string>> parts) {
    QStringList out;
    for (const auto& part : parts)
        for (const auto& s : part)
            out << QString::fromStdString(s);
    return out;
}

// The administrative actions the fixture's helpers cause, in journal order.
/// RelayFixture::enroll() and addDevice() (the latter without "enroll-user").
const std::vector<std::string> kEnrollActions = {"enroll-user", "enrollment-link",
                                                 "device-registered"};
/// RelayFixture::joinByInvite().
const std::vector<std::string> kJoinActions = {"invite-created", "invite-redeemed",
                                               "device-registered"};
/// RelayFixture::createConversation().
const std::vector<std::string> kConversationActions = {"conversation-created"};

// Holds the storage thread between batches until open() (or destruction), so that the jobs
// posted meanwhile are all waiting when it next looks for work. Opening on destruction means a
// failing test never leaves the storage thread blocked (and the fixture's destructor hanging).
class StorageGate {
public:
    explicit StorageGate(StorageThread& storage) : m_state(std::make_shared<State>()) {
        auto entered = m_state->entered.get_future();
        auto opened = m_state->opened.get_future().share();
        storage.postBetweenBatches([state = m_state, opened](storage::Database&) {
            state->entered.set_value();
            opened.wait_for(std::chrono::seconds(30));
        });
        m_held = entered.wait_for(kTimeout) == std::future_status::ready;
    }
    ~StorageGate() { open(); }
    bool held() const { return m_held; }
    void open() {
        if (!m_open) m_state->opened.set_value();
        m_open = true;
    }

private:
    struct State {
        std::promise<void> entered, opened;
    };
    std::shared_ptr<State> m_state;
    bool m_held = false, m_open = false;
};

// Jobs on a scratch table, posted in each of StorageThread's modes, with what became of them.
struct ScratchJobs {
    enum Mode { Savepoint, Repeatable, WritesLast };
    explicit ScratchJobs(StorageThread& s) : storage(s) {
        storage.runSync([](storage::Database& db) {
            QVERIFY(db.exec("DROP TABLE IF EXISTS scratch; CREATE TABLE scratch (v INTEGER UNIQUE)")
                        .has_value());
        });
    }
    static bool insert(storage::Database& db, int v) {
        auto st = db.prepare("INSERT INTO scratch (v) VALUES (?)");
        return st && st->bind(1, std::int64_t(v)).run().has_value();
    }
    void post(int job, Mode mode, std::function<bool(storage::Database&)> work) {
        auto state = outcome;
        StorageThread::Work w = [=](storage::Database& db) -> Result<std::function<void()>> {
            if (!work(db)) return fail(ErrorCode::InvalidArgument, "job failed on purpose");
            return std::function<void()>([=] { state->record(job, true); });
        };
        auto e = [=](const Error&) { state->record(job, false); };
        if (mode == Repeatable)
            storage.postRepeatable(std::move(w), std::move(e));
        else if (mode == WritesLast)
            storage.postWritesLast(std::move(w), std::move(e));
        else
            storage.post(std::move(w), std::move(e));
    }
    // Posts what `postJobs` posts while the storage thread is held, so that it all runs as one
    // batch, and waits for that batch. False if the thread could not be held.
    bool inOneBatch(const std::function<void()>& postJobs) {
        {
            StorageGate gate(storage);
            if (!gate.held()) return false;
            postJobs();
        }
        storage.flush();
        return true;
    }
    std::vector<int> values() {
        std::vector<int> out;
        storage.runSync([&](storage::Database& db) {
            auto st = db.prepare("SELECT v FROM scratch ORDER BY v");
            while (st && st->step().value_or(false))
                out.push_back(int(st->columnInt(0)));
        });
        return out;
    }
    std::map<int, bool> done() {
        std::lock_guard lock(outcome->mutex);
        return outcome->done;
    }
    struct Outcome {
        std::mutex mutex;
        std::map<int, bool> done; // job -> succeeded
        void record(int job, bool ok) {
            std::lock_guard lock(mutex);
            done[job] = ok;
        }
    };
    StorageThread& storage;
    std::shared_ptr<Outcome> outcome = std::make_shared<Outcome>();
};

// Collects the answers of handle() calls made without waiting. The state is shared with the
// callbacks, which may outlive a failed test.
class AsyncAnswers {
public:
    explicit AsyncAnswers(std::size_t count) : m_state(std::make_shared<State>()) {
        m_state->answers.resize(count);
    }
    RelayService::Done callback(std::size_t index) {
        return [state = m_state, index](proto::Response r) {
            std::lock_guard lock(state->mutex);
            state->answers[index] = std::move(r);
            ++state->answered;
            state->cv.notify_all();
        };
    }
    /// Waits for every answer; false on timeout.
    bool wait() {
        std::unique_lock lock(m_state->mutex);
        return m_state->cv.wait_for(lock, kTimeout,
                                    [&] { return m_state->answered == m_state->answers.size(); });
    }
    std::vector<std::optional<proto::Response>> answers() const {
        std::lock_guard lock(m_state->mutex);
        return m_state->answers;
    }

private:
    struct State {
        std::mutex mutex;
        std::condition_variable cv;
        std::vector<std::optional<proto::Response>> answers;
        std::size_t answered = 0;
    };
    std::shared_ptr<State> m_state;
};

} // namespace

/// Fails the test with both statuses and the relay's error text.
#define EXPECT_STATUS(response, expected)                                                          \
    do {                                                                                           \
        const proto::Response& r_ = (response);                                                    \
        QVERIFY2(                                                                                  \
            r_.status() == (expected),                                                             \
            QByteArray("expected " + QByteArray::number(int(expected)) + ", got " + describe(r_))  \
                .constData());                                                                     \
    } while (0)

/// `auto var = *expr`, failing the test with the error when expr holds none.
#define TRY(var, expr)                                                                             \
    auto var##Result_ = (expr);                                                                    \
    QVERIFY2(bool(var##Result_), var##Result_ ? "" : errorText(var##Result_.error()).c_str());     \
    auto var = std::move(*var##Result_)

#define REQUIRE_OK(expr)                                                                           \
    do {                                                                                           \
        auto r_ = (expr);                                                                          \
        QVERIFY2(bool(r_), r_ ? "" : errorText(r_.error()).c_str());                               \
    } while (0)

/// Replaces the fixture with one whose configuration `tweak` adjusted.
#define RECREATE(...)                                                                              \
    do {                                                                                           \
        m_f.reset();                                                                               \
        auto f_ = RelayFixture::create(__VA_ARGS__);                                               \
        QVERIFY2(bool(f_), f_ ? "" : errorText(f_.error()).c_str());                               \
        m_f = std::move(*f_);                                                                      \
    } while (0)

class TestRelayCore : public QObject {
    Q_OBJECT

    std::unique_ptr<RelayFixture> m_f;

    struct Stored {
        std::int64_t journal, queue, sends, checkpoints;
        bool operator==(const Stored&) const = default;
    };
    Stored stored() {
        return {m_f->scalar("SELECT count(*) FROM journal"),
                m_f->scalar("SELECT count(*) FROM queue"),
                m_f->scalar("SELECT count(*) FROM sends"),
                m_f->scalar("SELECT count(*) FROM checkpoints")};
    }
    std::int64_t count(const std::string& sql) { return m_f->scalar(sql); }

    /// Every journal entry in the relay's database, in sequence order; fails unless the
    /// sequence numbers are exactly 1..n.
    Result<std::vector<Bytes>> storedEntries() {
        Result<std::vector<Bytes>> out = std::vector<Bytes>{};
        m_f->onStorage([&](storage::Database& db) {
            auto st = db.prepare("SELECT seq, entry FROM journal ORDER BY seq");
            if (!st) {
                out = tl::unexpected(st.error());
                return;
            }
            while (true) {
                auto row = st->step();
                if (!row) {
                    out = tl::unexpected(row.error());
                    return;
                }
                if (!*row) return;
                if (std::uint64_t(st->columnInt(0)) != out->size() + 1) {
                    out = fail(ErrorCode::Internal, "journal sequence numbers are not 1..n");
                    return;
                }
                out->push_back(st->columnBlob(1));
            }
        });
        return out;
    }

    /// The relay's ADMIN_ACTION bodies in journal order, opened and parsed.
    Result<std::vector<std::map<std::string, std::string>>> adminBodies() {
        auto entries = storedEntries();
        if (!entries) return tl::unexpected(entries.error());
        std::vector<std::map<std::string, std::string>> out;
        for (const auto& e : *entries) {
            auto sealed = journal::SealedEntry::parse(e);
            if (!sealed) return tl::unexpected(sealed.error());
            if (sealed->header.senderUser != "relay") continue;
            auto opened =
                journal::openEntry(*sealed, m_f->journalKey(), m_f->config().relayIdentityPublic);
            if (!opened) return tl::unexpected(opened.error());
            auto body = parseFlatJsonObject(opened->record.body());
            if (!body) return fail(ErrorCode::InvalidArgument, "an ADMIN_ACTION body is not JSON");
            out.push_back(std::move(*body));
        }
        return out;
    }

    /// The journal rows in the relay's database, by author (positions = sequence - 1).
    Result<ByAuthor> storedByAuthor() {
        auto entries = storedEntries();
        if (!entries) return tl::unexpected(entries.error());
        return byAuthor(*entries);
    }

    /// Opens every relay-authored entry of `entries` with the journal key, verifying its
    /// signature under the relay's journal identity; each must be an ADMIN_ACTION record of the
    /// firm audit whose body is a JSON object. Returns the actions in journal order.
    Result<QStringList> adminActions(const std::vector<Bytes>& entries) {
        QStringList out;
        for (const auto& bytes : entries) {
            auto entry = journal::SealedEntry::parse(bytes);
            if (!entry) return tl::unexpected(entry.error());
            if (!relayAuthored(entry->header)) continue;
            auto opened =
                journal::openEntry(*entry, m_f->journalKey(), m_f->config().relayIdentityPublic);
            if (!opened) return tl::unexpected(opened.error());
            const auto& record = opened->record;
            if (record.type() != proto::ADMIN_ACTION)
                return fail(ErrorCode::Malformed, "relay entry is not an ADMIN_ACTION");
            if (record.conversation_id() != "firm-audit")
                return fail(ErrorCode::Malformed, "relay entry is not in the firm audit");
            if (record.sender().user() != "relay" || record.sender().device() != 0)
                return fail(ErrorCode::Malformed, "relay entry's record names another sender");
            const auto body = QJsonDocument::fromJson(QByteArray::fromStdString(record.body()));
            if (!body.isObject() || !body.object().value("action").isString())
                return fail(ErrorCode::Malformed, "admin action body is not a JSON object");
            out << body.object().value("action").toString();
        }
        return out;
    }

    /// Caps the relay database at its current size (CF-04's full disk); returns the cap, or -1.
    std::int64_t capDatabaseAtCurrentSize() {
        std::int64_t cap = -1;
        m_f->onStorage([&](storage::Database& db) {
            auto pages = db.prepare("PRAGMA page_count");
            if (!pages) return;
            auto row = pages->step();
            if (!row || !*row) return;
            const auto n = pages->columnInt(0);
            auto set = db.prepare("PRAGMA max_page_count = " + std::to_string(n));
            if (!set) return;
            auto setRow = set->step();
            if (setRow && *setRow && set->columnInt(0) == n) cap = n;
        });
        return cap;
    }
    void uncapDatabase() {
        m_f->onStorage(
            [](storage::Database& db) { (void)db.exec("PRAGMA max_page_count = 1073741823"); });
    }
    /// PRAGMA integrity_check is "ok" and every page's HMAC verifies.
    bool databaseIntact() {
        bool intact = false;
        m_f->onStorage([&](storage::Database& db) {
            auto ic = db.integrityCheck();
            auto cic = db.cipherIntegrityCheck();
            intact = ic && *ic && cic && cic->empty();
        });
        return intact;
    }

    /// A matter opened by a new lawyer `lawyer`, joined by a client through an invite.
    struct Matter {
        TestDevice* lawyer = nullptr;
        TestDevice* client = nullptr;
        std::string id;
    };
    Result<Matter> makeMatter(const std::string& lawyer) {
        Matter m;
        auto l = m_f->enroll(lawyer, proto::ROLE_LAWYER);
        if (!l) return tl::unexpected(l.error());
        m.lawyer = *l;
        auto id = m_f->createConversation(*m.lawyer, "Matter of " + lawyer, {});
        if (!id) return tl::unexpected(id.error());
        m.id = *id;
        auto c = m_f->joinByInvite(*m.lawyer, m.id);
        if (!c) return tl::unexpected(c.error());
        m.client = *c;
        return m;
    }

    proto::Request fetchBundles(const std::string& user) {
        proto::Request r;
        r.mutable_fetch_bundles()->set_user(user);
        return r;
    }
    proto::Request pullJournal(std::uint64_t after, std::uint32_t limit = 1000) {
        proto::Request r;
        r.mutable_pull_journal()->set_after_sequence(after);
        r.mutable_pull_journal()->set_limit(limit);
        return r;
    }
    proto::Request acknowledge(std::initializer_list<std::uint64_t> ids) {
        proto::Request r;
        for (auto id : ids)
            r.mutable_acknowledge()->add_queue_ids(id);
        return r;
    }
    proto::Request uploadPreKeys(const std::vector<signal::PreKeyPublic>& keys) {
        proto::Request r;
        r.mutable_upload_pre_keys();
        for (const auto& k : keys) {
            auto* p = r.mutable_upload_pre_keys()->add_pre_keys();
            p->set_id(k.id);
            p->set_public_key(stringOf(k.publicKey));
        }
        return r;
    }

    /// Pulls the whole journal as `officer` and verifies it against the relay key.
    struct Pulled {
        std::vector<journal::ChainItem> items;
        std::vector<journal::Checkpoint> checkpoints;
        std::vector<proto::JournalRow> rows;
        std::uint64_t head = 0;
        bool ok = false;
    };
    Pulled pullAll(TestDevice& officer, std::uint32_t pageSize = 1000) {
        Pulled p;
        std::set<std::uint64_t> seenCheckpoints;
        std::uint64_t after = 0;
        for (int page = 0; page < 1000; ++page) {
            auto r = m_f->call(officer, pullJournal(after, pageSize));
            if (r.status() != proto::STATUS_OK) return p;
            for (const auto& row : r.journal_page().rows()) {
                p.rows.push_back(row);
                journal::ChainItem item;
                item.sequence = row.sequence();
                item.entry = bytesOf(row.entry());
                journal::ChainHash h{};
                if (row.chain_hash().size() != h.size()) return p;
                std::copy(row.chain_hash().begin(), row.chain_hash().end(), h.begin());
                item.chainHash = h;
                p.items.push_back(std::move(item));
                after = row.sequence();
            }
            for (const auto& c : r.journal_page().checkpoints()) {
                auto cp = journal::Checkpoint::parse(view(c));
                if (!cp) return p;
                if (seenCheckpoints.insert(cp->sequence).second) p.checkpoints.push_back(*cp);
            }
            p.head = r.journal_page().head_sequence();
            if (r.journal_page().rows_size() == 0 || after >= p.head) break;
        }
        p.ok = true;
        return p;
    }

private slots:
    void init() {
        auto f = RelayFixture::create();
        QVERIFY2(bool(f), f ? "" : errorText(f.error()).c_str());
        m_f = std::move(*f);
    }

    void cleanup() {
        const bool timedOut = m_f && m_f->timedOut();
        m_f.reset();
        QVERIFY2(!timedOut, "a relay call timed out");
    }

    // ---- registration ---------------------------------------------------------------------

    void enrollmentTokenIsSingleUse() {
        REQUIRE_OK(m_f->createUser("ann", proto::ROLE_LAWYER));
        TRY(token, m_f->enrollmentToken("ann"));
        QCOMPARE(token.size(), std::size_t(32));
        TRY(first, m_f->newDevice(20));
        auto r1 = m_f->registerRaw(m_f->registerRequest(*first, token), m_f->freshAddress());
        QVERIFY(r1.answered);
        QVERIFY2(bool(r1.result), r1.result ? "" : errorText(r1.result.error()).c_str());
        QCOMPARE(qs(r1.result->user()), QStringLiteral("ann"));
        QCOMPARE(r1.result->device(), 1u);
        QCOMPARE(int(r1.result->role()), int(proto::ROLE_LAWYER));
        QCOMPARE(qs(r1.result->firm_manifest()), QStringLiteral("manifest"));

        TRY(second, m_f->newDevice(20));
        auto r2 = m_f->registerRaw(m_f->registerRequest(*second, token), m_f->freshAddress());
        QVERIFY(r2.answered);
        QVERIFY(!r2.result);
        QCOMPARE(r2.status(), int(proto::STATUS_GONE));
        QCOMPARE(count("SELECT count(*) FROM devices"), 1);
        QCOMPARE(count("SELECT count(*) FROM prekeys"), 20);
        // The first device is the one that holds the account.
        QVERIFY(m_f->authenticate("ann", 1, first->secret));
        QVERIFY(!m_f->authenticate("ann", 1, second->secret));
    }

    // Text the administrator types (a display name, a matter title) travels in protobuf string
    // fields and journal records, which must be UTF-8: anything else is refused at the door,
    // not stored to make every later reader fail.
    void administratorTextMustBeUtf8() {
        auto& s = m_f->service();
        const std::string bad[] = {std::string("Bad \xff name"), std::string("\xc0\xaf"),
                                   std::string("\xed\xa0\x80"), std::string("cut \xe2\x82")};
        for (const auto& text : bad) {
            QVERIFY(!s.createUser("zed", proto::ROLE_LAWYER, text, "admin"));
        }
        QCOMPARE(count("SELECT count(*) FROM users WHERE id = 'zed'"), 0);
        REQUIRE_OK(s.createUser("zed", proto::ROLE_LAWYER, "Zo\xc3\xab \xe2\x80\xae", "admin"));
        for (const auto& text : bad) {
            auto r = s.inviteToMatter("zed", text, 3600000);
            QVERIFY(!r);
            QCOMPARE(r.error().message,
                     std::string("matter title must be UTF-8 text without control characters or "
                                 "direction overrides"));
        }
        QCOMPARE(count("SELECT count(*) FROM conversations"), 0);
        QVERIFY(isUtf8("\xf0\x9f\x98\x80 ok"));
        QVERIFY(!isUtf8("\xf4\x90\x80\x80")); // past U+10FFFF
    }

    // R-ADMIN-2: `relay` is the sender of the relay's own journal entries; no user may take it,
    // whatever the role, and a refusal stores and journals nothing.
    void userIdRelayIsReserved() {
        auto& s = m_f->service();
        const auto before = count("SELECT count(*) FROM journal");
        for (auto role : {proto::ROLE_LAWYER, proto::ROLE_COMPLIANCE, proto::ROLE_ADMIN}) {
            auto r = s.createUser("relay", role, "Relay", "admin");
            QVERIFY(!r);
            QCOMPARE(int(r.error().code), int(ErrorCode::InvalidArgument));
        }
        QCOMPARE(count("SELECT count(*) FROM users WHERE id = 'relay'"), 0);
        QCOMPARE(count("SELECT count(*) FROM journal"), before);
        REQUIRE_OK(s.createUser("relay-desk", proto::ROLE_LAWYER, "Relay desk",
                                "admin")); // only the exact id
    }

    void expiredEnrollmentTokenIsGone() {
        REQUIRE_OK(m_f->createUser("bea", proto::ROLE_LAWYER));
        TRY(device, m_f->newDevice());
        TRY(immediate, m_f->enrollmentToken("bea", 0));
        auto r0 = m_f->registerRaw(m_f->registerRequest(*device, immediate), m_f->freshAddress());
        QVERIFY(r0.answered);
        QVERIFY(!r0.result);
        QCOMPARE(r0.status(), int(proto::STATUS_GONE));
        QVERIFY(r0.result.error().message.find("expired") != std::string::npos);

        TRY(brief, m_f->enrollmentToken("bea", 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        auto r1 = m_f->registerRaw(m_f->registerRequest(*device, brief), m_f->freshAddress());
        QCOMPARE(r1.status(), int(proto::STATUS_GONE));
        QCOMPARE(count("SELECT count(*) FROM devices"), 0);
        QCOMPARE(count("SELECT count(*) FROM prekeys"), 0);

        TRY(fresh, m_f->enrollmentToken("bea"));
        auto ok = m_f->registerRaw(m_f->registerRequest(*device, fresh), m_f->freshAddress());
        QVERIFY(bool(ok.result));
    }

    void unknownTokenIsUnauthorized() {
        REQUIRE_OK(m_f->createUser("cal", proto::ROLE_LAWYER));
        TRY(real, m_f->enrollmentToken("cal"));
        TRY(device, m_f->newDevice());
        const std::string guess = toHex(crypto::randomBytes(16));
        QVERIFY(guess != real);
        auto r = m_f->registerRaw(m_f->registerRequest(*device, guess), m_f->freshAddress());
        QVERIFY(r.answered);
        QCOMPARE(r.status(), int(proto::STATUS_UNAUTHORIZED));
        QCOMPARE(count("SELECT count(*) FROM devices"), 0);
        QCOMPARE(count("SELECT count(*) FROM tokens WHERE used_ms IS NOT NULL"), 0);
    }

    void malformedRegistrationIsRejectedAndStoresNothing() {
        REQUIRE_OK(m_f->createUser("dee", proto::ROLE_LAWYER));
        TRY(token, m_f->enrollmentToken("dee"));
        TRY(device, m_f->newDevice(5));
        TRY(other, m_f->newDevice(1));
        const std::string lowOrder = std::string(1, '\x05') + std::string(32, '\0');
        std::string lowOrderOne = lowOrder;
        lowOrderOne[1] = 1;
        // u = p + 1: a non-canonical encoding of the point u = 1.
        std::string nonCanonical = std::string(1, '\x05') + std::string(1, char(0xee)) +
                                   std::string(30, char(0xff)) + std::string(1, char(0x7f));

        struct Case {
            const char* name;
            std::function<void(proto::RegisterDevice&)> mutate;
            int status;
        };
        const std::vector<Case> cases = {
            {"token too short", [&](auto& r) { r.set_token(token.substr(0, 31)); }, 400},
            {"token too long", [&](auto& r) { r.set_token(token + "0"); }, 400},
            {"secret too short", [&](auto& r) { r.set_device_secret(std::string(31, 'x')); }, 400},
            {"secret too long", [&](auto& r) { r.set_device_secret(std::string(33, 'x')); }, 400},
            {"identity key missing", [&](auto& r) { r.clear_identity_key(); }, 400},
            {"identity key without type byte",
             [&](auto& r) { r.set_identity_key(r.identity_key().substr(1)); }, 400},
            {"identity key of low order (0)", [&](auto& r) { r.set_identity_key(lowOrder); }, 400},
            {"identity key of low order (1)", [&](auto& r) { r.set_identity_key(lowOrderOne); },
             400},
            {"identity key not canonical", [&](auto& r) { r.set_identity_key(nonCanonical); }, 400},
            {"signed pre-key missing", [&](auto& r) { r.clear_signed_pre_key(); }, 400},
            {"signed pre-key of low order",
             [&](auto& r) { r.mutable_signed_pre_key()->set_public_key(lowOrder); }, 400},
            {"signed pre-key signature altered",
             [&](auto& r) {
                 std::string sig = r.signed_pre_key().signature();
                 sig[10] ^= 0x01;
                 r.mutable_signed_pre_key()->set_signature(sig);
             },
             400},
            {"signed pre-key signed by another identity",
             [&](auto& r) {
                 r.mutable_signed_pre_key()->set_public_key(
                     stringOf(other->signedPreKey.publicKey));
                 r.mutable_signed_pre_key()->set_signature(stringOf(other->signedPreKey.signature));
             },
             400},
            {"one-time pre-key of low order",
             [&](auto& r) { r.mutable_pre_keys(0)->set_public_key(lowOrder); }, 400},
            {"one-time pre-key id 0", [&](auto& r) { r.mutable_pre_keys(0)->set_id(0); }, 400},
            {"platform too long", [&](auto& r) { r.set_platform(std::string(65, 'p')); }, 400},
            {"too many pre-keys",
             [&](auto& r) {
                 while (r.pre_keys_size() <= 200)
                     *r.add_pre_keys() = r.pre_keys(0);
             },
             413},
        };
        for (const auto& c : cases) {
            auto request = m_f->registerRequest(*device, token);
            c.mutate(request);
            auto r = m_f->registerRaw(request, m_f->freshAddress());
            QVERIFY2(r.answered, c.name);
            QVERIFY2(!r.result, c.name);
            QVERIFY2(r.status() == c.status,
                     (std::string(c.name) + ": got " + errorText(r.result.error())).c_str());
        }
        QCOMPARE(count("SELECT count(*) FROM devices"), 0);
        QCOMPARE(count("SELECT count(*) FROM prekeys"), 0);
        QCOMPARE(count("SELECT count(*) FROM signed_prekeys"), 0);
        QCOMPARE(count("SELECT count(*) FROM users"), 1);
        QCOMPARE(count("SELECT count(*) FROM tokens WHERE used_ms IS NOT NULL"), 0);
        // None of them used up the token.
        auto ok = m_f->registerRaw(m_f->registerRequest(*device, token), m_f->freshAddress());
        QVERIFY2(bool(ok.result), ok.result ? "" : errorText(ok.result.error()).c_str());
        QCOMPARE(count("SELECT count(*) FROM prekeys"), 5);
    }

    void tokensAreStoredOnlyAsHashes() {
        TRY(matter, makeMatter("eve"));
        REQUIRE_OK(m_f->createUser("fay", proto::ROLE_SUPERVISOR));
        TRY(enrollToken, m_f->enrollmentToken("fay"));
        proto::Request invite;
        invite.mutable_create_invite()->set_conversation_id(matter.id);
        auto resp = m_f->call(*matter.lawyer, invite);
        EXPECT_STATUS(resp, proto::STATUS_OK);
        const std::string inviteToken = tokenFromLink(resp.invite().link());
        QCOMPARE(inviteToken.size(), std::size_t(32));

        const auto cells = m_f->allCells();
        for (const std::string& token : {enrollToken, inviteToken}) {
            auto raw = fromHex(token);
            QVERIFY(raw);
            std::vector<Bytes> needles = {bytesOf(token), bytesOf(upper(token)), *raw,
                                          utf16le(token)};
            for (const auto& needle : needles) {
                for (const auto& cell : cells)
                    QVERIFY2(!containsBytes(cell, needle), token.c_str());
                QVERIFY(filesContaining(m_f->databaseFolder(), needle).empty());
            }
            // The scan does read the tokens table: the token's hash is there.
            auto hash = crypto::sha256(view(token));
            QVERIFY(std::any_of(cells.begin(), cells.end(),
                                [&](const Bytes& c) { return containsBytes(c, hash); }));
        }
    }

    void inviteRedemptionJoinsClientToMatterOnce() {
        TRY(lawyer, m_f->enroll("gus", proto::ROLE_LAWYER));
        TRY(outsider, m_f->enroll("hal", proto::ROLE_LAWYER));
        TRY(matterId, m_f->createConversation(*lawyer, "Estate of X", {}));
        TRY(directId, m_f->createConversation(*lawyer, "gus and hal", {"hal"}, false));

        proto::Request invite;
        invite.mutable_create_invite()->set_conversation_id(matterId);
        const auto before = wallClockMs();
        auto resp = m_f->call(*lawyer, invite);
        EXPECT_STATUS(resp, proto::STATUS_OK);
        const std::string link = resp.invite().link();
        QVERIFY2(link.rfind("verbatim://join?relay=127.0.0.1:8443&token=", 0) == 0, link.c_str());
        QVERIFY(link.find("&firm=0011223344556677") != std::string::npos);
        const std::uint64_t sevenDays = 7ull * 24 * 3600 * 1000;
        QVERIFY(resp.invite().expires_ms() >= before + sevenDays);
        QVERIFY(resp.invite().expires_ms() <= wallClockMs() + sevenDays);
        const std::string token = tokenFromLink(link);

        TRY(client, m_f->newDevice());
        auto request = m_f->registerRequest(*client, token);
        request.set_display_name("Client Example");
        auto reg = m_f->registerRaw(request, m_f->freshAddress());
        QVERIFY2(bool(reg.result), reg.result ? "" : errorText(reg.result.error()).c_str());
        QCOMPARE(int(reg.result->role()), int(proto::ROLE_CLIENT));
        QVERIFY(reg.result->user().rfind("client-", 0) == 0);
        QCOMPARE(qs(reg.result->conversation_id()), qs(matterId));
        QCOMPARE(reg.result->device(), 1u);
        TRY(clientId, m_f->authenticate(reg.result->user(), 1, client->secret));
        QCOMPARE(int(clientId.role), int(proto::ROLE_CLIENT));
        client->id = clientId;

        proto::Request list;
        list.mutable_list_conversations();
        auto convs = m_f->call(*client, list);
        EXPECT_STATUS(convs, proto::STATUS_OK);
        QCOMPARE(convs.conversations().conversations_size(), 1);
        const auto& c = convs.conversations().conversations(0);
        QCOMPARE(qs(c.id()), qs(matterId));
        QVERIFY(c.is_matter());
        std::set<std::string> members(c.members().begin(), c.members().end());
        QVERIFY(members == (std::set<std::string>{"gus", client->user()}));

        // Single use: a second redemption creates nobody.
        TRY(second, m_f->newDevice());
        auto again = m_f->registerRaw(m_f->registerRequest(*second, token), m_f->freshAddress());
        QCOMPARE(again.status(), int(proto::STATUS_GONE));
        QCOMPARE(count("SELECT count(*) FROM users WHERE role = 1"), 1);
        QCOMPARE(count("SELECT count(*) FROM members WHERE conversation = '" + matterId + "'"), 2);

        // Who may invite to what.
        EXPECT_STATUS(m_f->call(*client, invite), proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*outsider, invite), proto::STATUS_FORBIDDEN);
        proto::Request direct;
        direct.mutable_create_invite()->set_conversation_id(directId);
        EXPECT_STATUS(m_f->call(*lawyer, direct), proto::STATUS_FORBIDDEN);
        proto::Request tooLong = invite;
        tooLong.mutable_create_invite()->set_ttl_seconds(31 * 24 * 3600);
        EXPECT_STATUS(m_f->call(*lawyer, tooLong), proto::STATUS_BAD_REQUEST);
        proto::Request create;
        create.mutable_create_conversation()->set_title("client's own");
        EXPECT_STATUS(m_f->call(*client, create), proto::STATUS_FORBIDDEN);
    }

    void concurrentInviteRedemptionSucceedsOnce() {
        TRY(lawyer, m_f->enroll("ian", proto::ROLE_LAWYER));
        TRY(matterId, m_f->createConversation(*lawyer, "Contested will", {}));
        proto::Request invite;
        invite.mutable_create_invite()->set_conversation_id(matterId);
        auto resp = m_f->call(*lawyer, invite);
        EXPECT_STATUS(resp, proto::STATUS_OK);
        const std::string token = tokenFromLink(resp.invite().link());

        constexpr int kRedeemers = 50;
        std::vector<proto::RegisterDevice> requests;
        std::vector<std::string> addressesUsed;
        for (int i = 0; i < kRedeemers; ++i) {
            TRY(d, m_f->newDevice(2));
            requests.push_back(m_f->registerRequest(*d, token));
            addressesUsed.push_back(m_f->freshAddress()); // no redemption is rate limited
        }
        std::vector<Registration> outcomes(kRedeemers);
        std::latch start(kRedeemers);
        std::vector<std::thread> threads;
        for (int i = 0; i < kRedeemers; ++i)
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                outcomes[i] = m_f->registerRaw(requests[i], addressesUsed[i]);
            });
        for (auto& t : threads)
            t.join();

        int successes = 0, gone = 0;
        for (const auto& o : outcomes) {
            QVERIFY(o.answered);
            if (o.result)
                ++successes;
            else if (o.status() == int(proto::STATUS_GONE))
                ++gone;
        }
        QCOMPARE(successes, 1);
        QCOMPARE(gone, kRedeemers - 1);
        QCOMPARE(count("SELECT count(*) FROM users WHERE role = 1"), 1);
        QCOMPARE(
            count("SELECT count(*) FROM devices d JOIN users u ON u.id = d.user WHERE u.role = 1"),
            1);
        QCOMPARE(count("SELECT count(*) FROM members WHERE conversation = '" + matterId + "'"), 2);
        QCOMPARE(
            count("SELECT count(*) FROM prekeys p JOIN users u ON u.id = p.user WHERE u.role = 1"),
            2);
    }

    void redemptionIsRateLimitedPerAddress() {
        REQUIRE_OK(m_f->createUser("jon", proto::ROLE_LAWYER));
        TRY(token, m_f->enrollmentToken("jon"));
        TRY(device, m_f->newDevice());
        const std::string address = "203.0.113.7";
        const auto capacity = int(m_f->config().limits.redeem.capacity);
        for (int i = 0; i < capacity; ++i) {
            auto r = m_f->registerRaw(m_f->registerRequest(*device, toHex(crypto::randomBytes(16))),
                                      address);
            QCOMPARE(r.status(), int(proto::STATUS_UNAUTHORIZED));
            QCOMPARE(r.retryAfterMs, 0u);
        }
        // Even the right token is refused from this address now, and is not used up.
        auto limited = m_f->registerRaw(m_f->registerRequest(*device, token), address);
        QVERIFY(limited.answered);
        QVERIFY(!limited.result);
        QCOMPARE(limited.status(), int(proto::STATUS_RATE_LIMITED));
        QVERIFY(limited.retryAfterMs > 0);
        QCOMPARE(count("SELECT count(*) FROM devices"), 0);
        QCOMPARE(count("SELECT count(*) FROM tokens WHERE used_ms IS NOT NULL"), 0);
        // The bucket is per address.
        auto elsewhere = m_f->registerRaw(m_f->registerRequest(*device, token), "203.0.113.8");
        QVERIFY2(bool(elsewhere.result),
                 elsewhere.result ? "" : errorText(elsewhere.result.error()).c_str());
    }

    // ---- issue 16 item 7: invites ---------------------------------------------------------------

    proto::Request createInvite(const std::string& conversation) {
        proto::Request r;
        r.mutable_create_invite()->set_conversation_id(conversation);
        return r;
    }

    // A lawyer revokes her invite; the relay records it in the audit table and the journal
    // (invite-revoked, by her device) and refuses the link. The administrator's revocation is
    // recorded as admin-cli.
    void revokedInvitesAreJournaledAndRefused() {
        TRY(lawyer, m_f->enroll("ivy", proto::ROLE_LAWYER));
        TRY(matterId, m_f->createConversation(*lawyer, "Revoked matter", {}));
        auto made = m_f->call(*lawyer, createInvite(matterId));
        EXPECT_STATUS(made, proto::STATUS_OK);
        auto second = m_f->call(*lawyer, createInvite(matterId));
        EXPECT_STATUS(second, proto::STATUS_OK);
        const std::string id = made.invite().id();
        QCOMPARE(tokenFromLink(made.invite().link()).substr(0, 8), id);

        proto::Request revoke;
        revoke.mutable_revoke_invite()->set_id(id);
        auto revoked = m_f->call(*lawyer, revoke);
        EXPECT_STATUS(revoked, proto::STATUS_OK);
        QCOMPARE(revoked.invite_list().invites(0).state(), proto::INVITE_REVOKED);
        QCOMPARE(count("SELECT count(*) FROM audit WHERE action = 'invite-revoked' AND actor = "
                       "'ivy/1' AND detail = '" +
                       id + "'"),
                 1);
        TRY(entries, storedEntries());
        TRY(actions, adminActions(entries));
        QCOMPARE(actions.last(), QString("invite-revoked"));
        // Again: nothing changes, nothing more is journaled.
        EXPECT_STATUS(m_f->call(*lawyer, revoke), proto::STATUS_OK);
        TRY(entriesAfter, storedEntries());
        QCOMPARE(entriesAfter.size(), entries.size());

        TRY(device, m_f->newDevice());
        auto refused =
            m_f->registerRaw(m_f->registerRequest(*device, tokenFromLink(made.invite().link())),
                             m_f->freshAddress());
        QCOMPARE(refused.status(), int(proto::STATUS_GONE));
        QVERIFY(errorText(refused.result.error()).find("revoked") != std::string::npos);

        TRY(byAdmin, m_f->service().revokeInvite(second.invite().id(), "admin-cli"));
        QCOMPARE(byAdmin.state(), proto::INVITE_REVOKED);
        QCOMPARE(count("SELECT count(*) FROM audit WHERE action = 'invite-revoked' AND actor = "
                       "'admin-cli'"),
                 1);
        auto unknown = m_f->service().revokeInvite("00000000", "admin-cli");
        QVERIFY(!unknown);
        QCOMPARE(unknown.error().detail, int(proto::STATUS_NOT_FOUND));
        QCOMPARE(count("SELECT count(*) FROM tokens WHERE used_ms IS NOT NULL"),
                 1); // ivy's enrollment
    }

    // Successful redemptions cost the address nothing (an office behind one NAT address);
    // wrong tokens still run its bucket out.
    void onlyFailedRedemptionsCountAgainstTheAddress() {
        TRY(lawyer, m_f->enroll("ned", proto::ROLE_LAWYER));
        TRY(matterId, m_f->createConversation(*lawyer, "Office", {}));
        const std::string office = "198.51.100.20";
        for (int i = 0; i < 15; ++i) {
            auto made = m_f->call(*lawyer, createInvite(matterId));
            EXPECT_STATUS(made, proto::STATUS_OK);
            TRY(device, m_f->newDevice());
            auto r = m_f->registerRaw(
                m_f->registerRequest(*device, tokenFromLink(made.invite().link())), office);
            QVERIFY2(bool(r.result), r.result ? "" : errorText(r.result.error()).c_str());
        }
        TRY(device, m_f->newDevice());
        const int capacity = int(m_f->config().limits.redeem.capacity);
        for (int i = 0; i < capacity; ++i)
            QCOMPARE(m_f->registerRaw(m_f->registerRequest(*device, toHex(crypto::randomBytes(16))),
                                      office)
                         .status(),
                     int(proto::STATUS_UNAUTHORIZED));
        auto made = m_f->call(*lawyer, createInvite(matterId));
        auto limited = m_f->registerRaw(
            m_f->registerRequest(*device, tokenFromLink(made.invite().link())), office);
        QCOMPARE(limited.status(), int(proto::STATUS_RATE_LIMITED));
        QVERIFY(limited.retryAfterMs > 0);
    }

    // Wrong secrets under a real invite's lookup id are counted against that id, from any
    // address: after 5 the invite itself is throttled (even with the right token), other invites
    // are not.
    void guessesUnderAKnownLookupIdAreThrottledFromEveryAddress() {
        TRY(lawyer, m_f->enroll("oda", proto::ROLE_LAWYER));
        TRY(matterId, m_f->createConversation(*lawyer, "Targeted", {}));
        auto target = m_f->call(*lawyer, createInvite(matterId));
        auto other = m_f->call(*lawyer, createInvite(matterId));
        const std::string token = tokenFromLink(target.invite().link());
        TRY(device, m_f->newDevice());
        const int capacity = int(m_f->config().limits.redeemGuess.capacity);
        for (int i = 0; i < capacity; ++i)
            QCOMPARE(
                m_f->registerRaw(m_f->registerRequest(*device, token.substr(0, 8) +
                                                                   toHex(crypto::randomBytes(12))),
                                 m_f->freshAddress())
                    .status(),
                int(proto::STATUS_UNAUTHORIZED));
        auto guess = m_f->registerRaw(
            m_f->registerRequest(*device, token.substr(0, 8) + toHex(crypto::randomBytes(12))),
            m_f->freshAddress());
        QCOMPARE(guess.status(), int(proto::STATUS_RATE_LIMITED));
        QCOMPARE(
            m_f->registerRaw(m_f->registerRequest(*device, token), m_f->freshAddress()).status(),
            int(proto::STATUS_RATE_LIMITED));
        auto fine =
            m_f->registerRaw(m_f->registerRequest(*device, tokenFromLink(other.invite().link())),
                             m_f->freshAddress());
        QVERIFY2(bool(fine.result), fine.result ? "" : errorText(fine.result.error()).c_str());
    }

    void rateLimiterPeekTakesNothingAndRefilledBucketsGo() {
        RateLimiter limiter;
        const BucketSpec spec{2, 1}; // full again 2 s after the last take
        QCOMPARE(limiter.peek("a", spec, 1000), 0u);
        QCOMPARE(limiter.size(), std::size_t(0));
        QCOMPARE(limiter.take("a", spec, 1000), 0u);
        QCOMPARE(limiter.take("a", spec, 1000), 0u);
        QVERIFY(limiter.peek("a", spec, 1000) > 0);
        QVERIFY(limiter.peek("a", spec, 1000) > 0); // peeking took nothing
        QCOMPARE(limiter.peek("a", spec, 2000), 0u);
        QVERIFY(limiter.take("a", spec, 1500) > 0);
        // Buckets that refilled are dropped when the map grows and are not saved.
        for (int i = 0; i < 5000; ++i)
            QCOMPARE(limiter.take("k" + std::to_string(i), spec, 10000), 0u);
        QVERIFY(limiter.snapshot(10000).size() >= 5000);
        QCOMPARE(limiter.snapshot(20000).size(), std::size_t(0));
        QCOMPARE(limiter.take("late", spec, 80000), 0u); // a minute after the last prune
        QCOMPARE(limiter.size(), std::size_t(1));
    }

    // ---- authentication and revocation ------------------------------------------------------

    void authenticationAcceptsOnlyTheRightSecret() {
        TRY(device, m_f->enroll("kim", proto::ROLE_LAWYER));
        TRY(ok, m_f->authenticate("kim", 1, device->secret));
        QCOMPARE(qs(ok.user), QStringLiteral("kim"));
        QCOMPARE(ok.device, 1u);
        QCOMPARE(int(ok.role), int(proto::ROLE_LAWYER));
        QVERIFY(ok.identityKey == device->identityKey);

        Bytes wrongSecret = device->secret;
        wrongSecret[31] ^= 0x80;
        auto wrong = m_f->authenticate("kim", 1, wrongSecret);
        auto unknownDevice = m_f->authenticate("kim", 2, device->secret);
        auto unknownUser = m_f->authenticate("nobody", 1, device->secret);
        auto shortSecret = m_f->authenticate("kim", 1, ByteView(device->secret).first(31));
        for (const auto* r : {&wrong, &unknownDevice, &unknownUser, &shortSecret}) {
            QVERIFY(!*r);
            QCOMPARE(int(r->error().code), int(ErrorCode::AuthFailed));
            // One answer for all: nobody learns which users or devices exist.
            QCOMPARE(qs(r->error().message), qs(wrong.error().message));
            QCOMPARE(r->error().detail, wrong.error().detail);
        }
    }

    void revokedDeviceIsCutOffAndDroppedFromSends() {
        TRY(matter, makeMatter("lee"));
        TestDevice* lee1 = matter.lawyer;
        TRY(lee2, m_f->addDevice("lee"));
        auto sink2 = m_f->connect(*lee2);

        // Sessions towards both of lee's devices exist from before the revocation.
        TRY(before, m_f->buildSendToMembers(*matter.client, matter.id, "before revocation"));
        QCOMPARE(before.send.envelopes_size(), 2);
        EXPECT_STATUS(m_f->call(*matter.client, RelayFixture::sendRequest(before.send)),
                      proto::STATUS_OK);
        QVERIFY(sink2->waitForEnvelopes(1));
        QCOMPARE(count("SELECT count(*) FROM queue WHERE user = 'lee' AND device = 2"), 1);

        REQUIRE_OK(m_f->service().revokeDevice("lee", 2, "admin"));
        QVERIFY(sink2->waitForClose());
        QCOMPARE(int(*sink2->closeCode()), 4403);

        auto auth = m_f->authenticate("lee", 2, lee2->secret);
        QVERIFY(!auth);
        QCOMPARE(int(auth.error().code), int(ErrorCode::AuthFailed));
        QCOMPARE(auth.error().detail, 403);
        QCOMPARE(count("SELECT count(*) FROM prekeys WHERE user = 'lee' AND device = 2"), 0);
        QCOMPARE(count("SELECT count(*) FROM signed_prekeys WHERE user = 'lee' AND device = 2"), 0);
        QCOMPARE(count("SELECT count(*) FROM queue WHERE user = 'lee' AND device = 2"), 0);
        QVERIFY(count("SELECT count(*) FROM prekeys WHERE user = 'lee' AND device = 1") > 0);

        auto bundles = m_f->call(*matter.client, fetchBundles("lee"));
        EXPECT_STATUS(bundles, proto::STATUS_OK);
        QCOMPARE(bundles.bundles().devices_size(), 1);
        QCOMPARE(bundles.bundles().devices(0).device(), 1u);

        // A send that still includes the revoked device: 409 naming it, nothing stored.
        const Stored snapshot = stored();
        TRY(stale, m_f->buildSend(*matter.client, matter.id, "after revocation", {lee1, lee2}));
        auto conflict = m_f->call(*matter.client, RelayFixture::sendRequest(stale.send));
        EXPECT_STATUS(conflict, proto::STATUS_CONFLICT);
        QVERIFY(conflict.has_device_mismatch());
        QVERIFY(addresses(conflict.device_mismatch().extra()) ==
                (std::vector<std::pair<std::string, std::uint32_t>>{{"lee", 2}}));
        QCOMPARE(conflict.device_mismatch().missing_size(), 0);
        QVERIFY(stored() == snapshot);

        TRY(fresh, m_f->buildSend(*matter.client, matter.id, "after revocation", {lee1}));
        EXPECT_STATUS(m_f->call(*matter.client, RelayFixture::sendRequest(fresh.send)),
                      proto::STATUS_OK);

        // Revoking twice is an error; a revoked device that reaches connect() is closed at once.
        QVERIFY(!m_f->service().revokeDevice("lee", 2, "admin"));
        auto late = m_f->connect(*lee2);
        QVERIFY(late->waitForClose());
        QCOMPARE(int(*late->closeCode()), 4403);
        QVERIFY(late->frames().empty());
    }

    // Issue 15 break 7 (TESTPLAN DL-02, DL-03): a wipe revokes the device in its own transaction.
    // The device here keeps the identity it authenticated with before the wipe (as a live
    // connection does) and ignores the wipe command: every request but ConfirmWipe is refused,
    // its pre-keys and queue are gone, the link it made before the wipe no longer enrolls, and
    // senders no longer include it.
    void wipeRevokesAtOnceAndLeavesOnlyTheConfirmation() {
        TRY(matter, makeMatter("wes"));
        TestDevice* wes1 = matter.lawyer;
        TRY(wes2, m_f->addDevice("wes"));
        auto sink2 = m_f->connect(*wes2);
        // What the device prepares while it still may: a send to the members and a device link.
        TRY(prepared, m_f->buildSendToMembers(*wes2, matter.id, "sent after the wipe"));
        QCOMPARE(prepared.send.envelopes_size(), 2);
        proto::Request linkRequest;
        linkRequest.mutable_create_device_link();
        auto link = m_f->call(*wes2, linkRequest);
        EXPECT_STATUS(link, proto::STATUS_OK);
        const std::string linkToken = tokenFromLink(link.invite().link());
        QCOMPARE(linkToken.size(), std::size_t(32));
        // And the client's send to both of Wes's devices, made before the wipe.
        TRY(stale, m_f->buildSend(*matter.client, matter.id, "to both", {wes1, wes2}));

        REQUIRE_OK(m_f->service().queueWipe("wes", wes2->device(), "admin"));
        QVERIFY(sink2->waitForFrames(1));
        QVERIFY(sink2->frames().back().push().has_wipe_command());
        QCOMPARE(
            count(
                "SELECT count(*) FROM devices WHERE user = 'wes' AND device = 2 AND revoked_ms > 0 "
                "AND wipe_command IS NOT NULL AND wipe_requested_ms > 0 AND wiped_ms IS NULL"),
            1);
        QCOMPARE(count("SELECT count(*) FROM prekeys WHERE user = 'wes' AND device = 2"), 0);
        QCOMPARE(count("SELECT count(*) FROM signed_prekeys WHERE user = 'wes' AND device = 2"), 0);

        // Every request but the confirmation, from the identity of before the wipe.
        QVERIFY(!wes2->id.wipeOnly);
        const Stored snapshot = stored();
        EXPECT_STATUS(m_f->call(*wes2, RelayFixture::sendRequest(prepared.send)),
                      proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*wes2, fetchBundles(matter.client->user())),
                      proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*wes2, linkRequest), proto::STATUS_FORBIDDEN);
        proto::Request invite;
        invite.mutable_create_invite()->set_conversation_id(matter.id);
        EXPECT_STATUS(m_f->call(*wes2, invite), proto::STATUS_FORBIDDEN);
        proto::Request conversations;
        conversations.mutable_list_conversations();
        EXPECT_STATUS(m_f->call(*wes2, conversations), proto::STATUS_FORBIDDEN);
        proto::Request memberDevices;
        memberDevices.mutable_list_member_devices()->set_conversation_id(matter.id);
        EXPECT_STATUS(m_f->call(*wes2, memberDevices), proto::STATUS_FORBIDDEN);
        proto::Request listDevices;
        listDevices.mutable_list_devices();
        EXPECT_STATUS(m_f->call(*wes2, listDevices), proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*wes2, uploadPreKeys(wes2->preKeys)), proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*wes2, acknowledge({1})), proto::STATUS_FORBIDDEN);
        QVERIFY(stored() == snapshot);
        QCOMPARE(count("SELECT count(*) FROM prekeys WHERE user = 'wes' AND device = 2"), 0);

        // A new connection is wipe-only; the link it made before the wipe no longer enrolls.
        auto again = m_f->authenticate("wes", wes2->device(), wes2->secret);
        QVERIFY(again && again->wipeOnly);
        TRY(thief, m_f->newDevice());
        auto stolen =
            m_f->registerRaw(m_f->registerRequest(*thief, linkToken), m_f->freshAddress());
        QVERIFY(stolen.answered);
        QVERIFY(!stolen.result);
        QCOMPARE(stolen.status(), int(proto::STATUS_GONE));
        QCOMPARE(count("SELECT count(*) FROM devices WHERE user = 'wes'"), 2);

        // The others go on without it: bundles and the device set leave it out, and a send that
        // still names it is 409 with it as extra.
        auto bundles = m_f->call(*matter.client, fetchBundles("wes"));
        EXPECT_STATUS(bundles, proto::STATUS_OK);
        QCOMPARE(bundles.bundles().devices_size(), 1);
        auto conflict = m_f->call(*matter.client, RelayFixture::sendRequest(stale.send));
        EXPECT_STATUS(conflict, proto::STATUS_CONFLICT);
        QVERIFY(addresses(conflict.device_mismatch().extra()) ==
                (std::vector<std::pair<std::string, std::uint32_t>>{{"wes", 2}}));
        TRY(fresh, m_f->buildSendToMembers(*matter.client, matter.id, "to the one left"));
        QCOMPARE(fresh.send.envelopes_size(), 1);
        EXPECT_STATUS(m_f->call(*matter.client, RelayFixture::sendRequest(fresh.send)),
                      proto::STATUS_OK);
        QCOMPARE(count("SELECT count(*) FROM queue WHERE user = 'wes' AND device = 2"), 0);

        // The confirmation still works; afterwards the device cannot even connect.
        proto::Request confirm;
        confirm.mutable_confirm_wipe();
        EXPECT_STATUS(m_f->call(*wes2, confirm), proto::STATUS_OK);
        QCOMPARE(
            count(
                "SELECT count(*) FROM devices WHERE user = 'wes' AND device = 2 AND wiped_ms > 0"),
            1);
        auto after = m_f->authenticate("wes", wes2->device(), wes2->secret);
        QVERIFY(!after);
        QCOMPARE(after.error().detail, 403);
    }

    // Issue 15 break 7: the same through AdminDeviceAction by an admin device, which wipes the
    // firm's other admin device. The wiped admin device loses its admin powers at once.
    void adminWipedAdminDeviceLosesAdminPowersAtOnce() {
        TRY(ada1, m_f->enroll("ada", proto::ROLE_ADMIN));
        TRY(ada2, m_f->addDevice("ada"));
        TRY(lawyer, m_f->enroll("lou", proto::ROLE_LAWYER));
        proto::Request linkRequest;
        linkRequest.mutable_create_device_link();
        auto link = m_f->call(*ada2, linkRequest);
        EXPECT_STATUS(link, proto::STATUS_OK);

        proto::Request wipe;
        wipe.mutable_admin_device_action()->set_user("ada");
        wipe.mutable_admin_device_action()->set_device(ada2->device());
        wipe.mutable_admin_device_action()->set_action(proto::AdminDeviceAction::WIPE);
        EXPECT_STATUS(m_f->call(*ada1, wipe), proto::STATUS_OK);

        proto::Request revoke;
        revoke.mutable_admin_device_action()->set_user("lou");
        revoke.mutable_admin_device_action()->set_device(lawyer->device());
        revoke.mutable_admin_device_action()->set_action(proto::AdminDeviceAction::REVOKE);
        EXPECT_STATUS(m_f->call(*ada2, revoke), proto::STATUS_FORBIDDEN);
        proto::Request wipeBack = wipe;
        wipeBack.mutable_admin_device_action()->set_device(ada1->device());
        EXPECT_STATUS(m_f->call(*ada2, wipeBack), proto::STATUS_FORBIDDEN);
        proto::Request list;
        list.mutable_admin_list_devices();
        EXPECT_STATUS(m_f->call(*ada2, list), proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*ada2, linkRequest), proto::STATUS_FORBIDDEN);
        QCOMPARE(
            count(
                "SELECT count(*) FROM devices WHERE revoked_ms IS NULL AND user IN ('lou', 'ada')"),
            2);
        TRY(thief, m_f->newDevice());
        auto stolen = m_f->registerRaw(
            m_f->registerRequest(*thief, tokenFromLink(link.invite().link())), m_f->freshAddress());
        QCOMPARE(stolen.status(), int(proto::STATUS_GONE));

        // The admin sees it revoked with the wipe pending, then confirmed.
        auto listed = m_f->call(*ada1, list);
        EXPECT_STATUS(listed, proto::STATUS_OK);
        bool seen = false;
        for (const auto& d : listed.device_list().devices())
            if (d.user() == "ada" && d.device() == ada2->device()) {
                seen = true;
                QVERIFY(d.revoked_ms() > 0 && d.wipe_requested_ms() > 0 && d.wiped_ms() == 0);
            }
        QVERIFY(seen);
        proto::Request confirm;
        confirm.mutable_confirm_wipe();
        EXPECT_STATUS(m_f->call(*ada2, confirm), proto::STATUS_OK);
        QCOMPARE(
            count(
                "SELECT count(*) FROM devices WHERE user = 'ada' AND device = 2 AND wiped_ms > 0"),
            1);
    }

    // ---- pre-keys -----------------------------------------------------------------------------

    void uploadPreKeysStoresOnlyValidKeys() {
        TRY(device, m_f->enroll("max", proto::ROLE_LAWYER, 5));
        TRY(more, device->sessions->generatePreKeys(100, 10));
        auto up = m_f->call(*device, uploadPreKeys(more));
        EXPECT_STATUS(up, proto::STATUS_OK);
        QCOMPARE(up.pre_key_count().remaining(), 15u);

        auto remaining = [&] {
            return m_f->call(*device, uploadPreKeys({})).pre_key_count().remaining();
        };
        auto lowOrder = more;
        lowOrder[3].publicKey = Bytes(33, 0);
        lowOrder[3].publicKey[0] = 0x05;
        lowOrder[3].id = 500;
        EXPECT_STATUS(m_f->call(*device, uploadPreKeys(lowOrder)), proto::STATUS_BAD_REQUEST);
        auto zeroId = more;
        zeroId[0].id = 0;
        EXPECT_STATUS(m_f->call(*device, uploadPreKeys(zeroId)), proto::STATUS_BAD_REQUEST);
        TRY(many, device->sessions->generatePreKeys(1000, 201));
        EXPECT_STATUS(m_f->call(*device, uploadPreKeys(many)), proto::STATUS_TOO_LARGE);
        QCOMPARE(remaining(), 15u);

        TRY(spk, device->sessions->generateSignedPreKey(2));
        proto::Request badSpk;
        badSpk.mutable_upload_pre_keys()->mutable_signed_pre_key()->set_id(spk.id);
        badSpk.mutable_upload_pre_keys()->mutable_signed_pre_key()->set_public_key(
            stringOf(spk.publicKey));
        Bytes sig = spk.signature;
        sig[0] ^= 1;
        badSpk.mutable_upload_pre_keys()->mutable_signed_pre_key()->set_signature(stringOf(sig));
        EXPECT_STATUS(m_f->call(*device, badSpk), proto::STATUS_BAD_REQUEST);

        proto::Request goodSpk = badSpk;
        goodSpk.mutable_upload_pre_keys()->mutable_signed_pre_key()->set_signature(
            stringOf(spk.signature));
        EXPECT_STATUS(m_f->call(*device, goodSpk), proto::STATUS_OK);
        auto own = m_f->call(*device, fetchBundles("max"));
        EXPECT_STATUS(own, proto::STATUS_OK);
        QCOMPARE(own.bundles().devices_size(), 1);
        QCOMPARE(own.bundles().devices(0).signed_pre_key().id(), 2u);
        QVERIFY(bytesOf(own.bundles().devices(0).signed_pre_key().public_key()) == spk.publicKey);
    }

    void bundleHandsOutEachPreKeyOnce() {
        // Without the per-target and per-pair hand-out limits (tested in tst_abuse_keys), so
        // that every fetch takes a key.
        RECREATE([](RelayConfig& c) {
            c.limits.preKeyTarget = c.limits.preKeyPair = BucketSpec{1e9, 1e9};
        });
        constexpr unsigned kPreKeys = 120;
        constexpr int kFetches = 100;
        TRY(target, m_f->enroll("tara", proto::ROLE_LAWYER, kPreKeys));
        // Staff may fetch staff; four fetchers keep each under its fetch rate limit.
        std::vector<TestDevice*> fetchers;
        for (int i = 0; i < 4; ++i) {
            TRY(f, m_f->enroll("fetcher" + std::to_string(i), proto::ROLE_LAWYER));
            fetchers.push_back(f);
        }
        std::vector<proto::Response> answers(kFetches);
        std::latch start(kFetches);
        std::vector<std::thread> threads;
        for (int i = 0; i < kFetches; ++i)
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                answers[i] = m_f->call(*fetchers[i % fetchers.size()], fetchBundles("tara"));
            });
        for (auto& t : threads)
            t.join();

        std::set<std::uint32_t> ids;
        std::set<std::uint32_t> uploaded;
        for (const auto& pk : target->preKeys)
            uploaded.insert(pk.id);
        for (const auto& a : answers) {
            EXPECT_STATUS(a, proto::STATUS_OK);
            QCOMPARE(a.bundles().devices_size(), 1);
            const auto& b = a.bundles().devices(0);
            QVERIFY(bytesOf(b.identity_key()) == target->identityKey);
            QVERIFY(bytesOf(b.signed_pre_key().signature()) == target->signedPreKey.signature);
            QVERIFY(b.has_pre_key());
            QVERIFY(uploaded.count(b.pre_key().id()));
            const auto& expected = target->preKeys[b.pre_key().id() - 1];
            QVERIFY(bytesOf(b.pre_key().public_key()) == expected.publicKey);
            QVERIFY2(ids.insert(b.pre_key().id()).second,
                     "a one-time pre-key was handed out twice");
        }
        QCOMPARE(ids.size(), std::size_t(kFetches));
        QCOMPARE(count("SELECT count(*) FROM prekeys WHERE user = 'tara'"),
                 std::int64_t(kPreKeys - kFetches));
    }

    void preKeysLowIsPushedBelowWatermark() {
        const auto watermark = m_f->config().preKeyLowWatermark;
        TRY(target, m_f->enroll("uma", proto::ROLE_LAWYER, watermark + 1));
        TRY(fetcher, m_f->enroll("vic", proto::ROLE_LAWYER));
        auto sink = m_f->connect(*target);

        EXPECT_STATUS(m_f->call(*fetcher, fetchBundles("uma")), proto::STATUS_OK); // watermark left
        m_f->settle();
        QVERIFY(sink->preKeysLow().empty());
        EXPECT_STATUS(m_f->call(*fetcher, fetchBundles("uma")), proto::STATUS_OK); // one below
        QVERIFY(sink->waitForFrames(1));
        QVERIFY(sink->preKeysLow() == std::vector<std::uint32_t>{watermark - 1});
    }

    void clientCannotFetchBundlesOfStrangers() {
        TRY(m1, makeMatter("ada"));
        TRY(m2, makeMatter("bob"));
        auto own = m_f->call(*m1.client, fetchBundles("ada"));
        EXPECT_STATUS(own, proto::STATUS_OK);
        QCOMPARE(own.bundles().devices_size(), 1);

        const auto bobKeys = count("SELECT count(*) FROM prekeys WHERE user = 'bob'");
        const auto client2Keys =
            count("SELECT count(*) FROM prekeys WHERE user = '" + m2.client->user() + "'");
        EXPECT_STATUS(m_f->call(*m1.client, fetchBundles("bob")), proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*m1.client, fetchBundles(m2.client->user())),
                      proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*m1.client, fetchBundles("nobody")), proto::STATUS_FORBIDDEN);
        // Staff may fetch staff, but not a client of someone else's matter.
        EXPECT_STATUS(m_f->call(*m1.lawyer, fetchBundles(m2.client->user())),
                      proto::STATUS_FORBIDDEN);
        QCOMPARE(count("SELECT count(*) FROM prekeys WHERE user = 'bob'"), bobKeys);
        QCOMPARE(count("SELECT count(*) FROM prekeys WHERE user = '" + m2.client->user() + "'"),
                 client2Keys);

        proto::Request devices;
        devices.mutable_list_member_devices()->set_conversation_id(m2.id);
        EXPECT_STATUS(m_f->call(*m1.client, devices), proto::STATUS_FORBIDDEN);
    }

    // ---- send ---------------------------------------------------------------------------------

    void sendReturnsChainedJournalSequences() {
        TRY(matter, makeMatter("cy"));
        // The chain so far holds only the relay's entries for the matter's administration; it is
        // rebuilt here from genesis out of the stored rows, and must match the relay's head.
        const auto start = m_f->service().journalHead();
        TRY(before, storedEntries());
        TRY(actions, adminActions(before));
        QCOMPARE(actions, qsl({kEnrollActions, kConversationActions, kJoinActions}));
        QCOMPARE(std::uint64_t(before.size()), start.first);
        journal::ChainBuilder chain;
        for (const auto& entry : before)
            chain.append(entry);
        QCOMPARE(chain.sequence(), start.first);
        QVERIFY(chain.head() == start.second);
        for (int i = 0; i < 4; ++i) {
            TestDevice& sender = i % 2 ? *matter.client : *matter.lawyer;
            TRY(msg, m_f->buildSendToMembers(sender, matter.id, "message " + std::to_string(i)));
            const auto before = wallClockMs();
            auto r = m_f->call(sender, RelayFixture::sendRequest(msg.send));
            EXPECT_STATUS(r, proto::STATUS_OK);
            QVERIFY(r.has_send_result());
            QVERIFY(!r.send_result().duplicate());
            const auto seq = chain.append(view(msg.send.journal_entry()));
            QCOMPARE(r.send_result().journal_sequence(), seq);
            QCOMPARE(r.send_result().journal_sequence(), start.first + std::uint64_t(i + 1));
            QVERIFY(bytesOf(r.send_result().chain_hash()) ==
                    Bytes(chain.head().begin(), chain.head().end()));
            QVERIFY(r.send_result().server_time_ms() >= before);
            QVERIFY(r.send_result().server_time_ms() <= wallClockMs());
        }
        auto head = m_f->service().journalHead();
        QCOMPARE(head.first, start.first + 4u);
        QVERIFY(head.second == chain.head());
    }

    void recipientsReceiveEnvelopesStampedWithCommitment() {
        TRY(matter, makeMatter("dan"));
        TestDevice* dan1 = matter.lawyer;
        TRY(dan2, m_f->addDevice("dan"));
        auto sink1 = m_f->connect(*dan1);
        auto sink2 = m_f->connect(*dan2);
        auto sinkClient = m_f->connect(*matter.client);

        TRY(msg, m_f->buildSendToMembers(*dan1, matter.id, "Settlement offer: 1.2m, privileged"));
        QCOMPARE(msg.send.envelopes_size(), 2); // the client and dan's other device
        auto r = m_f->call(*dan1, RelayFixture::sendRequest(msg.send));
        EXPECT_STATUS(r, proto::STATUS_OK);

        for (auto [device, sink] : {std::pair{matter.client, sinkClient}, std::pair{dan2, sink2}}) {
            QVERIFY(sink->waitForEnvelopes(1));
            const auto env = sink->envelopes().at(0);
            const proto::OutgoingEnvelope* sent = nullptr;
            for (const auto& e : msg.send.envelopes())
                if (e.user() == device->user() && e.device() == device->device()) sent = &e;
            QVERIFY(sent);
            QVERIFY(env.queue_id() > 0);
            QVERIFY(env.message_id() == msg.send.message_id());
            QCOMPARE(qs(env.conversation_id()), qs(matter.id));
            QCOMPARE(qs(env.sender().user()), QStringLiteral("dan"));
            QCOMPARE(env.sender().device(), 1u);
            QCOMPARE(env.type(), sent->type());
            QVERIFY(env.body() == sent->body());
            QCOMPARE(env.journal_sequence(), r.send_result().journal_sequence());
            QCOMPARE(env.server_time_ms(), r.send_result().server_time_ms());
            QVERIFY(bytesOf(env.commitment()) ==
                    Bytes(msg.entry.header.commitment.begin(), msg.entry.header.commitment.end()));
            // The recipient decrypts and recomputes C from what it received.
            TRY(record, m_f->open(*device, env));
            QVERIFY(sameMessage(record, msg.record));
            TRY(c, journal::computeCommitment(view(record.commit_key()),
                                              journal::commitContentOf(record)));
            QVERIFY(bytesOf(env.commitment()) == Bytes(c.begin(), c.end()));
        }
        m_f->settle();
        QVERIFY(sink1->envelopes().empty()); // the sending device gets no copy
        QCOMPARE(sinkClient->envelopes().size(), std::size_t(1));
        QCOMPARE(sink2->envelopes().size(), std::size_t(1));
    }

    void offlineDeviceGetsQueueInOrderThenLive() {
        RECREATE([](RelayConfig& c) { c.drainPage = 3; }); // several drain pages
        TRY(matter, makeMatter("eli"));
        const std::uint64_t base = m_f->service().journalHead().first;
        constexpr int kQueued = 7;
        std::vector<std::string> ids, entries;
        for (int i = 0; i < kQueued; ++i) {
            TRY(msg,
                m_f->buildSendToMembers(*matter.lawyer, matter.id, "queued " + std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
            ids.push_back(msg.send.message_id());
            entries.push_back(msg.send.journal_entry());
        }
        QCOMPARE(count("SELECT count(*) FROM queue"), kQueued);

        auto sink = m_f->connect(*matter.client);
        QVERIFY(sink->waitForEnvelopes(kQueued));
        TRY(live, m_f->buildSendToMembers(*matter.lawyer, matter.id, "live"));
        EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(live.send)),
                      proto::STATUS_OK);
        ids.push_back(live.send.message_id());
        entries.push_back(live.send.journal_entry());
        QVERIFY(sink->waitForEnvelopes(kQueued + 1));
        m_f->settle();

        const auto envs = sink->envelopes();
        QCOMPARE(envs.size(), std::size_t(kQueued + 1));
        std::uint64_t lastQueueId = 0;
        for (std::size_t i = 0; i < envs.size(); ++i) {
            QVERIFY(envs[i].message_id() == ids[i]);
            QCOMPARE(envs[i].journal_sequence(), base + std::uint64_t(i + 1));
            // Queued and live alike carry the journal entry as stored (journal copy check).
            QVERIFY(!entries[i].empty());
            QVERIFY(envs[i].journal_entry() == entries[i]);
            QVERIFY(envs[i].queue_id() > lastQueueId);
            lastQueueId = envs[i].queue_id();
            TRY(record, m_f->open(*matter.client, envs[i]));
            QCOMPARE(qs(record.body()),
                     i < kQueued ? qs("queued " + std::to_string(i)) : QStringLiteral("live"));
        }
        // Still queued until acknowledged.
        QCOMPARE(count("SELECT count(*) FROM queue"), kQueued + 1);

        // One queue_drained, right after the queued envelopes (over three pages), counting them.
        const auto frames = sink->frames();
        int envelopesBefore = 0, drained = 0;
        for (const auto& f : frames) {
            if (!f.has_push()) continue;
            if (f.push().has_envelope()) ++envelopesBefore;
            if (!f.push().has_queue_drained()) continue;
            ++drained;
            QCOMPARE(envelopesBefore, kQueued);
            QCOMPARE(f.push().queue_drained().delivered(), std::uint64_t(kQueued));
        }
        QCOMPARE(drained, 1);

        // A connection with nothing queued hears delivered = 0.
        m_f->settle();
        auto idle = m_f->connect(*matter.lawyer);
        QVERIFY(idle->waitForFrames(1));
        QVERIFY(idle->frames()[0].push().has_queue_drained());
        QCOMPARE(idle->frames()[0].push().queue_drained().delivered(), std::uint64_t(0));
    }

    void acknowledgeDeletesOnlyTheCallersRows() {
        TRY(matter, makeMatter("fox"));
        TRY(client2, m_f->joinByInvite(*matter.lawyer, matter.id));
        TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id, "for both clients"));
        QCOMPARE(msg.send.envelopes_size(), 2);
        EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                      proto::STATUS_OK);
        auto sink1 = m_f->connect(*matter.client);
        auto sink2 = m_f->connect(*client2);
        QVERIFY(sink1->waitForEnvelopes(1));
        QVERIFY(sink2->waitForEnvelopes(1));
        const auto q1 = sink1->envelopes().at(0).queue_id();
        const auto q2 = sink2->envelopes().at(0).queue_id();
        QVERIFY(q1 != q2);
        auto present = [&](std::uint64_t id) {
            return count("SELECT count(*) FROM queue WHERE id = " + std::to_string(id));
        };

        // Someone else's queue id deletes nothing (IDOR), whoever asks.
        EXPECT_STATUS(m_f->call(*client2, acknowledge({q1})), proto::STATUS_OK);
        EXPECT_STATUS(m_f->call(*matter.lawyer, acknowledge({q1, q2})), proto::STATUS_OK);
        QCOMPARE(present(q1), 1);
        QCOMPARE(present(q2), 1);

        EXPECT_STATUS(m_f->call(*matter.client, acknowledge({q1, q2})), proto::STATUS_OK);
        QCOMPARE(present(q1), 0);
        QCOMPARE(present(q2), 1);
        EXPECT_STATUS(m_f->call(*client2, acknowledge({q2})), proto::STATUS_OK);
        QCOMPARE(present(q2), 0);

        // An acknowledged envelope is not delivered again; the other stays deliverable until acked.
        auto again = m_f->connect(*matter.client);
        QVERIFY(again->envelopes().empty());

        proto::Request tooMany;
        for (int i = 0; i < 1001; ++i)
            tooMany.mutable_acknowledge()->add_queue_ids(std::uint64_t(i + 1));
        EXPECT_STATUS(m_f->call(*matter.client, tooMany), proto::STATUS_TOO_LARGE);
    }

    // An acknowledgement deletes up to 64 ids per statement, each statement sized to the next
    // power of two by repeating its last id: every listed row of the caller goes, in any order
    // and with repeats, across a chunk boundary; nothing else does.
    void acknowledgingManyIdsDeletesExactlyThoseAcrossChunks() {
        constexpr int kQueued = 70;
        TRY(matter, makeMatter("ada"));
        TRY(other, m_f->joinByInvite(*matter.lawyer, matter.id));
        for (int i = 0; i < kQueued; ++i) {
            TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id, std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
        }
        auto sink = m_f->connect(*matter.client);
        auto otherSink = m_f->connect(*other);
        QVERIFY(sink->waitForEnvelopes(kQueued));
        QVERIFY(otherSink->waitForEnvelopes(1));
        std::vector<std::uint64_t> ids;
        for (const auto& e : sink->envelopes())
            ids.push_back(e.queue_id());
        QCOMPARE(ids.size(), std::size_t(kQueued));
        const std::uint64_t othersRow = otherSink->envelopes().at(0).queue_id();
        auto queued = [&](const std::string& user) {
            return count("SELECT count(*) FROM queue WHERE user = '" + user + "'");
        };
        QCOMPARE(queued(other->user()), kQueued);

        // 67 ids (a chunk of 64, then 3 run as 4), newest first, one twice, and another
        // device's row: the caller's 66 distinct rows go, the other device keeps all of its own.
        proto::Request ack;
        for (int i = 65; i >= 0; --i)
            ack.mutable_acknowledge()->add_queue_ids(ids[std::size_t(i)]);
        ack.mutable_acknowledge()->add_queue_ids(ids[3]);
        ack.mutable_acknowledge()->add_queue_ids(othersRow);
        EXPECT_STATUS(m_f->call(*matter.client, ack), proto::STATUS_OK);
        QCOMPARE(queued(matter.client->user()), kQueued - 66);
        for (int i = 66; i < kQueued; ++i)
            QCOMPARE(count("SELECT count(*) FROM queue WHERE id = " +
                           std::to_string(ids[std::size_t(i)])),
                     1);
        QCOMPARE(queued(other->user()), kQueued);

        // The rest: a chunk of 4 ids run as it is.
        EXPECT_STATUS(m_f->call(*matter.client, acknowledge({ids[69], ids[66], ids[68], ids[67]})),
                      proto::STATUS_OK);
        QCOMPARE(queued(matter.client->user()), 0);
        QCOMPARE(queued(other->user()), kQueued);
    }

    // On PostgreSQL the relay keeps the ids it pushed to a live device so that another node's
    // wake-up pushes each row once; an acknowledgement must let them go, or a device that stays
    // connected to a node no other node wakes keeps every id it was ever pushed.
    void acknowledgedIdsAreNoLongerKeptForLiveDevices() {
        constexpr int kSent = 5;
        TRY(matter, makeMatter("eli"));
        auto sink = m_f->connect(*matter.client);
        QVERIFY(sink->waitForFrames(1)); // drained: live from here on
        for (int i = 0; i < kSent; ++i) {
            TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id, std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
        }
        QVERIFY(sink->waitForEnvelopes(kSent));
        m_f->settle();
        // Kept only where other nodes may wake this one (SQLCipher: one process, none kept).
        const std::size_t kept = m_f->onPostgres() ? kSent : 0;
        QCOMPARE(m_f->service().pushedIdsKept(), kept);
        proto::Request ack;
        for (const auto& e : sink->envelopes())
            ack.mutable_acknowledge()->add_queue_ids(e.queue_id());
        EXPECT_STATUS(m_f->call(*matter.client, ack), proto::STATUS_OK);
        QCOMPARE(m_f->service().pushedIdsKept(), std::size_t(0));
    }

    // Requests check that their device is active from memory once it was found active: a
    // revocation, in this process or written by another (verbatim-relay admin, another node),
    // must reach that copy before the device's next request.
    void aDeviceFoundActiveIsRefusedOnceRevoked() {
        TRY(matter, makeMatter("ivo"));
        TRY(ivo2, m_f->addDevice("ivo"));
        TRY(ivo3, m_f->addDevice("ivo"));
        for (TestDevice* d : {ivo2, ivo3})
            EXPECT_STATUS(m_f->call(*d, acknowledge({1})), proto::STATUS_OK);

        REQUIRE_OK(m_f->service().revokeDevice("ivo", ivo2->device(), "admin"));
        EXPECT_STATUS(m_f->call(*ivo2, acknowledge({1})), proto::STATUS_FORBIDDEN);

        REQUIRE_OK(m_f->writeAsAnotherProcess("UPDATE devices SET revoked_ms = 1 WHERE user = "
                                              "'ivo' AND device = " +
                                              std::to_string(ivo3->device())));
        EXPECT_STATUS(m_f->call(*ivo3, acknowledge({1})), proto::STATUS_FORBIDDEN);
        EXPECT_STATUS(m_f->call(*matter.lawyer, acknowledge({1})), proto::STATUS_OK);
    }

    void duplicateSendIsAcknowledgedWithoutStoring() {
        TRY(matter, makeMatter("gil"));
        auto sink = m_f->connect(*matter.client);
        TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id, "sent twice"));
        const std::uint64_t base = m_f->service().journalHead().first;
        auto first = m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send));
        EXPECT_STATUS(first, proto::STATUS_OK);
        QVERIFY(!first.send_result().duplicate());
        QCOMPARE(first.send_result().journal_sequence(), base + 1);
        QVERIFY(sink->waitForEnvelopes(1));
        const Stored snapshot = stored();
        QCOMPARE(snapshot.journal, std::int64_t(base + 1));
        TRY(rows, storedByAuthor());
        QVERIFY(rows.messages == std::vector<std::size_t>{base}); // the one message, at base + 1
        QVERIFY(rows.admin == positions(0, base));

        auto second = m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send));
        EXPECT_STATUS(second, proto::STATUS_OK);
        QVERIFY(second.send_result().duplicate());
        QCOMPARE(second.send_result().journal_sequence(), first.send_result().journal_sequence());
        QVERIFY(second.send_result().chain_hash() == first.send_result().chain_hash());
        QCOMPARE(second.send_result().server_time_ms(), first.send_result().server_time_ms());
        m_f->settle();
        QVERIFY(stored() == snapshot);
        QCOMPARE(sink->envelopes().size(), std::size_t(1));
        QCOMPARE(m_f->service().journalHead().first, base + 1);
    }

    // The same message sent three times while the storage thread is held, so that all three
    // and another message are one batch: it is stored and delivered once, and the repeats are
    // answered as duplicates of it. On PostgreSQL the batch asks whether its sends were stored
    // before in one query when it begins; the copies after the first must still find the row
    // the first wrote in the same transaction (a second sends row would fail the whole batch).
    void duplicateSendsInOneBatchAreStoredOnce() {
        TRY(matter, makeMatter("ida"));
        auto sink = m_f->connect(*matter.client);
        TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id, "three times at once"));
        TRY(other, m_f->buildSendToMembers(*matter.lawyer, matter.id, "once"));
        const Stored before = stored();
        const std::vector<const proto::SendMessage*> posted = {&msg.send, &other.send, &msg.send,
                                                               &msg.send};
        AsyncAnswers pending(posted.size());
        {
            StorageGate gate(m_f->service().storage());
            QVERIFY(gate.held());
            for (std::size_t i = 0; i < posted.size(); ++i)
                m_f->service().handle(matter.lawyer->id, RelayFixture::sendRequest(*posted[i]),
                                      pending.callback(i));
        }
        QVERIFY(pending.wait());
        const auto answers = pending.answers();
        for (const auto& a : answers)
            EXPECT_STATUS(*a, proto::STATUS_OK);
        QVERIFY(!answers[0]->send_result().duplicate());
        QVERIFY(!answers[1]->send_result().duplicate());
        for (std::size_t i : {std::size_t(2), std::size_t(3)}) {
            QVERIFY(answers[i]->send_result().duplicate());
            QCOMPARE(answers[i]->send_result().journal_sequence(),
                     answers[0]->send_result().journal_sequence());
        }
        QVERIFY(sink->waitForEnvelopes(2));
        m_f->settle();
        const Stored after = stored();
        QCOMPARE(after.journal, before.journal + 2);
        QCOMPARE(after.sends, before.sends + 2);
        QCOMPARE(after.queue, before.queue + 2);
        const auto got = sink->envelopes();
        QCOMPARE(got.size(), std::size_t(2));
        QVERIFY(got[0].message_id() == msg.send.message_id());
        QVERIFY(got[1].message_id() == other.send.message_id());
        QVERIFY(got[0].queue_id() < got[1].queue_id());
    }

    // serve --journal-signatures compliance: the relay no longer verifies the device signature
    // (compliance verifies every one on pull) but still checks everything else about the entry.
    // A badly signed entry is stored as sent, so compliance sees exactly what the device signed.
    void signaturesLeftToComplianceStillCheckTheRest() {
        m_f.reset();
        auto f = RelayFixture::create([](RelayConfig& c) { c.verifyJournalSignatures = false; });
        QVERIFY2(bool(f), f ? "" : errorText(f.error()).c_str());
        m_f = std::move(*f);
        TRY(matter, makeMatter("uma"));
        TestDevice& sender = *matter.lawyer;
        auto sink = m_f->connect(*matter.client);
        TRY(base, m_f->buildSendToMembers(sender, matter.id, "signature unchecked"));
        TRY(otherJournal, crypto::X25519Key::generate());
        auto sealed = [&](const proto::JournalRecord& record, ByteView journalKey) {
            auto e = journal::sealRecord(record, journalKey, sender.signer());
            return e ? stringOf(e->serialize()) : std::string();
        };
        proto::JournalRecord otherUser = base.record;
        otherUser.mutable_sender()->set_user(matter.client->user());
        proto::JournalRecord otherId = base.record;
        otherId.set_message_id(stringOf(crypto::randomBytes(16)));
        const Stored snapshot = stored();
        for (const auto& [entry, status] : std::vector<std::pair<std::string, proto::Status>>{
                 {"garbage", proto::STATUS_BAD_REQUEST},
                 {sealed(otherUser, m_f->config().journalPublicKey), proto::STATUS_BAD_REQUEST},
                 {sealed(otherId, m_f->config().journalPublicKey), proto::STATUS_BAD_REQUEST},
                 {sealed(base.record, otherJournal.publicKey()),
                  proto::STATUS_JOURNAL_KEY_CHANGED}}) {
            proto::SendMessage s = base.send;
            s.set_journal_entry(entry);
            EXPECT_STATUS(m_f->call(sender, RelayFixture::sendRequest(s)), status);
        }
        m_f->settle();
        QVERIFY(stored() == snapshot);

        journal::SealedEntry flipped = base.entry;
        flipped.signature[5] ^= 0x10;
        proto::SendMessage s = base.send;
        s.set_journal_entry(stringOf(flipped.serialize()));
        auto r = m_f->call(sender, RelayFixture::sendRequest(s));
        EXPECT_STATUS(r, proto::STATUS_OK);
        QVERIFY(sink->waitForEnvelopes(1));
        Bytes kept;
        m_f->onStorage([&](storage::Database& db) {
            auto q = db.prepare("SELECT entry FROM journal WHERE seq = ?");
            q->bind(1, std::int64_t(r.send_result().journal_sequence()));
            if (auto row = q->step(); row && *row) kept = q->columnBlob(0);
        });
        QVERIFY(kept == flipped.serialize());
        auto parsed = journal::SealedEntry::parse(kept);
        QVERIFY(parsed);
        QVERIFY(!journal::verifyEntrySignature(*parsed, sender.identityKey));
        QVERIFY(journal::verifyEntrySignature(base.entry, sender.identityKey));
    }

    void sendWithoutValidJournalEntryIsRefused() {
        TRY(matter, makeMatter("hugo"));
        TestDevice& sender = *matter.lawyer;
        auto sink = m_f->connect(*matter.client);
        TRY(base, m_f->buildSendToMembers(sender, matter.id, "escrow me"));
        TRY(otherJournal, crypto::X25519Key::generate());

        auto sealed = [&](const proto::JournalRecord& record, ByteView journalKey,
                          journal::Signer signer) -> std::string {
            auto e = journal::sealRecord(record, journalKey, signer);
            return e ? stringOf(e->serialize()) : std::string();
        };
        proto::JournalRecord otherId = base.record;
        otherId.set_message_id(stringOf(crypto::randomBytes(16)));
        proto::JournalRecord otherUser = base.record;
        otherUser.mutable_sender()->set_user(matter.client->user());
        proto::JournalRecord otherDevice = base.record;
        otherDevice.mutable_sender()->set_device(sender.device() + 1);
        journal::SealedEntry flipped = base.entry;
        flipped.signature[5] ^= 0x10;
        journal::SealedEntry retimed = base.entry;
        retimed.header.timeMs += 1; // header altered after signing
        const std::string good = base.send.journal_entry();

        const std::vector<std::pair<const char*, std::string>> entries = {
            {"missing", std::string()},
            {"garbage", "not a journal entry at all"},
            {"truncated", good.substr(0, good.size() - 1)},
            {"trailing byte", good + std::string(1, '\0')},
            {"for another message id",
             sealed(otherId, m_f->config().journalPublicKey, sender.signer())},
            {"naming another user",
             sealed(otherUser, m_f->config().journalPublicKey, sender.signer())},
            {"naming another device",
             sealed(otherDevice, m_f->config().journalPublicKey, sender.signer())},
            {"sealed to another journal key",
             sealed(base.record, otherJournal.publicKey(), sender.signer())},
            {"signed by another device",
             sealed(base.record, m_f->config().journalPublicKey, matter.client->signer())},
            {"signature altered", stringOf(flipped.serialize())},
            {"header altered", stringOf(retimed.serialize())},
        };
        const Stored snapshot = stored();
        const std::uint64_t seq0 = m_f->service().journalHead().first;
        for (const auto& [name, entry] : entries) {
            if (std::string(name) != "missing") QVERIFY2(!entry.empty(), name);
            proto::SendMessage s = base.send;
            s.set_journal_entry(entry);
            auto r = m_f->call(sender, RelayFixture::sendRequest(s));
            // A key that is not current tells the client to fetch the manifest again (rotation).
            const auto expected = std::string(name) == "sealed to another journal key"
                                      ? proto::STATUS_JOURNAL_KEY_CHANGED
                                      : proto::STATUS_BAD_REQUEST;
            QVERIFY2(r.status() == expected,
                     (std::string(name) + ": " + describe(r).toStdString()).c_str());
            QVERIFY2(!r.has_send_result(), name);
        }
        m_f->settle();
        QVERIFY(stored() == snapshot);
        QVERIFY(sink->envelopes().empty());

        QCOMPARE(m_f->service().journalHead().first, seq0);

        // The genuine entry is accepted and gets the next sequence number: no refusal used one.
        auto ok = m_f->call(sender, RelayFixture::sendRequest(base.send));
        EXPECT_STATUS(ok, proto::STATUS_OK);
        QCOMPARE(ok.send_result().journal_sequence(), seq0 + 1);
    }

    // Sends check the device set from memory once a conversation has been used. Every way the
    // set changes must reach that copy: a new device, a new member, and a revocation written
    // by another process (verbatim-relay admin).
    void warmDeviceSetFollowsEveryChange() {
        using List = std::vector<std::pair<std::string, std::uint32_t>>;
        TRY(matter, makeMatter("kim"));
        TestDevice* kim1 = matter.lawyer;
        TestDevice* client = matter.client;
        auto sink = m_f->connect(*client);
        TRY(warm, m_f->buildSendToMembers(*kim1, matter.id, "warm"));
        EXPECT_STATUS(m_f->call(*kim1, RelayFixture::sendRequest(warm.send)), proto::STATUS_OK);

        TRY(kim2, m_f->addDevice("kim"));
        TRY(stale, m_f->buildSend(*client, matter.id, "new device", {kim1}));
        auto r1 = m_f->call(*client, RelayFixture::sendRequest(stale.send));
        EXPECT_STATUS(r1, proto::STATUS_CONFLICT);
        QVERIFY(addresses(r1.device_mismatch().missing()) == (List{{"kim", 2}}));
        TRY(both, m_f->buildSend(*client, matter.id, "new device", {kim1, kim2}));
        EXPECT_STATUS(m_f->call(*client, RelayFixture::sendRequest(both.send)), proto::STATUS_OK);

        REQUIRE_OK(m_f->writeAsAnotherProcess(
            "UPDATE devices SET revoked_ms = 1 WHERE user = 'kim' AND device = 2"));
        TRY(revoked, m_f->buildSend(*client, matter.id, "revoked elsewhere", {kim1, kim2}));
        auto r2 = m_f->call(*client, RelayFixture::sendRequest(revoked.send));
        EXPECT_STATUS(r2, proto::STATUS_CONFLICT);
        QVERIFY(addresses(r2.device_mismatch().extra()) == (List{{"kim", 2}}));
        TRY(one, m_f->buildSend(*client, matter.id, "revoked elsewhere", {kim1}));
        EXPECT_STATUS(m_f->call(*client, RelayFixture::sendRequest(one.send)), proto::STATUS_OK);

        TRY(second, m_f->joinByInvite(*kim1, matter.id));
        TRY(before, m_f->buildSend(*kim1, matter.id, "new member", {client}));
        auto r3 = m_f->call(*kim1, RelayFixture::sendRequest(before.send));
        EXPECT_STATUS(r3, proto::STATUS_CONFLICT);
        QVERIFY(addresses(r3.device_mismatch().missing()) ==
                (List{{second->user(), second->device()}}));
        TRY(all, m_f->buildSendToMembers(*kim1, matter.id, "new member"));
        QCOMPARE(all.send.envelopes_size(), 2);
        EXPECT_STATUS(m_f->call(*kim1, RelayFixture::sendRequest(all.send)), proto::STATUS_OK);
    }

    // serve checkpoints the WAL on a second connection, off the storage thread: SQLite's own
    // checkpoint is off on the writer, committed sends survive a restart, and stopping moves the
    // whole WAL into the database file.
    void walIsCheckpointedOffTheStorageThread() {
        m_f->useBackgroundCheckpoint(std::chrono::milliseconds(20));
        REQUIRE_OK(m_f->restart());
        QCOMPARE(m_f->scalar("PRAGMA wal_autocheckpoint"), std::int64_t(0));
        TRY(matter, makeMatter("vic"));
        for (int i = 0; i < 20; ++i) {
            TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id,
                                             "checkpointed " + std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
        }
        // Within a few rounds the sends are in the database file itself, not only in the WAL
        // (SQLite alone would wait for 1,000 WAL pages, far more than 20 sends make).
        const std::string countQueued =
            "SELECT count(*) FROM queue WHERE user = '" + matter.client->user() + "'";
        bool inFile = false;
        for (int i = 0; i < 250 && !inFile; ++i) { // up to 5 s on a loaded machine
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            inFile = m_f->scalarInCheckpointedFile(countQueued) == 20;
        }
        QVERIFY(inFile);
        const std::uint64_t head = m_f->service().journalHead().first;
        REQUIRE_OK(m_f->restart());
        const QString wal = m_f->databaseFolder() + "/relay.db-wal";
        QVERIFY(!QFile::exists(wal) || QFileInfo(wal).size() == 0);
        QCOMPARE(m_f->service().journalHead().first, head);
        QCOMPARE(m_f->scalar(countQueued), std::int64_t(20));
    }

    void staleDeviceListIsConflictAndStoresNothing() {
        TRY(matter, makeMatter("ivy"));
        TestDevice* ivy1 = matter.lawyer;
        TRY(ivy2, m_f->addDevice("ivy"));
        TRY(stranger, m_f->enroll("jay", proto::ROLE_LAWYER));
        auto sink = m_f->connect(*matter.client);
        using List = std::vector<std::pair<std::string, std::uint32_t>>;
        const Stored snapshot = stored();
        const std::uint64_t base = m_f->service().journalHead().first;

        TRY(missing, m_f->buildSend(*ivy1, matter.id, "x", {matter.client}));
        auto r1 = m_f->call(*ivy1, RelayFixture::sendRequest(missing.send));
        EXPECT_STATUS(r1, proto::STATUS_CONFLICT);
        QVERIFY(addresses(r1.device_mismatch().missing()) == (List{{"ivy", 2}}));
        QCOMPARE(r1.device_mismatch().extra_size(), 0);

        TRY(extra, m_f->buildSend(*ivy1, matter.id, "x", {matter.client, ivy2, stranger}));
        auto r2 = m_f->call(*ivy1, RelayFixture::sendRequest(extra.send));
        EXPECT_STATUS(r2, proto::STATUS_CONFLICT);
        QCOMPARE(r2.device_mismatch().missing_size(), 0);
        QVERIFY(addresses(r2.device_mismatch().extra()) == (List{{"jay", 1}}));

        TRY(both, m_f->buildSend(*ivy1, matter.id, "x", {matter.client, stranger}));
        auto r3 = m_f->call(*ivy1, RelayFixture::sendRequest(both.send));
        EXPECT_STATUS(r3, proto::STATUS_CONFLICT);
        QVERIFY(addresses(r3.device_mismatch().missing()) == (List{{"ivy", 2}}));
        QVERIFY(addresses(r3.device_mismatch().extra()) == (List{{"jay", 1}}));

        // An envelope for the sending device itself is extra too.
        TRY(full, m_f->buildSendToMembers(*ivy1, matter.id, "x"));
        proto::SendMessage self = full.send;
        auto* own = self.add_envelopes();
        *own = self.envelopes(0);
        own->set_user("ivy");
        own->set_device(1);
        auto r4 = m_f->call(*ivy1, RelayFixture::sendRequest(self));
        EXPECT_STATUS(r4, proto::STATUS_CONFLICT);
        QVERIFY(addresses(r4.device_mismatch().extra()) == (List{{"ivy", 1}}));

        proto::SendMessage twice = full.send;
        *twice.add_envelopes() = twice.envelopes(0);
        EXPECT_STATUS(m_f->call(*ivy1, RelayFixture::sendRequest(twice)),
                      proto::STATUS_BAD_REQUEST);

        m_f->settle();
        QVERIFY(stored() == snapshot);
        QVERIFY(sink->envelopes().empty());
        QCOMPARE(m_f->service().journalHead().first, base);
        auto ok = m_f->call(*ivy1, RelayFixture::sendRequest(full.send));
        EXPECT_STATUS(ok, proto::STATUS_OK);
        QCOMPARE(ok.send_result().journal_sequence(), base + 1);
    }

    void nonMemberCannotSend() {
        TRY(matter, makeMatter("kai"));
        TRY(outsider, m_f->enroll("liv", proto::ROLE_LAWYER));
        // The outsider may start a session with staff, and copies that envelope for the client.
        TRY(msg, m_f->buildSend(*outsider, matter.id, "let me in", {matter.lawyer}));
        proto::SendMessage s = msg.send;
        auto* e = s.add_envelopes();
        *e = s.envelopes(0);
        e->set_user(matter.client->user());
        e->set_device(1);
        const Stored snapshot = stored();
        EXPECT_STATUS(m_f->call(*outsider, RelayFixture::sendRequest(s)), proto::STATUS_FORBIDDEN);
        // The same envelopes with the journal entry re-pointed at the delivery's conversation
        // are refused too: the entry must name the conversation it is delivered in.
        proto::SendMessage repointed = s;
        repointed.set_conversation_id("no-such-conversation");
        EXPECT_STATUS(m_f->call(*outsider, RelayFixture::sendRequest(repointed)),
                      proto::STATUS_BAD_REQUEST);
        TRY(nowhere,
            m_f->buildSend(*outsider, "no-such-conversation", "let me in", {matter.lawyer}));
        EXPECT_STATUS(m_f->call(*outsider, RelayFixture::sendRequest(nowhere.send)),
                      proto::STATUS_FORBIDDEN);
        QVERIFY(stored() == snapshot);
    }

    void sendIsRateLimited() {
        // A refill slow enough that no token comes back while the test runs.
        RECREATE([](RelayConfig& c) { c.limits.send = BucketSpec{3, 0.01}; });
        TRY(matter, makeMatter("mo"));
        const std::uint64_t base = m_f->service().journalHead().first;
        for (int i = 0; i < 3; ++i) {
            TRY(msg,
                m_f->buildSendToMembers(*matter.lawyer, matter.id, "burst " + std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
        }
        TRY(over, m_f->buildSendToMembers(*matter.lawyer, matter.id, "one too many"));
        auto r = m_f->call(*matter.lawyer, RelayFixture::sendRequest(over.send));
        EXPECT_STATUS(r, proto::STATUS_RATE_LIMITED);
        QVERIFY(r.retry_after_ms() > 0);
        QVERIFY(r.retry_after_ms() <= 100000); // one token at 0.01 per second
        QCOMPARE(stored().journal, std::int64_t(base + 3));
        TRY(rows, storedByAuthor());
        QVERIFY(rows.messages == positions(base, base + 3)); // the three accepted, nothing else
        QVERIFY(rows.admin == positions(0, base));
        // The bucket is per device.
        TRY(reply, m_f->buildSendToMembers(*matter.client, matter.id, "reply"));
        EXPECT_STATUS(m_f->call(*matter.client, RelayFixture::sendRequest(reply.send)),
                      proto::STATUS_OK);
    }

    void rateLimitsSurviveRestart() {
        // RL-12: restarting the relay does not refill a drained bucket.
        RECREATE([](RelayConfig& c) { c.limits.send = BucketSpec{2, 0.01}; });
        TRY(matter, makeMatter("rex"));
        for (int i = 0; i < 2; ++i) {
            TRY(msg,
                m_f->buildSendToMembers(*matter.lawyer, matter.id, "burst " + std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
        }
        QVERIFY(m_f->restart());
        TRY(over, m_f->buildSendToMembers(*matter.lawyer, matter.id, "after restart"));
        auto r = m_f->call(*matter.lawyer, RelayFixture::sendRequest(over.send));
        EXPECT_STATUS(r, proto::STATUS_RATE_LIMITED);
        QVERIFY(r.retry_after_ms() > 0);
    }

    void slowReaderIsDroppedAndDrainedOnReconnect() {
        TRY(matter, makeMatter("ned"));
        auto slow = m_f->connect(*matter.client);
        QVERIFY(slow->waitForFrames(1)); // queue_drained: the sink is live from here
        QVERIFY(slow->frames()[0].push().has_queue_drained());
        const auto attemptsBefore = slow->pushAttempts();
        slow->setRefuse(true);
        std::vector<std::string> ids;
        for (int i = 0; i < 2; ++i) {
            TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id,
                                             "to a slow reader " + std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
            ids.push_back(msg.send.message_id());
            if (i == 0) {
                QVERIFY(slow->waitForClose());
                QCOMPARE(int(*slow->closeCode()), 1013);
            }
        }
        m_f->settle();
        QCOMPARE(slow->pushAttempts(), attemptsBefore + 1); // no longer pushed to after refusing
        QCOMPARE(count("SELECT count(*) FROM queue"), 2);

        auto fresh = m_f->connect(*matter.client);
        QVERIFY(fresh->waitForEnvelopes(2));
        QVERIFY(fresh->envelopes()[0].message_id() == ids[0]);
        QVERIFY(fresh->envelopes()[1].message_id() == ids[1]);

        // A sink that refuses during the drain is closed and never goes live.
        auto stuck = std::make_shared<FakeSink>();
        stuck->setRefuse(true);
        m_f->service().connect(matter.client->id, stuck);
        QVERIFY(stuck->waitForClose());
        QCOMPARE(int(*stuck->closeCode()), 1013);
        m_f->settle();
        // The client holds few one-time pre-keys, so a pre_keys_low push may go before the drain
        // (issue 16): at most that and the first queued envelope were tried, and nothing after.
        const std::size_t attemptsAtClose = stuck->pushAttempts();
        QVERIFY(attemptsAtClose >= 1 && attemptsAtClose <= 2);
        TRY(later, m_f->buildSendToMembers(*matter.lawyer, matter.id, "later"));
        EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(later.send)),
                      proto::STATUS_OK);
        QVERIFY(fresh->waitForEnvelopes(3));
        m_f->settle();
        QCOMPARE(stuck->pushAttempts(), attemptsAtClose);
    }

    // ---- journal ------------------------------------------------------------------------------

    void journalPullRequiresCompliance() {
        TRY(matter, makeMatter("ola"));
        TRY(admin, m_f->enroll("root", proto::ROLE_ADMIN));
        TRY(supervisor, m_f->enroll("sue", proto::ROLE_SUPERVISOR));
        TRY(officer, m_f->enroll("cora", proto::ROLE_COMPLIANCE));
        TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id, "journaled"));
        EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                      proto::STATUS_OK);
        for (TestDevice* d : {matter.lawyer, matter.client, admin, supervisor}) {
            auto r = m_f->call(*d, pullJournal(0));
            EXPECT_STATUS(r, proto::STATUS_FORBIDDEN);
            QVERIFY(!r.has_journal_page());
        }
        auto r = m_f->call(*officer, pullJournal(0));
        EXPECT_STATUS(r, proto::STATUS_OK);
        // Every row: the administration of the matter and of three staff users, then the message.
        std::vector<Bytes> entries;
        for (const auto& row : r.journal_page().rows())
            entries.push_back(bytesOf(row.entry()));
        TRY(actions, adminActions(entries));
        QCOMPARE(actions, qsl({kEnrollActions, kConversationActions, kJoinActions, kEnrollActions,
                               kEnrollActions, kEnrollActions}));
        const auto rows = std::size_t(r.journal_page().rows_size());
        QCOMPARE(rows, std::size_t(actions.size()) + 1);
        QCOMPARE(r.journal_page().head_sequence(), std::uint64_t(rows));
        TRY(authors, byAuthor(entries));
        QVERIFY(authors.messages == std::vector<std::size_t>{rows - 1});
        QVERIFY(r.journal_page().rows(int(rows - 1)).entry() == msg.send.journal_entry());
    }

    void pulledJournalVerifiesAndOpens() {
        RECREATE([](RelayConfig& c) { c.checkpointEvery = 2; });
        TRY(matter, makeMatter("pia"));
        TRY(officer, m_f->enroll("carl", proto::ROLE_COMPLIANCE));
        const std::uint64_t base = m_f->service().journalHead().first; // the relay's own entries
        std::vector<OutgoingMessage> sent;
        std::vector<const TestDevice*> senders;
        Bytes lastChainHash;
        for (int i = 0; i < 5; ++i) {
            TestDevice& sender = i % 2 ? *matter.client : *matter.lawyer;
            TRY(msg,
                m_f->buildSendToMembers(sender, matter.id, "journal canary " + std::to_string(i)));
            auto r = m_f->call(sender, RelayFixture::sendRequest(msg.send));
            EXPECT_STATUS(r, proto::STATUS_OK);
            lastChainHash = bytesOf(r.send_result().chain_hash());
            sent.push_back(msg);
            senders.push_back(&sender);
        }

        auto pulled = pullAll(*officer);
        QVERIFY(pulled.ok);
        // The relay's entries for the matter and the officer come first, then the 5 messages.
        const std::uint64_t total = base + 5;
        QCOMPARE(pulled.rows.size(), std::size_t(total));
        QCOMPARE(pulled.head, total);
        TRY(actions, adminActions(entriesOf(pulled.items)));
        QCOMPARE(actions,
                 qsl({kEnrollActions, kConversationActions, kJoinActions, kEnrollActions}));
        QCOMPARE(std::uint64_t(actions.size()), base);
        TRY(authors, byAuthor(entriesOf(pulled.items)));
        QVERIFY(authors.admin == positions(0, base));
        QVERIFY(authors.messages == positions(base, total));
        std::set<std::uint64_t> cpSeqs;
        for (const auto& c : pulled.checkpoints)
            cpSeqs.insert(c.sequence);
        std::set<std::uint64_t> expectedCps = {total}; // every 2 entries, and the head
        for (std::uint64_t seq = 2; seq <= total; seq += 2)
            expectedCps.insert(seq);
        QVERIFY(cpSeqs == expectedCps);
        auto report = journal::verifyChain(pulled.items, pulled.checkpoints,
                                           m_f->config().relayKey.publicKey);
        QVERIFY2(report.ok(), report.ok() ? "" : report.problems.front().detail.c_str());
        QCOMPARE(report.entriesChecked, total);
        QCOMPARE(report.checkpointsChecked, std::uint64_t(expectedCps.size()));
        QVERIFY(Bytes(report.head.begin(), report.head.end()) == lastChainHash);

        for (std::size_t i = 0; i < pulled.rows.size(); ++i)
            QCOMPARE(pulled.rows[i].sequence(), std::uint64_t(i + 1));
        for (std::size_t i = 0; i < sent.size(); ++i) {
            const auto& row = pulled.rows[base + i];
            QCOMPARE(row.sequence(), base + std::uint64_t(i + 1));
            QVERIFY(row.entry() == sent[i].send.journal_entry());
            TRY(entry, journal::SealedEntry::parse(view(row.entry())));
            TRY(opened, journal::openEntry(entry, m_f->journalKey(), senders[i]->identityKey));
            QVERIFY(sameMessage(opened.record, sent[i].record));
        }

        // The verification is not vacuous: one altered byte is found, at its sequence number.
        auto tampered = pulled.items;
        tampered[base + 2].entry[tampered[base + 2].entry.size() / 2] ^= 0x01;
        auto bad =
            journal::verifyChain(tampered, pulled.checkpoints, m_f->config().relayKey.publicKey);
        QVERIFY(!bad.ok());
        QCOMPARE(*bad.firstBad(), base + 3);
        // Another relay key does not verify the checkpoints.
        TRY(otherRelay, crypto::ed25519Generate());
        QVERIFY(!journal::verifyChain(pulled.items, pulled.checkpoints, otherRelay.publicKey).ok());

        // Paging through gives the same log.
        auto paged = pullAll(*officer, 2);
        QVERIFY(paged.ok);
        QCOMPARE(paged.rows.size(), std::size_t(total));
        QVERIFY(
            journal::verifyChain(paged.items, paged.checkpoints, m_f->config().relayKey.publicKey)
                .ok());
    }

    void adminActionBodiesCannotBeInjectedInto() {
        // A device chooses its own platform string, which lands in the relay-signed audit
        // entry: quotes and control characters must stay inside the "detail" value.
        const std::string hostile = "x\",\"action\":\"wipe-device\",\"target\":\"ceo/1\"}\n\u0001";
        REQUIRE_OK(m_f->createUser("ida", proto::ROLE_LAWYER));
        TRY(token, m_f->enrollmentToken("ida"));
        TRY(device, m_f->newDevice());
        auto request = m_f->registerRequest(*device, token);
        request.set_platform(hostile);
        auto reg = m_f->registerRaw(request, m_f->freshAddress());
        QVERIFY(reg.answered);
        QVERIFY(reg.result);
        TRY(entries, storedEntries());
        std::vector<QJsonObject> registered;
        for (const auto& e : entries) {
            TRY(sealed, journal::SealedEntry::parse(e));
            if (sealed.header.senderUser != "relay") continue;
            TRY(opened,
                journal::openEntry(sealed, m_f->journalKey(), m_f->config().relayIdentityPublic));
            QJsonParseError error;
            auto doc =
                QJsonDocument::fromJson(QByteArray::fromStdString(opened.record.body()), &error);
            QVERIFY2(doc.isObject(), qPrintable(error.errorString()));
            // The strict parser refuses duplicate names: nothing was injected next to "action".
            auto flat = parseFlatJsonObject(opened.record.body());
            QVERIFY(flat);
            QCOMPARE(int(flat->size()), int(doc.object().size()));
            for (const char* base : {"actor", "action", "target", "detail"})
                QVERIFY(flat->count(base));
            if (doc.object().value("action").toString() == "device-registered")
                registered.push_back(doc.object());
        }
        QCOMPARE(registered.size(), std::size_t(1));
        QCOMPARE(registered[0].value("detail").toString().toStdString(), hostile);
        QCOMPARE(registered[0].value("platform").toString().toStdString(), hostile);
        QCOMPARE(registered[0].value("identity_key").toString().toStdString(),
                 toHex(device->identityKey));
        QCOMPARE(registered[0].value("target").toString(), QStringLiteral("ida/1"));
    }

    // Body version 2 (issue 17): `actor` is who caused the act. An invite the administrator
    // makes with `admin invite` names `admin-cli`, not the lawyer it is made for (who is the
    // `creator` and `inviter`); one a lawyer's device makes names that device; the redemption
    // names the token, and the inviter in its own field.
    void adminActionActorIsWhoCausedTheAct() {
        TRY(lawyer, m_f->enroll("lena", proto::ROLE_LAWYER));
        TRY(link, m_f->service().inviteToMatter("lena", "Admin's matter", 3600000));
        TRY(client, m_f->newDevice());
        auto reg = m_f->registerRaw(m_f->registerRequest(*client, tokenFromLink(link)),
                                    m_f->freshAddress());
        QVERIFY2(bool(reg.result), reg.result ? "" : errorText(reg.result.error()).c_str());
        proto::Request invite;
        invite.mutable_create_invite()->set_conversation_id(reg.result->conversation_id());
        EXPECT_STATUS(m_f->call(*lawyer, invite), proto::STATUS_OK);
        TRY(direct, m_f->createConversation(*lawyer, "lena alone", {}, false));

        TRY(bodies, adminBodies());
        auto get = [](const std::map<std::string, std::string>& b, const char* name) {
            auto it = b.find(name);
            return it == b.end() ? std::string("(absent)") : it->second;
        };
        std::vector<std::map<std::string, std::string>> created, invited, redeemed;
        for (const auto& b : bodies) {
            QCOMPARE(get(b, "version"), std::string("2"));
            if (get(b, "action") == "conversation-created") created.push_back(b);
            if (get(b, "action") == "invite-created") invited.push_back(b);
            if (get(b, "action") == "invite-redeemed") redeemed.push_back(b);
        }
        QCOMPARE(created.size(), std::size_t(2));
        QCOMPARE(invited.size(), std::size_t(2));
        QCOMPARE(redeemed.size(), std::size_t(1));
        // By the administrator.
        QCOMPARE(get(created[0], "actor"), std::string("admin-cli"));
        QCOMPARE(get(created[0], "creator"), std::string("lena"));
        QCOMPARE(get(created[0], "target"), reg.result->conversation_id());
        QCOMPARE(get(invited[0], "actor"), std::string("admin-cli"));
        QCOMPARE(get(invited[0], "inviter"), std::string("lena"));
        QCOMPARE(get(invited[0], "device"), std::string("(absent)"));
        QCOMPARE(get(redeemed[0], "actor"), std::string("token"));
        QCOMPARE(get(redeemed[0], "inviter"), std::string("lena"));
        QCOMPARE(get(redeemed[0], "target"), reg.result->user());
        // By the lawyer's device.
        QCOMPARE(get(invited[1], "actor"), std::string("lena/1"));
        QCOMPARE(get(invited[1], "inviter"), std::string("lena"));
        QCOMPARE(get(invited[1], "device"), std::string("1"));
        QCOMPARE(get(created[1], "actor"), std::string("lena/1"));
        QCOMPARE(get(created[1], "creator"), std::string("lena"));
        QCOMPARE(get(created[1], "target"), direct);
        // The relay's own audit table says the same.
        QCOMPARE(count("SELECT count(*) FROM audit WHERE action = 'invite-created' AND actor = "
                       "'admin-cli'"),
                 1);
    }

    void adminActionsAreJournaledAndVerify() {
        // Every administrative action is also a journal entry: an ADMIN_ACTION record by
        // relay/0, sealed to the journal key and signed with the relay's journal identity.
        QCOMPARE(m_f->config().relayIdentityPublic.size(), std::size_t(33));
        TRY(lawyer, m_f->enroll("vic", proto::ROLE_LAWYER));
        TRY(officer, m_f->enroll("cole", proto::ROLE_COMPLIANCE));
        REQUIRE_OK(m_f->service().revokeDevice("vic", lawyer->device(), "admin"));
        REQUIRE_OK(m_f->service().queueWipe("vic", lawyer->device(), "admin"));

        auto pulled = pullAll(*officer);
        QVERIFY(pulled.ok);
        QCOMPARE(pulled.rows.size(), std::size_t(8)); // 3 + 3 for the enrolments, revoke, wipe
        QCOMPARE(pulled.head, 8u);
        auto report = journal::verifyChain(pulled.items, pulled.checkpoints,
                                           m_f->config().relayKey.publicKey);
        QVERIFY2(report.ok(), report.ok() ? "" : report.problems.front().detail.c_str());
        QCOMPARE(report.entriesChecked, 8u);
        QVERIFY(report.head == m_f->service().journalHead().second);

        QStringList actions;
        std::vector<QJsonObject> bodies;
        for (std::size_t i = 0; i < pulled.items.size(); ++i) {
            QCOMPARE(pulled.rows[i].sequence(), std::uint64_t(i + 1));
            TRY(entry, journal::SealedEntry::parse(pulled.items[i].entry));
            QCOMPARE(qs(entry.header.senderUser), QStringLiteral("relay"));
            QCOMPARE(entry.header.senderDevice, 0u);
            TRY(opened,
                journal::openEntry(entry, m_f->journalKey(), m_f->config().relayIdentityPublic));
            QCOMPARE(opened.record.type(), proto::ADMIN_ACTION);
            QCOMPARE(qs(opened.record.conversation_id()), QStringLiteral("firm-audit"));
            QCOMPARE(qs(opened.record.sender().user()), QStringLiteral("relay"));
            QCOMPARE(opened.record.sender().device(), 0u);
            QJsonParseError error;
            const auto doc =
                QJsonDocument::fromJson(QByteArray::fromStdString(opened.record.body()), &error);
            QVERIFY2(doc.isObject(), qPrintable(error.errorString()));
            bodies.push_back(doc.object());
            actions << doc.object().value("action").toString();
            // Only the relay's identity verifies it: not a device's key.
            auto asDevice = journal::openEntry(entry, m_f->journalKey(), lawyer->identityKey);
            QVERIFY(!asDevice);
            QCOMPARE(asDevice.error().detail, int(journal::Fault::BadSignature));
        }
        QCOMPARE(actions, qsl({kEnrollActions, kEnrollActions, {"revoke-device", "wipe-device"}}));
        TRY(viaHelper, adminActions(entriesOf(pulled.items)));
        QCOMPARE(viaHelper, actions);

        // Each names who did what to whom.
        auto field = [&](std::size_t i, const char* key) {
            return bodies[i].value(key).toString();
        };
        QCOMPARE(field(0, "actor"), QStringLiteral("admin"));
        QCOMPARE(field(0, "target"), QStringLiteral("vic"));
        QCOMPARE(field(0, "detail"), QStringLiteral("ROLE_LAWYER"));
        QCOMPARE(field(1, "target"), QStringLiteral("vic"));
        QCOMPARE(field(2, "actor"), QStringLiteral("token")); // body version 2: a redemption
        QCOMPARE(field(2, "user"), QStringLiteral("vic"));
        for (const auto& b : bodies)
            QCOMPARE(b.value("version").toString(), QStringLiteral("2"));
        QCOMPARE(field(2, "target"), QStringLiteral("vic/1"));
        QCOMPARE(field(3, "detail"), QStringLiteral("ROLE_COMPLIANCE"));
        QCOMPARE(field(6, "actor"), QStringLiteral("admin"));
        QCOMPARE(field(6, "target"), QStringLiteral("vic/1"));
        QCOMPARE(field(7, "actor"), QStringLiteral("admin"));
        QCOMPARE(field(7, "target"), QStringLiteral("vic/1"));

        // Altering a relay entry is caught, by the chain and by opening it.
        auto tampered = pulled.items;
        tampered[6].entry[tampered[6].entry.size() / 2] ^= 0x01;
        auto bad =
            journal::verifyChain(tampered, pulled.checkpoints, m_f->config().relayKey.publicKey);
        QVERIFY(!bad.ok());
        QCOMPARE(*bad.firstBad(), 7u);
        TRY(altered, journal::SealedEntry::parse(tampered[6].entry));
        QVERIFY(!journal::openEntry(altered, m_f->journalKey(), m_f->config().relayIdentityPublic));
    }

    void relayHoldsNoPlaintextAndNoJournalKey() {
        TRY(matter, makeMatter("quin"));
        TRY(officer, m_f->enroll("cleo", proto::ROLE_COMPLIANCE));
        std::vector<std::string> canaries;
        std::vector<OutgoingMessage> sent;
        for (int i = 0; i < 4; ++i) {
            const std::string canary = "CANARY-" + toHex(crypto::randomBytes(8)) + "-privileged";
            canaries.push_back(canary);
            TestDevice& sender = i % 2 ? *matter.client : *matter.lawyer;
            TRY(msg, m_f->buildSendToMembers(sender, matter.id, "Re: settlement, " + canary));
            EXPECT_STATUS(m_f->call(sender, RelayFixture::sendRequest(msg.send)), proto::STATUS_OK);
            sent.push_back(msg);
        }
        auto pulled = pullAll(*officer);
        QVERIFY(pulled.ok);
        TRY(actions, adminActions(entriesOf(pulled.items)));
        QCOMPARE(actions,
                 qsl({kEnrollActions, kConversationActions, kJoinActions, kEnrollActions}));
        QCOMPARE(pulled.rows.size(), std::size_t(actions.size()) + 4);
        TRY(authors, byAuthor(entriesOf(pulled.items)));
        QVERIFY(authors.messages == positions(std::size_t(actions.size()), pulled.rows.size()));
        for (std::size_t i = 0; i < sent.size(); ++i)
            QVERIFY(pulled.rows[std::size_t(actions.size()) + i].entry() ==
                    sent[i].send.journal_entry());

        TRY(journalPrivate, m_f->journalKey().privateKey());
        const std::string privateHex = toHex(journalPrivate);
        std::vector<std::pair<std::string, Bytes>> needles = {
            {"journal private key", Bytes(journalPrivate.begin(), journalPrivate.end())},
            {"journal private key (hex)", bytesOf(privateHex)},
            {"journal private key (HEX)", bytesOf(upper(privateHex))},
            {"journal private key (base64)", base64(journalPrivate)},
        };
        for (const auto& c : canaries) {
            needles.push_back({c, bytesOf(c)});
            needles.push_back({c + " (utf-16)", utf16le(c)});
            needles.push_back({c + " (base64)", base64(view(c))});
        }

        auto scan = [&](const char* when) {
            // The relay's files as they are on disk...
            for (const auto& [name, needle] : needles) {
                auto hits = filesContaining(m_f->databaseFolder(), needle);
                QVERIFY2(hits.empty(),
                         (std::string(when) + ": " + name + " in " + (hits.empty() ? "" : hits[0]))
                             .c_str());
            }
            // ...and everything the relay can read with its own database key.
            const auto cells = m_f->allCells();
            for (const auto& [name, needle] : needles)
                for (const auto& cell : cells)
                    QVERIFY2(!containsBytes(cell, needle),
                             (std::string(when) + ": " + name + " in a row").c_str());
            // The scan sees the stored data: the sealed entries and envelopes are there. The
            // SQLCipher store keeps an entry in two rows since schema v15 (journal_meta, and its
            // ciphertext, most of the entry, in journal_sealed); PostgreSQL keeps it whole.
            for (const auto& m : sent) {
                const Bytes entry = bytesOf(m.send.journal_entry());
                // Whole, or a ciphertext cell that cuts the entry and a metadata cell that is
                // the entry without it.
                const auto stored = [&](const Bytes& sealed) {
                    if (sealed == entry) return true;
                    if (sealed.size() < 16 || sealed.size() >= entry.size()) return false;
                    const auto at =
                        std::search(entry.begin(), entry.end(), sealed.begin(), sealed.end());
                    if (at == entry.end()) return false;
                    Bytes meta(entry.begin(), at);
                    meta.insert(meta.end(), at + std::ptrdiff_t(sealed.size()), entry.end());
                    return std::find(cells.begin(), cells.end(), meta) != cells.end();
                };
                QVERIFY(std::any_of(cells.begin(), cells.end(), stored));
                QVERIFY(std::any_of(cells.begin(), cells.end(), [&](const Bytes& c) {
                    return c == bytesOf(m.send.envelopes(0).body());
                }));
            }
        };
        QVERIFY(QFile::exists(m_f->databaseFolder() + "/relay.db-wal"));
        scan("running");
        if (QTest::currentTestFailed()) return;
        REQUIRE_OK(m_f->restart());
        scan("after restart");
        if (QTest::currentTestFailed()) return;

        // What the relay does hold cannot open the journal (ES-02 runtime attempt).
        TRY(relayAsX25519, crypto::X25519Key::fromPrivate(m_f->config().relayKey.privateKey));
        TRY(entry, journal::SealedEntry::parse(view(sent[0].send.journal_entry())));
        auto attempt = journal::openEntry(entry, relayAsX25519, matter.lawyer->identityKey);
        QVERIFY(!attempt);
        QCOMPARE(attempt.error().detail, int(journal::Fault::WrongJournalKey));
        QVERIFY(m_f->config().journalPublicKey == m_f->journalKey().publicKey());
    }

    // ---- group commit, restart, storage failure ----------------------------------------------

    // Acknowledgements run without a savepoint (StorageThread::postRepeatable): a failing one
    // keeps what it did, a failing ordinary job keeps nothing, and a failure that ends the
    // transaction still fails the whole batch.
    // Schema v4 rebuilds `sends` keyed by message id first, without a rowid: what v3 stored
    // stays, and still answers the duplicate check.
    void sendsKeepTheirRowsThroughSchemaV4() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("relay.db").toStdString();
        const Bytes key = crypto::randomBytes(32);
        auto count = [](storage::Database& db, std::string_view sql) {
            auto st = db.prepare(sql);
            return st && st->step().value_or(false) ? st->columnInt(0) : -1;
        };
        const std::string id(16, '\x42');
        {
            auto db = storage::Database::open(path, key);
            QVERIFY(db);
            QVERIFY((*db)->migrate({kRelaySchemaV1, kRelaySchemaV2, kRelaySchemaV3}).has_value());
            auto st = (*db)->prepare(
                "INSERT INTO sends (sender_user, sender_device, message_id, journal_seq, "
                "server_time_ms) VALUES ('ana', 1, ?, 7, 1000)");
            QVERIFY(st && st->bind(1, view(id)).run().has_value());
        }
        auto db = storage::Database::open(path, key);
        QVERIFY(db);
        QVERIFY((*db)
                    ->migrate({kRelaySchemaV1, kRelaySchemaV2, kRelaySchemaV3, kRelaySchemaV4})
                    .has_value());
        auto st = (*db)->prepare(
            "SELECT journal_seq, server_time_ms FROM sends WHERE sender_user = 'ana' AND "
            "sender_device = 1 AND message_id = ?");
        QVERIFY(st);
        st->bind(1, view(id));
        QVERIFY(st->step().value_or(false));
        QCOMPARE(st->columnInt(0), std::int64_t(7));
        QCOMPARE(st->columnInt(1), std::int64_t(1000));
        auto again = (*db)->prepare(
            "INSERT INTO sends (sender_user, sender_device, message_id, journal_seq, "
            "server_time_ms) VALUES ('ana', 1, ?, 8, 2000)");
        QVERIFY(again);
        QVERIFY(!again->bind(1, view(id)).run().has_value()); // the key is still unique
        QCOMPARE(count(**db, "SELECT count(*) FROM sends"), std::int64_t(1));
        QVERIFY(!(*db)->prepare("SELECT rowid FROM sends").has_value()); // WITHOUT ROWID
        QCOMPARE(count(**db, "PRAGMA user_version"), std::int64_t(4));
    }

    // After a job fails mid-batch the rollback hook reloads derived state (the journal head); if
    // that reload fails, the rest of the batch must not commit on top of stale state.
    void aFailedStateReloadLosesTheBatch() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto db =
            storage::Database::open(dir.filePath("jobs.db").toStdString(), crypto::randomBytes(32));
        QVERIFY(db);
        StorageThread storage(std::move(*db));
        std::atomic<bool> reloadFails{true};
        storage.setRollbackHook([&](storage::Database&) -> Result<void> {
            if (reloadFails) return fail(ErrorCode::Storage, "reload failed on purpose");
            return {};
        });
        ScratchJobs jobs(storage);
        using M = ScratchJobs::Mode;
        auto insert = &ScratchJobs::insert;
        for (int round : {0, 10}) { // the failing job without, then with a savepoint
            QVERIFY(jobs.inOneBatch([&] {
                jobs.post(round + 1, M::Savepoint,
                          [&](storage::Database& d) { return insert(d, 1); });
                jobs.post(round + 2, round ? M::Savepoint : M::WritesLast,
                          [&](storage::Database&) { return false; });
                jobs.post(round + 3, M::WritesLast,
                          [&](storage::Database& d) { return insert(d, 3); });
            }));
            QCOMPARE(jobs.values(), std::vector<int>{});
            const auto done = jobs.done();
            for (int job = round + 1; job <= round + 3; ++job) {
                QVERIFY(done.count(job));
                QCOMPARE(done.at(job), false);
            }
        }
        reloadFails = false;
        jobs.post(4, M::WritesLast, [&](storage::Database&) { return false; });
        jobs.post(5, M::WritesLast, [&](storage::Database& d) { return insert(d, 5); });
        storage.flush();
        QCOMPARE(jobs.values(), std::vector<int>{5});
        storage.stop();
    }

    void repeatableJobsKeepTheirWritesAndStillLoseTheBatchWithIt() {
        auto& storage = m_f->service().storage();
        ScratchJobs jobs(storage);
        using M = ScratchJobs::Mode;
        auto insert = &ScratchJobs::insert;
        QVERIFY(jobs.inOneBatch([&] {
            jobs.post(1, M::Savepoint,
                      [&](storage::Database& db) { return insert(db, 1) && false; });
            jobs.post(2, M::Repeatable,
                      [&](storage::Database& db) { return insert(db, 2) && false; });
            jobs.post(3, M::Repeatable, [&](storage::Database& db) { return insert(db, 3); });
        }));
        QCOMPARE(jobs.values(), (std::vector<int>{2, 3}));
        QCOMPARE(jobs.done(), (std::map<int, bool>{{1, false}, {2, false}, {3, true}}));
        QVERIFY(jobs.inOneBatch([&] {
            jobs.post(4, M::Savepoint, [&](storage::Database& db) { return insert(db, 4); });
            jobs.post(5, M::Repeatable, [&](storage::Database& db) {
                return db.exec("ROLLBACK").has_value() && false;
            });
            // Must not run on its own outside the batch's transaction (and commit alone).
            jobs.post(7, M::Savepoint, [&](storage::Database& db) { return insert(db, 7); });
        }));
        QCOMPARE(jobs.values(), (std::vector<int>{2, 3})); // 4 went with the transaction
        QCOMPARE(jobs.done()[4], false);
        QCOMPARE(jobs.done()[5], false);
        QCOMPARE(jobs.done()[7], false);
        jobs.post(6, M::Repeatable, [&](storage::Database& db) { return insert(db, 6); });
        storage.flush();
        QCOMPARE(jobs.values(), (std::vector<int>{2, 3, 6}));
        QCOMPARE(jobs.done()[6], true);
    }

    // A writes-last job (a send) has no savepoint: refused before writing, it fails alone;
    // failing after a write, it takes its whole batch with it, and nothing of it is committed.
    void writesLastJobsFailAloneOnlyBeforeTheirFirstWrite() {
        auto& storage = m_f->service().storage();
        ScratchJobs jobs(storage);
        using M = ScratchJobs::Mode;
        auto insert = &ScratchJobs::insert;
        QVERIFY(jobs.inOneBatch([&] {
            jobs.post(1, M::WritesLast, [&](storage::Database& db) { return insert(db, 1); });
            jobs.post(2, M::WritesLast, [&](storage::Database&) { return false; });
            // A statement that fails is undone by SQLite on its own and counts as no write.
            jobs.post(3, M::WritesLast, [&](storage::Database& db) { return insert(db, 1); });
            jobs.post(4, M::Savepoint, [&](storage::Database& db) { return insert(db, 4); });
            jobs.post(5, M::WritesLast, [&](storage::Database& db) { return insert(db, 5); });
        }));
        QCOMPARE(jobs.values(), (std::vector<int>{1, 4, 5}));
        QCOMPARE(jobs.done(),
                 (std::map<int, bool>{{1, true}, {2, false}, {3, false}, {4, true}, {5, true}}));
        QVERIFY(jobs.inOneBatch([&] {
            jobs.post(6, M::Savepoint, [&](storage::Database& db) { return insert(db, 6); });
            jobs.post(7, M::WritesLast,
                      [&](storage::Database& db) { return insert(db, 7) && insert(db, 1); });
            jobs.post(8, M::WritesLast, [&](storage::Database& db) { return insert(db, 8); });
        }));
        QCOMPARE(jobs.values(), (std::vector<int>{1, 4, 5})); // 7's half, and 6 and 8 with it
        QCOMPARE(jobs.done()[6], false);
        QCOMPARE(jobs.done()[7], false);
        QCOMPARE(jobs.done()[8], false);
        // The next batch commits as usual.
        jobs.post(9, M::WritesLast, [&](storage::Database& db) { return insert(db, 9); });
        storage.flush();
        QCOMPARE(jobs.values(), (std::vector<int>{1, 4, 5, 9}));
        QCOMPARE(jobs.done()[9], true);
    }

    void concurrentSendsAreGroupCommitted() {
        constexpr int kSenders = 4, kPerSender = 10, kSends = kSenders * kPerSender;
        std::vector<TestDevice*> lawyers;
        std::vector<std::string> names;
        for (int i = 0; i < kSenders; ++i) {
            names.push_back("partner" + std::to_string(i));
            TRY(d, m_f->enroll(names.back(), proto::ROLE_LAWYER));
            lawyers.push_back(d);
        }
        TRY(officer, m_f->enroll("cato", proto::ROLE_COMPLIANCE));
        TRY(conv,
            m_f->createConversation(*lawyers[0], "Partners",
                                    std::vector<std::string>(names.begin() + 1, names.end())));
        std::vector<std::pair<TestDevice*, proto::SendMessage>> sends;
        for (int i = 0; i < kPerSender; ++i)
            for (auto* sender : lawyers) {
                TRY(msg, m_f->buildSendToMembers(*sender, conv, "concurrent " + std::to_string(i)));
                sends.push_back({sender, msg.send});
            }

        // Hold the storage thread so that every send is waiting when it looks for work: what is
        // tested is that it then commits them together, not how the threads happen to race.
        const std::uint64_t base = m_f->service().journalHead().first;
        StorageGate gate(m_f->service().storage());
        QVERIFY(gate.held());
        const auto batches0 = m_f->service().storage().batches();
        const auto jobs0 = m_f->service().storage().jobs();

        AsyncAnswers pending(kSends);
        std::latch start(kSends);
        std::vector<std::thread> threads;
        for (int i = 0; i < kSends; ++i)
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                m_f->service().handle(sends[i].first->id,
                                      RelayFixture::sendRequest(sends[i].second),
                                      pending.callback(std::size_t(i)));
            });
        for (auto& t : threads)
            t.join(); // every send is posted
        gate.open();
        QVERIFY(pending.wait());
        const auto answers = pending.answers();

        std::vector<std::uint64_t> seqs;
        for (const auto& a : answers) {
            EXPECT_STATUS(*a, proto::STATUS_OK);
            QVERIFY(!a->send_result().duplicate());
            seqs.push_back(a->send_result().journal_sequence());
        }
        std::sort(seqs.begin(), seqs.end());
        for (int i = 0; i < kSends; ++i)
            QCOMPARE(seqs[i], base + std::uint64_t(i + 1));
        const auto batches = m_f->service().storage().batches() - batches0;
        const auto jobs = m_f->service().storage().jobs() - jobs0;
        QCOMPARE(jobs, std::uint64_t(kSends));
        QVERIFY2(batches < jobs,
                 qPrintable(QStringLiteral("%1 batches for %2 jobs").arg(batches).arg(jobs)));

        auto pulled = pullAll(*officer);
        QVERIFY(pulled.ok);
        QCOMPARE(pulled.rows.size(), std::size_t(base) + kSends);
        TRY(actions, adminActions(entriesOf(pulled.items)));
        QCOMPARE(actions, qsl({kEnrollActions, kEnrollActions, kEnrollActions, kEnrollActions,
                               kEnrollActions, kConversationActions}));
        QCOMPARE(std::uint64_t(actions.size()), base);
        TRY(authors, byAuthor(entriesOf(pulled.items)));
        QVERIFY(authors.messages == positions(base, base + kSends));
        QVERIFY(
            journal::verifyChain(pulled.items, pulled.checkpoints, m_f->config().relayKey.publicKey)
                .ok());
    }

    void restartKeepsQueueJournalAndCheckpoints() {
        TRY(matter, makeMatter("rex"));
        TRY(officer, m_f->enroll("cass", proto::ROLE_COMPLIANCE));
        // The chain is rebuilt from genesis: first the relay's administration entries, as stored.
        TRY(adminEntries, storedEntries());
        TRY(actions, adminActions(adminEntries));
        QCOMPARE(actions,
                 qsl({kEnrollActions, kConversationActions, kJoinActions, kEnrollActions}));
        const std::uint64_t base = adminEntries.size();
        journal::ChainBuilder chain;
        for (const auto& entry : adminEntries)
            chain.append(entry);
        QVERIFY(m_f->service().journalHead() == std::pair(base, chain.head()));
        std::vector<std::string> ids;
        for (int i = 0; i < 3; ++i) {
            TRY(msg, m_f->buildSendToMembers(*matter.lawyer, matter.id,
                                             "before restart " + std::to_string(i)));
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(msg.send)),
                          proto::STATUS_OK);
            chain.append(view(msg.send.journal_entry()));
            ids.push_back(msg.send.message_id());
        }
        auto first = pullAll(*officer); // signs a checkpoint at base + 3
        QVERIFY(first.ok);
        QCOMPARE(first.checkpoints.size(), std::size_t(1));
        QCOMPARE(first.checkpoints[0].sequence, base + 3);

        REQUIRE_OK(m_f->restart());

        QVERIFY(m_f->authenticate(matter.client->user(), 1, matter.client->secret));
        auto head = m_f->service().journalHead();
        QCOMPARE(head.first, base + 3);
        QVERIFY(head.second == chain.head());
        auto sink = m_f->connect(*matter.client);
        QVERIFY(sink->waitForEnvelopes(3));
        for (int i = 0; i < 3; ++i) {
            const auto env = sink->envelopes()[std::size_t(i)];
            QVERIFY(env.message_id() == ids[std::size_t(i)]);
            TRY(record, m_f->open(*matter.client, env));
            QCOMPARE(qs(record.body()), qs("before restart " + std::to_string(i)));
        }

        TRY(next, m_f->buildSendToMembers(*matter.lawyer, matter.id, "after restart"));
        auto r = m_f->call(*matter.lawyer, RelayFixture::sendRequest(next.send));
        EXPECT_STATUS(r, proto::STATUS_OK);
        QCOMPARE(r.send_result().journal_sequence(), base + 4);
        chain.append(view(next.send.journal_entry()));
        QVERIFY(bytesOf(r.send_result().chain_hash()) ==
                Bytes(chain.head().begin(), chain.head().end()));
        QVERIFY(sink->waitForEnvelopes(4));

        auto all = pullAll(*officer);
        QVERIFY(all.ok);
        QCOMPARE(all.rows.size(), std::size_t(base + 4));
        TRY(authors, byAuthor(entriesOf(all.items)));
        QVERIFY(authors.messages == positions(base, base + 4));
        // The relay's entries from before the restart still open and verify.
        TRY(actionsAfter, adminActions(entriesOf(all.items)));
        QCOMPARE(actionsAfter, actions);
        QCOMPARE(all.checkpoints.size(),
                 std::size_t(2)); // base + 3 from before the restart, base + 4 now
        QCOMPARE(all.checkpoints[1].sequence, base + 4);
        auto report =
            journal::verifyChain(all.items, all.checkpoints, m_f->config().relayKey.publicKey);
        QVERIFY2(report.ok(), report.ok() ? "" : report.problems.front().detail.c_str());
        QCOMPARE(report.checkpointsChecked, 2u);
    }

    void fullDatabaseFailsSendWithoutAcknowledging() {
        TRY(matter, makeMatter("sam"));
        const std::uint64_t base = m_f->service().journalHead().first;
        auto sink = m_f->connect(*matter.client);
        TRY(small, m_f->buildSendToMembers(*matter.lawyer, matter.id, "fits"));
        EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(small.send)),
                      proto::STATUS_OK);
        QVERIFY(sink->waitForEnvelopes(1));

        // ~100 KiB in the envelope and again in the journal entry: far more than the free pages.
        const std::string bigBody = "exhibit " + std::string(100 * 1024, 'e');
        TRY(big, m_f->buildSendToMembers(*matter.lawyer, matter.id, bigBody));
        const auto freePages = count("PRAGMA freelist_count");
        QVERIFY(freePages >= 0);
        QVERIFY(freePages * 4096 < 64 * 1024);
        QVERIFY(capDatabaseAtCurrentSize() > 0);
        const Stored snapshot = stored();

        for (int attempt = 0; attempt < 2; ++attempt) {
            auto r = m_f->call(*matter.lawyer, RelayFixture::sendRequest(big.send));
            EXPECT_STATUS(r, proto::STATUS_UNAVAILABLE);
            QVERIFY(!r.has_send_result());
        }
        m_f->settle();
        QVERIFY(stored() == snapshot);
        QCOMPARE(m_f->service().journalHead().first, base + 1);
        QCOMPARE(sink->envelopes().size(), std::size_t(1));

        // Space comes back: the retry with the same message id is stored exactly once.
        uncapDatabase();
        auto retried = m_f->call(*matter.lawyer, RelayFixture::sendRequest(big.send));
        EXPECT_STATUS(retried, proto::STATUS_OK);
        QVERIFY(!retried.send_result().duplicate());
        QCOMPARE(retried.send_result().journal_sequence(), base + 2);
        auto again = m_f->call(*matter.lawyer, RelayFixture::sendRequest(big.send));
        EXPECT_STATUS(again, proto::STATUS_OK);
        QVERIFY(again.send_result().duplicate());
        QCOMPARE(again.send_result().journal_sequence(), base + 2);
        QCOMPARE(stored().journal, std::int64_t(base + 2));
        TRY(rows, storedByAuthor());
        QVERIFY(rows.messages == positions(base, base + 2)); // "fits" and the big one, once
        QVERIFY(rows.admin == positions(0, base));
        QCOMPARE(count("SELECT count(*) FROM sends"), 2);
        QCOMPARE(
            count("SELECT count(*) FROM queue WHERE journal_seq = " + std::to_string(base + 2)), 1);

        QVERIFY(sink->waitForEnvelopes(2));
        m_f->settle();
        QCOMPARE(sink->envelopes().size(), std::size_t(2));
        TRY(record, m_f->open(*matter.client, sink->envelopes()[1]));
        QVERIFY(record.body() == bigBody);

        QVERIFY(databaseIntact());
        TRY(after, m_f->buildSendToMembers(*matter.lawyer, matter.id, "business as usual"));
        auto r3 = m_f->call(*matter.lawyer, RelayFixture::sendRequest(after.send));
        EXPECT_STATUS(r3, proto::STATUS_OK);
        QCOMPARE(r3.send_result().journal_sequence(), base + 3);
    }

    void fullDatabaseMidBatchLeavesJournalIntact() {
        TRY(matter, makeMatter("tom"));
        TRY(officer, m_f->enroll("cid", proto::ROLE_COMPLIANCE));
        const std::uint64_t base = m_f->service().journalHead().first;
        auto sink = m_f->connect(*matter.client);
        // Leave room for small sends only: a large envelope is delivered and acknowledged, which
        // frees its pages.
        TRY(bulk, m_f->buildSendToMembers(*matter.lawyer, matter.id,
                                          "bulk " + std::string(100 * 1024, 'b')));
        EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(bulk.send)),
                      proto::STATUS_OK);
        QVERIFY(sink->waitForEnvelopes(1));
        EXPECT_STATUS(m_f->call(*matter.client, acknowledge({sink->envelopes()[0].queue_id()})),
                      proto::STATUS_OK);
        QVERIFY(count("PRAGMA freelist_count") >= 20);

        TRY(a, m_f->buildSendToMembers(*matter.lawyer, matter.id, "small a"));
        TRY(b, m_f->buildSendToMembers(*matter.lawyer, matter.id,
                                       "huge b " + std::string(150 * 1024, 'h')));
        TRY(c, m_f->buildSendToMembers(*matter.lawyer, matter.id, "small c"));
        const std::vector<OutgoingMessage*> batch = {&a, &b, &c};
        QVERIFY(capDatabaseAtCurrentSize() > 0);
        {
            // One batch: a, then b which cannot fit, then c.
            StorageGate gate(m_f->service().storage());
            QVERIFY(gate.held());
            AsyncAnswers pending(batch.size());
            for (std::size_t i = 0; i < batch.size(); ++i)
                m_f->service().handle(matter.lawyer->id, RelayFixture::sendRequest(batch[i]->send),
                                      pending.callback(i));
            gate.open();
            QVERIFY(pending.wait());
            const auto answers = pending.answers();
            EXPECT_STATUS(*answers[1], proto::STATUS_UNAVAILABLE);
            for (std::size_t i : {0u, 2u})
                QVERIFY2(answers[i]->status() == proto::STATUS_OK ||
                             answers[i]->status() == proto::STATUS_UNAVAILABLE,
                         describe(*answers[i]).constData());
        }
        uncapDatabase();
        for (auto* m : batch)
            EXPECT_STATUS(m_f->call(*matter.lawyer, RelayFixture::sendRequest(m->send)),
                          proto::STATUS_OK);

        // Each message is journaled exactly once, and the chain has no hole and verifies.
        auto pulled = pullAll(*officer);
        QVERIFY(pulled.ok);
        QCOMPARE(pulled.rows.size(), std::size_t(base + 4));
        for (std::size_t i = 0; i < pulled.rows.size(); ++i)
            QCOMPARE(pulled.rows[i].sequence(), std::uint64_t(i + 1));
        // The 4 messages (bulk, a, b, c) directly follow the relay's administration entries.
        TRY(authors, byAuthor(entriesOf(pulled.items)));
        QVERIFY(authors.admin == positions(0, base));
        QVERIFY(authors.messages == positions(base, base + 4));
        QVERIFY(pulled.rows[base].entry() == bulk.send.journal_entry());
        for (auto* m : batch)
            QCOMPARE(std::count_if(pulled.rows.begin(), pulled.rows.end(),
                                   [&](const proto::JournalRow& r) {
                                       return r.entry() == m->send.journal_entry();
                                   }),
                     std::ptrdiff_t(1));
        auto report = journal::verifyChain(pulled.items, pulled.checkpoints,
                                           m_f->config().relayKey.publicKey);
        QVERIFY2(report.ok(), report.ok() ? "" : report.problems.front().detail.c_str());
        QCOMPARE(m_f->service().journalHead().first, base + 4);

        // And each is delivered exactly once.
        QVERIFY(sink->waitForEnvelopes(4));
        m_f->settle();
        const auto envs = sink->envelopes();
        QCOMPARE(envs.size(), std::size_t(4));
        for (auto* m : batch)
            QCOMPARE(std::count_if(envs.begin(), envs.end(),
                                   [&](const proto::Envelope& e) {
                                       return e.message_id() == m->send.message_id();
                                   }),
                     std::ptrdiff_t(1));
        QVERIFY(databaseIntact());
    }

    // Issue 18: handle() routes through a table. Every request kind of wire.proto has a row (a
    // kind without one would be answered "unknown request"), and the table's one exception for
    // a device connected only to receive its wipe is ConfirmWipe.
    void everyRequestKindHasAHandlerAndWipeOnlyMayOnlyConfirm() {
        TRY(admin, m_f->enroll("root", proto::ROLE_ADMIN));
        const auto* oneof = proto::Request::descriptor()->FindOneofByName("op");
        QVERIFY(oneof != nullptr);
        QVERIFY(oneof->field_count() >= 18);
        DeviceId wipeOnly = admin->id;
        wipeOnly.wipeOnly = true;
        for (int i = 0; i < oneof->field_count(); ++i) {
            const auto* field = oneof->field(i);
            proto::Request request;
            request.GetReflection()->MutableMessage(&request, field);
            const auto answer = m_f->call(*admin, request);
            QVERIFY2(answer.error() != "unknown request", field->name().c_str());
            const auto restricted = m_f->call(wipeOnly, request);
            if (request.op_case() == proto::Request::kConfirmWipe) {
                EXPECT_STATUS(restricted, proto::STATUS_NOT_FOUND); // no wipe pending: the job ran
            } else {
                EXPECT_STATUS(restricted, proto::STATUS_FORBIDDEN);
                QCOMPARE(restricted.error(), std::string("device revoked"));
            }
        }
        const auto empty = m_f->call(*admin, proto::Request());
        EXPECT_STATUS(empty, proto::STATUS_BAD_REQUEST);
        QCOMPARE(empty.error(), std::string("unknown request"));
        EXPECT_STATUS(m_f->call(wipeOnly, proto::Request()), proto::STATUS_FORBIDDEN);
    }
};

QTEST_GUILESS_MAIN(TestRelayCore)
#include "tst_relay_core.moc"
