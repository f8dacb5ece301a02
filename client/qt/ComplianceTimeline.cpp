/// @file ComplianceTimeline.cpp
/// The compliance page's timeline: opening a conversation (issue 21: journaled in the firm's
/// access log before anything is shown, as the CLI's `show --profile`), refreshing it after a
/// pull, closing it. The rest of ComplianceController is in ComplianceController.cpp.

#include <memory>

#include "client/core/Client.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/ComplianceRows.h"
#include "client/qt/ComplianceWorker.h"
#include "client/qt/SessionController.h"
#include "client/qt/StdText.h"
#include "compliance/Archive.h"

namespace verbatim::qt {

using compliancerows::timelineRows;

void ComplianceController::openConversation(const QString& id) {
    clearError();
    if (!m_unlocked || id.isEmpty()) return;
    m_current = id;
    m_timeline.reset({});
    emit currentChanged();
    client::Client* c = m_app && m_app->session()->role() == QLatin1String("compliance")
                            ? m_app->client()
                            : nullptr;
    m_cancel->store(false);
    auto cancel = m_cancel;
    // Issue 21: a timeline view is recorded in the firm's access log before anything is shown,
    // as the CLI's `show --profile` records it (the same detail). Refreshes of the open view
    // after a pull (reloadTimeline) are the same view and are not journaled again.
    const std::string detail = "conversation=" + id.toStdString();
    submit([this, id, c, cancel, detail](Worker& w) -> std::function<void()> {
        if (!w.archive) return {};
        auto journaled = compliancework::journalAccess(w, c, "show", detail, cancel);
        if (!journaled) {
            const QString text =
                tr("Opening the conversation was not journaled, so it was not shown: %1")
                    .arg(q(journaled.error().message));
            return [this, id, text] {
                if (id == m_current) closeConversation();
                setError(text);
            };
        }
        auto rows = timelineRows(w, id.toStdString());
        if (!rows) {
            const QString text =
                tr("Cannot show the conversation: %1").arg(q(rows.error().message));
            return [this, text] { setError(text); };
        }
        auto shared = std::make_shared<std::vector<ArchiveTimelineModel::Row>>(std::move(*rows));
        const QString note =
            *journaled ? tr("Conversation view journaled in the access log.")
                       : tr("Conversation view not journaled: this device is not a compliance "
                            "officer in the “Compliance review\u201d conversation.");
        const bool logged = *journaled;
        return [this, id, shared, note, logged] {
            if (logged) emit viewJournaled();
            if (id != m_current) return;
            m_timeline.reset(std::move(*shared));
            setProgress(note);
            emit timelineLoaded();
        };
    });
}

void ComplianceController::reloadTimeline() {
    const QString id = m_current;
    submit([this, id](Worker& w) -> std::function<void()> {
        if (!w.archive) return {};
        auto rows = timelineRows(w, id.toStdString());
        if (!rows) {
            const QString text =
                tr("Cannot show the conversation: %1").arg(q(rows.error().message));
            return [this, text] { setError(text); };
        }
        auto shared = std::make_shared<std::vector<ArchiveTimelineModel::Row>>(std::move(*rows));
        return [this, id, shared] {
            if (id != m_current) return;
            m_timeline.reset(std::move(*shared));
            emit timelineLoaded();
        };
    });
}

void ComplianceController::closeConversation() {
    if (m_current.isEmpty()) return;
    m_current.clear();
    m_timeline.reset({});
    emit currentChanged();
}

} // namespace verbatim::qt
