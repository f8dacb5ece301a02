#pragma once
/// @file ComplianceController.h
/// The compliance page's controller (DESIGN.md section 7): unlocks the journal key, pulls the
/// firm's journal through the open compliance profile into the local archive, verifies it,
/// searches it, shows one conversation's timeline with its edit and deletion history, and
/// exports RSMF 2.0, EML or JSON Lines. Each pull runs the supervision policies; a search or an
/// export by a compliance officer is journaled in the firm's access log first (README
/// "Supervision"). The review side (queue, policies, access log, reports) is
/// SupervisionController, on the same archive thread.
///
/// Threading: the archive lives on one worker thread of this controller and is touched only
/// there, one job at a time, in the order they were asked for. Every invokable returns at once;
/// results come back to the GUI thread as property changes and model resets. The pull uses the
/// AppController's client; when the app locks (AppController::clientClosing) the pull is
/// cancelled, the worker drained and the archive closed before the client goes away.
///
/// Create it in QML with `appController: app`; nothing works before that is set.

#include <QObject>
#include <QPointer>
#include <QString>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <atomic>
#include <functional>
#include <memory>

#include "client/qt/AppController.h"
#include "client/qt/ComplianceAuditModel.h"
#include "client/qt/ComplianceModels.h"

namespace verbatim::qt {

class ComplianceController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    /// The app controller whose client pulls the journal (must hold a compliance profile).
    Q_PROPERTY(AppController* appController READ appController WRITE setAppController NOTIFY
                   appControllerChanged)
    /// The archive file; `<profile dir>/journal.archive` unless set. Fixed once unlocked.
    Q_PROPERTY(QString archivePath READ archivePath WRITE setArchivePath NOTIFY archivePathChanged)
    /// The journal key opened the archive.
    Q_PROPERTY(bool unlocked READ unlocked NOTIFY unlockedChanged)
    /// Archive work is queued or running.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// What the worker is doing, or the outcome of the last pull or export (for humans).
    Q_PROPERTY(QString progress READ progress NOTIFY progressChanged)
    /// How far the pull in flight is, 0..1 (entries stored against the relay's head when it
    /// started from the archive's head); -1 when unknown (connecting, or no pull running).
    /// Never goes back during one pull; 1 when it finished.
    Q_PROPERTY(double progressFraction READ progressFraction NOTIFY progressFractionChanged)
    /// "" (not verified since unlocking), "ok", "problems" or "empty" (nothing pulled yet).
    Q_PROPERTY(QString verification READ verification NOTIFY statusChanged)
    /// Problems known (from the last verify, or recorded by pulls until then).
    Q_PROPERTY(int problemCount READ problemCount NOTIFY statusChanged)
    /// Highest journal sequence number in the archive.
    Q_PROPERTY(qulonglong headSequence READ headSequence NOTIFY statusChanged)
    /// Journal entries in the archive.
    Q_PROPERTY(qulonglong entries READ entries NOTIFY statusChanged)
    /// Journal entries the last check opened: a pull's new entries (checked as they arrive,
    /// chained to the archive's head), or every entry when Verify ran.
    Q_PROPERTY(qulonglong lastChecked READ lastChecked NOTIFY statusChanged)
    /// The last failure, for humans; never holds a passphrase, a key or message text.
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// Search results are shown (a search ran and was not cleared).
    Q_PROPERTY(bool searchActive READ searchActive NOTIFY searchActiveChanged)
    /// The conversation whose timeline is shown (empty: none).
    Q_PROPERTY(QString currentConversation READ currentConversation NOTIFY currentChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentChanged)
    /// Files written by the last export, one per line.
    Q_PROPERTY(QString exportedFiles READ exportedFiles NOTIFY exportedChanged)
    /// The matters an export can be scoped to, for the export bar's chooser: one map per
    /// matter with "id", "title" and "events" (journal records in it), in archive order.
    Q_PROPERTY(QVariantList exportMatters READ exportMatters NOTIFY statusChanged)
    /// Journal records in every conversation: what a "Whole firm" export produces.
    Q_PROPERTY(qulonglong firmEvents READ firmEvents NOTIFY statusChanged)
    Q_PROPERTY(ArchiveConversationsModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(ArchiveTimelineModel* timeline READ timeline CONSTANT)
    Q_PROPERTY(ArchiveSearchModel* searchResults READ searchResults CONSTANT)
    Q_PROPERTY(ArchiveProblemsModel* problems READ problems CONSTANT)
    /// The audit trail (admin actions, device key changes), filled by loadAudit().
    Q_PROPERTY(ComplianceAuditModel* audit READ audit CONSTANT)

public:
    explicit ComplianceController(QObject* parent = nullptr);
    /// Cancels a pull and waits for the job in progress (verify cannot be interrupted).
    ~ComplianceController() override;

    AppController* appController() const { return m_app; }
    void setAppController(AppController* app);
    QString archivePath() const { return m_archivePath; }
    void setArchivePath(const QString& path);
    bool unlocked() const { return m_unlocked; }
    bool busy() const { return m_pending > 0; }
    QString progress() const { return m_progress; }
    double progressFraction() const { return m_fraction; }
    QString verification() const { return m_verification; }
    int problemCount() const { return m_problems.rowCount(); }
    qulonglong headSequence() const { return m_head; }
    qulonglong entries() const { return m_entries; }
    qulonglong lastChecked() const { return m_lastChecked; }
    QString error() const { return m_error; }
    bool searchActive() const { return m_searchActive; }
    QString currentConversation() const { return m_current; }
    QString currentTitle() const;
    QString exportedFiles() const { return m_exportedFiles; }
    QVariantList exportMatters() const;
    qulonglong firmEvents() const;
    ArchiveConversationsModel* conversations() { return &m_conversations; }
    ArchiveTimelineModel* timeline() { return &m_timeline; }
    ArchiveSearchModel* searchResults() { return &m_search; }
    ArchiveProblemsModel* problems() { return &m_problems; }
    ComplianceAuditModel* audit() { return &m_audit; }

    /// Unlocks the journal key files (comma-separated paths, or a file: URL) with `passphrase`
    /// and opens (or creates) the archive. A wrong passphrase sets `error` and writes nothing.
    Q_INVOKABLE void unlock(const QString& keyFiles, const QString& passphrase);
    /// Pulls what the relay's journal holds beyond the archive's head. The pull checks each new
    /// entry as it stores it (chain from the archive's head, checkpoints, signatures, decryption,
    /// commitments, the content checks), so the archive is not rechecked as a whole: a timer's
    /// pull costs what is new, not what is old. A pull that meets a relay restore or a rewritten
    /// history runs the full verify() as well.
    Q_INVOKABLE void pull();
    /// Rechecks the whole archive from its stored raw rows.
    Q_INVOKABLE void verify();
    /// Full-text search in the search language of SearchParser.h (the same as
    /// `verbatim-journal search`); `matter` (id or title) and `participant` (user id) narrow
    /// it when not empty; `from` and `to` (YYYY-MM-DD, `to` inclusive of its whole day, or
    /// YYYY-MM-DDTHH:MM[:SS]Z; UTC, read by parseTime as exportTo reads them; empty: open) bound
    /// the server time. A bad date or `from` after `to` sets `error` and searches nothing. An
    /// empty query clears the results.
    Q_INVOKABLE void search(const QString& query, const QString& matter = {},
                            const QString& participant = {}, const QString& from = {},
                            const QString& to = {});
    Q_INVOKABLE void clearSearch();
    /// Shows the timeline of conversation `id`.
    Q_INVOKABLE void openConversation(const QString& id);
    Q_INVOKABLE void closeConversation();
    /// Loads the audit trail (Archive::auditTrail, as `verbatim-journal audit`) into `audit` on
    /// the worker; auditLoaded() when done. Not journaled in the access log: like a timeline, it
    /// shows what the archive holds without searching or exporting it.
    Q_INVOKABLE void loadAudit();
    /// Exports as `format` (rsmf, eml, jsonl) to a path or file: URL (an existing folder gets
    /// suggestedFileName() inside it), through compliance::exportArchive, the scoped export of
    /// `verbatim-journal export`. The scope: `matter` (id or title), `participant` (a user id,
    /// or a name the archive knows: only what they sent or received, ExportOptions::participant),
    /// both, or, only when `wholeFirm`, every conversation; `from` and `to` as parseTime reads
    /// them (YYYY-MM-DD, its whole day for `to`, or YYYY-MM-DDTHH:MM[:SS]Z, UTC; empty: open).
    /// No scope, an unknown participant, a bad date or `from` after `to` sets `error` and writes
    /// nothing. Journaled as an access with its scope before anything is written.
    Q_INVOKABLE void exportTo(const QString& format, const QString& urlOrPath,
                              const QString& matter = {}, const QString& from = {},
                              const QString& to = {}, bool wholeFirm = false,
                              const QString& participant = {});
    /// A file name naming the scope: "verbatim-<matter title or whole-firm>[-from-<d>][-to-<d>]
    /// .<format>", every character outside [A-Za-z0-9._-] replaced by '-'.
    Q_INVOKABLE QString suggestedFileName(const QString& format, const QString& matter,
                                          const QString& from, const QString& to,
                                          const QString& participant = {}) const;
    /// Closes the archive (the key leaves memory); unlock again to continue.
    Q_INVOKABLE void lock();
    Q_INVOKABLE void clearError();

signals:
    void appControllerChanged();
    void archivePathChanged();
    void unlockedChanged();
    void busyChanged();
    void progressChanged();
    void progressFractionChanged();
    void statusChanged();
    void errorChanged();
    void searchActiveChanged();
    void currentChanged();
    void exportedChanged();
    /// An unlock attempt finished.
    void unlockFinished(bool ok);
    /// A pull (and the verification after it) finished.
    void pullFinished(bool ok);
    void verifyFinished(bool ok);
    void searchFinished(bool ok);
    void timelineLoaded();
    /// Opening a conversation was journaled in the access log (issue 21): the log grew.
    void viewJournaled();
    void auditLoaded(bool ok);
    void exportFinished(bool ok);

public:
    struct Worker;   // the thread that owns the archive (ComplianceWorker.h)
    struct Snapshot; // what the page shows of the archive, built on the worker

    /// Queues `work` on the worker. It runs there and returns what to do on the GUI thread
    /// afterwards (may be empty); that is dropped when the journal was locked meanwhile. `busy`
    /// holds until it has run. For this controller and SupervisionController, which share the
    /// archive and its thread.
    void submit(std::function<std::function<void()>(Worker&)> work);
    /// Set by lock() and when the client closes: a pull or journaling in flight stops.
    std::shared_ptr<std::atomic<bool>> cancelFlag() const { return m_cancel; }

private:
    /// Posts `f` to the GUI thread (from the worker).
    void toGui(std::function<void()> f);
    void onClientClosing();
    void apply(Snapshot&& s);
    void setProgress(const QString& text);
    /// -1 resets; otherwise clamped to 0..1 and never lower than the pull's last value.
    void setFraction(double f);
    void setError(const QString& text);
    void setVerification(const QString& state);
    void reloadTimeline();

    QPointer<AppController> m_app;
    QString m_archivePath;
    bool m_pathSet = false; ///< set explicitly: the profile's default no longer applies
    bool m_unlocked = false;
    int m_pending = 0;
    std::uint64_t m_epoch = 0; ///< bumped by lock(): results of older jobs are dropped
    QString m_progress;
    double m_fraction = -1;
    QString m_verification;
    qulonglong m_head = 0;
    qulonglong m_entries = 0;
    qulonglong m_lastChecked = 0;
    QString m_error;
    bool m_searchActive = false;
    std::uint64_t m_searchGeneration = 0;
    QString m_current;
    QString m_exportedFiles;
    ArchiveConversationsModel m_conversations;
    ArchiveTimelineModel m_timeline;
    ArchiveSearchModel m_search;
    ArchiveProblemsModel m_problems;
    ComplianceAuditModel m_audit;
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    std::unique_ptr<Worker> m_worker; // last: it is joined before the models go
};

} // namespace verbatim::qt
