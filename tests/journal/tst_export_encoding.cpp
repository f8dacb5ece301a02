// The export encoders (ExportEncoding.h) against values the protocol cannot carry but a file or
// a future field could: invalid UTF-8, lone surrogates, overlongs, code points past U+10FFFF,
// cut sequences, beside NUL, controls, CRLF, bidi controls and 10,000-character values. Each
// encoded value is parsed back by Python's own parsers (json, csv, email with policy=default)
// and must come back exactly as the value, or as ExportEncoding.h's documented replacement;
// tst_compliance_input does the same through a real relay and verbatim-journal.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include "compliance/ExportEncoding.h"

using namespace verbatim::compliance;

namespace {

#define LIT(x) std::string(x, sizeof(x) - 1)

QString u(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

struct Case {
    std::string raw;
    QString fileName;  ///< expected attachment file name; empty: the value as decoded
    QString mediaType; ///< expected media type; empty: application/octet-stream
};

const std::vector<Case>& cases() {
    static const std::vector<Case> all = [] {
        std::string e10k, e75;
        for (int i = 0; i < 10000; ++i)
            e10k += "\u00E9";
        for (int i = 0; i < 75; ++i)
            e75 += "\u00E9";
        return std::vector<Case>{
            {"plain.txt", "plain.txt", ""},
            {LIT("\xff\xfe"), u("\uFFFD\uFFFD"), ""},
            {LIT("lone \xed\xa0\x80 high \xed\xb0\x80 low"),
             u("lone \uFFFD\uFFFD\uFFFD high \uFFFD\uFFFD\uFFFD low"), ""},
            {LIT("over\xc0\xaflong \xe0\x80\xaf"), u("over\uFFFD\uFFFDlong \uFFFD\uFFFD\uFFFD"),
             ""},
            {LIT("big \xf4\x90\x80\x80"), u("big \uFFFD\uFFFD\uFFFD\uFFFD"), ""},
            {LIT("cut \xf0\x9f\x98"), u("cut \uFFFD"), ""},
            {LIT("ok\xe2\x82x"), u("ok\uFFFDx"), ""},
            {LIT("\0\x01\x1b\x7f\xc2\x85"), "_____", ""},
            {"x\r\nBcc: a@b\r\n\r\nbody", "x__Bcc: a@b____body", ""},
            {"invoice\u202Efdp.exe", "invoice_fdp.exe", ""},
            {e10k, u(e75), ""},
            {"=cmd|' /C calc'!A0", "=cmd|' _C calc'!A0", ""},
            {"+1", "+1", ""},
            {"-1", "-1", ""},
            {"@x", "@x", ""},
            {"\tx", "_x", ""},
            {"\rx", "_x", ""},
            {"=?utf-8?b?SGk=?=", "=?utf-8?b?SGk=?=", ""},
            {"\"quoted\" \\ back", "\"quoted\" _ back", ""},
            {"\u2028\u2029", "__", ""},
            {" \u00A0 spaced name.txt \u3000", "spaced name.txt", ""},
            {"", "attachment", ""},
            {"../../../etc/passwd", "_.._.._.._etc_passwd", ""},
            {".hidden", "_.hidden", ""},
            {"text/plain", "text_plain", "text/plain"},
            {"TEXT/HTML", "TEXT_HTML", "text/html"},
            {" text/plain; charset=utf-8", "text_plain; charset=utf-8", "text/plain"},
            {"x-custom/x.y+z", "x-custom_x.y+z", "x-custom/x.y+z"},
            {"message/rfc822", "message_rfc822", ""},
            {"multipart/mixed; boundary=x", "multipart_mixed; boundary=x", ""},
            {"a/b/c", "a_b_c", ""},
            {"text/", "text_", ""},
            {"text/plain\r\nContent-Type: text/html", "text_plain__Content-Type: text_html", ""},
            {"text/pl ain", "text_pl ain", ""},
            {std::string(200, 'a') + "/b", u(std::string(150, 'a')), ""},
        };
    }();
    return all;
}

QString csvExpected(const QString& replaced) {
    QString v = replaced;
    v.replace(QChar(0), QChar(0xFFFD));
    if (!v.isEmpty() && QString("=+-@\t\r").contains(v[0])) v.prepend('\'');
    return v;
}

QString subjectExpected(const QString& replaced) {
    QString v;
    for (QChar c : replaced)
        v += (c.unicode() < 0x20 || (c.unicode() >= 0x7F && c.unicode() <= 0x9F)) ? QChar(' ') : c;
    return v;
}

} // namespace

class TestExportEncoding : public QObject {
    Q_OBJECT

private slots:
    // Every encoder's output, parsed back by Python, is the value or its documented replacement.
    void pythonParsersReadBackEveryValue() {
        QJsonArray in;
        for (const auto& c : cases()) {
            const std::string name = attachmentFileName(c.raw);
            const std::string eml =
                "From: journal@verbatim.invalid\r\n" + headerLine("Subject", c.raw) +
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n"
                "--=_b\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\nbody\r\n"
                "--=_b\r\nContent-Type: " +
                mediaType(c.raw) + mimeParameter("name", name) +
                "\r\nContent-Disposition: attachment" + mimeParameter("filename", name) +
                "\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n--=_b--\r\n";
            QJsonObject o;
            o["raw"] = QString::fromLatin1(QByteArray::fromStdString(c.raw).toHex());
            o["json"] = u(jsonString(c.raw));
            o["csv"] = u(csvField(c.raw) + "\r\n");
            o["eml"] = QString::fromLatin1(QByteArray::fromStdString(eml).toHex());
            in.append(o);
        }
        QProcess p;
        p.start("python3",
                {QStringLiteral(VERBATIM_SOURCE_DIR) + "/tests/journal/encoding_check.py"});
        QVERIFY(p.waitForStarted());
        p.write(QJsonDocument(QJsonObject{{"cases", in}}).toJson(QJsonDocument::Compact));
        p.closeWriteChannel();
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const auto out =
            QJsonDocument::fromJson(p.readAllStandardOutput()).object()["cases"].toArray();
        QCOMPARE(out.size(), qsizetype(cases().size()));
        for (qsizetype i = 0; i < out.size(); ++i) {
            const auto& c = cases()[std::size_t(i)];
            const auto r = out[i].toObject();
            const QString replaced = r["replaced"].toString();
            const QByteArray what = QByteArray::fromStdString(c.raw).left(40).toHex();
            // Our decoder substitutes exactly as Python's does.
            QCOMPARE(u(validUtf8(c.raw)), replaced);
            QVERIFY2(r["json"].toString() == replaced, what.constData());
            const auto rows = r["csv"].toArray();
            QCOMPARE(rows.size(), 1);
            QCOMPARE(rows[0].toArray().size(), 1);
            QVERIFY2(rows[0].toArray()[0].toString() == csvExpected(replaced), what.constData());
            QVERIFY2(r["defects"].toArray().isEmpty(),
                     qPrintable(QJsonDocument(r["defects"].toArray()).toJson() + what));
            QVERIFY2(r["raw_ok"].toBool(), what.constData());
            QCOMPARE(r["attachments"].toInt(), 1);
            QVERIFY2(r["subject"].toString() == subjectExpected(replaced), what.constData());
            QVERIFY2(r["filename"].toString() == c.fileName,
                     qPrintable(r["filename"].toString().left(60) + " / " + c.fileName.left(60) +
                                " " + what));
            QCOMPARE(r["content_type"].toArray()[0].toString(),
                     c.mediaType.isEmpty() ? QString("application/octet-stream") : c.mediaType);
        }
    }

    // A long Subject is cut, with an ellipsis, at the limit given.
    void headerLineCutsAtTheLimit() {
        const std::string line = headerLine("Subject", std::string(500, 'a'), 300);
        QVERIFY(line.find("\r\n ") != std::string::npos);
        QVERIFY(line.find("=?UTF-8?B?") != std::string::npos);
        // Every folded line is an encoded word: at most 78 characters.
        std::size_t start = 0;
        while (start < line.size()) {
            auto end = line.find("\r\n", start);
            QVERIFY(end - start <= 78);
            start = end + 2;
        }
    }

    // The transcript and the terminal keep a value on its own lines.
    void transcriptAndTerminalKeepValuesInTheirPlace() {
        QCOMPARE(u(transcriptText("a\r\nb\rc\nd\u2028e")), u("a\n  | b\n  | c\n  | d\n  | e"));
        QCOMPARE(u(transcriptText(LIT("tab\tnul\0esc\x1b"))), u("tab\tnul\uFFFDesc\uFFFD"));
        QCOMPARE(u(terminalText(LIT("a\r\nb\t\0\x1b[2J\u202E"))),
                 u("a\\r\\nb\\t\\x00\\x1b[2J\\u202e"));
    }
};

QTEST_GUILESS_MAIN(TestExportEncoding)
#include "tst_export_encoding.moc"
