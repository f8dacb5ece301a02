/// @file ClientDrafts.cpp
/// Drafts: the unsent text of each conversation's composer, kept on this device only, in the
/// encrypted profile (table `account`, key "draft/<conversation id>"). Never sent anywhere.

#include "client/core/Client.h"
#include "client/core/ClientImpl.h"
#include "client/core/CoreUtil.h"

namespace verbatim::client {

namespace {

constexpr const char* kDraftPrefix = "draft/";
/// Larger than any message a composer holds; a longer draft is refused (nothing is lost: the
/// composer keeps its text).
constexpr std::size_t kMaxDraftBytes = 256 * 1024;

} // namespace

std::string Client::draft(const std::string& conversation) {
    if (conversation.empty()) return {};
    std::lock_guard lock(m->mutex);
    if (!m->db) return {};
    return m->accounts->text(kDraftPrefix + conversation);
}

Result<void> Client::setDraft(const std::string& conversation, const std::string& text) {
    if (conversation.empty())
        return fail(ErrorCode::InvalidArgument, "no conversation for the draft");
    if (text.size() > kMaxDraftBytes)
        return fail(ErrorCode::InvalidArgument, "the draft is too long to keep");
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    const std::string key = kDraftPrefix + conversation;
    if (text.empty()) return m->accounts->remove(key);
    return m->accounts->set(key, view(text));
}

} // namespace verbatim::client
