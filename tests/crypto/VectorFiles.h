#pragma once
/// @file VectorFiles.h
/// Loaders for the known-answer vector files the crypto tests read at run time: Wycheproof
/// JSON (tests/data/wycheproof, VERBATIM_SHARED_DATA) and the NIST CAVP `.rsp` / RFC `.txt`
/// "KEY = value" files shipped by Debian's python3-cryptography-vectors
/// (VERBATIM_CRYPTO_VECTORS, installed by setup).
/// Test-only code; not thread-safe (plain value types, no shared state).

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QtTest/QTest>
#include <vector>

#include "common/Bytes.h"
#include "common/Result.h"

namespace verbatim::test {

/// Strict hex decoding (either case, even length, nothing else); false on any other input.
bool decodeHex(QByteArrayView hex, Bytes& out);

/// One record of a "KEY = value" file. A record ends where a key it already holds appears
/// again (a new `COUNT`, `Len`, ...), at a `[...]` header, or at the end of the file, so
/// blank lines and `#` comments inside a record (RFC 4231, RFC 5869 files) do not split it.
struct VectorRecord {
    int line = 0;       ///< 1-based line of the record's first field
    QByteArray section; ///< last bare header, e.g. "ENCRYPT", "DECRYPT"; "" if none
    QMap<QByteArray, QByteArray> params; ///< "[Keylen = 128]" style headers in force
    QMap<QByteArray, QByteArray> fields; ///< "KEY = value"; a bare word ("FAIL") maps to ""

    bool has(const char* key) const { return fields.contains(key); }
    QByteArray value(const char* key) const { return fields.value(key); }
    /// Decode field `key` as hex into `out`; false (with `error` naming key and line) when the
    /// field is missing or not hex.
    bool hex(const char* key, Bytes& out, QString* error) const;
    /// Decode several hex fields at once; stops at the first failure.
    bool hexFields(std::initializer_list<std::pair<const char*, Bytes*>> wanted,
                   QString* error) const;
    /// Field `key` as a non-negative decimal integer, or -1 when missing or not a number.
    long long number(const char* key) const;
    /// "line N" for messages.
    QString where() const { return QStringLiteral("line %1").arg(line); }
};

/// Parse a NIST CAVP `.rsp` or pyca/RFC `.txt` vector file.
[[nodiscard]] Result<std::vector<VectorRecord>> parseKeyValueFile(const QString& path);

/// One Wycheproof test with its group's parameters.
struct WycheproofCase {
    int tcId = 0;
    QString result; ///< "valid", "invalid" or "acceptable"
    QStringList flags;
    QString comment;
    QJsonObject group;  ///< the enclosing testGroup (keySize, tagSize, publicKey, ...)
    QJsonObject fields; ///< the test object itself

    bool isValid() const { return result == QLatin1String("valid"); }
    bool isInvalid() const { return result == QLatin1String("invalid"); }
    bool isAcceptable() const { return result == QLatin1String("acceptable"); }
    /// Decode string field `name` of the test as hex.
    bool hex(const char* name, Bytes& out, QString* error) const;
    bool hexFields(std::initializer_list<std::pair<const char*, Bytes*>> wanted,
                   QString* error) const;
    /// "tcId N (comment)" for messages.
    QString id() const;
};

struct WycheproofFile {
    QString algorithm;
    int numberOfTests = 0; ///< as declared in the file header
    std::vector<WycheproofCase> cases;
};

/// Read a Wycheproof JSON file (testGroups[].tests[]); fails if the declared numberOfTests
/// differs from the number of tests actually present.
[[nodiscard]] Result<WycheproofFile> loadWycheproof(const QString& path);

/// Absolute path of `relative` under `root` if that file or folder exists, else empty.
QString locateVector(const char* root, const QString& relative);
/// Message used when a vector path is missing.
QString missingVectorMessage(const char* root, const QString& relative);

/// The error text of a failed Result, or "" when it holds a value (QVERIFY2 evaluates its
/// message eagerly, so it must be safe to call on success).
template <class T> QString errorText(const Result<T>& r) {
    return r ? QString() : QString::fromStdString(r.error().message);
}

} // namespace verbatim::test

/// Declare `var` as the path of `relative` under `root` (VERBATIM_SHARED_DATA or
/// VERBATIM_CRYPTO_VECTORS), or fail the current test function, naming the missing path (the data
/// is in the tree, tests/data, or installed by setup). QFAIL has to expand inside the test
/// function, hence a macro.
#define VERBATIM_VECTOR_OR_FAIL(var, root, relative)                                               \
    const QString var = ::verbatim::test::locateVector((root), (relative));                        \
    if (var.isEmpty()) QFAIL(qPrintable(::verbatim::test::missingVectorMessage((root), (relative))))
