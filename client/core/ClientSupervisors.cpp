// Client, the supervising partners' view (issue 21): the matters of the lawyers this user
// supervises, as the relay lists them (ListSupervisedMatters). Metadata only: the relay has no
// content to give, and a supervisor reads a matter's messages only as one of its members.
#include "client/core/ClientImpl.h"
#include "common/Try.h"

namespace verbatim::client {

Result<SupervisionView> Client::supervisedMatters(std::uint32_t weeks) {
    proto::Request req;
    req.mutable_list_supervised_matters()->set_weeks(weeks);
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() == proto::STATUS_FORBIDDEN) return fail(ErrorCode::Forbidden, resp->error());
    if (resp->status() == proto::STATUS_BAD_REQUEST)
        return fail(ErrorCode::InvalidArgument, resp->error());
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Unavailable, "relay refused: " + resp->error());
    const auto& list = resp->supervised_matters();
    SupervisionView out;
    out.thresholdMs = list.threshold_ms();
    out.nowMs = list.now_ms();
    out.firstWeekMs = list.first_week_ms();
    out.lawyers.assign(list.lawyers().begin(), list.lawyers().end());
    for (const auto& m : list.matters()) {
        SupervisedMatterView v;
        v.conversationId = m.conversation_id();
        v.title = m.title();
        v.matterNumber = m.matter_number();
        v.clientName = m.client_name();
        for (const auto& p : m.participants())
            v.participants.push_back({p.user(), p.display_name(), roleText(p.role())});
        v.supervised.assign(m.supervised().begin(), m.supervised().end());
        v.lastClientMs = m.last_client_message_ms();
        v.lastLawyerMs = m.last_lawyer_message_ms();
        v.waitingSinceMs = m.waiting_since_ms();
        v.waitingMs = m.waiting_ms();
        v.overdue = m.overdue();
        v.weekly.assign(m.weekly_messages().begin(), m.weekly_messages().end());
        v.closedMs = m.closed_ms();
        v.createdMs = m.created_ms();
        v.member = m.member();
        out.matters.push_back(std::move(v));
    }
    return out;
}

} // namespace verbatim::client
