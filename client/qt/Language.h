#pragma once
/// @file Language.h
/// The app's languages (issue 23): English, the language of the sources, and German, from
/// client/qt/translations/verbatim_de.ts (built into verbatim_de.qm and embedded under :/i18n).
/// The language follows the system's locale (QLocale::system(): LANG, LC_ALL, LC_MESSAGES) unless
/// the app is told one (`verbatim --locale de`). A locale whose language the app does not speak
/// shows English, with that locale's country conventions.
///
/// Install before QML loads: every qsTr()/tr() asks the installed translators. Also sets the
/// default QLocale, so dates and numbers (QLocale(), Qt.locale() in QML) read in the language
/// shown ("Mo., 3. Nov. 2025" in German). Thread: the GUI thread, once, at start.

#include <QLocale>
#include <QString>
#include <QStringList>
#include <QTranslator>
#include <optional>

namespace verbatim::qt {

class Language {
public:
    /// The languages the app speaks, as ISO 639 codes: "en" (the sources) first.
    static QStringList available();
    /// `code` as a locale: "" or "system" is the system's; otherwise a locale name such as "de",
    /// "de_AT" or "en_GB". Nullopt when it is neither a locale Qt knows nor the app speaks its
    /// language (the caller says which are available()).
    static std::optional<QLocale> parse(const QString& code);

    /// The value of `--locale CODE` or `--locale=CODE` among a program's arguments `args`, read
    /// before the command line is parsed (its help and errors are said in that language); "" when
    /// there is none. The parser checks it afterwards like any option.
    static QString requested(const QStringList& args);

    /// Installs the app's catalogue for `locale` and Qt's own (its dialogs' standard buttons)
    /// into the application and makes `locale` the default QLocale. Returns the code of the
    /// language shown ("de", or "en" when the app has no catalogue for `locale`'s language).
    QString install(const QLocale& locale);

private:
    QTranslator m_app;
    QTranslator m_qt;
};

} // namespace verbatim::qt
