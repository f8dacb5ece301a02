#include "client/qt/PassphraseStrength.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QSet>
#include <QStringList>
#include <array>
#include <string_view>

#include "common/Passphrase.h"

namespace verbatim::qt {

namespace {

/// kPassphraseRule, word for word, as a text to translate.
constexpr const char* kRule = QT_TRANSLATE_NOOP(
    "PassphraseStrength", "A passphrase needs at least 12 characters, at least 5 of them different "
                          "(a few unrelated words are easy to remember).");
static_assert(std::string_view(kRule) == kPassphraseRule, "the rule's text changed: change both");

} // namespace

QString PassphraseStrength::rule() {
    return QCoreApplication::translate("PassphraseStrength", kRule);
}

namespace {

// Passwords at the top of every breach list, and keyboard and digit runs. Any of them inside a
// passphrase is the first thing a guesser tries, however long the rest.
constexpr std::array<const char*, 40> kCommon = {
    "password", "passwort", "motdepasse", "123456",  "654321",   "12345678", "qwerty",
    "qwertz",   "azerty",   "asdfgh",     "zxcvbn",  "abc123",   "111111",   "000000",
    "123123",   "iloveyou", "letmein",    "welcome", "monkey",   "dragon",   "football",
    "baseball", "sunshine", "princess",   "admin",   "master",   "shadow",   "superman",
    "trustno1", "starwars", "login",      "secret",  "hello123", "1q2w3e",   "qazwsx",
    "changeme", "passw0rd", "p@ssw0rd",   "abcdef",  "verbatim"};

// A run of `length` characters counting up or down by one ("abcd", "4321").
bool hasSequence(const QString& s, int length) {
    int up = 1, down = 1;
    for (int i = 1; i < s.size(); ++i) {
        const int d = s[i].unicode() - s[i - 1].unicode();
        up = d == 1 ? up + 1 : 1;
        down = d == -1 ? down + 1 : 1;
        if (up >= length || down >= length) return true;
    }
    return false;
}

// Whether `lower` holds a common password: one made of letters as a word of its own (with digits
// or signs around it at most: "Password1!"), so that "badminton" is not "admin"; any other
// (digits, runs, "p@ssw0rd") anywhere.
bool containsCommon(const QString& lower) {
    const QStringList words =
        lower.split(QRegularExpression(QStringLiteral("[^\\p{L}\\p{N}@!$]+")), Qt::SkipEmptyParts);
    for (const char* common : kCommon) {
        const QLatin1String entry(common);
        bool letters = true;
        for (const char c : std::string_view(common))
            letters = letters && c >= 'a' && c <= 'z';
        if (!letters) {
            if (lower.contains(entry)) return true;
            continue;
        }
        for (const QString& w : words) {
            qsizetype from = 0, to = w.size();
            while (from < to && !w[from].isLetter())
                ++from;
            while (to > from && !w[to - 1].isLetter())
                --to;
            if (QStringView(w).sliced(from, to - from) == entry) return true;
        }
    }
    return false;
}

} // namespace

PassphraseStrength PassphraseStrength::assess(const QString& passphrase) {
    PassphraseStrength out;
    if (passphrase.isEmpty()) return out;
    const QByteArray utf8 = passphrase.toUtf8();
    if (!checkNewPassphrase(std::string_view(utf8.constData(), std::size_t(utf8.size())))) {
        out.hint =
            QCoreApplication::translate("PassphraseStrength", "Too short or too repetitive: ") +
            rule();
        return out;
    }
    const QString lower = passphrase.toLower();
    if (containsCommon(lower)) {
        out.score = 1;
        out.hint = QCoreApplication::translate(
            "PassphraseStrength",
            "Weak: it contains a well-known password, which is guessed first. Use "
            "a few unrelated words instead.");
        return out;
    }
    if (hasSequence(lower, 5)) {
        out.score = 1;
        out.hint = QCoreApplication::translate(
            "PassphraseStrength",
            "Weak: it contains a run like “abcde\u201d or “12345\u201d. Use a "
            "few unrelated words instead.");
        return out;
    }
    // Kinds of characters, and words (runs of letters of at least three).
    bool lowerCase = false, upperCase = false, digit = false, other = false;
    int words = 0, letters = 0;
    for (const QChar c : passphrase) {
        if (c.isLower())
            lowerCase = true;
        else if (c.isUpper())
            upperCase = true;
        else if (c.isDigit())
            digit = true;
        else
            other = true;
        if (c.isLetter()) {
            if (++letters == 3) ++words;
        } else {
            letters = 0;
        }
    }
    const int kinds = int(lowerCase) + int(upperCase) + int(digit) + int(other);
    const auto length = passphrase.toUcs4().size();
    if (length >= 20 && (words >= 3 || kinds >= 3)) {
        out.score = 4;
        out.hint = QCoreApplication::translate("PassphraseStrength", "Strong.");
    } else if (length >= 16 || (words >= 3 && length >= 14) || kinds >= 3) {
        out.score = 3;
        out.hint = QCoreApplication::translate(
            "PassphraseStrength", "Good. A few more characters or another word make it strong.");
    } else {
        out.score = 2;
        out.hint = QCoreApplication::translate(
            "PassphraseStrength", "Fair. Another unrelated word makes it much harder to guess.");
    }
    return out;
}

} // namespace verbatim::qt
