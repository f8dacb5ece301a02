#include "client/qt/SupervisionController.h"

#include <QDate>
#include <QTimeZone>

#include <algorithm>

#include "client/core/Client.h"
#include "client/qt/MatchHighlighter.h"
#include "client/qt/StdText.h"
#include "client/qt/SupervisionControllerRows.h"
#include "client/qt/TextRuns.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"

namespace verbatim::qt {

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

} // namespace

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
        if (!p.spec.direction.empty()) scope << TextRuns::policyDirection(q(p.spec.direction));
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
        if (!p.spec.direction.empty()) scope << TextRuns::policyDirection(q(p.spec.direction));
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
        connect(c, &ComplianceController::viewJournaled, this, [this] { reload(); });
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
    const std::string me = c ? officerId(*c) : std::string();
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

std::string officerId(client::Client& c) {
    const auto account = c.account();
    return account.user + "/" + std::to_string(account.device);
}

std::function<void()> SupervisionController::failure(QPointer<SupervisionController> self,
                                                     QString text,
                                                     void (SupervisionController::*done)(bool)) {
    return [self, text = std::move(text), done] {
        if (!self) return;
        self->setStatus({});
        self->setError(text);
        self->end();
        emit(self.data()->*done)(false);
    };
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
    const std::string me = officerId(*c);
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
    const std::string me = c ? officerId(*c) : std::string();
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

} // namespace verbatim::qt
