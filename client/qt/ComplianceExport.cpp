/// @file ComplianceExport.cpp
/// The compliance page's export bar (issue 21, scoped production): the matters it offers, the
/// size of a whole-firm export, the file name a scope suggests, and the export itself, run on the
/// archive's worker through compliance::exportArchive (the CLI's export) and journaled as an
/// access with its scope. The rest of ComplianceController is in ComplianceController.cpp.

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>
#include <QVariantMap>

#include <fstream>

#include "client/core/Client.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/ComplianceWorker.h"
#include "client/qt/StdText.h"
#include "compliance/Archive.h"
#include "compliance/Export.h"
#include "compliance/TimeText.h"

namespace verbatim::qt {

using Worker = ComplianceController::Worker;

QVariantList ComplianceController::exportMatters() const {
    using M = ArchiveConversationsModel;
    QVariantList out;
    for (int i = 0; i < m_conversations.rowCount(); ++i) {
        const QModelIndex ix = m_conversations.index(i, 0);
        if (!m_conversations.data(ix, M::MatterRole).toBool()) continue;
        out << QVariantMap{{QStringLiteral("id"), m_conversations.data(ix, M::IdRole)},
                           {QStringLiteral("title"), m_conversations.data(ix, M::TitleRole)},
                           {QStringLiteral("events"), m_conversations.data(ix, M::EventsRole)}};
    }
    return out;
}

qulonglong ComplianceController::firmEvents() const {
    qulonglong n = 0;
    for (int i = 0; i < m_conversations.rowCount(); ++i)
        n +=
            m_conversations.data(m_conversations.index(i, 0), ArchiveConversationsModel::EventsRole)
                .toULongLong();
    return n;
}

QString ComplianceController::suggestedFileName(const QString& format, const QString& matter,
                                                const QString& from, const QString& to,
                                                const QString& participant) const {
    // A matter given by id is named by its title, as the officer knows it.
    QString scope = m_conversations.titleOf(matter.trimmed());
    if (scope.isEmpty()) scope = matter.trimmed();
    if (!participant.trimmed().isEmpty())
        scope += (scope.isEmpty() ? QString() : QStringLiteral("-")) + participant.trimmed();
    if (scope.isEmpty()) scope = QStringLiteral("whole-firm");
    QString name = QStringLiteral("verbatim-") + scope;
    if (!from.trimmed().isEmpty()) name += QStringLiteral("-from-") + from.trimmed();
    if (!to.trimmed().isEmpty()) name += QStringLiteral("-to-") + to.trimmed();
    // Only characters every file system and review platform accepts; no leading dot.
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]+"));
    name.replace(unsafe, QStringLiteral("-"));
    QString ext = format.trimmed().toLower();
    if (ext.isEmpty()) ext = QStringLiteral("rsmf");
    return name.left(120) + QLatin1Char('.') + ext;
}

void ComplianceController::exportTo(const QString& format, const QString& urlOrPath,
                                    const QString& matter, const QString& from, const QString& to,
                                    bool wholeFirm, const QString& participant) {
    clearError();
    if (!m_unlocked) return setError(tr("Unlock the journal key first."));
    const QString fmt = format.trimmed().toLower();
    if (fmt != QLatin1String("rsmf") && fmt != QLatin1String("eml") &&
        fmt != QLatin1String("jsonl"))
        return setError(tr("Choose RSMF, EML or JSON Lines."));
    // Issue 21: producing the whole firm over-produces privileged material, so it is never the
    // default; the officer names a matter or chooses the whole firm deliberately.
    const QString scope = wholeFirm ? QString() : matter.trimmed();
    const QString who = wholeFirm ? QString() : participant.trimmed();
    if (!wholeFirm && scope.isEmpty() && who.isEmpty())
        return setError(tr("Choose the matter or the participant to export, or \u201cWhole "
                           "firm\u201d. Nothing was written."));
    std::uint64_t fromMs = 0, toMs = 0;
    if (!from.trimmed().isEmpty()) {
        auto t = compliance::parseTime(from.trimmed().toStdString(), false);
        if (!t)
            return setError(tr("“From\u201d is not a date (YYYY-MM-DD, or "
                               "YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was written."));
        fromMs = *t;
    }
    if (!to.trimmed().isEmpty()) {
        auto t = compliance::parseTime(to.trimmed().toStdString(), true);
        if (!t)
            return setError(tr("\u201cTo\u201d is not a date (YYYY-MM-DD, or "
                               "YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was written."));
        toMs = *t;
    }
    if (fromMs && toMs && fromMs > toMs)
        return setError(tr("The date range starts after it ends (%1 is after %2). Nothing was "
                           "written.")
                            .arg(from.trimmed(), to.trimmed()));
    QString path = urlOrPath.trimmed();
    if (path.startsWith(QLatin1String("file:"))) path = QUrl(path).toLocalFile();
    if (path.isEmpty()) return setError(tr("Give a file to export to."));
    if (QFileInfo(path).isDir())
        path = QDir(path).filePath(suggestedFileName(fmt, scope, from, to, who));
    setProgress(tr("Exporting\u2026"));
    compliance::ExportOptions o;
    o.format = fmt.toStdString();
    o.out = path.toStdString();
    o.matter = scope.toStdString();
    o.participant = who.toStdString();
    o.fromMs = fromMs;
    o.toMs = toMs;
    o.generator = "Verbatim app 0.1";
    // The access log records the scope as verbatim-journal export does.
    std::string detail = "format=" + o.format;
    if (wholeFirm) detail += " scope=whole-firm";
    if (!o.matter.empty()) detail += " matter=" + o.matter;
    if (!o.participant.empty()) detail += " participant=" + o.participant;
    if (!from.trimmed().isEmpty()) detail += " from=" + from.trimmed().toStdString();
    if (!to.trimmed().isEmpty()) detail += " to=" + to.trimmed().toStdString();
    client::Client* c = m_app && m_app->session()->role() == QLatin1String("compliance")
                            ? m_app->client()
                            : nullptr;
    m_cancel->store(false);
    auto cancel = m_cancel;
    submit([this, o, c, cancel, detail](Worker& w) mutable -> std::function<void()> {
        auto failed = [this](const QString& text) {
            return [this, text] {
                setProgress({});
                setError(text);
                emit exportFinished(false);
            };
        };
        if (!w.archive) return failed(tr("The archive is closed."));
        // A participant given by name is exported by user id; one the archive does not know is
        // refused before anything is journaled or written (a typo would export nothing).
        if (!o.participant.empty()) {
            auto people = w.archive->participants();
            if (!people)
                return failed(tr("Cannot read the archive: %1").arg(q(people.error().message)));
            std::string id;
            for (const auto& p : *people)
                if (p.user == o.participant) id = p.user;
            if (id.empty())
                for (const auto& p : *people)
                    if (!p.name.empty() &&
                        q(p.name).compare(q(o.participant), Qt::CaseInsensitive) == 0)
                        id = p.user;
            if (id.empty())
                return failed(tr("No participant \u201c%1\u201d in the archive. Nothing was "
                                 "written.")
                                  .arg(q(o.participant)));
            o.participant = id;
        }
        auto journaled = compliancework::journalAccess(w, c, "export", detail, cancel);
        if (!journaled)
            return failed(tr("The export was not journaled, so nothing was written: %1")
                              .arg(q(journaled.error().message)));
        auto r = compliance::exportArchive(*w.archive, o);
        if (!r) return failed(tr("The export failed: %1").arg(q(r.error().message)));
        QStringList files;
        for (const auto& f : r->files)
            files << q(f);
        const int events = int(r->events), attachments = int(r->attachments);
        return [this, files, events, attachments] {
            m_exportedFiles = files.join(QLatin1Char('\n'));
            emit exportedChanged();
            setProgress(tr("Exported %1 event(s) and %2 attachment(s) to %3")
                            .arg(events)
                            .arg(attachments)
                            .arg(files.join(QStringLiteral(", "))));
            emit exportFinished(true);
        };
    });
}

} // namespace verbatim::qt
