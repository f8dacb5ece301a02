// Over 600 lines on purpose: one Qt Test class; every function builds a firm with the same
// helpers (journal tool, RSMF validator, store tampering and re-chaining) defined above it.
//
// Compliance end to end (issue 6; TESTPLAN ES-05, ES-06, JT-03, JT-06, DL-05): real clients talk
// through a real relay; verbatim-journal pulls the journal with a compliance profile, verifies
// it, searches it and exports RSMF 2.0, which the schema validator must accept (and which must
// reject the published invalid sample). The relay's store is then tampered with in every way the
// chain must catch, and each fault is reported with its sequence number.

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "compliance/Archive.h"
#include "compliance/Export.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"
#include "journal/HashChain.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;
namespace fs = std::filesystem;

namespace {

QString sharedData() {
    return QStringLiteral(VERBATIM_SHARED_DATA);
}
QString schemaPath() {
    return sharedData() + "/rsmf/rsmf_schema_2_0_0.json";
}

Run validator(const QString& file, bool dump = false) {
    QProcess p;
    QStringList args{VERBATIM_RSMF_VALIDATOR, schemaPath(), file};
    if (dump) args << "--dump";
    p.start("python3", args);
    if (!p.waitForFinished(60000)) return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

std::vector<crypto::X25519Key> keysOf(e2e::Harness& h) {
    std::vector<crypto::X25519Key> keys;
    for (const auto& k : h.oldJournalKeys())
        keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*k.privateKey())));
    keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*h.journalKey().privateKey())));
    return keys;
}

/// Pulls into a fresh archive through `officer` and verifies it.
struct Audit {
    std::unique_ptr<compliance::Archive> archive;
    compliance::VerifyReport report;
};
Result<Audit> pullAndVerify(e2e::Harness& h, Party& officer, const std::string& path) {
    auto archive = compliance::Archive::open(path, keysOf(h), true);
    if (!archive) return tl::unexpected(archive.error());
    auto manifest = officer->firmManifest();
    if (!manifest) return tl::unexpected(manifest.error());
    if (auto r = (*archive)->setManifest(view(*manifest), officer->account().firmFingerprint); !r)
        return tl::unexpected(r.error());
    if (!eventually([&] { return officer->isConnected(); }, 20s))
        return fail(ErrorCode::Storage, "officer offline");
    auto* c = officer.c.get();
    auto stats = (*archive)->pull(
        [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); },
        [c](const std::string& id, std::uint64_t m) { return c->fetchBlob(id, m); });
    if (!stats) return tl::unexpected(stats.error());
    auto report = (*archive)->verify();
    if (!report) return tl::unexpected(report.error());
    return Audit{std::move(*archive), std::move(*report)};
}

bool hasProblem(const compliance::VerifyReport& r, std::uint64_t seq, const std::string& fault) {
    for (auto& p : r.problems)
        if (p.sequence == seq && p.fault == fault) return true;
    return false;
}

std::string describe(const compliance::VerifyReport& r) {
    return r.text();
}

/// Copies the relay's database files (the relay must be stopped).
void copyStore(const std::string& from, const std::string& to) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        fs::remove(to + suffix, ec);
        if (fs::exists(from + suffix)) fs::copy_file(from + suffix, to + suffix, ec);
    }
}

Result<std::unique_ptr<storage::Database>> openStore(e2e::Harness& h) {
    storage::OpenOptions o;
    o.create = false;
    return storage::Database::open(h.databasePath(), h.databaseKey(), o);
}

/// Rewrites the chain hashes from `from` on (what a relay operator with database access but
/// without the checkpoint key can do), dropping the checkpoints it can no longer match.
Result<void> rechain(storage::Database& db, std::uint64_t from) {
    journal::ChainHash prev = journal::genesisChainHash();
    if (from > 1) {
        auto p = db.prepare("SELECT chain_hash FROM journal WHERE seq = ?");
        p->bind(1, std::int64_t(from - 1));
        if (!*p->step()) return fail(ErrorCode::NotFound, "no previous row");
        auto b = p->columnBlob(0);
        std::copy(b.begin(), b.end(), prev.begin());
    }
    auto rows = db.prepare("SELECT seq, entry FROM journal WHERE seq >= ? ORDER BY seq");
    rows->bind(1, std::int64_t(from));
    std::vector<std::pair<std::uint64_t, Bytes>> all;
    while (*rows->step())
        all.push_back({std::uint64_t(rows->columnInt(0)), rows->columnBlob(1)});
    for (auto& [seq, entry] : all) {
        prev = journal::nextChainHash(prev, seq, entry);
        auto up = db.prepare("UPDATE journal SET chain_hash = ? WHERE seq = ?");
        up->bind(1, ByteView(prev.data(), prev.size())).bind(2, std::int64_t(seq));
        if (auto r = up->run(); !r) return r;
    }
    auto del = db.prepare("DELETE FROM checkpoints WHERE seq >= ?");
    del->bind(1, std::int64_t(from));
    return del->run();
}

Bytes entryAt(storage::Database& db, std::uint64_t seq) {
    auto q = db.prepare("SELECT entry FROM journal WHERE seq = ?");
    q->bind(1, std::int64_t(seq));
    return *q->step() ? q->columnBlob(0) : Bytes();
}

Result<void> setEntry(storage::Database& db, std::uint64_t seq, ByteView entry) {
    auto up = db.prepare("UPDATE journal SET entry = ? WHERE seq = ?");
    up->bind(1, entry).bind(2, std::int64_t(seq));
    return up->run();
}

/// A record as `from`'s client would write it: `type` in `conversation`, referring to `refHex`.
proto::JournalRecord craftRecord(const e2e::Device& from, const std::string& conversation,
                                 proto::MessageType type, const std::string& body,
                                 const std::string& refHex = {}) {
    proto::JournalRecord rec;
    rec.set_version(1);
    Bytes id = crypto::randomBytes(16), k = crypto::randomBytes(32);
    rec.set_message_id(std::string(id.begin(), id.end()));
    rec.set_conversation_id(conversation);
    rec.mutable_sender()->set_user(from.user);
    rec.mutable_sender()->set_device(from.device);
    rec.set_client_time_ms(1764300000000ULL);
    rec.set_type(type);
    rec.set_body(body);
    if (!refHex.empty()) {
        auto ref = fromHex(refHex);
        if (ref) rec.set_ref_message_id(std::string(ref->begin(), ref->end()));
    }
    rec.set_commit_key(std::string(k.begin(), k.end()));
    return rec;
}

struct Crafted {
    proto::Response response;
    Bytes entry; ///< the sealed journal entry
};

/// What a modified client can send: `rec` as it is (conversation, type, reference), addressed to
/// every device of `sendConversation` (and naming `extraRecipients` besides), in envelopes that
/// carry `rec` itself and with a journal entry that seals it, signed by `from`.
Crafted sendCrafted(e2e::Device& from, const std::string& sendConversation,
                    proto::JournalRecord rec, ByteView journalPublicKey,
                    const std::vector<proto::DeviceAddress>& extraRecipients = {}) {
    Crafted out;
    proto::Request list;
    list.mutable_list_member_devices()->set_conversation_id(sendConversation);
    auto members = from.connection->call(list);
    std::vector<proto::DeviceAddress> devices;
    if (members && members->has_member_devices())
        for (const auto& d : members->member_devices().devices())
            if (!(d.user() == from.user && d.device() == from.device)) devices.push_back(d);
    e2e::ensureSessions(from, devices);
    rec.clear_recipients();
    for (const auto& d : devices)
        *rec.add_recipients() = d;
    for (const auto& d : extraRecipients)
        *rec.add_recipients() = d;
    const std::string payload = rec.SerializeAsString();
    proto::Request req;
    auto* send = req.mutable_send();
    for (const auto& d : devices) {
        auto ct = from.sessions->encrypt({d.user(), std::int32_t(d.device())}, view(payload));
        if (!ct) continue;
        auto* e = send->add_envelopes();
        e->set_user(d.user());
        e->set_device(d.device());
        e->set_type(std::uint32_t(ct->type));
        e->set_body(std::string(ct->body.begin(), ct->body.end()));
    }
    auto sealed = journal::sealRecord(rec, journalPublicKey,
                                      [&](ByteView m) { return from.sessions->sign(m); });
    if (!sealed) return out;
    out.entry = sealed->serialize();
    send->set_message_id(rec.message_id());
    send->set_conversation_id(sendConversation);
    send->set_journal_entry(std::string(out.entry.begin(), out.entry.end()));
    if (auto resp = from.connection->call(req)) out.response = *resp;
    return out;
}

/// Appends `entries` to the relay's log as its next rows, chained: what a relay that does not
/// check an entry (or anyone with its store) logs. Restarts the relay; returns their sequences
/// (empty: failed).
std::vector<std::uint64_t> appendToLog(e2e::Harness& h, const std::vector<Bytes>& entries) {
    h.stop();
    std::vector<std::uint64_t> seqs;
    {
        auto db = openStore(h);
        if (!db) return {};
        auto q = (*db)->prepare("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1");
        if (!q || !*q->step()) return {};
        std::uint64_t seq = std::uint64_t(q->columnInt(0));
        journal::ChainHash prev;
        auto b = q->columnBlob(1);
        std::copy(b.begin(), b.end(), prev.begin());
        q->reset();
        for (const auto& entry : entries) {
            prev = journal::nextChainHash(prev, ++seq, entry);
            auto ins = (*db)->prepare(
                "INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (?, ?, ?, ?)");
            ins->bind(1, std::int64_t(seq))
                .bind(2, ByteView(entry))
                .bind(3, ByteView(prev.data(), prev.size()))
                .bind(4, std::int64_t(1764300000000LL));
            if (!ins->run()) return {};
            seqs.push_back(seq);
        }
    }
    return h.restart() ? seqs : std::vector<std::uint64_t>{};
}

/// What a breached relay that holds its checkpoint key does to remove entry `seq` without a gap
/// in the chain (issue 15 break 3): deletes the row, renumbers the later ones, recomputes their
/// chain hashes and signs the checkpoints again, with their old times. The relay must be stopped.
Result<void> removeAndResign(e2e::Harness& h, std::uint64_t seq) {
    auto opened = openStore(h);
    if (!opened) return tl::unexpected(opened.error());
    auto& db = **opened;
    std::vector<journal::Checkpoint> old;
    {
        auto q = db.prepare("SELECT data FROM checkpoints WHERE seq > ? ORDER BY seq");
        q->bind(1, std::int64_t(seq));
        while (*q->step())
            if (auto cp = journal::Checkpoint::parse(q->columnBlob(0))) old.push_back(*cp);
    }
    if (auto r = db.exec("DELETE FROM journal WHERE seq = " + std::to_string(seq)); !r) return r;
    std::vector<std::uint64_t> later;
    {
        auto q = db.prepare("SELECT seq FROM journal WHERE seq > ? ORDER BY seq");
        q->bind(1, std::int64_t(seq));
        while (*q->step())
            later.push_back(std::uint64_t(q->columnInt(0)));
    }
    for (auto s : later) {
        auto up = db.prepare("UPDATE journal SET seq = ? WHERE seq = ?");
        up->bind(1, std::int64_t(s - 1)).bind(2, std::int64_t(s));
        if (auto r = up->run(); !r) return r;
    }
    if (auto r = rechain(db, seq); !r) return r;
    for (const auto& c : old) {
        auto q = db.prepare("SELECT chain_hash FROM journal WHERE seq = ?");
        q->bind(1, std::int64_t(c.sequence - 1));
        if (!*q->step()) continue;
        journal::ChainHash hash;
        auto b = q->columnBlob(0);
        std::copy(b.begin(), b.end(), hash.begin());
        auto cp = journal::signCheckpoint(c.sequence - 1, hash, c.timeMs, h.relayKey().privateKey);
        if (!cp) return tl::unexpected(cp.error());
        auto ins = db.prepare("INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?, ?)");
        ins->bind(1, std::int64_t(cp->sequence)).bind(2, cp->serialize());
        if (auto r = ins->run(); !r) return r;
    }
    return {};
}

/// The chain's own faults: none of them may show for a removal the relay covered up.
bool chainFault(const std::string& fault) {
    static const std::set<std::string> chain = {"missing",
                                                "reordered",
                                                "duplicate",
                                                "altered",
                                                "checkpoint-mismatch",
                                                "bad-checkpoint-signature",
                                                "checkpoint-time-backwards",
                                                "truncated"};
    return chain.count(fault) > 0;
}

/// The sequence of the relay's `action` record about `target` ("user/device"), from the audit trail.
std::uint64_t adminSeq(compliance::Archive& archive, const std::string& action,
                       const std::string& target) {
    auto trail = archive.auditTrail();
    if (!trail) return 0;
    for (const auto& l : *trail)
        if (l.action == action && l.target == target) return l.sequence;
    return 0;
}

/// Sets `pending_ms` of the listed devices of `user` (null: active), in the relay's store
/// (relay stopped): what a breached relay can do to its own device list.
Result<void> setPending(e2e::Harness& h, const std::string& user,
                        const std::vector<std::uint32_t>& devices, bool pending) {
    auto db = openStore(h);
    if (!db) return tl::unexpected(db.error());
    for (auto d : devices) {
        auto up = (*db)->prepare(
            pending ? "UPDATE devices SET pending_ms = 1 WHERE user = ? AND device = ?"
                    : "UPDATE devices SET pending_ms = NULL WHERE user = ? AND device = ?");
        up->bind(1, std::string_view(user)).bind(2, std::int64_t(d));
        if (auto r = up->run(); !r) return r;
    }
    return {};
}

/// Pulls into a fresh archive through `officer`, without verifying: the problems the pull found.
Result<std::vector<compliance::Problem>> pullOnly(e2e::Harness& h, Party& officer,
                                                  const std::string& path) {
    auto archive = compliance::Archive::open(path, keysOf(h), true);
    if (!archive) return tl::unexpected(archive.error());
    if (auto r = (*archive)->setManifest(view(*officer->firmManifest()),
                                         officer->account().firmFingerprint);
        !r)
        return tl::unexpected(r.error());
    if (!eventually([&] { return officer->isConnected(); }, 20s))
        return fail(ErrorCode::Storage, "officer offline");
    auto* c = officer.c.get();
    auto stats = (*archive)->pull(
        [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); }, {});
    if (!stats) return tl::unexpected(stats.error());
    return (*archive)->problems();
}

const compliance::Problem* problemAt(const std::vector<compliance::Problem>& ps, std::uint64_t seq,
                                     const std::string& fault) {
    for (auto& p : ps)
        if (p.sequence == seq && p.fault == fault) return &p;
    return nullptr;
}

std::string text(const std::vector<compliance::Problem>& ps) {
    std::string out;
    for (auto& p : ps)
        out += std::to_string(p.sequence) + " " + p.fault + ": " + p.detail + "\n";
    return out;
}

/// The `custom` value `name` of an RSMF or JSON Lines event.
QString customValue(const QJsonObject& event, const QString& name) {
    for (const auto& c : event["custom"].toArray())
        if (c.toObject()["name"].toString() == name) return c.toObject()["value"].toString();
    return {};
}

/// A matter between lawyer Alice and client Carol, and a compliance officer.
struct Firm {
    e2e::Harness h;
    PartyHandle alice, carol, officer;
    std::string matter;
    QTemporaryDir dir;
    std::string textId, editedId, deletedId, attachmentId;
    QByteArray attachment;
};

std::unique_ptr<Firm> makeFirm() {
    auto f = std::make_unique<Firm>();
    if (!f->h.ok()) return nullptr;
    f->alice = joinParty(f->h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
    f->officer = joinParty(f->h.enrollLink("comply", proto::ROLE_COMPLIANCE), "Casey Compliance");
    if (!f->alice || !f->officer) return nullptr;
    f->alice->start();
    f->officer->start();
    if (!f->alice->waitUntilSynced(20s)) return nullptr;
    auto link = f->alice->createInvite("Estate of Smith");
    if (!link) return nullptr;
    f->carol = joinParty(*link, "Carol Client", true);
    if (!f->carol) return nullptr;
    f->carol->start();
    if (!f->carol->waitUntilSynced(20s) || !f->alice->waitUntilSynced(20s)) return nullptr;
    auto conv = f->alice->resolveConversation("Estate of Smith");
    if (!conv) return nullptr;
    f->matter = *conv;
    return f;
}

} // namespace

class TestCompliance : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!QFile::exists(schemaPath()))
            QFAIL(qPrintable("the RSMF schema is not at " + schemaPath() +
                             " (set VERBATIM_SHARED_DATA)"));
    }

    // The end-to-end case: edits, a retraction and an attachment; pull; verify passes;
    // the retracted text is found and shown as deleted; the RSMF export validates.
    void matterPulledVerifiedSearchedExported() {
        auto f = makeFirm();
        QVERIFY(f);
        auto& alice = f->alice;
        if (qEnvironmentVariableIsSet("VERBATIM_KEEP_TEST_DIRS")) {
            f->dir.setAutoRemove(false);
            qInfo("test files in %s", qPrintable(f->dir.path()));
        }
        auto& carol = f->carol;
        auto a1 = alice->sendText(f->matter, "Please send the signed engagement letter");
        QVERIFY(a1);
        auto c1 = carol->sendText(f->matter, "My account number is 12345678");
        QVERIFY(c1);
        auto c2 = carol->sendText(f->matter, "The hearing is on Tuesdy");
        QVERIFY(c2);
        QVERIFY(carol->edit(*c2, "The hearing is on Tuesday"));
        QVERIFY(carol->retract(*c1));
        const QString file = f->dir.path() + "/engagement letter.pdf";
        {
            QFile out(file);
            QVERIFY(out.open(QIODevice::WriteOnly));
            f->attachment =
                QByteArray("%PDF-1.4 signed engagement letter ") + QByteArray(5000, 'x');
            out.write(f->attachment);
        }
        auto c3 = carol->sendAttachment(f->matter, file.toStdString(), "Signed letter attached");
        QVERIFY2(c3, c3 ? "" : c3.error().message.c_str());
        QVERIFY(carol->waitForOutbox(20s));
        QVERIFY(eventually([&] { return msg(*alice, *c3).has_value(); }));
        QVERIFY(alice->react(*c3, "👍"));
        QVERIFY(alice->waitForOutbox(20s));

        // Pull with the command-line tool, from the compliance profile.
        const QString keyFile = writeKeyFile(f->dir.path(), f->h.journalKey());
        const QString archive = f->dir.path() + "/firm.archive";
        f->officer->stop(); // the tool opens the profile itself
        auto pull =
            journalTool({"pull", "--profile", QString::fromStdString(f->officer.get()->profile()),
                         "--archive", archive, "--key", keyFile, "--relay",
                         QString::fromStdString(f->officer->account().relay)});
        QVERIFY2(pull.code == 0, qPrintable(pull.err));
        QVERIFY(pull.out.contains("pulled"));
        auto verify = journalTool({"verify", archive, "--key", keyFile});
        QVERIFY2(verify.code == 0, qPrintable(verify.out + verify.err));
        QVERIFY(verify.out.contains("OK"));
        auto json = journalTool({"verify", archive, "--key", keyFile, "--json"});
        QCOMPARE(json.code, 0);
        QVERIFY(json.out.startsWith("{\"ok\":true"));

        // The retracted text is searchable and marked deleted; the edit shows old and new.
        auto search = journalTool(
            {"search", archive, "12345678", "--key", keyFile, "--matter", "Estate of Smith"});
        QCOMPARE(search.code, 0);
        QVERIFY2(search.out.contains("My account number is 12345678") &&
                     search.out.contains("[deleted]"),
                 qPrintable(search.out));
        auto byParticipant =
            journalTool({"search", archive, "hearing", "--key", keyFile, "--participant",
                         QString::fromStdString(carol->account().user), "--json"});
        QCOMPARE(byParticipant.code, 0);
        QVERIFY(byParticipant.out.contains("\"status\":\"edited\"") ||
                byParticipant.out.contains("\"status\":\"edit\""));
        auto none =
            journalTool({"search", archive, "hearing", "--key", keyFile, "--to", "2001-01-01"});
        QCOMPARE(none.code, 0);
        QVERIFY(none.out.isEmpty());
        auto show = journalTool({"show", archive, "Estate of Smith", "--key", keyFile});
        QCOMPARE(show.code, 0);
        QVERIFY2(show.out.contains("DELETED for everyone") &&
                     show.out.contains("original text: My account number is 12345678"),
                 qPrintable(show.out));
        QVERIFY(show.out.contains("old: The hearing is on Tuesdy") &&
                show.out.contains("new: The hearing is on Tuesday"));
        QVERIFY(show.out.contains("accepted the recording notice"));
        QVERIFY(show.out.contains("joined by invite"));
        QVERIFY(show.out.contains("engagement letter.pdf"));

        // RSMF 2.0: validates against the published schema; its content is what happened.
        const QString rsmf = f->dir.path() + "/smith.rsmf";
        auto exp = journalTool({"export", archive, "--format", "rsmf", "--out", rsmf, "--key",
                                keyFile, "--matter", "Estate of Smith"});
        QVERIFY2(exp.code == 0, qPrintable(exp.err));
        auto valid = validator(rsmf);
        QVERIFY2(valid.code == 0, qPrintable(valid.err));
        auto dump = validator(rsmf, true);
        QCOMPARE(dump.code, 0);
        auto manifest = QJsonDocument::fromJson(dump.out.toUtf8()).object();
        QCOMPARE(manifest["version"].toString(), QString("2.0.0"));
        bool deleted = false, edited = false, disclaimer = false, join = false, attached = false;
        for (const auto& ev : manifest["events"].toArray()) {
            auto e = ev.toObject();
            if (e["deleted"].toBool() && e["body"].toString() == "My account number is 12345678")
                deleted = true;
            for (const auto& ed : e["edits"].toArray())
                if (ed.toObject()["previous"].toString() == "The hearing is on Tuesdy" &&
                    ed.toObject()["new"].toString() == "The hearing is on Tuesday")
                    edited = true;
            if (e["type"].toString() == "disclaimer" &&
                e["participant"].toString() == QString::fromStdString(carol->account().user))
                disclaimer = true;
            if (e["type"].toString() == "join") join = true;
            if (!e["attachments"].toArray().isEmpty()) attached = true;
            bool seq = false;
            for (const auto& c : e["custom"].toArray())
                if (c.toObject()["name"].toString() == "journal_sequence") seq = true;
            QVERIFY(seq);
        }
        QVERIFY(deleted && edited && disclaimer && join && attached);
        // The attachment inside rsmf.zip is byte-equal to what Carol sent.
        QTemporaryDir unz;
        QProcess up;
        up.start("python3", {"-c",
                             "import "
                             "email,email.policy,sys,zipfile,io;m=email.message_from_binary_file("
                             "open(sys.argv[1],'rb'),"
                             "policy=email.policy.default);z=[p for p in m.iter_attachments() if "
                             "p.get_filename()=='rsmf.zip'][0];"
                             "zipfile.ZipFile(io.BytesIO(z.get_content())).extractall(sys.argv[2])",
                             rsmf, unz.path()});
        QVERIFY(up.waitForFinished(30000) && up.exitCode() == 0);
        bool found = false;
        for (const auto& name : QDir(unz.path()).entryList(QDir::Files))
            if (name.endsWith("engagement_letter.pdf")) {
                QFile in(unz.path() + "/" + name);
                QVERIFY(in.open(QIODevice::ReadOnly));
                QCOMPARE(in.readAll(), f->attachment);
                found = true;
            }
        QVERIFY(found);
        // The validator can fail: the published invalid sample does not pass it.
        QVERIFY(validator(sharedData() + "/rsmf/sample4_invalid_manifest.json").code == 1);

        // EML and JSON Lines.
        auto eml = journalTool({"export", archive, "--format", "eml", "--out",
                                f->dir.path() + "/smith.eml", "--key", keyFile});
        QCOMPARE(eml.code, 0);
        QFile emlFile(f->dir.path() + "/smith.eml");
        QVERIFY(emlFile.open(QIODevice::ReadOnly));
        QByteArray emlBytes = emlFile.readAll();
        QVERIFY(emlBytes.contains("Content-Type: multipart/mixed") &&
                !emlBytes.contains("X-RSMF-Version"));
        auto jl = journalTool({"export", archive, "--format", "jsonl", "--out",
                               f->dir.path() + "/smith.jsonl", "--key", keyFile});
        QCOMPARE(jl.code, 0);
        QFile jsonl(f->dir.path() + "/smith.jsonl");
        QVERIFY(jsonl.open(QIODevice::ReadOnly));
        int lines = 0;
        bool original = false;
        for (const auto& line : jsonl.readAll().split('\n')) {
            if (line.isEmpty()) continue;
            ++lines;
            auto o = QJsonDocument::fromJson(line).object();
            QVERIFY(!o.isEmpty());
            if (o["original_body"].toString() == "My account number is 12345678") original = true;
        }
        QVERIFY(lines >= 5);
        QVERIFY(original);

        // Nothing in the relay's data directory holds the plaintext.
        for (const auto& p : fs::recursive_directory_iterator(f->h.dataDir().toStdString())) {
            if (!p.is_regular_file()) continue;
            std::ifstream in(p.path(), std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
            QVERIFY(bytes.find("12345678") == std::string::npos);
            QVERIFY(bytes.find("engagement letter") == std::string::npos);
        }
    }

    // Pulls are incremental: a second pull fetches only what is new, and verify still holds.
    void pullIsIncremental() {
        auto f = makeFirm();
        QVERIFY(f);
        QVERIFY(f->alice->sendText(f->matter, "first"));
        QVERIFY(f->alice->waitForOutbox(20s));
        const std::string path = f->dir.path().toStdString() + "/a.archive";
        auto first = pullAndVerify(f->h, *f->officer, path);
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        QVERIFY2(first->report.ok(), describe(first->report).c_str());
        auto before = first->archive->size();
        QVERIFY(before);
        QVERIFY(f->alice->sendText(f->matter, "second"));
        QVERIFY(f->alice->waitForOutbox(20s));
        auto* c = f->officer.get()->c.get();
        auto stats = first->archive->pull(
            [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); }, {});
        QVERIFY(stats);
        QVERIFY(stats->entries >= 1 && stats->entries < before->first);
        auto report = first->archive->verify();
        QVERIFY(report && report->ok());
        QCOMPARE(report->entries, before->first + stats->entries);
        compliance::SearchQuery q;
        q.text = "second";
        auto hits = first->archive->search(q);
        QVERIFY(hits && hits->size() == 1);
    }

    // JT-03 and ES-05: a deleted, altered, reordered, forged or cut-off entry in the relay's
    // store is reported by verify with its sequence number.
    void tamperingIsReportedBySequence() {
        auto f = makeFirm();
        QVERIFY(f);
        std::vector<std::string> ids;
        for (int i = 0; i < 6; ++i) {
            auto id = f->alice->sendText(f->matter, "Message number " + std::to_string(i));
            QVERIFY(id);
            ids.push_back(*id);
        }
        QVERIFY(f->alice->waitForOutbox(20s));
        auto clean =
            pullAndVerify(f->h, *f->officer, f->dir.path().toStdString() + "/clean.archive");
        QVERIFY2(clean, clean ? "" : clean.error().message.c_str());
        QVERIFY2(clean->report.ok(), describe(clean->report).c_str());
        std::map<std::string, std::uint64_t> seqOf;
        auto cleanTimeline = clean->archive->timeline(f->matter);
        QVERIFY(cleanTimeline);
        for (auto& e : *cleanTimeline)
            seqOf[e.messageId] = e.sequence;
        const std::uint64_t s1 = seqOf[ids[1]], s2 = seqOf[ids[2]], s4 = seqOf[ids[4]];
        QVERIFY(s1 && s2 && s4);
        const std::uint64_t head = clean->report.headSequence;

        f->h.stop();
        const QString keyFile = writeKeyFile(f->dir.path(), f->h.journalKey());
        const std::string pristine = f->dir.path().toStdString() + "/pristine.db";
        copyStore(f->h.databasePath(), pristine);
        int round = 0;
        auto check = [&](const std::function<void(storage::Database&)>& tamper, std::uint64_t seq,
                         const std::string& fault) {
            copyStore(pristine, f->h.databasePath());
            {
                auto db = openStore(f->h);
                QVERIFY(db);
                tamper(**db);
            }
            QVERIFY(f->h.restart());
            const std::string path = f->dir.path().toStdString() + "/t" + std::to_string(++round);
            auto audit = pullAndVerify(f->h, *f->officer, path);
            QVERIFY2(audit, audit ? "" : audit.error().message.c_str());
            QVERIFY2(
                !audit->report.ok() && hasProblem(audit->report, seq, fault),
                (fault + " at " + std::to_string(seq) + " expected:\n" + describe(audit->report))
                    .c_str());
            audit->archive.reset();
            // The command-line verdict: exit 3, and the JSON names the entry and the fault.
            auto cli =
                journalTool({"verify", QString::fromStdString(path), "--key", keyFile, "--json"});
            QCOMPARE(cli.code, 3);
            const auto json = QJsonDocument::fromJson(cli.out.toUtf8()).object();
            QCOMPARE(json["ok"].toBool(true), false);
            bool named = false;
            for (const auto& p : json["problems"].toArray())
                named =
                    named || (p.toObject()["sequence"].toInteger() == qint64(seq) &&
                              p.toObject()["fault"].toString() == QString::fromStdString(fault));
            QVERIFY2(named, qPrintable(cli.out));
            f->h.stop();
        };
        // Deleted.
        check(
            [&](storage::Database& db) {
                (void)db.exec("DELETE FROM journal WHERE seq = " + std::to_string(s2));
            },
            s2, "missing");
        // Altered: one byte of the ciphertext.
        check(
            [&](storage::Database& db) {
                Bytes e = entryAt(db, s4);
                e[e.size() - 70] ^= 1;
                QVERIFY(setEntry(db, s4, e));
            },
            s4, "altered");
        // Reordered: two entries swap places.
        check(
            [&](storage::Database& db) {
                Bytes a = entryAt(db, s1), b = entryAt(db, s2);
                QVERIFY(setEntry(db, s1, b) && setEntry(db, s2, a));
            },
            s1, "reordered");
        // Replayed under a new message id (ES-05): the header no longer matches its signature,
        // even with the chain rewritten around it.
        check(
            [&](storage::Database& db) {
                auto sealed = journal::SealedEntry::parse(entryAt(db, s2));
                QVERIFY(sealed);
                sealed->header.messageId[0] ^= 0xFF;
                QVERIFY(setEntry(db, s2, sealed->serialize()));
                QVERIFY(rechain(db, s2));
            },
            s2, "bad-signature");
        // Forged: sealed to the journal key and naming Alice's device, signed by another key.
        auto mallory = e2e::Device::create(*signal::SignalContext::create());
        (void)mallory->registration(std::string(64, 'a'));
        check(
            [&](storage::Database& db) {
                proto::JournalRecord rec;
                rec.set_version(1);
                Bytes id = crypto::randomBytes(16), k = crypto::randomBytes(32);
                rec.set_message_id(std::string(id.begin(), id.end()));
                rec.set_conversation_id(f->matter);
                rec.mutable_sender()->set_user(f->alice->account().user);
                rec.mutable_sender()->set_device(f->alice->account().device);
                rec.set_client_time_ms(1764300000000ULL);
                rec.set_type(proto::TEXT);
                rec.set_body("I never said this");
                rec.set_commit_key(std::string(k.begin(), k.end()));
                auto sealed =
                    journal::sealRecord(rec, f->h.journalKey().publicKey(),
                                        [&](ByteView m) { return mallory->sessions->sign(m); });
                QVERIFY(sealed);
                QVERIFY(setEntry(db, s4, sealed->serialize()));
                QVERIFY(rechain(db, s4));
            },
            s4, "bad-signature");
        // Cut off: the last entries are gone, a signed checkpoint still covers them.
        check(
            [&](storage::Database& db) {
                (void)db.exec("DELETE FROM journal WHERE seq > " + std::to_string(head - 2));
            },
            head - 1, "truncated");
        copyStore(pristine, f->h.databasePath());
        QVERIFY(f->h.restart());
    }

    // DL-05: an entry signed by a device after its revocation is flagged; its earlier entries
    // still verify. Also ES-06: both halves of divergent escrow are on the report, naming the
    // sender device.
    void revokedSignerAndDivergentEscrow() {
        auto f = makeFirm();
        QVERIFY(f);
        auto bob = f->h.enrollStaff("bob", proto::ROLE_LAWYER);
        QVERIFY(bob && bob->connect(f->h.endpoint()));
        proto::Request create;
        create.mutable_create_conversation()->set_title("Bob and Carol");
        create.mutable_create_conversation()->set_is_matter(true);
        create.mutable_create_conversation()->add_members(f->carol->account().user);
        auto created = bob->connection->call(create);
        QVERIFY(created && created->status() == proto::STATUS_OK);
        const std::string conv = created->conversation().id();

        // Before revocation: an honest message.
        proto::JournalRecord honest;
        auto send = e2e::buildSend(*bob, conv, "Honest message before revocation",
                                   f->h.journalKey().publicKey(), &honest);
        proto::Request req;
        *req.mutable_send() = send;
        QCOMPARE(bob->connection->call(req)->status(), proto::STATUS_OK);
        // ES-06, first half: shown A, escrowed B (the commitment opens B): Carol files a report.
        proto::JournalRecord shown;
        auto lie =
            e2e::buildSend(*bob, conv, "Pay into account A", f->h.journalKey().publicKey(), &shown);
        proto::JournalRecord escrowed = shown;
        escrowed.set_body("Pay into account B");
        auto sealedB = journal::sealRecord(escrowed, f->h.journalKey().publicKey(),
                                           [&](ByteView m) { return bob->sessions->sign(m); });
        {
            auto bytes = sealedB->serialize();
            lie.set_journal_entry(std::string(bytes.begin(), bytes.end()));
        }
        proto::Request req2;
        *req2.mutable_send() = lie;
        QCOMPARE(bob->connection->call(req2)->status(), proto::STATUS_OK);
        // Second half: the header commits to what was shown, the sealed record says otherwise.
        proto::JournalRecord shown2;
        auto send3 = e2e::buildSend(*bob, conv, "Meeting moved to 3pm",
                                    f->h.journalKey().publicKey(), &shown2);
        auto commitment =
            journal::computeCommitment(view(shown2.commit_key()), journal::commitContentOf(shown2));
        proto::JournalRecord lie2 = shown2;
        lie2.set_body("Meeting cancelled");
        auto sealed3 =
            journal::sealRecordWithCommitment(lie2, *commitment, f->h.journalKey().publicKey(),
                                              [&](ByteView b) { return bob->sessions->sign(b); });
        {
            auto bytes = sealed3->serialize();
            send3.set_journal_entry(std::string(bytes.begin(), bytes.end()));
        }
        proto::Request req3;
        *req3.mutable_send() = send3;
        QCOMPARE(bob->connection->call(req3)->status(), proto::STATUS_OK);
        QVERIFY(eventually(
            [&] { return msg(*f->carol, toHex(view(shown.message_id()))).has_value(); }));
        QVERIFY(f->carol->waitForOutbox(20s));

        // Revoke Bob's device; then an entry signed by it lands in the log (appended to the store:
        // the relay itself refuses a revoked device).
        QVERIFY(f->h.service().revokeDevice("bob", bob->device, "admin"));
        proto::JournalRecord late = honest;
        Bytes id = crypto::randomBytes(16);
        late.set_message_id(std::string(id.begin(), id.end()));
        late.set_body("Signed after revocation");
        auto lateSealed = journal::sealRecord(late, f->h.journalKey().publicKey(),
                                              [&](ByteView m) { return bob->sessions->sign(m); });
        QVERIFY(lateSealed);
        f->h.stop();
        std::uint64_t lateSeq = 0;
        {
            auto db = openStore(f->h);
            QVERIFY(db);
            auto q =
                (*db)->prepare("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1");
            QVERIFY(*q->step());
            lateSeq = std::uint64_t(q->columnInt(0)) + 1;
            journal::ChainHash prev;
            auto b = q->columnBlob(1);
            std::copy(b.begin(), b.end(), prev.begin());
            auto entry = lateSealed->serialize();
            auto next = journal::nextChainHash(prev, lateSeq, entry);
            auto ins = (*db)->prepare(
                "INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (?, ?, ?, ?)");
            ins->bind(1, std::int64_t(lateSeq))
                .bind(2, ByteView(entry))
                .bind(3, ByteView(next.data(), next.size()))
                .bind(4, std::int64_t(1764300000000LL));
            QVERIFY(ins->run());
        }
        QVERIFY(f->h.restart());
        auto audit =
            pullAndVerify(f->h, *f->officer, f->dir.path().toStdString() + "/dl05.archive");
        QVERIFY2(audit, audit ? "" : audit.error().message.c_str());
        const auto& r = audit->report;
        QVERIFY2(hasProblem(r, lateSeq, "revoked-signer"), describe(r).c_str());
        std::map<std::string, std::uint64_t> seqOf;
        auto convTimeline = audit->archive->timeline(conv);
        QVERIFY(convTimeline);
        for (auto& e : *convTimeline)
            seqOf[e.messageId] = e.sequence;
        const auto honestSeq = seqOf[toHex(view(honest.message_id()))];
        QVERIFY(honestSeq);
        for (auto& p : r.problems)
            QVERIFY2(p.sequence != honestSeq, describe(r).c_str());
        // ES-06: the recipient's report lands on the message it names; the bad commitment on its
        // entry; both name Bob's device.
        const auto liedSeq = seqOf[toHex(view(shown.message_id()))];
        QVERIFY2(liedSeq && hasProblem(r, liedSeq, "mismatch-report"), describe(r).c_str());
        bool named = false;
        for (auto& p : r.problems)
            if (p.fault == "commitment-mismatch" &&
                p.detail.find("bob/" + std::to_string(bob->device)) != std::string::npos)
                named = true;
        QVERIFY2(named, describe(r).c_str());
        // The audit trail shows the revocation with its actor.
        bool revoked = false;
        auto trail = audit->archive->auditTrail();
        QVERIFY(trail);
        for (auto& l : *trail)
            if (l.action == "revoke-device" && l.actor == "admin" &&
                l.target == "bob/" + std::to_string(bob->device))
                revoked = true;
        QVERIFY(revoked);
    }

    // JT-06: a message edited, retracted and journaled across a key rotation: the audit trail
    // lists every action with time and actor, and the original is re-created byte-equal.
    void auditTrailAcrossKeyRotation() {
        auto f = makeFirm();
        QVERIFY(f);
        const std::string original = "Original wording: settle for $250,000 — ünïcödé ✓";
        auto id = f->alice->sendText(f->matter, original);
        QVERIFY(id);
        QVERIFY(f->alice->edit(*id, "Revised wording"));
        QVERIFY(f->alice->waitForOutbox(20s));
        f->h.rotateJournalKey();
        QVERIFY(f->h.restart());
        QVERIFY(eventually([&] { return f->alice->isConnected(); }));
        QVERIFY(f->alice->waitUntilSynced(20s));
        QVERIFY(f->alice->retract(*id));
        QVERIFY(f->alice->waitForOutbox(20s));
        QVERIFY(f->officer->waitUntilSynced(20s));

        // One key only: the newer epoch is refused by name, not silently skipped.
        {
            std::vector<crypto::X25519Key> oldOnly;
            oldOnly.push_back(
                std::move(*crypto::X25519Key::fromPrivate(*f->h.oldJournalKeys()[0].privateKey())));
            auto partial = compliance::Archive::open(
                f->dir.path().toStdString() + "/partial.archive", std::move(oldOnly), true);
            QVERIFY(partial);
            QVERIFY((*partial)->setManifest(view(*f->officer->firmManifest()),
                                            f->officer->account().firmFingerprint));
            auto* c = f->officer.get()->c.get();
            QVERIFY(eventually([&] { return f->officer->isConnected(); }));
            auto pulled = (*partial)->pull(
                [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); }, {});
            QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
            auto rep = (*partial)->verify();
            QVERIFY(rep && !rep->ok());
            bool noKey = false;
            for (auto& p : rep->problems)
                noKey = noKey || p.fault == "no-journal-key";
            QVERIFY(noKey);
        }
        auto audit =
            pullAndVerify(f->h, *f->officer, f->dir.path().toStdString() + "/jt06.archive");
        QVERIFY2(audit, audit ? "" : audit.error().message.c_str());
        QVERIFY2(audit->report.ok(), describe(audit->report).c_str());
        auto timeline = audit->archive->timeline(f->matter);
        QVERIFY(timeline);
        const compliance::TimelineEvent* ev = nullptr;
        for (auto& e : *timeline)
            if (e.messageId == *id) ev = &e;
        QVERIFY(ev);
        QCOMPARE(ev->originalBody, original); // byte-equal
        QVERIFY(ev->deleted);
        QCOMPARE(ev->deletedBy, f->alice->account().user);
        QCOMPARE(ev->edits.size(), std::size_t(1));
        QCOMPARE(ev->edits[0].previous, original);
        QCOMPARE(ev->edits[0].next, std::string("Revised wording"));
        auto trail = audit->archive->auditTrail();
        QVERIFY(trail);
        const std::string aliceDevice =
            f->alice->account().user + "/" + std::to_string(f->alice->account().device);
        std::uint64_t editSeq = 0, rotateSeq = 0, retractSeq = 0;
        for (auto& l : *trail) {
            QVERIFY(l.serverTimeMs > 0);
            QVERIFY(!l.actor.empty());
            if (l.action == "edit" && l.actor == aliceDevice && l.detail == *id)
                editSeq = l.sequence;
            if (l.action == "journal-key-changed") rotateSeq = l.sequence;
            if (l.action == "retract" && l.actor == aliceDevice && l.detail == *id)
                retractSeq = l.sequence;
        }
        QVERIFY(editSeq && rotateSeq && retractSeq);
        QVERIFY(editSeq < rotateSeq && rotateSeq <= retractSeq);
        // The command-line tool prints the same trail.
        const QString k1 = writeKeyFile(f->dir.path(), f->h.oldJournalKeys()[0], "old.key");
        const QString k2 = writeKeyFile(f->dir.path(), f->h.journalKey(), "new.key");
        audit->archive.reset();
        auto out = journalTool({"audit", f->dir.path() + "/jt06.archive", "--key", k1 + "," + k2});
        QCOMPARE(out.code, 0);
        QVERIFY(out.out.contains("journal-key-changed") && out.out.contains("retract") &&
                out.out.contains("edit"));
    }

    // Security issue 15, break 5: compliance applied an edit or a retraction from anyone in the
    // conversation. Recipients accept them only from the author; so does compliance: the original
    // stays, and the edit and retraction by someone else are reported by sequence (forged-edit),
    // at pull and at verify, and the export does not call that message verified. The author's
    // own edit and a client's retraction of their own message stay clean.
    void editsAndRetractionsCountOnlyFromTheAuthor() {
        auto f = makeFirm();
        QVERIFY(f);
        auto& alice = f->alice;
        auto& carol = f->carol;
        const std::string aliceUser = alice->account().user, carolUser = carol->account().user;
        auto a1 = alice->sendText(f->matter, "We accept the offer of 100k");
        QVERIFY(a1);
        QVERIFY(alice->edit(*a1, "We accept the offer of 120k"));
        auto c1 = carol->sendText(f->matter, "Wrong matter, sorry");
        QVERIFY(c1);
        QVERIFY(carol->retract(*c1));
        QVERIFY(alice->waitForOutbox(20s) && carol->waitForOutbox(20s));

        // A modified client, invited into the matter like Carol, edits and retracts Alice's message.
        std::string conv;
        auto dave = f->h.inviteClient(aliceUser, "Estate of Smith", &conv);
        QVERIFY(dave);
        QCOMPARE(conv, f->matter);
        QVERIFY(dave->connect(f->h.endpoint()));
        const auto key = f->h.journalKey().publicKey();
        auto edit = sendCrafted(
            *dave, f->matter,
            craftRecord(*dave, f->matter, proto::EDIT, "We accept the offer of 1 dollar", *a1),
            key);
        QCOMPARE(edit.response.status(), proto::STATUS_OK);
        auto retract = sendCrafted(*dave, f->matter,
                                   craftRecord(*dave, f->matter, proto::RETRACT, "", *a1), key);
        QCOMPARE(retract.response.status(), proto::STATUS_OK);
        const std::uint64_t editSeq = edit.response.send_result().journal_sequence();
        const std::uint64_t retractSeq = retract.response.send_result().journal_sequence();
        QVERIFY(editSeq && retractSeq);
        // Alice's own client ignores both (the author rule recipients apply).
        QTest::qWait(500);
        QVERIFY(hasBody(*alice, *a1, "We accept the offer of 120k"));
        const std::string daveDevice = dave->user + "/" + std::to_string(dave->device);

        // At pull time already.
        {
            auto pulled =
                pullOnly(f->h, *f->officer, f->dir.path().toStdString() + "/pulled.archive");
            QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
            QVERIFY(problemAt(*pulled, editSeq, "forged-edit") &&
                    problemAt(*pulled, retractSeq, "forged-edit"));
        }
        const std::string path = f->dir.path().toStdString() + "/forged.archive";
        auto audit = pullAndVerify(f->h, *f->officer, path);
        QVERIFY2(audit, audit ? "" : audit.error().message.c_str());
        const auto& r = audit->report;
        auto* p = problemAt(r.problems, editSeq, "forged-edit");
        QVERIFY2(p && problemAt(r.problems, retractSeq, "forged-edit"), describe(r).c_str());
        // The detail names the author, the device that sent it and the message's sequence.
        QVERIFY2(p->detail.find(aliceUser) != std::string::npos &&
                     p->detail.find(daveDevice) != std::string::npos &&
                     p->detail.find(*a1) != std::string::npos,
                 p->detail.c_str());
        // Nothing else: Alice's edit, Carol's retraction and Dave's joining are clean.
        for (auto& q : r.problems)
            QVERIFY2(q.sequence == editSeq || q.sequence == retractSeq, describe(r).c_str());
        // The same verdict again.
        auto again = audit->archive->verify();
        QVERIFY(again);
        QCOMPARE(again->text(), r.text());

        // The timeline keeps Alice's text, applies only her own edit and lists the other two.
        auto timeline = audit->archive->timeline(f->matter);
        QVERIFY(timeline);
        const compliance::TimelineEvent *ev = nullptr, *retracted = nullptr;
        for (auto& e : *timeline) {
            if (e.messageId == *a1) ev = &e;
            if (e.messageId == *c1) retracted = &e;
        }
        QVERIFY(ev && retracted);
        QCOMPARE(ev->user, aliceUser);
        QCOMPARE(ev->body, std::string("We accept the offer of 120k"));
        QCOMPARE(ev->originalBody, std::string("We accept the offer of 100k"));
        QCOMPARE(ev->edits.size(), std::size_t(1));
        QCOMPARE(ev->edits[0].user, aliceUser);
        QVERIFY(!ev->deleted);
        QCOMPARE(ev->refused.size(), std::size_t(2));
        QCOMPARE(ev->refused[0].sequence, editSeq);
        QCOMPARE(ev->refused[0].kind, std::string("edit"));
        QCOMPARE(ev->refused[0].user, dave->user);
        QCOMPARE(ev->refused[1].kind, std::string("retract"));
        QVERIFY(ev->verification != "verified" &&
                ev->verification.find("forged-edit") != std::string::npos);
        QVERIFY(retracted->deleted);
        QCOMPARE(retracted->deletedBy, carolUser);
        QCOMPARE(retracted->verification, std::string("verified"));
        for (auto& e : *timeline)
            if (&e != ev)
                QVERIFY2(e.verification == "verified",
                         (e.messageId + " " + e.verification).c_str());
        // Search: the original is edited, not deleted; the forged text is marked as such.
        compliance::SearchQuery q;
        q.text = "100k";
        auto hits = audit->archive->search(q);
        QVERIFY(hits && hits->size() == 1);
        QCOMPARE(hits->front().status, std::string("edited"));
        q.text = "dollar";
        hits = audit->archive->search(q);
        QVERIFY(hits && hits->size() == 1);
        QCOMPARE(hits->front().status, std::string("forged-edit"));
        QCOMPARE(hits->front().user, dave->user);
        audit->archive.reset();

        // The command line: verify names both (exit 3); the RSMF export keeps Alice's text and
        // does not call her message verified.
        const QString keyFile = writeKeyFile(f->dir.path(), f->h.journalKey());
        auto cli =
            journalTool({"verify", QString::fromStdString(path), "--key", keyFile, "--json"});
        QCOMPARE(cli.code, 3);
        int named = 0;
        for (const auto& pr :
             QJsonDocument::fromJson(cli.out.toUtf8()).object()["problems"].toArray()) {
            auto o = pr.toObject();
            if (o["fault"].toString() == "forged-edit" &&
                (o["sequence"].toInteger() == qint64(editSeq) ||
                 o["sequence"].toInteger() == qint64(retractSeq)))
                ++named;
        }
        QVERIFY2(named == 2, qPrintable(cli.out));
        auto show = journalTool(
            {"show", QString::fromStdString(path), "Estate of Smith", "--key", keyFile});
        QCOMPARE(show.code, 0);
        QVERIFY2(show.out.contains("NOT APPLIED: edit") && show.out.contains("forged-edit"),
                 qPrintable(show.out));
        const QString rsmf = f->dir.path() + "/forged.rsmf";
        auto exp = journalTool({"export", QString::fromStdString(path), "--format", "rsmf", "--out",
                                rsmf, "--key", keyFile, "--matter", "Estate of Smith"});
        QVERIFY2(exp.code == 0, qPrintable(exp.err));
        QVERIFY(validator(rsmf).code == 0);
        auto dump = validator(rsmf, true);
        QCOMPARE(dump.code, 0);
        bool found = false;
        for (const auto& e :
             QJsonDocument::fromJson(dump.out.toUtf8()).object()["events"].toArray()) {
            auto o = e.toObject();
            if (o["id"].toString() != QString::fromStdString(*a1)) continue;
            found = true;
            QCOMPARE(o["participant"].toString(), QString::fromStdString(aliceUser));
            QCOMPARE(o["body"].toString(), QString("We accept the offer of 120k"));
            QVERIFY(!o["deleted"].toBool());
            for (const auto& ed : o["edits"].toArray())
                QVERIFY(!ed.toObject()["new"].toString().contains("dollar"));
            const QString verification = customValue(o, "verification");
            QVERIFY2(verification != "verified" && verification.contains("forged-edit"),
                     qPrintable(verification));
            QVERIFY(customValue(o, "not_applied").contains(QString::fromStdString(daveDevice)));
        }
        QVERIFY(found);
    }

    // Security issue 15, break 6 (compliance side): the record's conversation and recipients
    // are whatever the sender wrote. A lawyer outside the matter gets an entry naming the matter
    // into the journal (sent in a conversation he is in); a member of that conversation names
    // someone outside it as a recipient. Membership comes from the journal's own relay-signed
    // records (creation, invites), so both are reported by sequence (not-a-member), at pull and
    // at verify, and the matter's timeline does not call the planted entry verified. The
    // conversation's honest traffic (its creator, members added at creation, the invited client,
    // a member of a conversation whose creator never writes: the relay lists the members it was
    // created with) stays clean.
    void entriesFromOutsideTheConversationAreNotMembers() {
        auto f = makeFirm();
        QVERIFY(f);
        auto& alice = f->alice;
        const std::string aliceUser = alice->account().user;
        const auto key = f->h.journalKey().publicKey();
        auto bob = f->h.enrollStaff("bob", proto::ROLE_LAWYER);
        auto erin = f->h.enrollStaff("erin", proto::ROLE_LAWYER);
        auto mallory = f->h.enrollStaff("mallory", proto::ROLE_LAWYER);
        QVERIFY(bob && erin && mallory);
        QVERIFY(bob->connect(f->h.endpoint()) && erin->connect(f->h.endpoint()));
        // Bob opens a conversation with Alice and Erin (the relay's record lists its members).
        proto::Request create;
        create.mutable_create_conversation()->set_title("Bob, Alice and Erin");
        create.mutable_create_conversation()->add_members(aliceUser);
        create.mutable_create_conversation()->add_members("erin");
        auto created = bob->connection->call(create);
        QVERIFY(created && created->status() == proto::STATUS_OK);
        const std::string side = created->conversation().id();

        // Honest traffic: the matter (Alice, and Carol invited) and the side conversation.
        auto a1 = alice->sendText(f->matter, "The hearing is on Monday");
        QVERIFY(a1);
        auto c1 = f->carol->sendText(f->matter, "Thank you");
        QVERIFY(c1);
        proto::Request hello;
        *hello.mutable_send() = e2e::buildSend(*bob, side, "Lunch on Friday?", key);
        QCOMPARE(bob->connection->call(hello)->status(), proto::STATUS_OK);
        QVERIFY(eventually([&] { return alice->resolveConversation(side).has_value(); }));
        auto a2 = alice->sendText(side, "Friday works");
        QVERIFY(a2);
        proto::Request reply;
        *reply.mutable_send() = e2e::buildSend(*erin, side, "Count me in", key);
        QCOMPARE(erin->connection->call(reply)->status(), proto::STATUS_OK);
        QVERIFY(alice->waitForOutbox(20s) && f->carol->waitForOutbox(20s));
        // A conversation whose creator never writes: its members are known from the relay's
        // creation record alone, so Erin's entry there is clean.
        proto::Request quiet;
        quiet.mutable_create_conversation()->set_title("Erin's questions");
        quiet.mutable_create_conversation()->add_members("erin");
        auto quietCreated = bob->connection->call(quiet);
        QVERIFY(quietCreated && quietCreated->status() == proto::STATUS_OK);
        proto::Request ask;
        *ask.mutable_send() =
            e2e::buildSend(*erin, quietCreated->conversation().id(), "Who owns the file?", key);
        QCOMPARE(erin->connection->call(ask)->status(), proto::STATUS_OK);

        // Erin names Mallory, who is not in the side conversation, as a recipient.
        proto::DeviceAddress outsider;
        outsider.set_user(mallory->user);
        outsider.set_device(mallory->device);
        auto named = sendCrafted(
            *erin, side, craftRecord(*erin, side, proto::TEXT, "Copying Mallory"), key, {outsider});
        // Bob, outside the matter, plants an entry naming the matter, sent in the side conversation.
        auto planted =
            craftRecord(*bob, f->matter, proto::TEXT, "The client agreed to waive the conflict");
        const std::string plantedId = toHex(view(planted.message_id()));
        auto sent = sendCrafted(*bob, side, planted, key);
        // A relay that checks the entry's conversation and recipients against the delivery refuses
        // them; compliance does not rely on it: one that does not (or anyone with its store) logs them.
        std::uint64_t namedSeq = 0, plantedSeq = 0;
        std::vector<Bytes> unlogged;
        std::vector<std::uint64_t*> seqOf;
        for (auto [c, seq] : {std::pair{&named, &namedSeq}, std::pair{&sent, &plantedSeq}}) {
            if (c->response.status() == proto::STATUS_OK) {
                *seq = c->response.send_result().journal_sequence();
            } else {
                QVERIFY(!c->entry.empty());
                unlogged.push_back(c->entry);
                seqOf.push_back(seq);
            }
        }
        if (!unlogged.empty()) {
            auto seqs = appendToLog(f->h, unlogged);
            QCOMPARE(seqs.size(), unlogged.size());
            for (std::size_t i = 0; i < seqs.size(); ++i)
                *seqOf[i] = seqs[i];
            QVERIFY(eventually([&] { return f->officer->isConnected(); }));
        }
        QVERIFY(namedSeq && plantedSeq);

        auto pulled = pullOnly(f->h, *f->officer, f->dir.path().toStdString() + "/pulled.archive");
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        QVERIFY(problemAt(*pulled, plantedSeq, "not-a-member") &&
                problemAt(*pulled, namedSeq, "not-a-member"));
        const std::string path = f->dir.path().toStdString() + "/members.archive";
        auto audit = pullAndVerify(f->h, *f->officer, path);
        QVERIFY2(audit, audit ? "" : audit.error().message.c_str());
        const auto& r = audit->report;
        auto* p = problemAt(r.problems, plantedSeq, "not-a-member");
        QVERIFY2(p, describe(r).c_str());
        QVERIFY2(p->detail.find("bob/" + std::to_string(bob->device)) != std::string::npos &&
                     p->detail.find(f->matter) != std::string::npos,
                 p->detail.c_str());
        auto* n = problemAt(r.problems, namedSeq, "not-a-member");
        QVERIFY2(n && n->detail.find(mallory->user) != std::string::npos, describe(r).c_str());
        for (auto& q : r.problems)
            QVERIFY2(q.sequence == plantedSeq || q.sequence == namedSeq, describe(r).c_str());
        auto again = audit->archive->verify();
        QVERIFY(again);
        QCOMPARE(again->text(), r.text());

        // The matter's timeline: the planted entry is not verified, Bob is no participant; the
        // rest of the matter and the side conversation verify.
        auto timeline = audit->archive->timeline(f->matter);
        QVERIFY(timeline);
        bool seen = false;
        for (auto& e : *timeline) {
            if (e.messageId == plantedId) {
                seen = true;
                QVERIFY(e.verification != "verified" &&
                        e.verification.find("not-a-member") != std::string::npos);
            } else {
                QVERIFY2(e.verification == "verified",
                         (e.messageId + " " + e.verification).c_str());
            }
        }
        QVERIFY(seen);
        auto matter = audit->archive->conversation(f->matter);
        QVERIFY(matter);
        QVERIFY(std::find(matter->participants.begin(), matter->participants.end(), "bob") ==
                matter->participants.end());
        QVERIFY(std::find(matter->participants.begin(), matter->participants.end(), aliceUser) !=
                matter->participants.end());
        auto sideTimeline = audit->archive->timeline(side);
        QVERIFY(sideTimeline && sideTimeline->size() >= 4);
        for (auto& e : *sideTimeline)
            QVERIFY2(e.sequence == namedSeq || e.verification == "verified",
                     (e.messageId + " " + e.verification).c_str());
        compliance::SearchQuery q;
        q.text = "waive";
        auto hits = audit->archive->search(q);
        QVERIFY(hits && hits->size() == 1);
        QCOMPARE(hits->front().status, std::string("not-a-member"));
        audit->archive.reset();

        // The command line: verify names both; the matter's export does not call it verified.
        const QString keyFile = writeKeyFile(f->dir.path(), f->h.journalKey());
        auto cli =
            journalTool({"verify", QString::fromStdString(path), "--key", keyFile, "--json"});
        QCOMPARE(cli.code, 3);
        int flagged = 0;
        for (const auto& pr :
             QJsonDocument::fromJson(cli.out.toUtf8()).object()["problems"].toArray()) {
            auto o = pr.toObject();
            if (o["fault"].toString() == "not-a-member" &&
                (o["sequence"].toInteger() == qint64(plantedSeq) ||
                 o["sequence"].toInteger() == qint64(namedSeq)))
                ++flagged;
        }
        QVERIFY2(flagged == 2, qPrintable(cli.out));
        const QString jsonl = f->dir.path() + "/matter.jsonl";
        auto exp = journalTool({"export", QString::fromStdString(path), "--format", "jsonl",
                                "--out", jsonl, "--key", keyFile, "--matter", "Estate of Smith"});
        QVERIFY2(exp.code == 0, qPrintable(exp.err));
        QFile in(jsonl);
        QVERIFY(in.open(QIODevice::ReadOnly));
        bool exported = false;
        for (const auto& line : in.readAll().split('\n')) {
            if (line.isEmpty()) continue;
            auto o = QJsonDocument::fromJson(line).object();
            if (o["id"].toString() != QString::fromStdString(plantedId)) continue;
            exported = true;
            QVERIFY(customValue(o, "verification").contains("not-a-member"));
        }
        QVERIFY(exported);
    }

    // Security issue 15, break 2 (compliance side): a breached relay adds a device of its own
    // for a lawyer who has an active device, once by activating a pending registration behind her
    // back and once by registering it active at once, and sends as that device. No device of hers
    // approved either: verify reports `unapproved-device` at each registration and at each entry
    // the device signed, at pull and at verify, and the export does not call them verified. Her
    // devices added honestly (a device link, a firm enrolment she approved) stay clean; a lawyer
    // whose only device was revoked starts again from a new first device: `identity-reset` at its
    // registration only.
    void devicesCountOnlyWithTheUsersApproval() {
        auto f = makeFirm();
        QVERIFY(f);
        auto& alice = f->alice;
        const std::string aliceUser = alice->account().user;
        const auto key = f->h.journalKey().publicKey();
        // Honest: a linked device (approved by the link) and a firm-enrolled one approved by hand.
        auto link = alice->createDeviceLink();
        QVERIFY2(link, link ? "" : link.error().message.c_str());
        auto laptop = joinParty(*link, "Alice Adams");
        QVERIFY(laptop);
        laptop->start();
        QVERIFY(laptop->waitUntilSynced(20s));
        auto phone = joinParty(f->h.enrollLink(aliceUser, proto::ROLE_LAWYER), "Alice Adams");
        QVERIFY(phone);
        QVERIFY(alice->approveDevice(phone->account().device));
        phone->start();
        QVERIFY(phone->waitUntilSynced(20s));
        auto fromLaptop = laptop->sendText(f->matter, "Sent from my laptop");
        QVERIFY(fromLaptop && laptop->waitForOutbox(20s));
        auto fromPhone = phone->sendText(f->matter, "Sent from my phone");
        QVERIFY(fromPhone && phone->waitForOutbox(20s));
        QVERIFY(alice->waitForOutbox(20s));
        const std::vector<std::uint32_t> honest = {
            alice->account().device, laptop->account().device, phone->account().device};

        // Attack 1: the relay's device registers (pending, as the relay must), then the relay
        // activates it in its store without any approval, and the device writes into the matter.
        for (auto* p : {alice.get(), laptop.get(), phone.get()})
            (*p)->stop();
        auto planted = f->h.addDevice(aliceUser);
        QVERIFY(planted);
        f->h.stop();
        QVERIFY(setPending(f->h, aliceUser, {planted->device}, false));
        QVERIFY(f->h.restart());
        QVERIFY(planted->connect(f->h.endpoint()));
        proto::JournalRecord plantedRecord;
        proto::Request s1;
        *s1.mutable_send() = e2e::buildSend(
            *planted, f->matter, "Alice: the client agreed to settle", key, &plantedRecord);
        auto r1 = planted->connection->call(s1);
        QVERIFY(r1 && r1->status() == proto::STATUS_OK);
        const std::uint64_t plantedSeq = r1->send_result().journal_sequence();
        const std::string plantedId = toHex(view(plantedRecord.message_id()));

        // Attack 2: the relay makes Alice's devices look inactive in its store for a moment, so
        // that it registers a second device of its own as active at once (pending "0").
        f->h.stop();
        QVERIFY(
            setPending(f->h, aliceUser, {honest[0], honest[1], honest[2], planted->device}, true));
        QVERIFY(f->h.restart());
        auto planted2 = f->h.addDevice(aliceUser);
        QVERIFY(planted2);
        f->h.stop();
        QVERIFY(
            setPending(f->h, aliceUser, {honest[0], honest[1], honest[2], planted->device}, false));
        QVERIFY(f->h.restart());
        QVERIFY(planted2->connect(f->h.endpoint()));
        proto::Request s2;
        *s2.mutable_send() =
            e2e::buildSend(*planted2, f->matter, "Alice: please wire the funds today", key);
        auto r2 = planted2->connection->call(s2);
        QVERIFY(r2 && r2->status() == proto::STATUS_OK);
        const std::uint64_t planted2Seq = r2->send_result().journal_sequence();

        // An honest identity reset: Bob's only device is revoked, the firm enrols a new first one.
        auto bob = f->h.enrollStaff("bob", proto::ROLE_LAWYER);
        QVERIFY(bob);
        QVERIFY(f->h.service().revokeDevice("bob", bob->device, "admin"));
        auto bob2 = f->h.addDevice("bob");
        QVERIFY(bob2 && bob2->connect(f->h.endpoint()));
        proto::Request create;
        create.mutable_create_conversation()->set_title("Bob and Alice");
        create.mutable_create_conversation()->add_members(aliceUser);
        auto created = bob2->connection->call(create);
        QVERIFY(created && created->status() == proto::STATUS_OK);
        proto::Request s3;
        *s3.mutable_send() =
            e2e::buildSend(*bob2, created->conversation().id(), "Back with a new phone", key);
        auto r3 = bob2->connection->call(s3);
        QVERIFY(r3 && r3->status() == proto::STATUS_OK);
        const std::uint64_t bobSeq = r3->send_result().journal_sequence();
        QVERIFY(eventually([&] { return f->officer->isConnected(); }));

        const std::string path = f->dir.path().toStdString() + "/devices.archive";
        auto audit = pullAndVerify(f->h, *f->officer, path);
        QVERIFY2(audit, audit ? "" : audit.error().message.c_str());
        const auto& r = audit->report;
        auto& archive = *audit->archive;
        const std::string plantedName = aliceUser + "/" + std::to_string(planted->device);
        const std::string planted2Name = aliceUser + "/" + std::to_string(planted2->device);
        const auto plantedReg = adminSeq(archive, "device-registered", plantedName);
        const auto planted2Reg = adminSeq(archive, "device-registered", planted2Name);
        const auto bob2Reg =
            adminSeq(archive, "device-registered", "bob/" + std::to_string(bob2->device));
        QVERIFY(plantedReg && planted2Reg && bob2Reg);
        const std::set<std::pair<std::uint64_t, std::string>> expected = {
            {plantedReg, "unapproved-device"},
            {plantedSeq, "unapproved-device"},
            {planted2Reg, "unapproved-device"},
            {planted2Seq, "unapproved-device"},
            {bob2Reg, "identity-reset"}};
        std::set<std::pair<std::uint64_t, std::string>> got;
        for (auto& p : r.problems)
            got.insert({p.sequence, p.fault});
        QVERIFY2(got == expected, describe(r).c_str());
        auto* atMessage = problemAt(r.problems, plantedSeq, "unapproved-device");
        QVERIFY2(atMessage->detail.find("signed by " + plantedName +
                                        ", a device no device of the user approved") !=
                     std::string::npos,
                 atMessage->detail.c_str());
        QVERIFY(
            problemAt(r.problems, planted2Reg, "unapproved-device")->detail.find(planted2Name) !=
            std::string::npos);
        QVERIFY(problemAt(r.problems, bobSeq, "identity-reset") == nullptr);
        // The pull alone reaches the same verdict, and verify again the same text.
        auto pulled =
            pullOnly(f->h, *f->officer, f->dir.path().toStdString() + "/devices-pulled.archive");
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        std::set<std::pair<std::uint64_t, std::string>> atPull;
        for (auto& p : *pulled)
            atPull.insert({p.sequence, p.fault});
        QVERIFY2(atPull == expected, text(*pulled).c_str());
        auto again = archive.verify();
        QVERIFY(again);
        QCOMPARE(again->text(), r.text());

        // The matter: the planted entries are not verified, the honest devices' ones are.
        auto timeline = archive.timeline(f->matter);
        QVERIFY(timeline);
        int flagged = 0;
        for (auto& e : *timeline) {
            if (e.sequence == plantedSeq || e.sequence == planted2Seq) {
                ++flagged;
                QVERIFY(e.verification.find("unapproved-device") != std::string::npos);
            } else {
                QVERIFY2(e.verification == "verified",
                         (e.messageId + " " + e.verification).c_str());
            }
        }
        QCOMPARE(flagged, 2);
        audit->archive.reset();
        const QString keyFile = writeKeyFile(f->dir.path(), f->h.journalKey());
        const QString jsonl = f->dir.path() + "/devices.jsonl";
        auto exp = journalTool({"export", QString::fromStdString(path), "--format", "jsonl",
                                "--out", jsonl, "--key", keyFile, "--matter", "Estate of Smith"});
        QVERIFY2(exp.code == 0, qPrintable(exp.err));
        QFile in(jsonl);
        QVERIFY(in.open(QIODevice::ReadOnly));
        bool exported = false;
        for (const auto& line : in.readAll().split('\n')) {
            if (line.isEmpty()) continue;
            auto o = QJsonDocument::fromJson(line).object();
            if (o["id"].toString() != QString::fromStdString(plantedId)) continue;
            exported = true;
            QVERIFY(customValue(o, "verification").contains("unapproved-device"));
        }
        QVERIFY(exported);
    }

    // Security issue 15, break 3: a breached relay removes a delivered message's entry and covers
    // it up in the chain (later rows renumbered, chain hashes recomputed, checkpoints signed again
    // with its own key), so the chain checks find nothing. The sender's next entry says how many
    // of its entries the relay had acknowledged before it (`device-entry-missing`, naming the
    // device), and the recipient's receipt names the message the journal no longer holds
    // (`missing-entry`).
    void removedEntryShowsAtTheDevicesNextEntry() {
        auto f = makeFirm();
        QVERIFY(f);
        auto& alice = f->alice;
        auto& carol = f->carol;
        // One at a time: each is acknowledged before the next is sealed.
        auto m1 = alice->sendText(f->matter, "Draft one of the settlement");
        QVERIFY(m1 && alice->waitForOutbox(20s));
        auto m2 = alice->sendText(f->matter, "We will accept 80k, do not tell opposing counsel");
        QVERIFY(m2 && alice->waitForOutbox(20s));
        // Carol receives it and reads it: her device signs a read receipt that names it.
        QVERIFY(eventually([&] { return msg(*carol, *m2).has_value(); }));
        QVERIFY(carol->markRead(f->matter));
        QVERIFY(carol->waitForOutbox(20s));
        auto m3 = alice->sendText(f->matter, "Draft three of the settlement");
        QVERIFY(m3 && alice->waitForOutbox(20s));
        QVERIFY(eventually([&] { return msg(*carol, *m3).has_value(); }));
        QVERIFY(carol->waitForOutbox(20s));

        auto clean =
            pullAndVerify(f->h, *f->officer, f->dir.path().toStdString() + "/before.archive");
        QVERIFY2(clean, clean ? "" : clean.error().message.c_str());
        QVERIFY2(clean->report.ok(), describe(clean->report).c_str());
        std::map<std::string, std::uint64_t> seqOf;
        auto cleanTimeline = clean->archive->timeline(f->matter);
        QVERIFY(cleanTimeline);
        for (auto& e : *cleanTimeline)
            seqOf[e.messageId] = e.sequence;
        const std::uint64_t s2 = seqOf[*m2], s3 = seqOf[*m3];
        QVERIFY(s2 && s3 > s2);
        clean->archive.reset();

        f->h.stop();
        QVERIFY(removeAndResign(f->h, s2));
        QVERIFY(f->h.restart());
        QVERIFY(eventually([&] { return f->officer->isConnected(); }));
        const std::string aliceDevice =
            alice->account().user + "/" + std::to_string(alice->account().device);
        const std::string carolDevice =
            carol->account().user + "/" + std::to_string(carol->account().device);
        const std::uint64_t m3Seq = s3 - 1; // renumbered

        auto check = [&](const std::vector<compliance::Problem>& ps) {
            // The chain itself is consistent: the relay re-signed it.
            for (auto& p : ps)
                QVERIFY2(!chainFault(p.fault), text(ps).c_str());
            auto* gap = problemAt(ps, m3Seq, "device-entry-missing");
            QVERIFY2(gap, text(ps).c_str());
            QVERIFY2(gap->detail.find(
                         aliceDevice +
                         " had 2 entries acknowledged before this one; the journal holds 1") !=
                         std::string::npos,
                     gap->detail.c_str());
            bool receipt = false;
            for (auto& p : ps)
                receipt = receipt ||
                          (p.fault == "missing-entry" && p.detail.find(*m2) != std::string::npos &&
                           p.detail.find(carolDevice) != std::string::npos);
            QVERIFY2(receipt, text(ps).c_str());
            for (auto& p : ps)
                QVERIFY2(p.fault == "device-entry-missing" || p.fault == "missing-entry",
                         text(ps).c_str());
        };
        auto pulled =
            pullOnly(f->h, *f->officer, f->dir.path().toStdString() + "/after-pulled.archive");
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        check(*pulled);
        const std::string path = f->dir.path().toStdString() + "/after.archive";
        auto audit = pullAndVerify(f->h, *f->officer, path);
        QVERIFY2(audit, audit ? "" : audit.error().message.c_str());
        check(audit->report.problems);
        auto again = audit->archive->verify();
        QVERIFY(again);
        QCOMPARE(again->text(), audit->report.text());
        audit->archive.reset();
        const QString keyFile = writeKeyFile(f->dir.path(), f->h.journalKey());
        auto cli = journalTool({"verify", QString::fromStdString(path), "--key", keyFile});
        QCOMPARE(cli.code, 3);
        QVERIFY2(cli.out.contains("seq " + QString::number(m3Seq) + "  device-entry-missing"),
                 qPrintable(cli.out));
    }

    // Security issue 15, break 3: the archive accepts only a continuation of the chain it already
    // verified. A relay that rewrites history compliance has already pulled (an entry removed,
    // the chain recomputed, the checkpoints signed again) is reported at the first sequence that
    // differs (`history-rewritten`), whether or not anything new was logged since, and nothing is
    // pulled from it any more.
    void historyBeforeTheLastPullCannotBeRewritten() {
        auto f = makeFirm();
        QVERIFY(f);
        std::vector<std::string> ids;
        for (int i = 0; i < 4; ++i) {
            auto id = f->alice->sendText(f->matter, "Instruction " + std::to_string(i));
            QVERIFY(id && f->alice->waitForOutbox(20s));
            ids.push_back(*id);
        }
        QVERIFY(f->carol->waitForOutbox(20s));
        const std::string path = f->dir.path().toStdString() + "/kept.archive";
        auto kept = pullAndVerify(f->h, *f->officer, path);
        QVERIFY2(kept, kept ? "" : kept.error().message.c_str());
        QVERIFY2(kept->report.ok(), describe(kept->report).c_str());
        std::map<std::string, std::uint64_t> seqOf;
        auto keptTimeline = kept->archive->timeline(f->matter);
        QVERIFY(keptTimeline);
        for (auto& e : *keptTimeline)
            seqOf[e.messageId] = e.sequence;
        const std::uint64_t s1 = seqOf[ids[1]];
        QVERIFY(s1);
        const auto before = *kept->archive->size();

        f->h.stop();
        QVERIFY(removeAndResign(f->h, s1));
        QVERIFY(f->h.restart());
        QVERIFY(eventually([&] { return f->officer->isConnected(); }));
        auto* c = f->officer.get()->c.get();
        auto source = [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); };
        // Nothing new logged yet: the next pull already sees it.
        auto quiet = kept->archive->pull(source, {});
        QVERIFY2(quiet, quiet ? "" : quiet.error().message.c_str());
        QCOMPARE(quiet->rewrittenAt, s1);
        QCOMPARE(quiet->entries, std::uint64_t(0));
        auto ps = kept->archive->problems();
        QVERIFY(ps);
        auto* p = problemAt(*ps, s1, "history-rewritten");
        QVERIFY2(p, text(*ps).c_str());
        QVERIFY2(p->detail.find("another entry at seq " + std::to_string(s1)) != std::string::npos,
                 p->detail.c_str());
        // New entries after it are not taken from that relay.
        QVERIFY(f->alice->sendText(f->matter, "After the rewrite"));
        QVERIFY(f->alice->waitForOutbox(20s));
        auto later = kept->archive->pull(source, {});
        QVERIFY(later);
        QCOMPARE(later->rewrittenAt, s1);
        QCOMPARE(later->entries, std::uint64_t(0));
        QCOMPARE(kept->archive->size()->first, before.first);
        auto report = kept->archive->verify();
        QVERIFY(report && !report->ok());
        QVERIFY2(hasProblem(*report, s1, "history-rewritten"), describe(*report).c_str());
        for (auto& q : report->problems)
            QVERIFY2(q.fault == "history-rewritten", describe(*report).c_str());
        kept->archive.reset();

        // The command line refuses too (exit 3) and says why.
        const QString keyFile = writeKeyFile(f->dir.path(), f->h.journalKey());
        f->officer->stop();
        auto pull =
            journalTool({"pull", "--profile", QString::fromStdString(f->officer.get()->profile()),
                         "--archive", QString::fromStdString(path), "--key", keyFile});
        QCOMPARE(pull.code, 3);
        QVERIFY2(pull.err.contains("history-rewritten") &&
                     pull.err.contains("seq " + QString::number(s1)),
                 qPrintable(pull.out + pull.err));
    }

    // A wrong passphrase for the journal key: a clear error, and nothing is written.
    void wrongPassphraseWritesNothing() {
        QTemporaryDir dir;
        auto key = crypto::X25519Key::generate();
        QVERIFY(key);
        const QString keyFile = writeKeyFile(dir.path(), *key);
        const QString archive = dir.path() + "/none.archive";
        auto r = journalTool(
            {"pull", "--profile", dir.path() + "/nope", "--archive", archive, "--key", keyFile},
            "not the passphrase");
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("wrong passphrase"), qPrintable(r.err));
        QVERIFY(!r.err.contains("not the passphrase"));
        QVERIFY(!QFile::exists(archive));
        auto v = journalTool({"verify", archive, "--key", keyFile}, "not the passphrase");
        QCOMPARE(v.code, 1);
        QVERIFY(!QFile::exists(archive));
        // An archive made with one key refuses another.
        std::vector<crypto::X25519Key> keys;
        keys.push_back(std::move(*key));
        QVERIFY(compliance::Archive::open(archive.toStdString(), std::move(keys), true));
        QByteArray before;
        {
            QFile a(archive);
            QVERIFY(a.open(QIODevice::ReadOnly));
            before = QCryptographicHash::hash(a.readAll(), QCryptographicHash::Sha256);
        }
        std::vector<crypto::X25519Key> other;
        other.push_back(std::move(*crypto::X25519Key::generate()));
        auto wrong = compliance::Archive::open(archive.toStdString(), std::move(other), false);
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, ErrorCode::WrongKey);
        QFile a(archive);
        QVERIFY(a.open(QIODevice::ReadOnly));
        QCOMPARE(QCryptographicHash::hash(a.readAll(), QCryptographicHash::Sha256), before);
    }
};

QTEST_GUILESS_MAIN(TestCompliance)
#include "tst_compliance.moc"
