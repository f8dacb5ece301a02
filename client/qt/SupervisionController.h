#pragma once
/// @file SupervisionController.h
/// The review side of the compliance page (issue 21; README "Supervision"): the review queue
/// (alerts and sampled entries, filtered by state; assign to me, escalate, close with a
/// disposition and a note), the lexicon policies (add, disable, load the labelled example set),
/// the access log, and the period report written to a file with a summary on screen. It does what
/// `verbatim-journal policy/alerts/review/report/access-log` do, through the same path: every
/// action is a SUPERVISION record this compliance device journals, pulled back and applied
/// before the queue shows it, so every officer's archive shows the same state.
///
/// Threading: it works on the ComplianceController's archive, on that controller's worker thread
/// (ComplianceController::submit); every invokable returns at once and results come back as
/// model resets and signals on the GUI thread. An automatic pull runs on a timer while
/// `autoPull` holds (the page binds it to being shown and unlocked).
///
/// Create it in QML with `compliance: <the page's ComplianceController>`; nothing works before.

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <functional>
#include <memory>
#include <string>

#include "client/qt/ComplianceController.h"
#include "client/qt/SupervisionAccessModel.h"
#include "client/qt/SupervisionAlertsModel.h"
#include "client/qt/SupervisionHoldsModel.h"
#include "client/qt/SupervisionPoliciesModel.h"
#include "common/Result.h"

namespace verbatim::compliance {
class Supervision;
}

namespace verbatim::qt {

class SupervisionController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    /// The page's journal controller: its archive, worker and client.
    Q_PROPERTY(ComplianceController* compliance READ compliance WRITE setCompliance NOTIFY
                   complianceChanged)
    /// Shown states of the queue: "" (all), open, in-review, escalated, closed.
    Q_PROPERTY(
        QString statusFilter READ statusFilter WRITE setStatusFilter NOTIFY statusFilterChanged)
    /// Alerts not closed (whatever the filter).
    Q_PROPERTY(int openCount READ openCount NOTIFY reloaded)
    /// A review action, policy change or report is on its way.
    Q_PROPERTY(bool working READ working NOTIFY workingChanged)
    /// The last failure, for humans; never holds message text, a key or a passphrase.
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// The outcome of the last action (for humans).
    Q_PROPERTY(QString status READ status NOTIFY statusChanged)
    /// Pull on a timer (every autoPullSeconds) while true; the page sets it while it is shown.
    Q_PROPERTY(bool autoPull READ autoPull WRITE setAutoPull NOTIFY autoPullChanged)
    /// Seconds between automatic pulls: 300 unless set; 10 at least.
    Q_PROPERTY(
        int autoPullSeconds READ autoPullSeconds WRITE setAutoPullSeconds NOTIFY autoPullChanged)
    /// The last report's summary, several lines (empty: none yet).
    Q_PROPERTY(QString reportSummary READ reportSummary NOTIFY reportChanged)
    /// The file the last report went to.
    Q_PROPERTY(QString reportFile READ reportFile NOTIFY reportChanged)
    Q_PROPERTY(SupervisionAlertsModel* alerts READ alerts CONSTANT)
    Q_PROPERTY(SupervisionPoliciesModel* policies READ policies CONSTANT)
    Q_PROPERTY(SupervisionAccessModel* accessLog READ accessLog CONSTANT)
    /// The legal holds (issue 22), open ones first.
    Q_PROPERTY(SupervisionHoldsModel* holds READ holds CONSTANT)
    /// The samples journaled, newest first: maps of sequence, who (display name), time
    /// (QDateTime), scope ("participant U" / "matter M"), from and to (YYYY-MM-DD, "" open),
    /// percent, seed (the number that draws the same sample again) and items (entries sampled).
    Q_PROPERTY(QVariantList samples READ samples NOTIFY reloaded)
    /// Every version of every policy, by name then version: maps of name, version, query,
    /// severity, scope, enabled, author (display name), time (QDateTime) and sequence.
    Q_PROPERTY(QVariantList policyVersions READ policyVersions NOTIFY reloaded)
    /// The attachment last opened from an alert: its name and, when it is text, its content as
    /// plain text (at most kMaxShownAttachment bytes of it); empty when none is open.
    Q_PROPERTY(QString attachmentName READ attachmentName NOTIFY attachmentChanged)
    Q_PROPERTY(QString attachmentText READ attachmentText NOTIFY attachmentChanged)

public:
    explicit SupervisionController(QObject* parent = nullptr);
    ~SupervisionController() override;

    ComplianceController* compliance() const { return m_compliance; }
    void setCompliance(ComplianceController* c);
    QString statusFilter() const { return m_filter; }
    void setStatusFilter(const QString& status);
    int openCount() const { return m_openCount; }
    bool working() const { return m_pending > 0; }
    QString error() const { return m_error; }
    QString status() const { return m_status; }
    bool autoPull() const { return m_autoPull; }
    void setAutoPull(bool on);
    int autoPullSeconds() const { return m_autoPullSeconds; }
    void setAutoPullSeconds(int seconds);
    QString reportSummary() const { return m_reportSummary; }
    QString reportFile() const { return m_reportFile; }
    SupervisionAlertsModel* alerts() { return &m_alerts; }
    SupervisionPoliciesModel* policies() { return &m_policies; }
    SupervisionAccessModel* accessLog() { return &m_access; }
    SupervisionHoldsModel* holds() { return &m_holds; }
    /// The most of a text attachment shown in the app (the rest: save it).
    static constexpr int kMaxShownAttachment = 256 * 1024;
    QString attachmentName() const { return m_attachmentName; }
    QString attachmentText() const { return m_attachmentText; }
    QVariantList samples() const { return m_samples; }
    QVariantList policyVersions() const { return m_versions; }
    /// The versions of policy `name`, oldest first (policyVersions filtered).
    Q_INVOKABLE QVariantList versionsOf(const QString& name) const;

    /// Reads the queue, the policies and the access log from the archive again.
    Q_INVOKABLE void reload();
    /// Journals a review of alert `id`: `status` in-review, escalated or closed; `disposition`
    /// (closed only: no-issue, breach, training, referred) and `note` as the CLI's `review`.
    Q_INVOKABLE void review(const QString& id, const QString& status,
                            const QString& disposition = {}, const QString& note = {});
    Q_INVOKABLE void assignToMe(const QString& id) { review(id, QStringLiteral("in-review")); }
    Q_INVOKABLE void escalate(const QString& id, const QString& note) {
        review(id, QStringLiteral("escalated"), {}, note);
    }
    Q_INVOKABLE void close(const QString& id, const QString& disposition, const QString& note) {
        review(id, QStringLiteral("closed"), disposition, note);
    }
    /// Journals a policy (a new one, or a new version of one of that name). `direction`: "",
    /// "to-clients" or "internal"; `severity`: low, medium, high.
    Q_INVOKABLE void addPolicy(const QString& name, const QString& query, const QString& severity,
                               const QString& matter = {}, const QString& participant = {},
                               const QString& direction = {});
    /// Journals a version of policy `name` that is disabled.
    Q_INVOKABLE void disablePolicy(const QString& name);
    /// Journals the starter set (compliance::examplePolicies(), labelled "Example: ").
    Q_INVOKABLE void loadExamples();
    /// Writes the report of [from, to] (dates YYYY-MM-DD, the relay's time, UTC; empty: open) as
    /// `format` (csv, html, or metadata: Report::metadataCsv(), who talked to whom, when and how
    /// much, no content) to a new file (a path or file: URL; an existing file is refused),
    /// journaled as an export first, and sets the summary.
    Q_INVOKABLE void writeReport(const QString& format, const QString& urlOrPath,
                                 const QString& from = {}, const QString& to = {});
    /// Draws a reproducible sample (Supervision::drawSample) of one participant's (user id)
    /// or one matter's (id or title; exactly one of the two) messages in [from, to] (YYYY-MM-DD,
    /// the relay's time, UTC; empty: open), `percent` of them (more than 0, at most 100), with
    /// `seed` (decimal digits; empty: a random one), and journals it as the CLI's `sample` does;
    /// its entries join the queue and the status line names the seed.
    Q_INVOKABLE void drawSample(const QString& participant, const QString& matter,
                                const QString& from, const QString& to, const QString& percent,
                                const QString& seed = {});
    /// Opens attachment `index` of the entry alert `alertId` names, decrypted from the archive
    /// into memory only: with `saveTo` empty it is shown (text as plain text; anything else is
    /// named, to be saved), else written to `saveTo` (a path or file: URL; an existing folder
    /// gets the attachment's file name made safe; never over an existing file; readable by its
    /// owner only). Journaled first as an access ("show" or "export") naming the entry, the
    /// attachment and the alert, as a search or an export is.
    Q_INVOKABLE void openAttachment(const QString& alertId, int index, const QString& saveTo = {});
    /// Forgets the attachment shown.
    Q_INVOKABLE void closeAttachment();
    Q_INVOKABLE void clearError();

signals:
    void complianceChanged();
    void statusFilterChanged();
    void workingChanged();
    void errorChanged();
    void statusChanged();
    void autoPullChanged();
    void reportChanged();
    /// The models were read from the archive again.
    void reloaded();
    /// A review, a policy change or the example set was journaled (ok) or refused.
    void actionFinished(bool ok);
    void reportFinished(bool ok);
    void attachmentChanged();
    /// An attachment was shown or saved (ok), or refused.
    void attachmentFinished(bool ok);

public:
    struct Rows; // what the views show, read on the worker (SupervisionController.cpp)

private:
    /// Runs `body` (built on the GUI thread, checked) through the journaled path on the worker,
    /// `landed` telling whether the archive then holds it, and reloads.
    void journalAction(const QString& what, std::string body,
                       std::function<bool(compliance::Supervision&)> landed,
                       std::function<Result<void>(compliance::Supervision&)> precheck = {});
    client::Client* officerClient();
    /// The officer's client for a review action, or nullptr with the reason in the error line
    /// (the journal key locked, or this device no compliance officer's).
    client::Client* readyOfficer();
    /// What a review action ends with on the GUI thread: the new rows shown, the outcome in the
    /// status or the error line, actionFinished emitted (nothing when the controller is gone).
    static std::function<void()> finished(QPointer<SupervisionController> self, bool ok,
                                          QString text, std::shared_ptr<Rows> rows);
    /// What a job that could not finish ends with on the GUI thread: the status cleared, `text`
    /// in the error line, `done(false)` emitted (nothing when the controller is gone).
    static std::function<void()> failure(QPointer<SupervisionController> self, QString text,
                                         void (SupervisionController::*done)(bool));
    void apply(Rows&& rows);
    void setError(const QString& text);
    void setStatus(const QString& text);
    void updateTimer();
    void begin();
    void end();

    QPointer<ComplianceController> m_compliance;
    QString m_filter;
    int m_openCount = 0;
    int m_pending = 0;
    QString m_error;
    QString m_status;
    bool m_autoPull = false;
    int m_autoPullSeconds = 300;
    QString m_reportSummary;
    QString m_reportFile;
    QTimer m_timer;
    std::uint64_t m_reloadGeneration = 0;
    SupervisionAlertsModel m_alerts;
    SupervisionPoliciesModel m_policies;
    SupervisionAccessModel m_access;
    SupervisionHoldsModel m_holds;
    QString m_attachmentName;
    QString m_attachmentText;
    QVariantList m_samples;
    QVariantList m_versions;
};

} // namespace verbatim::qt
