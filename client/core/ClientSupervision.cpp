/// @file ClientSupervision.cpp
/// Client::sendSupervisionRecord: how a compliance device appends its review actions to the
/// firm's journal (issue 21). The record goes through the outbox like any message, so it is
/// sealed, signed, chained and retried the same way; no device shows it.
#include "client/core/ClientImpl.h"
#include "client/core/CoreUtil.h"

namespace verbatim::client {

Result<std::string> Client::sendSupervisionRecord(const std::string& conversation,
                                                  const std::string& body) {
    if (body.empty()) return fail(ErrorCode::InvalidArgument, "empty supervision record");
    if (body.size() > 64 * 1024)
        return fail(ErrorCode::InvalidArgument, "supervision record too long (64 KiB at most)");
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto conv = m->resolveConversation(conversation);
    if (!conv) return conv;
    auto rec = m->newRecord(*conv, proto::SUPERVISION);
    rec.set_body(body);
    auto id = m->enqueue(std::move(rec), MessageKind::System, false);
    if (id) m->scheduleFlush();
    return id;
}

} // namespace verbatim::client
