#include "client/qt/ComplianceWorker.h"

#include <chrono>
#include <thread>

#include "client/core/Client.h"
#include "client/qt/StdText.h"
#include "compliance/Retention.h"

namespace verbatim::qt {

ComplianceController::Worker::~Worker() {
    jobs.stop(); // not started: dropped; the running job finishes
    archive.reset();
}

QString ComplianceController::Worker::name(const std::string& user) const {
    auto it = names.find(user);
    return it == names.end() || it->second.isEmpty() ? q(user) : it->second;
}

namespace compliancework {

Result<compliance::PullStats>
pullAndRefresh(ComplianceController::Worker& w, client::Client& c,
               const std::shared_ptr<std::atomic<bool>>& cancel,
               const std::function<void(std::uint64_t, std::uint64_t)>& progress,
               compliance::RefreshStats* refreshed) {
    if (!w.archive) return fail(ErrorCode::NotFound, "the archive is closed");
    auto manifest = c.firmManifest();
    if (!manifest)
        return fail(manifest.error().code,
                    "the firm manifest cannot be read: " + manifest.error().message);
    if (auto r = w.archive->setManifest(view(*manifest), c.account().firmFingerprint); !r)
        return fail(r.error().code, "this archive belongs to another firm: " + r.error().message);
    // A relay restored from a backup says so in QueueDrained; the pull follows it only with
    // that (docs/protocol.md "Restore", J-RESTORE-1), as verbatim-journal pull does.
    if (!c.relayRestore().known) (void)c.waitUntilSynced(std::chrono::seconds(10));
    const auto notice = c.relayRestore();
    compliance::RelayRestore restore;
    restore.epoch = notice.epoch;
    restore.restoredSequence = notice.restoredSequence;
    auto* client = &c;
    auto stats = w.archive->pull(
        [client, cancel](std::uint64_t after, std::uint32_t limit) -> Result<std::string> {
            if (*cancel) return fail(ErrorCode::InvalidArgument, "cancelled");
            return client->pullJournalPage(after, limit);
        },
        [client, cancel](const std::string& id, std::uint64_t max) -> Result<std::string> {
            if (*cancel) return fail(ErrorCode::InvalidArgument, "cancelled");
            return client->fetchBlob(id, max);
        },
        [&progress](std::uint64_t stored, std::uint64_t head) {
            if (progress) progress(stored, head);
        },
        0, restore);
    if (!stats) return stats;
    // Like verbatim-journal: a rewritten history is reported by the pull, and nothing is
    // evaluated over it until it is settled.
    // An announced restore the officer has not accepted (J-RESTORE-3): the app never follows
    // one itself; verify reports restore-pending until it is accepted with the CLI.
    if (stats->rewrittenAt || !stats->pendingEpoch.empty()) return stats;
    compliance::Supervision sv(*w.archive);
    auto r = sv.refresh();
    if (!r) return tl::unexpected(r.error());
    if (refreshed) *refreshed = *r;
    // Like verbatim-journal's pull (J-RT-5): another officer's disposition removes the same
    // content here, under the same checks (its chain hashes, holds open now) as one's own.
    compliance::Retention retention(*w.archive);
    auto applied = retention.applyPending();
    if (!applied) return tl::unexpected(applied.error());
    return stats;
}

Result<void> journal(ComplianceController::Worker& w, client::Client& c, const std::string& body,
                     const std::function<bool(compliance::Supervision&)>& landed,
                     const std::shared_ptr<std::atomic<bool>>& cancel,
                     std::chrono::milliseconds timeout) {
    using namespace std::chrono_literals;
    if (!w.archive) return fail(ErrorCode::NotFound, "the archive is closed");
    if (c.account().role != "compliance")
        return fail(ErrorCode::InvalidArgument,
                    "only a compliance device journals review actions; nothing was done");
    auto conv = c.resolveConversation(compliance::kReviewConversationTitle);
    if (!conv)
        return fail(ErrorCode::NotFound,
                    std::string("this device is not a member of the conversation \"") +
                        compliance::kReviewConversationTitle +
                        "\", where compliance journals its actions: an administrator creates it "
                        "with every compliance officer; nothing was done");
    auto id = c.sendSupervisionRecord(*conv, body);
    if (!id) return tl::unexpected(id.error());
    if (!c.waitForOutbox(timeout))
        return fail(ErrorCode::Storage,
                    "the relay did not store the record in time (it stays queued and is sent at "
                    "the next connection); nothing was done yet");
    // The outbox is empty whether the relay stored the record or refused it: the archive says
    // which, once it has pulled the record back.
    auto pulled = pullAndRefresh(w, c, cancel, {});
    if (!pulled) return tl::unexpected(pulled.error());
    compliance::Supervision sv(*w.archive);
    if (!landed(sv))
        return fail(ErrorCode::Storage,
                    "the relay did not journal the record (refused); nothing was done");
    return {};
}

Result<bool> journalAccess(ComplianceController::Worker& w, client::Client* c,
                           const std::string& action, const std::string& detail,
                           const std::shared_ptr<std::atomic<bool>>& cancel) {
    if (!c || !w.archive || c->account().role != "compliance") return false;
    if (!c->resolveConversation(compliance::kReviewConversationTitle)) return false;
    auto body = compliance::supervisionAccessBody(action, detail);
    if (!body) return tl::unexpected(body.error());
    const auto account = c->account();
    const std::string me = account.user + "/" + std::to_string(account.device);
    std::uint64_t before = 0;
    {
        compliance::Supervision sv(*w.archive);
        auto log = sv.accessLog();
        if (!log) return tl::unexpected(log.error());
        if (!log->empty()) before = log->back().sequence;
    }
    auto r = journal(
        w, *c, *body,
        [&](compliance::Supervision& sv) {
            auto log = sv.accessLog();
            if (!log) return false;
            for (const auto& e : *log)
                if (e.sequence > before && e.who == me && e.action == action && e.detail == detail)
                    return true;
            return false;
        },
        cancel);
    if (!r) return tl::unexpected(r.error());
    return true;
}

} // namespace compliancework
} // namespace verbatim::qt
