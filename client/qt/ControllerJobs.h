#pragma once
/// @file ControllerJobs.h
/// The round trip of the relay-facing page controllers (RelayPageController, the base of the
/// admin, invites, supervisors and walls pages): a job on the controller's worker, its outcome
/// applied on the GUI thread unless the client closed meanwhile, and a count of the jobs queued
/// or running behind the controller's `busy`.
///
/// Threading: submitJob() on the GUI thread; `work` runs on the worker, `apply` and
/// `busyChanged` back on the owner's (GUI) thread.

#include <QMetaObject>
#include <QObject>

#include <cstdint>
#include <memory>
#include <utility>

#include "client/qt/JobQueue.h"

namespace verbatim::client {
class Client;
}

namespace verbatim::qt {

/// Queues `work(*core)` (returning an Outcome) on `jobs`; the outcome goes to `apply` on
/// `owner`'s thread when `epoch` (bumped when the client closes) has not moved meanwhile.
/// `pending` counts the jobs queued or running; `owner->busyChanged()` is emitted when it leaves
/// or reaches 0. `pending` and `epoch` are the owner's members. `core` must stay valid while the
/// job runs: the owner drains `jobs` before the AppController lets the client go.
template <class Outcome, class Owner, class Work, class Apply>
void submitJob(Owner* owner, JobQueue& jobs, client::Client* core, int& pending,
               const std::uint64_t& epoch, Work work, Apply apply) {
    if (++pending == 1) emit owner->busyChanged();
    const std::uint64_t at = epoch;
    jobs.push([owner, core, at, &pending, &epoch, work = std::move(work),
               apply = std::move(apply)]() mutable {
        auto outcome = std::make_shared<Outcome>(work(*core));
        QMetaObject::invokeMethod(
            owner,
            [owner, at, &pending, &epoch, outcome, apply] {
                if (at == epoch) apply(std::move(*outcome));
                if (--pending == 0) emit owner->busyChanged();
            },
            Qt::QueuedConnection);
    });
}

} // namespace verbatim::qt
