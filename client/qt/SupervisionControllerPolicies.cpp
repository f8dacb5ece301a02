// Part of SupervisionController (see SupervisionControllerRows.h): policies and their versions.
#include "client/qt/SupervisionController.h"

#include "client/core/Client.h"
#include "client/qt/StdText.h"
#include "client/qt/SupervisionControllerRows.h"
#include "compliance/Supervision.h"

namespace verbatim::qt {

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
    const std::string me = officerId(*c);
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
    const std::string me = officerId(*c);
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

} // namespace verbatim::qt
