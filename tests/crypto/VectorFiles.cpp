#include "VectorFiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace verbatim::test {

namespace {
int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<QByteArray> readWhole(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorCode::NotFound, "cannot open " + path.toStdString());
    return file.readAll();
}
} // namespace

bool decodeHex(QByteArrayView hex, Bytes& out) {
    if (hex.size() % 2) return false;
    out.resize(std::size_t(hex.size() / 2));
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hexDigit(hex[qsizetype(2 * i)]), lo = hexDigit(hex[qsizetype(2 * i + 1)]);
        if (hi < 0 || lo < 0) return false;
        out[i] = std::uint8_t(hi << 4 | lo);
    }
    return true;
}

bool VectorRecord::hex(const char* key, Bytes& out, QString* error) const {
    auto it = fields.constFind(key);
    if (it == fields.constEnd()) {
        if (error) *error = QStringLiteral("%1: field %2 missing").arg(where(), QLatin1String(key));
        return false;
    }
    if (!decodeHex(*it, out)) {
        if (error)
            *error = QStringLiteral("%1: field %2 is not hex").arg(where(), QLatin1String(key));
        return false;
    }
    return true;
}

bool VectorRecord::hexFields(std::initializer_list<std::pair<const char*, Bytes*>> wanted,
                             QString* error) const {
    for (const auto& [key, out] : wanted)
        if (!hex(key, *out, error)) return false;
    return true;
}

long long VectorRecord::number(const char* key) const {
    auto it = fields.constFind(key);
    if (it == fields.constEnd()) return -1;
    bool ok = false;
    long long n = it->toLongLong(&ok);
    return ok && n >= 0 ? n : -1;
}

Result<std::vector<VectorRecord>> parseKeyValueFile(const QString& path) {
    auto data = readWhole(path);
    if (!data) return tl::unexpected(data.error());

    std::vector<VectorRecord> records;
    VectorRecord current;
    QByteArray section;
    QMap<QByteArray, QByteArray> params;
    auto flush = [&] {
        if (!current.fields.isEmpty()) records.push_back(std::move(current));
        current = VectorRecord{};
    };

    int lineNo = 0;
    for (const QByteArray& raw : data->split('\n')) {
        ++lineNo;
        QByteArray line = raw.trimmed();
        if (line.isEmpty() || line.startsWith('#')) continue;
        if (line.startsWith('[')) {
            if (!line.endsWith(']'))
                return fail(ErrorCode::Malformed, path.toStdString() +
                                                      ": unterminated header at line " +
                                                      std::to_string(lineNo));
            flush();
            QByteArray inner = line.mid(1, line.size() - 2);
            qsizetype eq = inner.indexOf('=');
            if (eq < 0)
                section = inner.trimmed();
            else
                params.insert(inner.left(eq).trimmed(), inner.mid(eq + 1).trimmed());
            continue;
        }
        QByteArray key, value;
        qsizetype eq = line.indexOf('=');
        if (eq < 0) {
            key = line; // a bare flag such as FAIL in gcmDecrypt*.rsp
        } else {
            key = line.left(eq).trimmed();
            value = line.mid(eq + 1).trimmed();
        }
        if (current.fields.contains(key)) flush();
        if (current.fields.isEmpty()) {
            current.line = lineNo;
            current.section = section;
            current.params = params;
        }
        current.fields.insert(key, value);
    }
    flush();
    return records;
}

bool WycheproofCase::hex(const char* name, Bytes& out, QString* error) const {
    QJsonValue v = fields.value(QLatin1String(name));
    if (!v.isString()) {
        if (error) *error = QStringLiteral("%1: field %2 missing").arg(id(), QLatin1String(name));
        return false;
    }
    if (!decodeHex(v.toString().toLatin1(), out)) {
        if (error)
            *error = QStringLiteral("%1: field %2 is not hex").arg(id(), QLatin1String(name));
        return false;
    }
    return true;
}

bool WycheproofCase::hexFields(std::initializer_list<std::pair<const char*, Bytes*>> wanted,
                               QString* error) const {
    for (const auto& [name, out] : wanted)
        if (!hex(name, *out, error)) return false;
    return true;
}

QString WycheproofCase::id() const {
    return comment.isEmpty() ? QStringLiteral("tcId %1").arg(tcId)
                             : QStringLiteral("tcId %1 (%2)").arg(tcId).arg(comment);
}

Result<WycheproofFile> loadWycheproof(const QString& path) {
    auto data = readWhole(path);
    if (!data) return tl::unexpected(data.error());
    QJsonParseError parseError{};
    QJsonDocument doc = QJsonDocument::fromJson(*data, &parseError);
    if (doc.isNull() || !doc.isObject())
        return fail(ErrorCode::Malformed,
                    path.toStdString() + ": " + parseError.errorString().toStdString());

    QJsonObject root = doc.object();
    WycheproofFile file;
    file.algorithm = root.value(QLatin1String("algorithm")).toString();
    file.numberOfTests = root.value(QLatin1String("numberOfTests")).toInt(-1);
    const QJsonArray groups = root.value(QLatin1String("testGroups")).toArray();
    for (const QJsonValue& g : groups) {
        QJsonObject group = g.toObject();
        const QJsonArray tests = group.value(QLatin1String("tests")).toArray();
        group.remove(QLatin1String("tests"));
        for (const QJsonValue& t : tests) {
            QJsonObject test = t.toObject();
            WycheproofCase c;
            c.tcId = test.value(QLatin1String("tcId")).toInt();
            c.result = test.value(QLatin1String("result")).toString();
            c.comment = test.value(QLatin1String("comment")).toString();
            for (const QJsonValue& f : test.value(QLatin1String("flags")).toArray())
                c.flags << f.toString();
            c.group = group;
            c.fields = test;
            file.cases.push_back(std::move(c));
        }
    }
    if (file.numberOfTests != int(file.cases.size()))
        return fail(ErrorCode::Malformed, path.toStdString() + ": numberOfTests " +
                                              std::to_string(file.numberOfTests) + " but " +
                                              std::to_string(file.cases.size()) + " tests present");
    return file;
}

QString locateVector(const char* root, const QString& relative) {
    QFileInfo info(QDir(QString::fromUtf8(root)), relative);
    return info.exists() ? info.absoluteFilePath() : QString();
}

QString missingVectorMessage(const char* root, const QString& relative) {
    return QStringLiteral("vector data missing: %1 (install python3-cryptography-vectors or set "
                          "VERBATIM_SHARED_DATA / VERBATIM_CRYPTO_VECTORS)")
        .arg(QDir(QString::fromUtf8(root)).filePath(relative));
}

} // namespace verbatim::test
