// Part of SupervisionController (see SupervisionControllerRows.h): samples and reports.
#include "client/qt/SupervisionController.h"

#include <QDate>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>

#include "client/core/Client.h"
#include "client/qt/StdText.h"
#include "client/qt/SupervisionControllerRows.h"
#include "client/qt/SupervisionSummary.h"
#include "compliance/Supervision.h"

namespace verbatim::qt {

void SupervisionController::drawSample(const QString& participant, const QString& matter,
                                       const QString& from, const QString& to,
                                       const QString& percent, const QString& seed) {
    clearError();
    compliance::SampleRequest r;
    r.participant = participant.trimmed().toStdString();
    r.matter = matter.trimmed().toStdString();
    if (r.participant.empty() == r.matter.empty())
        return setError(tr("Sample: give a participant or a matter, not both."));
    const auto fromMs = dayMs(from, false), toMs = dayMs(to, true);
    if (!fromMs || !toMs) return setError(tr("Sample: give dates as YYYY-MM-DD."));
    if (*toMs && *toMs < *fromMs) return setError(tr("Sample: the period ends before it starts."));
    r.fromMs = *fromMs;
    r.toMs = *toMs;
    bool ok = false;
    r.percent = percent.trimmed().toDouble(&ok);
    if (!ok || !(r.percent > 0 && r.percent <= 100))
        return setError(tr("Sample: the percentage must be more than 0 and at most 100."));
    const QString seedText = seed.trimmed();
    if (seedText.isEmpty()) {
        // Shown and journaled: whoever has the archive draws the same sample with it.
        r.seed = QRandomGenerator::system()->generate64() & ((1ULL << 53) - 1);
    } else {
        // Digits only (no sign, no spaces), as the CLI's --seed; the random ones have 16 at most.
        static const QRegularExpression digits(QStringLiteral("^[0-9]{1,20}$"));
        bool fits = false;
        r.seed = seedText.toULongLong(&fits);
        if (!digits.match(seedText).hasMatch() || !fits)
            return setError(tr("Sample: the seed is a whole number (digits only)."));
    }
    // The body is checked here, with no entries, so that nothing malformed reaches the worker.
    if (auto b = compliance::supervisionSampleBody(r, {}); !b)
        return setError(tr("Sample: %1").arg(q(b.error().message)));
    client::Client* c = readyOfficer();
    if (!c) return;
    const std::string me = officerId(*c);
    const std::string filter = m_filter.toStdString();
    auto cancel = m_compliance->cancelFlag();
    QPointer<SupervisionController> self(this);
    const QString what = tr("Sample with seed %1").arg(r.seed);
    begin();
    setStatus(tr("%1: drawing and journaling\u2026").arg(what));
    m_compliance->submit(
        [self, c, me, filter, what, r, cancel](Worker& w) -> std::function<void()> {
            auto finish = [self](bool ok, QString text, std::shared_ptr<Rows> rows) {
                return finished(self, ok, std::move(text), std::move(rows));
            };
            if (!w.archive) return finish(false, tr("The archive is closed."), nullptr);
            std::string body;
            std::uint64_t before = 0;
            std::size_t items = 0;
            {
                compliance::Supervision sv(*w.archive);
                auto drawn = sv.drawSample(r);
                if (!drawn)
                    return finish(false, tr("%1: %2").arg(what, q(drawn.error().message)), nullptr);
                items = drawn->size();
                auto b = compliance::supervisionSampleBody(r, *drawn);
                if (!b) return finish(false, tr("%1: %2").arg(what, q(b.error().message)), nullptr);
                body = *b;
                auto known = sv.samples();
                if (!known)
                    return finish(false, tr("%1: %2").arg(what, q(known.error().message)), nullptr);
                if (!known->empty()) before = known->back().sequence;
            }
            const std::string seedText = std::to_string(r.seed);
            auto done = compliancework::journal(
                w, *c, body,
                [&](compliance::Supervision& sv) {
                    auto all = sv.samples();
                    return all && !all->empty() && all->back().sequence > before &&
                           all->back().who == me && all->back().seed == seedText;
                },
                cancel);
            auto rows = std::make_shared<Rows>();
            if (!readRows(w, me, filter, *rows)) rows.reset();
            if (!done) return finish(false, tr("%1: %2").arg(what, q(done.error().message)), rows);
            return finish(true, tr("%1: %n entries sampled, journaled.", "", int(items)).arg(what),
                          rows);
        });
}

void SupervisionController::writeReport(const QString& format, const QString& urlOrPath,
                                        const QString& from, const QString& to) {
    clearError();
    if (!m_compliance || !m_compliance->unlocked())
        return setError(tr("Unlock the journal key first."));
    const QString fmt = format.trimmed().toLower();
    if (fmt != QLatin1String("csv") && fmt != QLatin1String("html") &&
        fmt != QLatin1String("metadata"))
        return setError(tr("Choose CSV, HTML or metadata only for the report."));
    QString path = urlOrPath.trimmed();
    if (path.startsWith(QLatin1String("file:"))) path = QUrl(path).toLocalFile();
    if (path.isEmpty()) return setError(tr("Give a file for the report."));
    if (QFile::exists(path)) return setError(tr("%1 exists already; choose a new file.").arg(path));
    const auto fromMs = dayMs(from, false), toMs = dayMs(to, true);
    if (!fromMs || !toMs) return setError(tr("Give dates as YYYY-MM-DD."));
    if (*toMs && *toMs < *fromMs) return setError(tr("The report ends before it starts."));
    client::Client* c = officerClient();
    std::string detail = "report format=" + fmt.toStdString();
    if (!from.trimmed().isEmpty()) detail += " from=" + from.trimmed().toStdString();
    if (!to.trimmed().isEmpty()) detail += " to=" + to.trimmed().toStdString();
    const std::string firm = c ? c->account().firmName : std::string();
    auto cancel = m_compliance->cancelFlag();
    QPointer<SupervisionController> self(this);
    begin();
    setStatus(tr("Writing the report\u2026"));
    const std::uint64_t a = *fromMs, b = *toMs;
    m_compliance->submit(
        [self, c, detail, firm, cancel, a, b, fmt, path](Worker& w) -> std::function<void()> {
            auto failed = [self](const QString& text) {
                return failure(self, text, &SupervisionController::reportFinished);
            };
            if (!w.archive) return failed(tr("The archive is closed."));
            // Journaled as an export before anything is written, as `verbatim-journal report`.
            auto journaled = compliancework::journalAccess(w, c, "export", detail, cancel);
            if (!journaled)
                return failed(tr("The report was not journaled, so nothing was written: %1")
                                  .arg(q(journaled.error().message)));
            compliance::Supervision sv(*w.archive);
            auto rep = sv.report(a, b);
            if (!rep) return failed(tr("The report failed: %1").arg(q(rep.error().message)));
            const bool metadata = fmt == QLatin1String("metadata");
            const std::string text =
                metadata ? rep->metadataCsv(std::uint64_t(QDateTime::currentMSecsSinceEpoch()))
                : fmt == QLatin1String("csv") ? rep->csv()
                                              : rep->html(firm);
            QFile f(path);
            // A new file only, readable by its owner alone: the report names clients and matters.
            if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                        QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
                f.write(text.data(), qint64(text.size())) != qint64(text.size()) || !f.flush()) {
                f.remove();
                return failed(tr("Cannot write %1.").arg(path));
            }
            f.close();
            const QString summary = metadata ? metadataSummaryOf(*rep) : summaryOf(*rep);
            return [self, summary, path, journaled = *journaled] {
                if (!self) return;
                self->m_reportSummary = summary;
                self->m_reportFile = path;
                emit self->reportChanged();
                self->setStatus(journaled
                                    ? tr("Report written to %1 (journaled as an export).").arg(path)
                                    : tr("Report written to %1 (not journaled: this device is "
                                         "not in “Compliance review\u201d).")
                                          .arg(path));
                self->end();
                emit self->reportFinished(true);
                self->reload();
            };
        });
}

} // namespace verbatim::qt
