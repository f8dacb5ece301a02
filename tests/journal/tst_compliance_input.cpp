// Over 600 lines on purpose: one Qt Test class; initTestCase builds one hostile archive (relay,
// devices, pull) that every export and search function then checks.
//
// Issue 16 items 2 and 8: what a participant sends cannot inject into the compliance exports, and
// compliance search takes any text a person types. A real relay (TLS) and real devices: a client
// invited into a matter whose title is hostile, with a hostile display name, sends hostile text
// and attachments with hostile media types and file names (a modified client: the journal entry
// is sealed and signed like any other); a lawyer sends ordinary text; compliance pulls the
// journal into an archive. verbatim-journal then exports every format, and each file is parsed
// back with a real parser (Python's email package with policy=default, zipfile, json, csv; the
// RSMF schema validator); and a table of queries, hostile ones included, runs against the
// archive with the exact hits asserted.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <map>
#include <set>

#include "E2EHarness.h"
#include "compliance/Archive.h"
#include "crypto/Digest.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"
#include "journal/AttachmentBlob.h"

using namespace verbatim;

namespace {

constexpr const char* kJournalPass = "journal key passphrase 1";

std::string str(const Bytes& b) {
    return std::string(b.begin(), b.end());
}
/// A string literal with the NULs inside it.
#define LIT(x) std::string(x, sizeof(x) - 1)

struct Run {
    int code = -1;
    QByteArray out, err;
};

Run journalTool(const QStringList& args) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VERBATIM_PASSPHRASE", kJournalPass);
    p.setProcessEnvironment(env);
    p.start(VERBATIM_JOURNAL_BIN, args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        return {};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

/// What Python's parsers saw in an export (tests/journal/export_dump.py).
QJsonObject parsedBack(const QString& kind, const QString& file) {
    QProcess p;
    p.start("python3",
            {QStringLiteral(VERBATIM_SOURCE_DIR) + "/tests/journal/export_dump.py", kind, file});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        qWarning("export_dump.py %s: %s", qPrintable(kind), p.readAllStandardError().constData());
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

QString u(const std::string& utf8) {
    return QString::fromUtf8(utf8.data(), qsizetype(utf8.size()));
}
QByteArray hex(const std::string& bytes) {
    return QByteArray::fromStdString(bytes).toHex();
}

/// One hostile attachment: what the sender wrote, and what each export must show for it.
struct Attachment {
    std::string name, mime, data;
    QString emlName;   ///< the file name in the EML part (ExportEncoding.h: attachmentFileName)
    QString emlType;   ///< the media type written
    QString exactName; ///< the name in JSON (invalid UTF-8 as U+FFFD, everything else kept)
};

} // namespace

class TestComplianceInput : public QObject {
    Q_OBJECT

    std::unique_ptr<e2e::Harness> m_h;
    std::unique_ptr<e2e::Device> m_alice, m_eve, m_officer;
    std::shared_ptr<signal::SignalContext> m_ctx;
    QTemporaryDir m_dir;
    QString m_archive, m_key;
    std::string m_conv;
    std::map<std::string, std::string> m_label; // message id (hex) -> label
    std::map<std::string, std::string> m_id;    // label -> message id
    std::vector<Attachment> m_attachments;
    std::size_t m_events = 0;

    // The hostile values. Invalid UTF-8 cannot come this way (every text field of the protocol is
    // a proto3 string, which protobuf refuses to parse unless it is UTF-8): tst_export_encoding
    // feeds it to the encoders directly.
    // Titles with control characters or direction overrides are refused by the relay (R-WALL-5,
    // checked in initTestCase); this one is hostile within what it accepts. The names below still
    // carry CR/LF, NUL and escapes into every encoder.
    const std::string m_refusedTitle =
        LIT("Smith \r\nBcc: victim@example.com\r\n\r\n--=_verbatim_ \"q\" \u202Egnp.exe \0 end");
    const std::string m_title =
        "Smith Bcc: victim@example.com --=_verbatim_ \"q\" <b>gnp</b>.exe end";
    const QString m_titleSubject = QString::fromStdString(m_title);
    const QString m_titleExact = QString::fromStdString(m_title);
    const QString m_titleCsv = QString::fromStdString(m_title);
    const std::string m_name = LIT("Eve\r\nBcc: x@evil.example\u202E\0\x1b[2J");
    const QString m_nameExact = u(m_name);
    const QString m_nameTranscript = u("Eve\n  | Bcc: x@evil.example\u202E\uFFFD\uFFFD[2J");
    const QString m_nameCsv = u("Eve\r\nBcc: x@evil.example\u202E\uFFFD\x1b[2J");
    const std::string m_h1 =
        "Hello\r\nContent-Type: text/html\r\n\r\n<b>forged</b>\r\n--=_verbatim_\r\n"
        "[2026-01-01T00:00:00Z] Alice Adams: I confess";
    const std::string m_h2 = LIT(
        "nul\0here \x7f\u0085 bad \uFEFF\uFFFF surrogate \u202Eevil\u202C \u2028 sep \x1b[31m red");
    const QString m_h2Exact = u(m_h2);
    const QString m_h2Transcript =
        u("nul\uFFFDhere \uFFFD\n  |  bad \uFEFF\uFFFF surrogate \u202Eevil\u202C "
          "\n  |  sep \uFFFD[31m red");
    const QString m_h2Csv =
        u("nul\uFFFDhere \x7f\u0085 bad \uFEFF\uFFFF surrogate \u202Eevil\u202C \u2028 "
          "sep \x1b[31m red");
    std::string m_h3; // 10,000 characters, starting with a spreadsheet formula

    std::string send(e2e::Device& from, const std::string& label, const std::string& text,
                     const std::function<void(proto::JournalRecord&)>& shape = {}) {
        proto::JournalRecord rec;
        auto msg = e2e::buildSend(from, m_conv, text, m_h->journalKey().publicKey(), &rec, shape);
        proto::Request req;
        *req.mutable_send() = msg;
        auto resp = from.connection->call(req);
        if (!resp || resp->status() != proto::STATUS_OK) {
            qWarning("send %s refused: %s", label.c_str(),
                     resp ? resp->error().c_str() : resp.error().message.c_str());
            return {};
        }
        const std::string id = toHex(view(rec.message_id()));
        m_label[id] = label;
        m_id[label] = id;
        return id;
    }

    proto::AttachmentRef upload(e2e::Device& from, const Attachment& a) {
        proto::AttachmentRef ref;
        auto sealed = journal::sealAttachment(view(a.data));
        if (!sealed) return ref;
        auto id = client::RelayConnection::uploadBlob(m_h->endpoint(), from.credentials,
                                                      str(sealed->blob));
        if (!id) return ref;
        auto pd = crypto::sha256(view(a.data));
        ref.set_blob_id(str(*fromHex(*id)));
        ref.set_key(std::string(sealed->key.begin(), sealed->key.end()));
        ref.set_digest(std::string(sealed->digest.begin(), sealed->digest.end()));
        ref.set_plaintext_digest(std::string(pd.begin(), pd.end()));
        ref.set_size(a.data.size());
        ref.set_file_name(a.name);
        ref.set_mime_type(a.mime);
        return ref;
    }

    /// Hits of `query` as labels, sorted; "error: …" when the archive refuses it.
    QStringList labelsOf(compliance::Archive& archive, const std::string& query) {
        compliance::SearchQuery q;
        q.text = query;
        q.limit = 1000;
        auto hits = archive.search(q);
        if (!hits) return {"error: " + u(hits.error().message)};
        QStringList out;
        for (const auto& h : *hits)
            out << u(m_label.count(h.messageId) ? m_label[h.messageId] : "?" + h.messageId);
        out.sort();
        return out;
    }

    QJsonObject exported(const QString& format) {
        const QString out = m_dir.path() + "/export." + format;
        auto r = journalTool({"export", m_archive, "--format", format, "--out", out, "--key", m_key,
                              "--matter", u(m_conv)});
        if (r.code != 0) {
            qWarning("export %s: %s", qPrintable(format), r.err.constData());
            return {};
        }
        return parsedBack(format, out);
    }

    /// The EML and RSMF checks on the message itself: no defect, nothing forged at the top,
    /// no raw CR, LF or NUL, lines within RFC 5322's recommended 78 characters.
    void checkMessage(const QJsonObject& m, const QStringList& expectedHeaders) {
        QVERIFY2(m["defects"].toArray().isEmpty(),
                 QJsonDocument(m["defects"].toArray()).toJson().constData());
        QStringList names;
        for (const auto& h : m["headers"].toArray())
            names << h.toArray()[0].toString();
        QCOMPARE(names, expectedHeaders);
        QCOMPARE(m["content_type"].toString(), QString("multipart/mixed"));
        QCOMPARE(m["subject"].toString(), "Verbatim journal export: " + m_titleSubject);
        QVERIFY(!m["has_nul"].toBool());
        QVERIFY(!m["bare_cr_or_lf"].toBool());
        QVERIFY2(m["longest_line"].toInt() <= 78,
                 qPrintable(QString::number(m["longest_line"].toInt())));
        QVERIFY(m["longest_header_line"].toInt() <= 78);
    }

    /// The transcript: a value's line breaks continue with "  | ", so no line is forged.
    void checkTranscript(QString body) {
        body.replace("\r\n", "\n"); // the email package keeps the CRLF line ends of the part
        QVERIFY(!body.isEmpty());
        if (qEnvironmentVariableIsSet("VERBATIM_SHOW_TRANSCRIPT")) qInfo("%s", qPrintable(body));
        QVERIFY(body.contains(
            u("Hello\n  | Content-Type: text/html\n  | \n  | <b>forged</b>\n  | --=_verbatim_\n  | "
              "[2026-01-01T00:00:00Z] Alice Adams: I confess")));
        QVERIFY(!body.contains(QRegularExpression("^\\[2026-01-01T00:00:00Z\\]",
                                                  QRegularExpression::MultilineOption)));
        QVERIFY(!body.contains(
            QRegularExpression("^Content-Type", QRegularExpression::MultilineOption)));
        QVERIFY(body.contains(m_h2Transcript));
        QVERIFY(body.contains(u(m_h3)));
        QVERIFY(body.contains(m_nameTranscript + ": Hello"));
        QCOMPARE(body.count("\n    [attachment: "), qsizetype(m_attachments.size()));
        QVERIFY(!body.contains(QChar(0)));
    }

private slots:
    void initTestCase() {
        m_h = std::make_unique<e2e::Harness>();
        QVERIFY(m_h->ok());
        m_alice = m_h->enrollStaff("alice", proto::ROLE_LAWYER);
        m_officer = m_h->enrollStaff("comply", proto::ROLE_COMPLIANCE);
        QVERIFY(m_alice && m_officer);
        QVERIFY(m_alice->connect(m_h->endpoint()));
        QVERIFY(m_officer->connect(m_h->endpoint()));

        // Eve joins a matter with a hostile title under a hostile display name.
        QVERIFY(m_h->inviteLink("alice", m_refusedTitle).empty());
        const std::string link = m_h->inviteLink("alice", m_title);
        QVERIFY(!link.empty());
        const std::string token = link.substr(link.find("token=") + 6, 32);
        m_ctx = *signal::SignalContext::create();
        m_eve = e2e::Device::create(m_ctx);
        auto reg = client::RelayConnection::registerDevice(m_h->endpoint(),
                                                           m_eve->registration(token, m_name));
        QVERIFY2(reg, reg ? "" : reg.error().message.c_str());
        m_eve->user = reg->user();
        m_eve->device = reg->device();
        m_conv = reg->conversation_id();
        QVERIFY(m_eve->connect(m_h->endpoint()));

        // The lawyer's ordinary messages: the search table below asserts its hits among these.
        const std::vector<std::pair<std::string, std::string>> ordinary = {
            {"S1", "The contract was breached by the other party"},
            {"S2", "Mr O'Brien called about the account 12-34-56"},
            {"S3", "Please sign the non-disclosure agreement"},
            {"S4", "AND the draft contract is attached"},
            {"S5", "NEAR( is not a function, col:value ^ caret"},
            {"S6", "Negligence claims and negligent misstatement"},
            {"S7", "A breach of contract claim is likely; the contract draft follows"},
            {"S8", "Café résumé naïve"},
        };
        for (const auto& [label, text] : ordinary)
            QVERIFY(!send(*m_alice, label, text).empty());

        // What a modified client can send.
        m_h3 = "=HYPERLINK(\"http://evil.example\",\"x\")";
        m_h3 += std::string(10000 - m_h3.size(), 'y');
        QVERIFY(!send(*m_eve, "H1", m_h1).empty());
        QVERIFY(!send(*m_eve, "H2", m_h2).empty());
        QVERIFY(!send(*m_eve, "H3", m_h3).empty());
        std::string umlauts;
        for (int i = 0; i < 9996; ++i)
            umlauts += "\u00FC";
        std::string shortUmlauts;
        for (int i = 0; i < 73; ++i)
            shortUmlauts += "\u00FC";
        m_attachments = {
            {"report.pdf\r\nContent-Disposition: attachment; filename=\"evil.exe\"",
             "text/plain\r\nContent-Type: text/html; "
             "name=\"evil.html\"\r\n\r\n<script>alert(1)</script>",
             "first file\r\n--=_verbatim_\r\nContent-Type: text/html\r\n\r\n<script>",
             u("report.pdf__Content-Disposition: attachment; filename=\"evil.exe\""),
             "application/octet-stream",
             u("report.pdf\r\nContent-Disposition: attachment; filename=\"evil.exe\"")},
            {"../../etc/passwd", "multipart/mixed; boundary=\"x\"", "root:x:0:0",
             u("_.._.._etc_passwd"), "application/octet-stream", u("../../etc/passwd")},
            {"invoice\u202Efdp.exe", "image/png",
             std::string("\x89PNG\r\n\x1a\n", 8) + "not really", u("invoice_fdp.exe"), "image/png",
             u("invoice\u202Efdp.exe")},
            {umlauts + ".pdf", std::string(9996, 'a') + "/pdf", std::string(3000, '\0'),
             u(shortUmlauts + ".pdf"), "application/octet-stream", u(umlauts + ".pdf")},
            {"", "", "empty name", "attachment", "application/octet-stream", ""},
            {"Engagement letter \"final\".pdf", " Application/PDF ", "%PDF-1.4",
             u("Engagement letter \"final\".pdf"), "application/pdf",
             u("Engagement letter \"final\".pdf")},
            {LIT("a\0b\x7f"
                 "c\u0085.txt"),
             "text/plain", "plain", u("a_b_c_.txt"), "text/plain",
             u(LIT("a\0b\x7f"
                   "c\u0085.txt"))},
        };
        std::vector<proto::AttachmentRef> refs;
        for (const auto& a : m_attachments) {
            refs.push_back(upload(*m_eve, a));
            QVERIFY(!refs.back().blob_id().empty());
        }
        QVERIFY(!send(*m_eve, "H4", "see attached", [&](proto::JournalRecord& r) {
                     r.set_type(proto::ATTACHMENT);
                     for (const auto& ref : refs)
                         *r.add_attachments() = ref;
                 }).empty());
        // One per character a spreadsheet reads as the start of a formula.
        QVERIFY(!send(*m_eve, "H5", "@SUM(1+1)").empty());
        QVERIFY(!send(*m_eve, "H6", "-2+3").empty());
        QVERIFY(!send(*m_eve, "H7", "+1 555").empty());
        QVERIFY(!send(*m_eve, "H8", "\tindent").empty());
        QVERIFY(!send(*m_eve, "H9", "\rreturn").empty());

        // Compliance pulls it all into an archive and keeps the key file as keygen writes it.
        m_archive = m_dir.path() + "/firm.archive";
        std::vector<crypto::X25519Key> keys;
        keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*m_h->journalKey().privateKey())));
        auto archive = compliance::Archive::open(m_archive.toStdString(), std::move(keys), true);
        QVERIFY(archive);
        const Bytes manifest = m_h->signedManifestBytes();
        QVERIFY((*archive)->setManifest(ByteView(manifest), m_h->firmFingerprint()));
        auto* officer = m_officer.get();
        auto endpoint = m_h->endpoint();
        auto stats = (*archive)->pull(
            [officer](std::uint64_t after, std::uint32_t limit) -> Result<std::string> {
                proto::Request req;
                req.mutable_pull_journal()->set_after_sequence(after);
                req.mutable_pull_journal()->set_limit(limit);
                auto resp = officer->connection->call(req);
                if (!resp) return tl::unexpected(resp.error());
                if (resp->status() != proto::STATUS_OK)
                    return fail(ErrorCode::Storage, resp->error());
                return resp->journal_page().SerializeAsString();
            },
            [officer, endpoint](const std::string& id, std::uint64_t max) {
                return client::RelayConnection::downloadBlob(endpoint, officer->credentials, id,
                                                             max);
            });
        QVERIFY2(stats, stats ? "" : stats.error().message.c_str());
        QCOMPARE(stats->attachments, std::uint64_t(m_attachments.size()));
        auto timeline = (*archive)->timeline(m_conv);
        QVERIFY(timeline);
        m_events = timeline->size();
        QVERIFY(m_events >= 17);
        auto priv = m_h->journalKey().privateKey();
        auto box = crypto::passphraseSeal(*priv, view(std::string_view(kJournalPass)));
        QVERIFY(box);
        m_key = m_dir.path() + "/journal.key";
        QFile f(m_key);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(reinterpret_cast<const char*>(box->data()), qint64(box->size()));
    }

    // EML: exactly the parts sent, each with a valid media type and its cleaned file name; the
    // forged headers and parts are text; the bytes are those sent.
    void emlExportCarriesNoInjectedHeaderOrPart() {
        auto m = exported("eml");
        QVERIFY(!m.isEmpty());
        checkMessage(
            m, {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"});
        QCOMPARE(m["parts"].toInt(), 1 + 1 + int(m_attachments.size())); // multipart, text, files
        const auto parts = m["attachments"].toArray();
        QCOMPARE(parts.size(), qsizetype(m_attachments.size()));
        for (qsizetype i = 0; i < parts.size(); ++i) {
            const auto p = parts[i].toObject();
            const auto& a = m_attachments[std::size_t(i)];
            QCOMPARE(p["content_type"].toString(), a.emlType);
            QCOMPARE(p["filename"].toString(), a.emlName);
            QCOMPARE(p["disposition"].toString(), QString("attachment"));
            QCOMPARE(p["data"].toString().toLatin1(), hex(a.data));
        }
        checkTranscript(m["body"].toString());
    }

    // RSMF: the schema validator accepts it; the zip holds the manifest and the files under
    // names that cannot leave the folder; every value round-trips in the manifest.
    void rsmfExportValidatesAndRoundTrips() {
        const QString file = m_dir.path() + "/export.rsmf";
        auto m = exported("rsmf");
        QVERIFY(!m.isEmpty());
        const QString schema =
            QStringLiteral(VERBATIM_SHARED_DATA) + "/rsmf/rsmf_schema_2_0_0.json";
        QVERIFY2(QFile::exists(schema), qPrintable("the RSMF schema is not at " + schema));
        QProcess v;
        v.start("python3", {QStringLiteral(VERBATIM_SOURCE_DIR) + "/tests/journal/validate_rsmf.py",
                            schema, file});
        QVERIFY(v.waitForFinished(60000));
        QVERIFY2(v.exitCode() == 0, v.readAllStandardError().constData());

        checkMessage(m, {"From", "To", "Subject", "Date", "Message-ID", "X-RSMF-Version",
                         "X-RSMF-Generator", "X-RSMF-BeginDate", "X-RSMF-EndDate",
                         "X-RSMF-EventCount", "MIME-Version", "Content-Type"});
        QCOMPARE(m["parts"].toInt(), 3);
        QCOMPARE(m["attachments"].toArray().size(), 1);
        QVERIFY(m["zip_bad_crc"].isNull());
        const auto names = m["zip_names"].toArray();
        QCOMPARE(names.size(), qsizetype(1 + m_attachments.size()));
        for (const auto& n : names)
            QVERIFY2(QRegularExpression("^[A-Za-z0-9_][A-Za-z0-9._-]*$")
                             .match(n.toString())
                             .hasMatch() &&
                         n.toString() != "..",
                     qPrintable(n.toString()));
        checkTranscript(m["body"].toString());

        const auto manifest = m["manifest"].toObject();
        const auto files = m["zip_files"].toObject();
        std::map<QString, QJsonObject> events;
        for (const auto& e : manifest["events"].toArray())
            events[e.toObject()["id"].toString()] = e.toObject();
        QCOMPARE(events.size(), m_events);
        QCOMPARE(events[u(m_id["H1"])]["body"].toString(), u(m_h1));
        QCOMPARE(events[u(m_id["H2"])]["body"].toString(), m_h2Exact);
        QCOMPARE(events[u(m_id["H3"])]["body"].toString(), u(m_h3));
        QCOMPARE(events[u(m_id["H9"])]["body"].toString(), u("\rreturn"));
        const auto attached = events[u(m_id["H4"])]["attachments"].toArray();
        QCOMPARE(attached.size(), qsizetype(m_attachments.size()));
        for (qsizetype i = 0; i < attached.size(); ++i) {
            const auto a = attached[i].toObject();
            QCOMPARE(a["display"].toString(), m_attachments[std::size_t(i)].exactName);
            QVERIFY(files.contains(a["id"].toString()));
            QCOMPARE(files[a["id"].toString()].toString().toLatin1(),
                     hex(m_attachments[std::size_t(i)].data));
        }
        bool eve = false;
        for (const auto& p : manifest["participants"].toArray())
            if (p.toObject()["id"].toString() == u(m_eve->user)) {
                QCOMPARE(p.toObject()["display"].toString(), m_nameExact);
                eve = true;
            }
        QVERIFY(eve);
        QCOMPARE(manifest["conversations"].toArray().size(), 1);
        QCOMPARE(manifest["conversations"].toArray()[0].toObject()["display"].toString(),
                 m_titleExact);
    }

    // JSON Lines: strict UTF-8, one record per event, every value exactly as sent (invalid
    // UTF-8 as U+FFFD).
    void jsonLinesExportRoundTrips() {
        auto m = exported("jsonl");
        QVERIFY(!m.isEmpty());
        QVERIFY(m["trailing_newline"].toBool());
        std::map<QString, QJsonObject> records;
        for (const auto& r : m["records"].toArray())
            records[r.toObject()["id"].toString()] = r.toObject();
        QCOMPARE(m["records"].toArray().size(), qsizetype(m_events));
        QCOMPARE(records.size(), m_events);
        QCOMPARE(records[u(m_id["H1"])]["body"].toString(), u(m_h1));
        QCOMPARE(records[u(m_id["H2"])]["body"].toString(), m_h2Exact);
        QCOMPARE(records[u(m_id["H3"])]["body"].toString(), u(m_h3));
        QCOMPARE(records[u(m_id["H8"])]["body"].toString(), u("\tindent"));
        QCOMPARE(records[u(m_id["S2"])]["body"].toString(),
                 u("Mr O'Brien called about the account 12-34-56"));
        const auto attached = records[u(m_id["H4"])]["attachments"].toArray();
        QCOMPARE(attached.size(), qsizetype(m_attachments.size()));
        for (qsizetype i = 0; i < attached.size(); ++i)
            QCOMPARE(attached[i].toObject()["display"].toString(),
                     m_attachments[std::size_t(i)].exactName);
    }

    // CSV: one record per event; quoting holds line breaks and quotes; a cell never starts with
    // a formula character (OWASP); NUL is U+FFFD.
    void csvExportQuotesAndDefusesFormulas() {
        auto m = exported("csv");
        QVERIFY(!m.isEmpty());
        QVERIFY(m["bom"].toBool());
        const auto rows = m["rows"].toArray();
        QCOMPARE(rows.size(), qsizetype(1 + m_events));
        const auto header = rows[0].toArray();
        QCOMPARE(header.size(), 18);
        QCOMPARE(header[8].toString(), QString("body"));
        QCOMPARE(header[17].toString(), QString("message_id"));
        std::map<QString, QJsonArray> byId;
        for (qsizetype i = 1; i < rows.size(); ++i) {
            const auto row = rows[i].toArray();
            QCOMPARE(row.size(), header.size());
            for (const auto& cell : row) {
                const QString c = cell.toString();
                QVERIFY2(c.isEmpty() || !QString("=+-@\t\r").contains(c[0]),
                         qPrintable(c.left(40)));
                QVERIFY(!c.contains(QChar(0)));
            }
            byId[row[17].toString()] = row;
        }
        QCOMPARE(byId[u(m_id["H1"])][8].toString(), u(m_h1));
        QCOMPARE(byId[u(m_id["H1"])][5].toString(), m_nameCsv);
        QCOMPARE(byId[u(m_id["H1"])][3].toString(), m_titleCsv);
        QCOMPARE(byId[u(m_id["H2"])][8].toString(), m_h2Csv);
        QCOMPARE(byId[u(m_id["H3"])][8].toString(), "'" + u(m_h3));
        QCOMPARE(byId[u(m_id["H5"])][8].toString(), u("'@SUM(1+1)"));
        QCOMPARE(byId[u(m_id["H6"])][8].toString(), u("'-2+3"));
        QCOMPARE(byId[u(m_id["H7"])][8].toString(), u("'+1 555"));
        QCOMPARE(byId[u(m_id["H8"])][8].toString(), u("'\tindent"));
        QCOMPARE(byId[u(m_id["H9"])][8].toString(), u("'\rreturn"));
        QCOMPARE(byId[u(m_id["S7"])][8].toString(),
                 u("A breach of contract claim is likely; the contract draft follows"));
        QStringList names;
        for (const auto& a : m_attachments)
            names << a.emlName;
        QCOMPARE(byId[u(m_id["H4"])][14].toString(), names.join('\n'));
    }

    // The queries and hostile ones against the archive: never an SQL error, the exact
    // hits, and a clear error only where there is nothing to search for or a limit is passed.
    void searchTableFindsExactlyTheseMessages() {
        std::vector<crypto::X25519Key> keys;
        keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*m_h->journalKey().privateKey())));
        auto archive = compliance::Archive::open(m_archive.toStdString(), std::move(keys), false);
        QVERIFY(archive);
        std::string thousand, thousandOr = "contract";
        for (int i = 0; i < 1000; ++i)
            thousand += "contract ";
        for (int i = 1; i < 1000; ++i)
            thousandOr += " OR zz" + std::to_string(i);
        struct Case {
            std::string query;
            QStringList hits; ///< labels, sorted; or one "error: …" prefix
        };
        const QString nothing = "error: nothing to search for";
        const std::vector<Case> cases = {
            {"12-34-56", {"S2"}},
            {"O'Brien", {"S2"}},
            {"non-disclosure", {"S3"}},
            {"AND", {"S4", "S6"}},
            {"AND AND", {"S4", "S6"}},
            {"NEAR(", {"S5"}},
            {"NEAR(contract breach)", {}},
            {"col:value", {"S5"}},
            {"^ caret", {"S5"}},
            {"NOT", {"S5"}},
            {"OR", {}},
            {"w/5", {}},
            {"contract", {"S1", "S4", "S7"}},
            {"contract breach", {"S7"}},
            {"contract AND breach", {"S7"}},
            {"contract OR agreement", {"S1", "S3", "S4", "S7"}},
            {"contract NOT draft", {"S1"}},
            {"contract AND NOT draft", {"S1"}},
            {"-draft contract", {"S4", "S7"}},
            {"contract w/0 breached", {}},
            {"contract w/1 breached", {"S1"}},
            {"breach w/2 contract", {"S7"}},
            {"(contract OR agreement) w/1 disclosure", {"S3"}},
            {"\"breach of contract\"", {"S7"}},
            {"\u201Cbreach of contract\u201D", {"S7"}},
            {"\"contract of breach\"", {}},
            {"\"unterminated phrase", {}},
            {"(contract", {"S1", "S4", "S7"}},
            {"contract))", {"S1", "S4", "S7"}},
            {"negligen*", {"S6"}},
            {"non-disc*", {"S3"}},
            {"cafe resume", {"S8"}},
            {"naïve", {"S8"}},
            {"12-34-", {"S2"}},
            {"o'", {"S2"}},
            {"evil", {"H2", "H3", "H4"}},
            {"evil.exe", {"H4"}},
            {"passwd", {"H4"}},
            {"\"I confess\"", {"H1"}},
            {"Content-Type", {"H1"}},
            {LIT("nul\0here"), {"H2"}},
            {"^ sum", {"H5"}},
            {thousand, {"S1", "S4", "S7"}},
            {thousandOr, {"S1", "S4", "S7"}},
            {"", {nothing}},
            {"\"", {nothing}},
            {"*", {nothing}},
            {"^", {nothing}},
            {":", {nothing}},
            {"()", {nothing}},
            {"\U0001F642", {nothing}},
            {std::string(1, '\0'), {nothing}},
            {thousand + "extra",
             {"error: the search query has 1001 terms; at most 1000 are allowed"}},
            {std::string(20000, 'x'), {"error: the search query is longer than 16384 bytes"}},
        };
        for (const auto& c : cases) {
            QStringList got = labelsOf(**archive, c.query);
            if (!c.hits.isEmpty() && c.hits[0].startsWith("error: ")) {
                QVERIFY2(got.size() == 1 && got[0].startsWith(c.hits[0]),
                         qPrintable(u(c.query.substr(0, 40)) + " -> " + got.join(",")));
                continue;
            }
            QVERIFY2(got == c.hits, qPrintable(u(c.query.substr(0, 40)) + " -> " + got.join(",") +
                                               " expected " + c.hits.join(",")));
        }
    }

    // The command line: the queries find their messages; a query with nothing to search
    // for is a usage error with a clear message, never a database error.
    void commandLineSearchTakesAnyText() {
        auto idsOf = [](const QByteArray& out) {
            QStringList ids;
            for (const auto& line : out.split('\n'))
                if (!line.isEmpty())
                    ids << QJsonDocument::fromJson(line).object()["message_id"].toString();
            ids.sort();
            return ids;
        };
        for (const auto& [query, label] :
             std::vector<std::pair<QString, std::string>>{{"12-34-56", "S2"},
                                                          {"O'Brien", "S2"},
                                                          {"non-disclosure", "S3"},
                                                          {"NEAR(", "S5"}}) {
            auto r = journalTool({"search", m_archive, query, "--key", m_key, "--json"});
            QVERIFY2(r.code == 0, r.err.constData());
            QCOMPARE(idsOf(r.out), QStringList{u(m_id[label])});
        }
        auto andQuery = journalTool({"search", m_archive, "AND", "--key", m_key});
        QCOMPARE(andQuery.code, 0);
        QVERIFY(andQuery.err.contains("AND has nothing on its left and was read as a word"));
        QVERIFY(andQuery.err.contains("2 hit(s)"));
        // A hit's text stays on one line: H1's line breaks are shown as \r\n.
        auto forged = journalTool({"search", m_archive, "confess", "--key", m_key});
        QCOMPARE(forged.code, 0);
        QCOMPARE(forged.out.count('\n'), 1);
        QVERIFY(forged.out.contains("Hello\\r\\nContent-Type: text/html"));
        for (const QString& bad : {QString("\""), QString("*"), QString("^")}) {
            auto r = journalTool({"search", m_archive, bad, "--key", m_key});
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.contains("nothing to search for"), r.err.constData());
            QVERIFY(!r.err.contains("statement") && !r.err.contains("fts5") &&
                    !r.err.contains("column"));
        }
    }
};

QTEST_GUILESS_MAIN(TestComplianceInput)
#include "tst_compliance_input.moc"
