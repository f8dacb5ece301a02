#include "client/qt/SupervisionController.h"

#include <QDate>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTimeZone>
#include <QUrl>

#include <algorithm>

#include "client/core/Client.h"
#include "client/qt/ComplianceWorker.h"
#include "client/qt/MatchHighlighter.h"
#include "client/qt/StdText.h"
#include "client/qt/SupervisionSummary.h"
#include "client/qt/TextRuns.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"

namespace verbatim::qt {

using Worker = ComplianceController::Worker;

struct SupervisionController::Rows {
    std::vector<SupervisionAlertRow> alerts;
    std::vector<SupervisionPolicyRow> policies;
    std::vector<SupervisionAccessRow> access;
    std::vector<SupervisionHoldRow> holds;
    QVariantList samples;  ///< SupervisionController::samples
    QVariantList versions; ///< SupervisionController::policyVersions
    int open = 0;
};

namespace {

QDateTime at(std::uint64_t ms) {
    return ms ? QDateTime::fromMSecsSinceEpoch(qint64(ms), QTimeZone::utc()).toLocalTime()
              : QDateTime();
}

/// "user/device" as "Name (device N)", the user's name when the archive knows it.
QString deviceShown(const Worker& w, const std::string& userDevice) {
    if (userDevice.empty()) return {};
    const auto slash = userDevice.rfind('/');
    if (slash == std::string::npos) return w.name(userDevice);
    return SupervisionController::tr("%1 (device %2)")
        .arg(w.name(userDevice.substr(0, slash)), q(userDevice.substr(slash + 1)));
}

/// The context as StyledText: every piece escaped, the matches bold and tinted. Offsets are
/// UTF-8 byte offsets into `context` (Supervision.h); a match that does not fit is left out.
QString marked(const compliance::Alert& a) {
    QString out;
    std::size_t at = 0;
    for (const auto& m : a.matches) {
        if (m.offset < at || m.offset + m.length > a.context.size()) continue;
        out += QString::fromUtf8(a.context.substr(at, m.offset - at)).toHtmlEscaped();
        out += QStringLiteral("<b><font color=\"#e65100\">") +
               QString::fromUtf8(a.context.substr(m.offset, m.length)).toHtmlEscaped() +
               QStringLiteral("</font></b>");
        at = m.offset + m.length;
    }
    out += QString::fromUtf8(a.context.substr(std::min(at, a.context.size()))).toHtmlEscaped();
    return out;
}

Result<SupervisionController::Rows*> readRows(Worker& w, const std::string& me,
                                              const std::string& filter,
                                              SupervisionController::Rows& rows) {
    if (!w.archive) return fail(ErrorCode::NotFound, "the archive is closed");
    // Names as the archive knows them now (a pull may have brought new people).
    if (auto people = w.archive->participants())
        for (const auto& p : *people)
            if (!p.name.empty()) w.names[p.user] = q(p.name);
    compliance::Supervision sv(*w.archive);
    auto alerts = sv.alerts();
    if (!alerts) return tl::unexpected(alerts.error());
    auto files = sv.alertAttachments();
    if (!files) return tl::unexpected(files.error());
    for (const auto& a : *alerts) {
        if (a.status != "closed") ++rows.open;
        if (!filter.empty() && a.status != filter) continue;
        SupervisionAlertRow r;
        r.id = q(a.id);
        r.kind = q(a.kind);
        r.policy = q(a.policy);
        r.version = a.version;
        r.sequence = a.sequence;
        r.severity = q(a.severity.empty() ? std::string("low") : a.severity);
        r.status = q(a.status);
        r.disposition = q(a.disposition);
        r.note = q(a.note);
        r.reviewer = deviceShown(w, a.reviewer);
        r.mine = !a.reviewer.empty() && a.reviewer == me;
        r.conversation =
            a.conversationTitle.empty() ? q(a.conversation).left(8) : q(a.conversationTitle);
        r.senderName = w.name(a.user);
        r.time = at(a.serverTimeMs);
        std::vector<std::pair<std::size_t, std::size_t>> spans;
        for (const auto& m : a.matches) {
            r.matches << q(m.text);
            spans.push_back({m.offset, m.length});
        }
        auto shown = MatchHighlighter::marked(a.context, spans);
        r.context = std::move(shown.text);
        r.contextRanges = std::move(shown.ranges);
        r.contextMarked = marked(a);
        if (auto it = files->find(a.sequence); it != files->end())
            for (const auto& f : it->second)
                // An alert on attachment N offers that one; one on the message, every one.
                if (a.part < 0 || std::size_t(a.part) == f.index)
                    r.attachments.append(QVariantMap{
                        {"index", int(f.index)},
                        {"name", TextRuns::safeName(q(f.fileName), TextRuns::kMaxNameLength, true)},
                        {"mime", q(f.mimeType)},
                        {"size", qulonglong(f.size)},
                        {"available", f.available}});
        r.part = a.part < 0 ? QStringLiteral("message")
                            : SupervisionController::tr("attachment %1").arg(a.part);
        rows.alerts.push_back(std::move(r));
    }
    auto policies = sv.policies();
    if (!policies) return tl::unexpected(policies.error());
    for (const auto& p : *policies) {
        SupervisionPolicyRow r;
        r.name = q(p.spec.name);
        r.version = p.version;
        r.enabled = p.spec.enabled;
        r.example = p.spec.example;
        r.severity = q(p.spec.severity);
        r.query = q(p.spec.query);
        QStringList scope;
        if (!p.spec.matter.empty())
            scope << SupervisionController::tr("matter %1").arg(q(p.spec.matter));
        if (!p.spec.participant.empty())
            scope << SupervisionController::tr("participant %1").arg(q(p.spec.participant));
        if (!p.spec.direction.empty()) scope << q(p.spec.direction);
        r.scope = scope.join(QStringLiteral(", "));
        r.author = deviceShown(w, p.author);
        r.time = at(p.timeMs);
        r.sequence = p.sequence;
        rows.policies.push_back(std::move(r));
    }
    auto every = sv.policies({}, true);
    if (!every) return tl::unexpected(every.error());
    for (const auto& p : *every) {
        QStringList scope;
        if (!p.spec.matter.empty())
            scope << SupervisionController::tr("matter %1").arg(q(p.spec.matter));
        if (!p.spec.participant.empty())
            scope << SupervisionController::tr("participant %1").arg(q(p.spec.participant));
        if (!p.spec.direction.empty()) scope << q(p.spec.direction);
        rows.versions.append(QVariantMap{{"name", q(p.spec.name)},
                                         {"version", p.version},
                                         {"query", q(p.spec.query)},
                                         {"severity", q(p.spec.severity)},
                                         {"scope", scope.join(QStringLiteral(", "))},
                                         {"enabled", p.spec.enabled},
                                         {"author", deviceShown(w, p.author)},
                                         {"time", at(p.timeMs)},
                                         {"sequence", qulonglong(p.sequence)}});
    }
    auto samples = sv.samples();
    if (!samples) return tl::unexpected(samples.error());
    auto day = [](std::uint64_t ms) {
        return ms ? QDateTime::fromMSecsSinceEpoch(qint64(ms), QTimeZone::utc())
                        .toString(QStringLiteral("yyyy-MM-dd"))
                  : QString();
    };
    for (auto it = samples->rbegin(); it != samples->rend(); ++it)
        rows.samples.append(QVariantMap{{"sequence", qulonglong(it->sequence)},
                                        {"who", deviceShown(w, it->who)},
                                        {"time", at(it->timeMs)},
                                        {"scope", q(it->scope)},
                                        {"from", day(it->fromMs)},
                                        {"to", day(it->toMs)},
                                        {"percent", q(it->percent)},
                                        {"seed", q(it->seed)},
                                        {"items", qulonglong(it->items)}});
    auto log = sv.accessLog();
    if (!log) return tl::unexpected(log.error());
    for (const auto& e : *log)
        rows.access.push_back({qulonglong(e.sequence), deviceShown(w, e.who), at(e.timeMs),
                               q(e.action), q(e.detail)});
    // Legal holds (issue 22), open ones first, each group in log order.
    compliance::Retention retention(*w.archive);
    auto holds = retention.holds();
    if (!holds) return tl::unexpected(holds.error());
    for (bool open : {true, false})
        for (const auto& h : *holds) {
            if (h.open() != open) continue;
            SupervisionHoldRow r;
            r.id = h.id;
            r.open = h.open();
            r.scope = h.custodian.empty()
                          ? SupervisionController::tr("Matter: %1")
                                .arg(q(h.matterTitle.empty() ? h.matter : h.matterTitle))
                          : SupervisionController::tr("Custodian: %1").arg(w.name(h.custodian));
            r.reason = q(h.reason);
            r.reference = q(h.reference);
            r.placedBy = deviceShown(w, h.placedBy);
            r.placed = at(h.placedMs);
            if (!h.open())
                r.released = SupervisionController::tr("Released by %1 on %2: %3")
                                 .arg(deviceShown(w, h.releasedBy),
                                      at(h.releasedMs).toString(QStringLiteral("yyyy-MM-dd hh:mm")),
                                      q(h.releaseReason));
            rows.holds.push_back(std::move(r));
        }
    return &rows;
}

} // namespace

SupervisionController::SupervisionController(QObject* parent) : QObject(parent) {
    m_timer.setSingleShot(false);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        // A pull already queued or running is enough; the next tick tries again. Only a
        // compliance device pulls the firm's journal.
        if (m_compliance && m_compliance->unlocked() && !m_compliance->busy() && officerClient())
            m_compliance->pull();
    });
}

SupervisionController::~SupervisionController() = default;

void SupervisionController::setCompliance(ComplianceController* c) {
    if (c == m_compliance) return;
    if (m_compliance) disconnect(m_compliance, nullptr, this, nullptr);
    m_compliance = c;
    if (c) {
        auto again = [this](bool ok) {
            if (ok) reload();
        };
        connect(c, &ComplianceController::unlockFinished, this, again);
        connect(c, &ComplianceController::pullFinished, this, again);
        // A search or an export by compliance is journaled: the access log grew.
        connect(c, &ComplianceController::searchFinished, this, again);
        connect(c, &ComplianceController::exportFinished, this, again);
        connect(c, &ComplianceController::unlockedChanged, this, [this] {
            if (m_compliance && !m_compliance->unlocked()) apply({});
            updateTimer();
        });
        if (c->unlocked()) reload();
    }
    updateTimer();
    emit complianceChanged();
}

void SupervisionController::setStatusFilter(const QString& status) {
    if (status == m_filter) return;
    m_filter = status;
    emit statusFilterChanged();
    reload();
}

void SupervisionController::setAutoPull(bool on) {
    if (on == m_autoPull) return;
    m_autoPull = on;
    updateTimer();
    emit autoPullChanged();
}

void SupervisionController::setAutoPullSeconds(int seconds) {
    seconds = std::max(10, seconds);
    if (seconds == m_autoPullSeconds) return;
    m_autoPullSeconds = seconds;
    updateTimer();
    emit autoPullChanged();
}

void SupervisionController::updateTimer() {
    const bool run = m_autoPull && m_compliance && m_compliance->unlocked();
    if (!run) {
        m_timer.stop();
        return;
    }
    m_timer.setInterval(m_autoPullSeconds * 1000);
    if (!m_timer.isActive()) m_timer.start();
}

void SupervisionController::setError(const QString& text) {
    m_error = text;
    emit errorChanged();
}

void SupervisionController::clearError() {
    if (m_error.isEmpty()) return;
    m_error.clear();
    emit errorChanged();
}

void SupervisionController::setStatus(const QString& text) {
    m_status = text;
    emit statusChanged();
}

void SupervisionController::begin() {
    if (++m_pending == 1) emit workingChanged();
}

void SupervisionController::end() {
    if (--m_pending == 0) emit workingChanged();
}

void SupervisionController::apply(Rows&& rows) {
    m_alerts.reset(std::move(rows.alerts));
    m_policies.reset(std::move(rows.policies));
    m_access.reset(std::move(rows.access));
    m_holds.reset(std::move(rows.holds));
    m_samples = std::move(rows.samples);
    m_versions = std::move(rows.versions);
    m_openCount = rows.open;
    emit reloaded();
}

client::Client* SupervisionController::readyOfficer() {
    clearError();
    if (!m_compliance || !m_compliance->unlocked()) {
        setError(tr("Unlock the journal key first."));
        return nullptr;
    }
    client::Client* c = officerClient();
    if (!c) setError(tr("Only a compliance officer's device journals review actions."));
    return c;
}

client::Client* SupervisionController::officerClient() {
    AppController* app = m_compliance ? m_compliance->appController() : nullptr;
    if (!app || app->session()->role() != QLatin1String("compliance")) return nullptr;
    return app->client();
}

void SupervisionController::reload() {
    if (!m_compliance || !m_compliance->unlocked()) return;
    client::Client* c = officerClient();
    const auto account = c ? c->account() : client::Account{};
    const std::string me = c ? account.user + "/" + std::to_string(account.device) : "";
    const std::string filter = m_filter.toStdString();
    const std::uint64_t generation = ++m_reloadGeneration;
    QPointer<SupervisionController> self(this);
    m_compliance->submit([self, me, filter, generation](Worker& w) -> std::function<void()> {
        auto rows = std::make_shared<Rows>();
        auto read = readRows(w, me, filter, *rows);
        if (!read) {
            const QString text =
                tr("Cannot read the review queue: %1").arg(q(read.error().message));
            return [self, text] {
                if (self) self->setError(text);
            };
        }
        return [self, rows, generation] {
            if (!self || generation != self->m_reloadGeneration) return; // a newer one is coming
            self->apply(std::move(*rows));
        };
    });
}

std::function<void()> SupervisionController::finished(QPointer<SupervisionController> self, bool ok,
                                                      QString text, std::shared_ptr<Rows> rows) {
    return [self, ok, text = std::move(text), rows = std::move(rows)] {
        if (!self) return;
        if (rows) self->apply(std::move(*rows));
        if (ok)
            self->setStatus(text);
        else {
            self->setStatus({});
            self->setError(text);
        }
        self->end();
        emit self->actionFinished(ok);
    };
}

void SupervisionController::journalAction(
    const QString& what, std::string body, std::function<bool(compliance::Supervision&)> landed,
    std::function<Result<void>(compliance::Supervision&)> precheck) {
    client::Client* c = readyOfficer();
    if (!c) return;
    const auto account = c->account();
    const std::string me = account.user + "/" + std::to_string(account.device);
    const std::string filter = m_filter.toStdString();
    auto cancel = m_compliance->cancelFlag();
    QPointer<SupervisionController> self(this);
    begin();
    setStatus(tr("%1: journaling\u2026").arg(what));
    m_compliance->submit([self, c, me, filter, what, body = std::move(body),
                          landed = std::move(landed), precheck = std::move(precheck),
                          cancel](Worker& w) -> std::function<void()> {
        auto finish = [self](bool ok, QString text, std::shared_ptr<Rows> rows) {
            return finished(self, ok, std::move(text), std::move(rows));
        };
        if (!w.archive) return finish(false, tr("The archive is closed."), nullptr);
        if (precheck) {
            compliance::Supervision sv(*w.archive);
            if (auto r = precheck(sv); !r)
                return finish(false, tr("%1: %2").arg(what, q(r.error().message)), nullptr);
        }
        auto done = compliancework::journal(w, *c, body, landed, cancel);
        auto rows = std::make_shared<Rows>();
        auto read = readRows(w, me, filter, *rows);
        if (!read) rows.reset();
        if (!done) return finish(false, tr("%1: %2").arg(what, q(done.error().message)), rows);
        return finish(true, tr("%1: journaled.").arg(what), rows);
    });
}

void SupervisionController::review(const QString& id, const QString& status,
                                   const QString& disposition, const QString& note) {
    // Checked here first, as the CLI does: nothing malformed is journaled.
    auto body = compliance::supervisionReviewBody(id.toStdString(), status.toStdString(),
                                                  disposition.toStdString(), note.toStdString());
    if (!body) {
        clearError();
        return setError(tr("Review: %1").arg(q(body.error().message)));
    }
    client::Client* c = officerClient();
    const std::string me =
        c ? c->account().user + "/" + std::to_string(c->account().device) : std::string();
    const std::string alertId = id.toStdString(), want = status.toStdString();
    // The alert's last review before this one (read on the worker): the new one comes after it.
    auto last = std::make_shared<std::uint64_t>(0);
    journalAction(
        tr("Alert %1").arg(id), *body,
        [alertId, me, want, last](compliance::Supervision& sv) {
            auto a = sv.alert(alertId);
            return a && a->reviewSeq > *last && a->reviewer == me && a->status == want;
        },
        [alertId, last](compliance::Supervision& sv) -> Result<void> {
            auto a = sv.alert(alertId);
            if (!a) return tl::unexpected(a.error());
            *last = a->reviewSeq;
            return {};
        });
}

void SupervisionController::addPolicy(const QString& name, const QString& query,
                                      const QString& severity, const QString& matter,
                                      const QString& participant, const QString& direction) {
    compliance::PolicySpec spec;
    spec.name = name.trimmed().toStdString();
    spec.query = query.trimmed().toStdString();
    spec.severity = severity.isEmpty() ? std::string("medium") : severity.toStdString();
    spec.matter = matter.trimmed().toStdString();
    spec.participant = participant.trimmed().toStdString();
    spec.direction = direction.toStdString();
    auto body = compliance::supervisionPolicyBody(spec);
    if (!body) {
        clearError();
        return setError(tr("Policy: %1").arg(q(body.error().message)));
    }
    auto before = std::make_shared<std::uint64_t>(0);
    const std::string policyName = spec.name;
    // The latest version's record (0: a new policy); the one journaled now comes after it.
    auto latest = [policyName](compliance::Supervision& sv) -> Result<std::uint64_t> {
        auto all = sv.policies();
        if (!all) return tl::unexpected(all.error());
        for (const auto& p : *all)
            if (p.spec.name == policyName) return p.sequence;
        return 0;
    };
    journalAction(
        tr("Policy \u201c%1\u201d").arg(name.trimmed()), *body,
        [latest, before](compliance::Supervision& sv) {
            auto seq = latest(sv);
            return seq && *seq > *before;
        },
        [latest, before](compliance::Supervision& sv) -> Result<void> {
            auto seq = latest(sv);
            if (!seq) return tl::unexpected(seq.error());
            *before = *seq;
            return {};
        });
}

void SupervisionController::disablePolicy(const QString& name) {
    const std::string policyName = name.toStdString();
    // The body is the latest version with `enabled` off: built on the worker, where the archive
    // is, and journaled in the same job.
    client::Client* c = readyOfficer();
    if (!c) return;
    const auto account = c->account();
    const std::string me = account.user + "/" + std::to_string(account.device);
    const std::string filter = m_filter.toStdString();
    auto cancel = m_compliance->cancelFlag();
    QPointer<SupervisionController> self(this);
    const QString what = tr("Policy \u201c%1\u201d").arg(name);
    begin();
    setStatus(tr("%1: journaling\u2026").arg(what));
    m_compliance->submit([self, c, me, filter, what, policyName,
                          cancel](Worker& w) -> std::function<void()> {
        auto finish = [self](bool ok, QString text, std::shared_ptr<Rows> rows) {
            return finished(self, ok, std::move(text), std::move(rows));
        };
        if (!w.archive) return finish(false, tr("The archive is closed."), nullptr);
        std::string body;
        std::uint64_t before = 0;
        {
            compliance::Supervision sv(*w.archive);
            auto latest = sv.policies(policyName);
            if (!latest || latest->empty())
                return finish(false, tr("%1: no such policy.").arg(what), nullptr);
            auto spec = latest->front().spec;
            if (!spec.enabled) return finish(false, tr("%1: disabled already.").arg(what), nullptr);
            before = latest->front().sequence;
            spec.enabled = false;
            auto b = compliance::supervisionPolicyBody(spec);
            if (!b) return finish(false, tr("%1: %2").arg(what, q(b.error().message)), nullptr);
            body = *b;
        }
        auto done = compliancework::journal(
            w, *c, body,
            [&](compliance::Supervision& sv) {
                auto p = sv.policies(policyName);
                return p && !p->empty() && p->front().sequence > before && !p->front().spec.enabled;
            },
            cancel);
        auto rows = std::make_shared<Rows>();
        if (!readRows(w, me, filter, *rows)) rows.reset();
        if (!done) return finish(false, tr("%1: %2").arg(what, q(done.error().message)), rows);
        return finish(true, tr("%1: disabled and journaled.").arg(what), rows);
    });
}

void SupervisionController::loadExamples() {
    client::Client* c = readyOfficer();
    if (!c) return;
    std::vector<std::string> bodies;
    std::vector<std::string> names;
    for (const auto& spec : compliance::examplePolicies()) {
        auto body = compliance::supervisionPolicyBody(spec);
        if (!body) return setError(tr("Examples: %1").arg(q(body.error().message)));
        bodies.push_back(*body);
        names.push_back(spec.name);
    }
    const auto account = c->account();
    const std::string me = account.user + "/" + std::to_string(account.device);
    const std::string filter = m_filter.toStdString();
    auto cancel = m_compliance->cancelFlag();
    QPointer<SupervisionController> self(this);
    begin();
    setStatus(tr("Example policies: journaling\u2026"));
    m_compliance->submit(
        [self, c, me, filter, bodies, names, cancel](Worker& w) -> std::function<void()> {
            QString failure;
            for (std::size_t i = 0; i < bodies.size() && failure.isEmpty(); ++i) {
                std::uint64_t before = 0;
                if (w.archive) {
                    compliance::Supervision sv(*w.archive);
                    if (auto p = sv.policies(names[i]); p && !p->empty())
                        before = p->front().sequence;
                }
                auto done = compliancework::journal(
                    w, *c, bodies[i],
                    [&](compliance::Supervision& sv) {
                        auto p = sv.policies(names[i]);
                        return p && !p->empty() && p->front().sequence > before;
                    },
                    cancel);
                if (!done)
                    failure = tr("Example policies: %1 (%2 of %3 journaled)")
                                  .arg(q(done.error().message))
                                  .arg(i)
                                  .arg(bodies.size());
            }
            auto rows = std::make_shared<Rows>();
            if (!readRows(w, me, filter, *rows)) rows.reset();
            const int n = int(bodies.size());
            return [self, rows, failure, n] {
                if (!self) return;
                if (rows) self->apply(std::move(*rows));
                if (failure.isEmpty())
                    self->setStatus(tr("%1 example policies journaled.").arg(n));
                else {
                    self->setStatus({});
                    self->setError(failure);
                }
                self->end();
                emit self->actionFinished(failure.isEmpty());
            };
        });
}

QVariantList SupervisionController::versionsOf(const QString& name) const {
    QVariantList out;
    for (const auto& v : m_versions)
        if (v.toMap().value(QStringLiteral("name")).toString() == name) out.append(v);
    return out;
}

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
    const auto account = c->account();
    const std::string me = account.user + "/" + std::to_string(account.device);
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

void SupervisionController::closeAttachment() {
    if (m_attachmentName.isEmpty() && m_attachmentText.isEmpty()) return;
    m_attachmentName.clear();
    m_attachmentText.clear();
    emit attachmentChanged();
}

void SupervisionController::openAttachment(const QString& alertId, int index,
                                           const QString& saveTo) {
    clearError();
    if (!m_compliance || !m_compliance->unlocked())
        return setError(tr("Unlock the journal key first."));
    if (index < 0) return setError(tr("No such attachment."));
    QString path = saveTo.trimmed();
    if (path.startsWith(QLatin1String("file:"))) path = QUrl(path).toLocalFile();
    const bool save = !path.isEmpty();
    client::Client* c = officerClient();
    auto cancel = m_compliance->cancelFlag();
    QPointer<SupervisionController> self(this);
    const std::string id = alertId.toStdString();
    begin();
    setStatus(save ? tr("Saving the attachment\u2026") : tr("Opening the attachment\u2026"));
    m_compliance->submit([self, c, cancel, id, index, path,
                          save](Worker& w) -> std::function<void()> {
        auto failed = [self](const QString& text) {
            return [self, text] {
                if (!self) return;
                self->setStatus({});
                self->setError(text);
                self->end();
                emit self->attachmentFinished(false);
            };
        };
        if (!w.archive) return failed(tr("The archive is closed."));
        compliance::Supervision sv(*w.archive);
        auto alert = sv.alert(id);
        if (!alert) return failed(tr("No such alert in this archive."));
        if (alert->part >= 0 && alert->part != index)
            return failed(tr("This alert is about attachment %1.").arg(alert->part));
        auto files = w.archive->attachments(alert->sequence);
        if (!files) return failed(tr("Cannot read the archive: %1").arg(q(files.error().message)));
        const compliance::AttachmentInfo* file = nullptr;
        for (const auto& f : *files)
            if (f.index == std::size_t(index)) file = &f;
        if (!file) return failed(tr("No such attachment."));
        if (!file->available)
            return failed(tr("The archive does not hold this attachment's content."));
        QString target = path;
        if (save && QFileInfo(path).isDir()) {
            // The sender chose the name: only characters every file system accepts, no dot first.
            static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._ -]+"));
            QString name = q(file->fileName).replace(unsafe, QStringLiteral("_")).trimmed();
            while (name.startsWith(QLatin1Char('.')))
                name.remove(0, 1);
            if (name.isEmpty()) name = QStringLiteral("attachment");
            target = QDir(path).filePath(name.left(120));
        }
        // Journaled before the content is read, as a search or an export is.
        std::string detail = "attachment " + std::to_string(alert->sequence) + "/" +
                             std::to_string(index) + " name=" + file->fileName + " alert=" + id;
        if (save) detail += " to=" + target.toStdString();
        auto journaled =
            compliancework::journalAccess(w, c, save ? "export" : "show", detail, cancel);
        if (!journaled)
            return failed(tr("Opening the attachment was not journaled, so it was not opened: %1")
                              .arg(q(journaled.error().message)));
        auto bytes = w.archive->attachment(alert->sequence, std::size_t(index));
        if (!bytes)
            return failed(tr("Cannot read the attachment: %1").arg(q(bytes.error().message)));
        const QString name = TextRuns::safeName(q(file->fileName), TextRuns::kMaxNameLength, true);
        const QString note = *journaled ? tr("journaled in the access log")
                                        : tr("not journaled: this device is not in "
                                             "\u201cCompliance review\u201d");
        if (save) {
            QFile f(target);
            // A new file only, readable by its owner alone: it is privileged material.
            if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                        QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
                f.write(reinterpret_cast<const char*>(bytes->data()), qint64(bytes->size())) !=
                    qint64(bytes->size()) ||
                !f.flush()) {
                const bool existed =
                    f.error() == QFileDevice::OpenError && QFileInfo::exists(target);
                if (!existed) f.remove();
                return failed(existed ? tr("%1 exists already; nothing was written.").arg(target)
                                      : tr("Cannot write %1.").arg(target));
            }
            f.close();
            const QString text = tr("Saved %1 to %2 (%3).").arg(name, target, note);
            return [self, text] {
                if (!self) return;
                self->setStatus(text);
                self->end();
                emit self->attachmentFinished(true);
                self->reload();
            };
        }
        // Shown from memory: text as plain text, anything else only named.
        const QString mime = q(file->mimeType).toLower();
        QString shown;
        if (mime.startsWith(QLatin1String("text/"))) {
            const auto n = std::min<std::size_t>(bytes->size(), std::size_t(kMaxShownAttachment));
            shown = QString::fromUtf8(reinterpret_cast<const char*>(bytes->data()), qsizetype(n));
            if (n < bytes->size())
                shown +=
                    tr("\n[\u2026 %1 more bytes: save it to read the rest]").arg(bytes->size() - n);
        } else {
            shown = tr("%1 (%2, %3 bytes) is not text: save it to open it with another program.")
                        .arg(name, q(file->mimeType))
                        .arg(bytes->size());
        }
        const QString text = tr("Opened %1 (%2).").arg(name, note);
        return [self, name, shown, text] {
            if (!self) return;
            self->m_attachmentName = name;
            self->m_attachmentText = shown;
            emit self->attachmentChanged();
            self->setStatus(text);
            self->end();
            emit self->attachmentFinished(true);
            self->reload();
        };
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
                return [self, text] {
                    if (!self) return;
                    self->setStatus({});
                    self->setError(text);
                    self->end();
                    emit self->reportFinished(false);
                };
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
                                         "not in \u201cCompliance review\u201d).")
                                          .arg(path));
                self->end();
                emit self->reportFinished(true);
                self->reload();
            };
        });
}

} // namespace verbatim::qt
