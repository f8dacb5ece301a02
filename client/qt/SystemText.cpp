#include "client/qt/SystemText.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <vector>

#include "journal/RecordingNotice.h"

namespace verbatim::qt {

namespace {

/// One of the core's sentences: its pattern (the name as group 1, a count as group 2) and the
/// text to translate (context "SystemText"), with %1 for the name and %n for the count.
struct Sentence {
    QRegularExpression pattern;
    const char* text;
    bool counted = false;
};

const std::vector<Sentence>& sentences() {
    static const std::vector<Sentence> all = [] {
        auto re = [](const char* p) {
            return QRegularExpression(QString::fromUtf8(p),
                                      QRegularExpression::DotMatchesEverythingOption);
        };
        // The texts are the core's, word for word (client/core): change both together.
        return std::vector<Sentence>{
            {re("^You accepted the recording notice$"),
             QT_TRANSLATE_NOOP("SystemText", "You accepted the recording notice")},
            {re("^(.+) accepted the recording notice$"),
             QT_TRANSLATE_NOOP("SystemText", "%1 accepted the recording notice")},
            {re("^You accepted a new safety number$"),
             QT_TRANSLATE_NOOP("SystemText", "You accepted a new safety number")},
            {re("^A message from (.+) could not be decrypted\\.$"),
             QT_TRANSLATE_NOOP("SystemText", "A message from %1 could not be decrypted.")},
            {re("^A malformed message from (.+) was dropped\\.$"),
             QT_TRANSLATE_NOOP("SystemText", "A malformed message from %1 was dropped.")},
            {re("^The safety number of (.+) changed\\. Verify it, then accept to keep sending\\.$"),
             QT_TRANSLATE_NOOP("SystemText",
                               "The safety number of %1 changed. Verify it, then accept to keep "
                               "sending.")},
            {re("^(.+)'s device reported a message whose journal copy does not match\\.$"),
             QT_TRANSLATE_NOOP("SystemText",
                               "%1's device reported a message whose journal copy does not "
                               "match.")},
            {re("^The relay was restored from a backup; ()([0-9]+) messages? of yours here that "
                "it lost were sent again\\.$"),
             QT_TRANSLATE_N_NOOP("SystemText",
                                 "The relay was restored from a backup; %n message(s) of yours "
                                 "here that it lost were sent again."),
             true},
        };
    }();
    return all;
}

} // namespace

QString systemText(const QString& core) {
    for (const auto& s : sentences()) {
        const auto m = s.pattern.match(core);
        if (!m.hasMatch()) continue;
        const int n = s.counted ? m.captured(2).toInt() : -1;
        QString out = QCoreApplication::translate("SystemText", s.text, nullptr, n);
        // Not translated (English): the core's own sentence, whose plural is already right.
        QString source = QString::fromUtf8(s.text);
        if (s.counted) source.replace(QLatin1String("%n"), QString::number(n));
        if (out == source) return core;
        if (out.contains(QLatin1String("%1"))) out = out.arg(m.captured(1));
        return out;
    }
    return core;
}

QString historyImportedText(const QString& core) {
    // Word for word as client/core/ClientHistory.cpp writes it: change both together.
    static const QRegularExpression pattern(
        QStringLiteral("^([0-9]+) messages in ([0-9]+) conversations copied from device ([0-9]+)"
                       "(?: \\(([0-9]+) already here\\))?; not verified on this device"
                       "(?:; ([0-9]+) conversations the relay does not list to you were left out "
                       "\\(([0-9]+) messages\\))?$"));
    const auto m = pattern.match(core);
    static const char* const kMain =
        QT_TRANSLATE_NOOP("HistoryText", "copied from device %3: messages %1, conversations %2");
    const QString main = QCoreApplication::translate("HistoryText", kMain);
    if (!m.hasMatch() || main == QLatin1String(kMain)) return core;
    QString out = main.arg(m.captured(1), m.captured(2), m.captured(3));
    if (!m.captured(4).isEmpty())
        out += QCoreApplication::translate("HistoryText", " (%1 already here)").arg(m.captured(4));
    out += QCoreApplication::translate("HistoryText", "; not verified on this device");
    if (!m.captured(5).isEmpty())
        out += QCoreApplication::translate(
                   "HistoryText",
                   "; left out, as the relay does not list them to you: conversations %1 "
                   "(messages %2)")
                   .arg(m.captured(5), m.captured(6));
    return out;
}

QString noticeTranslation(int version) {
    // Version 1 word for word as shared/journal/RecordingNotice.cpp holds it; checked below, so
    // that a changed canonical text shows no stale translation.
    static const char* const kV1 = QT_TRANSLATE_NOOP(
        "RecordingNotice",
        "This conversation is recorded.\n\nThe firm is required to keep records. Every message "
        "you send or receive here, including messages that are later edited or deleted, is also "
        "kept in the firm's encrypted journal and may be reviewed by its compliance officers."
        "\n\nMessages are end-to-end encrypted: the service that carries them cannot read them. "
        "Only you, the people in the conversation and the firm's journal can.\n\nBy accepting, "
        "you agree that your messages in this conversation are recorded in this way.");
    const auto canonical = journal::recordingNoticeText(std::uint32_t(version));
    if (version != 1 || !canonical || *canonical != std::string_view(kV1)) return {};
    const QString shown = QCoreApplication::translate("RecordingNotice", kV1);
    return shown == QLatin1String(kV1) ? QString() : shown;
}

} // namespace verbatim::qt
