/// @file ClientJournalAck.cpp
/// Client::acknowledgeJournal: a compliance device tells the relay what its archive holds and
/// verified (issue 22), so that the relay may prune what every compliance archive holds. The
/// acknowledgement is signed by this device's identity key (journal::JournalAck).
#include "client/core/ClientImpl.h"
#include "client/core/CoreUtil.h"
#include "common/Try.h"
#include "journal/JournalAck.h"

namespace verbatim::client {

Result<std::string>
Client::acknowledgeJournal(std::uint64_t sequence, const std::string& chainHash,
                           const std::vector<std::pair<std::uint64_t, std::uint64_t>>& keep,
                           const std::string& stateRows) {
    journal::ChainHash hash{};
    if (chainHash.size() != hash.size())
        return fail(ErrorCode::InvalidArgument, "a chain hash is 32 bytes");
    std::copy(chainHash.begin(), chainHash.end(), hash.begin());
    std::optional<journal::ChainHash> state;
    if (!stateRows.empty()) {
        if (stateRows.size() != 32)
            return fail(ErrorCode::InvalidArgument, "a state rows digest is 32 bytes");
        state.emplace();
        std::copy(stateRows.begin(), stateRows.end(), state->begin());
    }
    std::vector<journal::SequenceRange> ranges;
    for (const auto& [first, last] : keep)
        ranges.push_back({first, last});
    proto::Request req;
    {
        std::lock_guard lock(m->mutex);
        if (!m->sessions) return fail(ErrorCode::NotFound, kErasedText);
        auto ack = journal::JournalAck::make(
            m->acct.firmFingerprint, m->acct.user, m->acct.device, sequence, hash, nowMs(),
            std::move(ranges), [&](ByteView msg) { return m->sessions->sign(msg); }, state);
        if (!ack) return tl::unexpected(ack.error());
        req.mutable_ack_journal()->set_ack(str(ack->serialize()));
    }
    VERBATIM_TRY_LET(resp, m->call(req, std::chrono::seconds(60)));
    if (resp->status() != proto::STATUS_OK)
        return tl::unexpected(Error{ErrorCode::InvalidArgument,
                                    "the relay refused the acknowledgement: " + resp->error(),
                                    int(resp->status())});
    return resp->journal_prune_state().SerializeAsString();
}

} // namespace verbatim::client
