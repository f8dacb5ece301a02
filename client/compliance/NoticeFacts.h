#pragma once
/// @file NoticeFacts.h
/// verify's check of what each recording-notice acceptance says the notice stated (issue 22;
/// docs/protocol.md, "Recording notice"): a NOTICE_ACCEPTED body that carries the facts shown
/// (inviter, matter title, number and client, retention, privacy notice link, erasure) is held
/// against the journal (the matter's `conversation-created` record, the inviter named by the
/// client's `invite-redeemed` record) and against the firm manifest in force when it was
/// accepted; each fact that differs is a `notice-facts-mismatch` at the acceptance's sequence.
/// A body without facts (clients before issue 22) is not judged. Private to the compliance
/// library; reads the archive's tables only.

#include <vector>

#include "common/Result.h"
#include "compliance/Archive.h"

namespace verbatim::compliance {

/// Adds a `notice-facts-mismatch` problem to `found` for each acceptance whose stated facts the
/// journal or the manifest contradict. The manifest the archive holds judges an acceptance only
/// when it was issued at or before the acceptance's relay time (it was in force then); a later
/// manifest may state other facts and judges nothing.
[[nodiscard]] Result<void> checkNoticeFacts(Archive::Impl& archive, std::vector<Problem>& found);

} // namespace verbatim::compliance
