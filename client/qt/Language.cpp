#include "client/qt/Language.h"

#include <QCoreApplication>
#include <QLibraryInfo>

namespace verbatim::qt {

namespace {

/// Where the embedded catalogues are (client/qt/CMakeLists.txt: qt_add_lrelease, PREFIX /i18n).
constexpr auto kCatalogues = ":/i18n";

} // namespace

QStringList Language::available() {
    return {QStringLiteral("en"), QStringLiteral("de")};
}

std::optional<QLocale> Language::parse(const QString& code) {
    const QString c = code.trimmed();
    if (c.isEmpty() || c == QLatin1String("system")) return QLocale::system();
    // QLocale("xx") falls back to C for a name it does not know: refused, not guessed.
    const QLocale locale(c);
    if (locale.language() == QLocale::C) return std::nullopt;
    const QString language = QLocale::languageToCode(locale.language());
    if (!available().contains(language)) return std::nullopt;
    return locale;
}

QString Language::requested(const QStringList& args) {
    for (qsizetype i = 1; i < args.size() && args[i] != QLatin1String("--"); ++i) {
        if (args[i] == QLatin1String("--locale") && i + 1 < args.size()) return args[i + 1];
        if (args[i].startsWith(QLatin1String("--locale="))) return args[i].mid(9);
    }
    return {};
}

QString Language::install(const QLocale& locale) {
    QCoreApplication::removeTranslator(&m_app);
    QCoreApplication::removeTranslator(&m_qt);
    const QString language = QLocale::languageToCode(locale.language());
    if (language != QLatin1String("en") && available().contains(language) &&
        m_app.load(locale, QStringLiteral("verbatim"), QStringLiteral("_"),
                   QString::fromLatin1(kCatalogues))) {
        QCoreApplication::installTranslator(&m_app);
        // Qt's own texts (a dialog's OK, Cancel, Close): Debian's qt6-translations-l10n. Without
        // them those few buttons stay English; the app's own texts do not depend on them.
        if (m_qt.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                      QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(&m_qt);
        QLocale::setDefault(locale);
        return language;
    }
    // English texts, with the locale's country conventions (24-hour clock, date order).
    QLocale::setDefault(QLocale(QLocale::English, locale.territory()));
    return QStringLiteral("en");
}

} // namespace verbatim::qt
