#include "client/qt/ComplianceController.h"
#include "client/qt/ComplianceRows.h"
#include "client/qt/ComplianceWorker.h"
#include "client/qt/StdText.h"

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>
#include <QRegularExpression>
#include <QUrl>
#include <QVariantMap>
#include <algorithm>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <thread>

#include "client/core/Client.h"
#include "client/qt/JobQueue.h"
#include "client/qt/MatchHighlighter.h"
#include "client/qt/TextRuns.h"
#include "compliance/Archive.h"
#include "compliance/Export.h"
#include "compliance/SearchParser.h"
#include "compliance/Supervision.h"
#include "compliance/TimeText.h"
#include "crypto/PassphraseBox.h"
#include "crypto/X25519.h"

namespace verbatim::qt {

using compliancerows::at;
using compliancerows::timelineRows;

namespace {

/// "a,b" or "file:///a" -> local paths; empty entries dropped.
std::vector<std::string> keyPaths(const QString& text) {
    std::vector<std::string> out;
    for (QString part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        part = part.trimmed();
        if (part.startsWith(QLatin1String("file:"))) part = QUrl(part).toLocalFile();
        if (!part.isEmpty()) out.push_back(part.toStdString());
    }
    return out;
}

} // namespace

// ---- the worker ---------------------------------------------------------------------------------

struct ComplianceController::Snapshot {
    std::vector<ArchiveConversationsModel::Row> conversations;
    std::vector<ArchiveProblemsModel::Row> problems;
    qulonglong entries = 0;
    qulonglong head = 0;
    QString verification;              ///< empty: unchanged
    std::optional<qulonglong> checked; ///< entries the check opened (none: no check ran)
    QString timelineFor;
    std::optional<std::vector<ArchiveTimelineModel::Row>> timeline;
};

namespace {

using Worker = ComplianceController::Worker;
using Snapshot = ComplianceController::Snapshot;

std::vector<ArchiveProblemsModel::Row>
problemRows(const std::vector<compliance::Problem>& problems) {
    std::vector<ArchiveProblemsModel::Row> rows;
    rows.reserve(problems.size());
    for (const auto& p : problems)
        rows.push_back({qulonglong(p.sequence), q(p.fault),
                        QString::fromUtf8(compliance::faultDescription(p.fault)), q(p.detail)});
    return rows;
}

/// Everything the page shows of the archive; `report` (when a verify just ran) gives the
/// verification state and the problems, else the problems recorded so far.
Result<Snapshot> snapshot(Worker& w, const compliance::VerifyReport* report,
                          const std::string& current) {
    Snapshot s;
    auto people = w.archive->participants();
    if (!people) return tl::unexpected(people.error());
    w.names.clear();
    for (const auto& p : *people)
        w.names[p.user] = q(p.name);
    auto conversations = w.archive->conversations();
    if (!conversations) return tl::unexpected(conversations.error());
    for (const auto& c : *conversations) {
        QStringList who;
        for (const auto& u : c.participants)
            if (u != "relay") who << w.name(u);
        s.conversations.push_back({q(c.id), c.title.empty() ? q(c.id).left(8) : q(c.title),
                                   c.matter, qulonglong(c.events), who.join(QStringLiteral(", "))});
    }
    auto size = w.archive->size();
    if (!size) return tl::unexpected(size.error());
    s.entries = size->first;
    s.head = size->second;
    if (report) {
        s.problems = problemRows(report->problems);
        s.verification = report->ok()                ? QStringLiteral("ok")
                         : !report->problems.empty() ? QStringLiteral("problems")
                                                     : QStringLiteral("empty");
    } else {
        auto recorded = w.archive->problems();
        if (!recorded) return tl::unexpected(recorded.error());
        s.problems = problemRows(*recorded);
        if (!s.problems.empty())
            s.verification = QStringLiteral("problems");
        else if (s.entries == 0)
            s.verification = QStringLiteral("empty");
    }
    if (!current.empty()) {
        auto rows = timelineRows(w, current);
        if (rows) {
            s.timelineFor = q(current);
            s.timeline = std::move(*rows);
        }
    }
    return s;
}

} // namespace

// ---- the controller -----------------------------------------------------------------------------

ComplianceController::ComplianceController(QObject* parent)
    : QObject(parent), m_worker(std::make_unique<Worker>()) {}

ComplianceController::~ComplianceController() {
    m_cancel->store(true);
    m_worker.reset();
}

void ComplianceController::setAppController(AppController* app) {
    if (app == m_app) return;
    if (m_app) disconnect(m_app, nullptr, this, nullptr);
    m_app = app;
    if (m_app) {
        connect(m_app, &AppController::clientClosing, this, &ComplianceController::onClientClosing);
        if (!m_pathSet && !m_unlocked) {
            m_archivePath = m_app->profileDir() + QStringLiteral("/journal.archive");
            emit archivePathChanged();
        }
    }
    emit appControllerChanged();
}

void ComplianceController::setArchivePath(const QString& path) {
    if (m_unlocked || path == m_archivePath) return;
    m_archivePath = path;
    m_pathSet = true;
    emit archivePathChanged();
}

QString ComplianceController::currentTitle() const {
    return m_conversations.titleOf(m_current);
}

void ComplianceController::setFraction(double f) {
    if (f >= 0)
        f = std::max(std::min(f, 1.0), m_fraction < 0 ? 0.0 : m_fraction);
    else
        f = -1;
    if (f == m_fraction) return;
    m_fraction = f;
    emit progressFractionChanged();
}

void ComplianceController::setProgress(const QString& text) {
    if (text == m_progress) return;
    m_progress = text;
    emit progressChanged();
}

void ComplianceController::setError(const QString& text) {
    m_error = text;
    emit errorChanged();
}

void ComplianceController::clearError() {
    if (m_error.isEmpty()) return;
    m_error.clear();
    emit errorChanged();
}

void ComplianceController::setVerification(const QString& state) {
    m_verification = state;
    emit statusChanged();
}

void ComplianceController::toGui(std::function<void()> f) {
    QMetaObject::invokeMethod(this, std::move(f), Qt::QueuedConnection);
}

void ComplianceController::submit(std::function<std::function<void()>(Worker&)> work) {
    if (++m_pending == 1) emit busyChanged();
    const std::uint64_t epoch = m_epoch;
    Worker* w = m_worker.get();
    w->jobs.push([this, w, epoch, work = std::move(work)] {
        std::function<void()> done;
        try {
            done = work(*w);
        } catch (const std::exception&) {
            // Nothing may escape the worker thread; the message stays generic on purpose.
            done = [this] { setError(tr("The archive worker failed; try again.")); };
        }
        toGui([this, epoch, done = std::move(done)] {
            // A lock in between makes the result stale: drop it, but count the job as done.
            if (epoch == m_epoch && done) done();
            if (--m_pending == 0) emit busyChanged();
        });
    });
}

void ComplianceController::apply(Snapshot&& s) {
    m_conversations.reset(std::move(s.conversations));
    m_problems.reset(std::move(s.problems));
    m_entries = s.entries;
    m_head = s.head;
    if (!s.verification.isEmpty()) m_verification = s.verification;
    if (s.checked) m_lastChecked = *s.checked;
    if (s.timeline && s.timelineFor == m_current) {
        m_timeline.reset(std::move(*s.timeline));
        emit timelineLoaded();
    }
    emit statusChanged();
    emit currentChanged(); // the title may have arrived with the conversations
}

void ComplianceController::unlock(const QString& keyFiles, const QString& passphrase) {
    clearError();
    if (m_unlocked) return;
    auto paths = keyPaths(keyFiles);
    if (paths.empty()) return setError(tr("Give the journal key file (journal.key)."));
    if (passphrase.isEmpty()) return setError(tr("Enter the passphrase of the journal key."));
    if (m_archivePath.trimmed().isEmpty()) return setError(tr("Give a file for the archive."));
    // The passphrase travels in wiped memory; the QByteArray copy is wiped at once.
    QByteArray utf8 = passphrase.toUtf8();
    auto pass = std::make_shared<SecureBytes>(utf8.begin(), utf8.end());
    secureWipe(utf8.data(), std::size_t(utf8.size()));
    const std::string archivePath = m_archivePath.trimmed().toStdString();
    setProgress(tr("Unlocking the journal key\u2026"));
    submit([this, paths = std::move(paths), pass, archivePath](Worker& w) -> std::function<void()> {
        auto failed = [this](const QString& text) {
            return [this, text] {
                setProgress({});
                setError(text);
                emit unlockFinished(false);
            };
        };
        if (w.archive) return [this] { emit unlockFinished(true); };
        std::vector<crypto::X25519Key> keys;
        for (const auto& path : paths) {
            const QString shown = q(path);
            std::ifstream in(path, std::ios::binary);
            if (!in) return failed(tr("Cannot read the journal key file %1.").arg(shown));
            std::string box((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            auto priv = crypto::passphraseOpen(view(box), *pass);
            if (!priv)
                return failed(
                    tr("Wrong passphrase, or %1 is not a journal key file. Nothing was written.")
                        .arg(shown));
            auto key = crypto::X25519Key::fromPrivate(*priv);
            if (!key) return failed(tr("%1 does not hold a usable journal key.").arg(shown));
            keys.push_back(std::move(*key));
        }
        auto archive = compliance::Archive::open(archivePath, std::move(keys), true);
        if (!archive)
            return failed(
                archive.error().code == ErrorCode::WrongKey
                    ? tr("This journal key does not open the archive %1.").arg(q(archivePath))
                    : tr("Cannot open the archive: %1").arg(q(archive.error().message)));
        w.archive = std::move(*archive);
        auto s = snapshot(w, nullptr, {});
        if (!s) return failed(tr("Cannot read the archive: %1").arg(q(s.error().message)));
        auto shared = std::make_shared<Snapshot>(std::move(*s));
        return [this, shared] {
            m_unlocked = true;
            emit unlockedChanged();
            apply(std::move(*shared));
            setProgress(tr("Unlocked. The archive holds %n journal entries.", "", int(m_entries)));
            emit unlockFinished(true);
        };
    });
}

void ComplianceController::pull() {
    clearError();
    if (!m_unlocked) return setError(tr("Unlock the journal key first."));
    if (!m_app || m_app->session()->role() != QLatin1String("compliance"))
        return setError(tr("Only a compliance account can pull the journal."));
    client::Client* c = m_app->client();
    if (!c) return setError(tr("The profile is locked."));
    m_cancel->store(false);
    auto cancel = m_cancel;
    const std::uint64_t epoch = m_epoch;
    const std::string current = m_current.toStdString();
    const std::uint64_t base = m_head; // the archive's head: the pull stores what follows it
    setFraction(-1);
    setProgress(tr("Connecting to the relay\u2026"));
    submit([this, c, cancel, epoch, current, base](Worker& w) -> std::function<void()> {
        auto failed = [this](const QString& text) {
            return [this, text] {
                setFraction(-1);
                setProgress({});
                setError(text);
                emit pullFinished(false);
            };
        };
        auto say = [this, epoch](const QString& text) {
            toGui([this, epoch, text] {
                if (epoch == m_epoch) setProgress(text);
            });
        };
        if (!w.archive) return failed(tr("The archive is closed."));
        using namespace std::chrono_literals;
        for (int i = 0; i < 300 && !c->isConnected() && !*cancel; ++i)
            std::this_thread::sleep_for(50ms);
        if (*cancel) return failed(tr("The pull was cancelled."));
        if (!c->isConnected()) return failed(tr("Cannot reach the relay. Try again when online."));
        say(tr("Pulling the journal\u2026"));
        auto last = std::chrono::steady_clock::now();
        compliance::RefreshStats refreshed;
        // The policies run after every pull (Supervision::refresh), as verbatim-journal's do.
        auto stats = compliancework::pullAndRefresh(
            w, *c, cancel,
            [&](std::uint64_t stored, std::uint64_t head) {
                // Per page (up to 1000 entries), so not throttled like the text below.
                const double f = head > base ? double(stored) / double(head - base) : 1.0;
                toGui([this, epoch, f] {
                    if (epoch == m_epoch) setFraction(f);
                });
                const auto now = std::chrono::steady_clock::now();
                if (now - last < 200ms) return; // a big journal reports per page: keep the GUI calm
                last = now;
                say(tr("Pulled %1 new entries (relay head #%2)\u2026").arg(stored).arg(head));
            },
            &refreshed);
        if (!stats) {
            if (*cancel) return failed(tr("The pull was cancelled; what was stored is kept."));
            return failed(tr("The pull stopped (what was stored is kept; pull again): %1")
                              .arg(q(stats.error().message)));
        }
        // The pull checked what it stored, chained to the head it started from (issue 21: a
        // timer's pull must not reopen the whole archive each time). What a pull cannot settle
        // alone, a restore or a rewritten history, gets the full verify.
        std::optional<compliance::VerifyReport> report;
        if (stats->rewrittenAt || stats->superseded || !stats->pendingEpoch.empty()) {
            say(tr("Verifying the archive\u2026"));
            auto full = w.archive->verify();
            if (!full)
                return failed(tr("Verification could not run: %1").arg(q(full.error().message)));
            report = std::move(*full);
        }
        auto s = snapshot(w, report ? &*report : nullptr, current);
        if (!s) return failed(tr("Cannot read the archive: %1").arg(q(s.error().message)));
        s->checked = report ? report->opened : stats->entries;
        if (!report && s->verification.isEmpty() && s->entries)
            s->verification = QStringLiteral("ok");
        auto shared = std::make_shared<Snapshot>(std::move(*s));
        const int added = int(stats->entries), files = int(stats->attachments),
                  alerts = int(refreshed.newAlerts);
        return [this, shared, added, files, alerts] {
            apply(std::move(*shared));
            setFraction(1.0);
            setProgress(tr("Pulled %1 new entries and %2 attachment(s); %3 new alert(s).")
                            .arg(added)
                            .arg(files)
                            .arg(alerts));
            emit pullFinished(true);
        };
    });
}

void ComplianceController::verify() {
    clearError();
    if (!m_unlocked) return setError(tr("Unlock the journal key first."));
    setProgress(tr("Verifying the archive\u2026"));
    const std::string current = m_current.toStdString();
    submit([this, current](Worker& w) -> std::function<void()> {
        auto failed = [this](const QString& text) {
            return [this, text] {
                setProgress({});
                setError(text);
                emit verifyFinished(false);
            };
        };
        if (!w.archive) return failed(tr("The archive is closed."));
        auto report = w.archive->verify();
        if (!report)
            return failed(tr("Verification could not run: %1").arg(q(report.error().message)));
        auto s = snapshot(w, &*report, current);
        if (!s) return failed(tr("Cannot read the archive: %1").arg(q(s.error().message)));
        s->checked = report->opened;
        auto shared = std::make_shared<Snapshot>(std::move(*s));
        return [this, shared] {
            apply(std::move(*shared));
            setProgress(m_verification == QLatin1String("ok") ? tr("Verified.")
                                                              : tr("Verified: see the problems."));
            emit verifyFinished(true);
        };
    });
}

void ComplianceController::search(const QString& query, const QString& matter,
                                  const QString& participant, const QString& from,
                                  const QString& to) {
    clearError();
    const QString text = query.trimmed();
    if (text.isEmpty()) return clearSearch();
    if (!m_unlocked) return setError(tr("Unlock the journal key first."));
    // The search language of verbatim-journal search (SearchParser.h; Archive::search parses it
    // again on the worker): a query with nothing to search for is refused here, at once.
    if (auto parsed = compliance::parseSearch(text.toStdString()); !parsed)
        return setError(tr("Search: %1").arg(q(parsed.error().message)));
    // The dates as exportTo reads them (compliance::parseTime, UTC; `to` takes its whole day).
    std::uint64_t fromMs = 0, toMs = 0;
    if (!from.trimmed().isEmpty()) {
        auto t = compliance::parseTime(from.trimmed().toStdString(), false);
        if (!t)
            return setError(tr("“From\u201d is not a date (YYYY-MM-DD, or "
                               "YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was searched."));
        fromMs = *t;
    }
    if (!to.trimmed().isEmpty()) {
        auto t = compliance::parseTime(to.trimmed().toStdString(), true);
        if (!t)
            return setError(tr("\u201cTo\u201d is not a date (YYYY-MM-DD, or "
                               "YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was searched."));
        toMs = *t;
    }
    if (fromMs && toMs && fromMs > toMs)
        return setError(tr("The date range starts after it ends (%1 is after %2). Nothing was "
                           "searched.")
                            .arg(from.trimmed(), to.trimmed()));
    const std::uint64_t generation = ++m_searchGeneration;
    if (!m_searchActive) {
        m_searchActive = true;
        emit searchActiveChanged();
    }
    compliance::SearchQuery sq;
    sq.text = text.toStdString();
    sq.matter = matter.trimmed().toStdString();
    sq.participant = participant.trimmed().toStdString();
    sq.fromMs = fromMs;
    sq.toMs = toMs;
    sq.limit = 200;
    client::Client* c = m_app && m_app->session()->role() == QLatin1String("compliance")
                            ? m_app->client()
                            : nullptr;
    m_cancel->store(false);
    auto cancel = m_cancel;
    std::string detail = "query=" + sq.text;
    if (!sq.matter.empty()) detail += " matter=" + sq.matter;
    if (!sq.participant.empty()) detail += " participant=" + sq.participant;
    if (fromMs) detail += " from=" + from.trimmed().toStdString();
    if (toMs) detail += " to=" + to.trimmed().toStdString();
    submit([this, sq, generation, c, cancel, detail](Worker& w) mutable -> std::function<void()> {
        auto failed = [this, generation](const QString& text) {
            return [this, generation, text] {
                if (generation != m_searchGeneration) return;
                m_search.reset({});
                setError(text);
                emit searchFinished(false);
            };
        };
        if (!w.archive) return failed(tr("The archive is closed."));
        // A participant may be given by display name as well as by user id.
        for (const auto& [user, name] : w.names)
            if (!sq.participant.empty() &&
                name.compare(q(sq.participant), Qt::CaseInsensitive) == 0) {
                sq.participant = user;
                break;
            }
        // Issue 21: recorded in the firm's access log before anything is shown.
        auto journaled = compliancework::journalAccess(w, c, "search", detail, cancel);
        if (!journaled)
            return failed(tr("The search was not journaled, so it did not run: %1")
                              .arg(q(journaled.error().message)));
        auto hits = w.archive->search(sq);
        if (!hits) return failed(tr("Search failed: %1").arg(q(hits.error().message)));
        const QString note =
            *journaled ? tr("Search journaled in the access log.")
                       : tr("Search not journaled: this device is not a compliance officer in "
                            "the “Compliance review\u201d conversation.");
        auto rows = std::make_shared<std::vector<ArchiveSearchModel::Row>>();
        for (const auto& h : *hits) {
            // The text as the highlighter's TextEdit reads it, with the matched words' ranges.
            auto shown = MatchHighlighter::marked(h.text, h.matches);
            rows->push_back(
                {qulonglong(h.sequence), q(h.messageId), q(h.conversation),
                 h.conversationTitle.empty() ? q(h.conversation).left(8) : q(h.conversationTitle),
                 w.name(h.user), at(h.serverTimeMs), std::move(shown.text), q(h.status),
                 std::move(shown.ranges), compliancerows::messageFiles(w, h.messageId)});
        }
        return [this, generation, rows, note] {
            if (generation != m_searchGeneration) return; // a newer search is on its way
            m_search.reset(std::move(*rows));
            setProgress(note);
            emit searchFinished(true);
        };
    });
}

void ComplianceController::clearSearch() {
    ++m_searchGeneration;
    m_search.reset({});
    if (m_searchActive) {
        m_searchActive = false;
        emit searchActiveChanged();
    }
}

void ComplianceController::loadAudit() {
    clearError();
    if (!m_unlocked) return setError(tr("Unlock the journal key first."));
    submit([this](Worker& w) -> std::function<void()> {
        auto failed = [this](const QString& text) {
            return [this, text] {
                setError(text);
                emit auditLoaded(false);
            };
        };
        if (!w.archive) return failed(tr("The archive is closed."));
        auto lines = w.archive->auditTrail();
        if (!lines)
            return failed(tr("Cannot show the audit trail: %1").arg(q(lines.error().message)));
        auto rows = std::make_shared<std::vector<ComplianceAuditRow>>();
        for (const auto& l : *lines) {
            // The actor is a user id, or "user/device" for a device's own records.
            const auto slash = l.actor.find('/');
            QString who = slash == std::string::npos
                              ? w.name(l.actor)
                              : w.name(l.actor.substr(0, slash)) + QStringLiteral(" (") +
                                    q(l.actor.substr(slash + 1)) + QLatin1Char(')');
            rows->push_back({qulonglong(l.sequence), at(l.serverTimeMs), q(l.action),
                             std::move(who), q(l.target), q(l.detail)});
        }
        return [this, rows] {
            m_audit.reset(std::move(*rows));
            emit auditLoaded(true);
        };
    });
}

void ComplianceController::lock() {
    m_cancel->store(true);
    ++m_epoch; // results of jobs asked for before now are dropped
    const bool wasUnlocked = m_unlocked;
    submit([](Worker& w) -> std::function<void()> {
        w.archive.reset();
        w.names.clear();
        return {};
    });
    m_unlocked = false;
    m_current.clear();
    m_head = m_entries = m_lastChecked = 0;
    m_verification.clear();
    m_conversations.reset({});
    m_timeline.reset({});
    m_problems.reset({});
    m_audit.reset({});
    clearSearch();
    setFraction(-1);
    setProgress({});
    emit currentChanged();
    emit statusChanged();
    if (wasUnlocked) emit unlockedChanged();
}

void ComplianceController::onClientClosing() {
    // The client goes away when we return: nothing may still be using it.
    lock();
    m_worker->jobs.drain();
}

} // namespace verbatim::qt
