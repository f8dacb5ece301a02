#pragma once
/// @file ComplianceWorker.h
/// The thread that owns the compliance archive, shared by ComplianceController (the journal:
/// pull, verify, search, timeline, export) and SupervisionController (the review queue, policies,
/// access log and reports), and the one journaled path both use for what compliance does
/// (README "Supervision"): a SUPERVISION record sent by this compliance device, stored by the
/// relay, pulled back and applied, exactly as `verbatim-journal` does it. Included by those two
/// controllers' .cpp files only.
///
/// Threading: every function here runs on the worker (a job of ComplianceController::submit);
/// the archive and `names` are touched nowhere else.

#include <QString>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "client/qt/ComplianceController.h"
#include "client/qt/JobQueue.h"
#include "common/Result.h"
#include "compliance/Archive.h"
#include "compliance/Supervision.h"

namespace verbatim::client {
class Client;
}

namespace verbatim::qt {

/// One thread, one queue: the archive is only ever touched by the job running on it.
struct ComplianceController::Worker {
    std::unique_ptr<compliance::Archive> archive; ///< worker thread only (and after stop)
    std::map<std::string, QString> names;         ///< user id -> display name, worker thread only
    JobQueue jobs;

    ~Worker();
    /// The display name of `user`, else the id.
    QString name(const std::string& user) const;
};

namespace compliancework {

/// Pulls what the relay holds beyond the archive's head (checking the firm manifest first), then
/// applies the SUPERVISION records pulled and runs the policies (Supervision::refresh), as every
/// `verbatim-journal` pull does. `progress` (may be empty) gets (stored, relay head) per page.
/// `cancel` stops it between pages; what was stored is kept.
Result<compliance::PullStats>
pullAndRefresh(ComplianceController::Worker& w, client::Client& c,
               const std::shared_ptr<std::atomic<bool>>& cancel,
               const std::function<void(std::uint64_t, std::uint64_t)>& progress,
               compliance::RefreshStats* refreshed = nullptr);

/// Journals `body` (a SUPERVISION record body: supervisionReviewBody() and the others) from this
/// compliance device into the firm's "Compliance review" conversation, waits until the relay
/// stored it, and pulls it back into the archive. Fails, with nothing done, when the device is no
/// member of that conversation, when the relay does not store it within `timeout` (it stays in
/// the profile's outbox and is sent at the next connection) or refuses it. `landed` says
/// whether the archive, after the pull, holds what was journaled.
Result<void> journal(ComplianceController::Worker& w, client::Client& c, const std::string& body,
                     const std::function<bool(compliance::Supervision&)>& landed,
                     const std::shared_ptr<std::atomic<bool>>& cancel,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Records an access by compliance (action "search", "show" or "export"; `detail` the query and
/// its scope) through journal() before anything is shown. True when journaled; false, with
/// nothing sent, when `c` is null, not a compliance device, or no member of the review
/// conversation (the access is then not journaled, as `verbatim-journal` without --profile);
/// an error when journaling was tried and failed (then nothing may be shown).
Result<bool> journalAccess(ComplianceController::Worker& w, client::Client* c,
                           const std::string& action, const std::string& detail,
                           const std::shared_ptr<std::atomic<bool>>& cancel);

} // namespace compliancework
} // namespace verbatim::qt
