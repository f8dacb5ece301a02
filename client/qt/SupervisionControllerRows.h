#pragma once
/// @file SupervisionControllerRows.h
/// Private to SupervisionController: the rows its views show and the worker-side read that
/// fills them. The class is defined in parts, one job each: SupervisionController.cpp (the
/// queue, alerts, reviews, the timer), SupervisionControllerPolicies.cpp (policies and their
/// versions), SupervisionControllerSamples.cpp (samples and reports) and
/// SupervisionControllerAttachments.cpp (opening an alert's attachments). Not for other code:
/// use SupervisionController.h.
#include "client/qt/SupervisionController.h"

#include <string>
#include <vector>

#include "client/qt/ComplianceWorker.h"

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

/// The officer's "user/device", as the supervision records name it.
std::string officerId(client::Client& c);

/// Reads everything the views show for `me`, alerts filtered by `filter`; on the worker thread.
Result<SupervisionController::Rows*> readRows(Worker& w, const std::string& me,
                                              const std::string& filter,
                                              SupervisionController::Rows& rows);

} // namespace verbatim::qt
