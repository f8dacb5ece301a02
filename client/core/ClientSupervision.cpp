/// @file ClientSupervision.cpp
/// Client::sendSupervisionRecord: how a compliance device appends its review actions to the
/// firm's journal (issue 21). The record goes through the outbox like any message, so it is
/// sealed, signed, chained and retried the same way; no device shows it. Its body is sealed to
/// the journal key first (journal/SupervisionSeal.h): the members of `Compliance review` who are
/// not compliance officers (the administrator who created it) receive only ciphertext.
#include "client/core/ClientImpl.h"
#include "client/core/CoreUtil.h"
#include "journal/SupervisionSeal.h"

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
    const auto* key = m->manifestOk ? m->manifest.currentJournalKey() : nullptr;
    if (!key) return fail(ErrorCode::NotFound, "no firm manifest with a journal key yet");
    auto sealed = journal::sealSupervisionBody(body, key->publicKey);
    if (!sealed) return tl::unexpected(sealed.error());
    auto rec = m->newRecord(*conv, proto::SUPERVISION);
    rec.set_body(*sealed);
    auto id = m->enqueue(std::move(rec), MessageKind::System, false);
    if (id) m->scheduleFlush();
    return id;
}

} // namespace verbatim::client
