/// @file SupervisionSummary.cpp
/// The report view's summary text and date fields (SupervisionSummary.h).

#include "client/qt/SupervisionSummary.h"

#include <QDate>
#include <QTimeZone>

#include <map>

#include "client/qt/StdText.h"
#include "client/qt/SupervisionController.h" // tr(): the texts keep their translation context
#include "compliance/Supervision.h"

namespace verbatim::qt {

std::optional<std::uint64_t> dayMs(const QString& text, bool endOfDay) {
    const QString t = text.trimmed();
    if (t.isEmpty()) return 0;
    const QDate d = QDate::fromString(t, Qt::ISODate);
    if (!d.isValid()) return std::nullopt;
    const QDateTime start = d.startOfDay(QTimeZone::utc());
    return std::uint64_t(endOfDay ? start.addDays(1).toMSecsSinceEpoch() - 1
                                  : start.toMSecsSinceEpoch());
}

QString summaryOf(const compliance::Report& rep) {
    std::size_t people = 0, matters = 0;
    std::uint64_t messages = 0, alerts = 0;
    std::map<std::string, std::uint64_t> statuses, dispositions;
    const compliance::ReportRow* busiest = nullptr;
    const compliance::ReportRow* slowest = nullptr;
    for (const auto& r : rep.rows) {
        if (r.kind == "participant") {
            ++people;
            continue;
        }
        ++matters;
        messages += r.sent;
        alerts += r.alerts;
        for (const auto& [k, n] : r.statuses)
            statuses[k] += n;
        for (const auto& [k, n] : r.dispositions)
            dispositions[k] += n;
        if (!busiest || r.sent > busiest->sent) busiest = &r;
        if (r.answers && (!slowest || r.answerMedianSeconds > slowest->answerMedianSeconds))
            slowest = &r;
    }
    auto count = [](const std::map<std::string, std::uint64_t>& m, const char* k) {
        auto it = m.find(k);
        return it == m.end() ? 0ULL : (unsigned long long)it->second;
    };
    auto title = [](const compliance::ReportRow& r) {
        return r.name.empty() ? q(r.id).left(8) : q(r.name);
    };
    QStringList lines;
    lines << SupervisionController::tr("%1 participant(s), %2 conversation(s), %3 message(s).")
                 .arg(people)
                 .arg(matters)
                 .arg(messages);
    lines << SupervisionController::tr(
                 "%1 alert(s): %2 open, %3 in review, %4 escalated, %5 closed (%6 breach, %7 "
                 "no issue, %8 training, %9 referred).")
                 .arg(alerts)
                 .arg(count(statuses, "open"))
                 .arg(count(statuses, "in-review"))
                 .arg(count(statuses, "escalated"))
                 .arg(count(statuses, "closed"))
                 .arg(count(dispositions, "breach"))
                 .arg(count(dispositions, "no-issue"))
                 .arg(count(dispositions, "training"))
                 .arg(count(dispositions, "referred"));
    if (busiest)
        lines << SupervisionController::tr("Busiest: %1 (%2 messages).")
                     .arg(title(*busiest))
                     .arg(busiest->sent);
    if (slowest)
        lines << SupervisionController::tr("Slowest to answer clients: %1 (median %2 min).")
                     .arg(title(*slowest))
                     .arg(slowest->answerMedianSeconds / 60.0, 0, 'f', 1);
    return lines.join(QLatin1Char('\n'));
}

/// The metadata report's summary: conversations, and those where a client waits for an answer.
QString metadataSummaryOf(const compliance::Report& rep) {
    int conversations = 0, waiting = 0;
    for (const auto& r : rep.rows) {
        if (r.kind != "matter") continue;
        ++conversations;
        if (r.waitingSinceMs) ++waiting;
    }
    return SupervisionController::tr(
               "Metadata only: %1 conversation(s) with who talked, when and how much; a client "
               "waits for an answer in %2. No content.")
        .arg(conversations)
        .arg(waiting);
}

} // namespace verbatim::qt
