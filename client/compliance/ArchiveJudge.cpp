/// @file ArchiveJudge.cpp
/// The content checks over the stored records (ContentJudge): `forged-edit`, `not-a-member` and the conversations' participants, judged again after every pull and stored.
#include "common/Concurrency.h"
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "journal/AttachmentBlob.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"
#include "verbatim.pb.h"
#include "wire.pb.h"

namespace verbatim::compliance {

using storage::Database;

Result<void> Archive::Impl::judgeStored() {
    ContentJudge judge;
    {
        // The member comes from the stored body: a version 2 body names it apart from the actor.
        auto a = db->prepare(
            "SELECT a.seq, a.actor, a.action, a.target, coalesce(a.conversation, ''), "
            "coalesce(a.members, ''), r.body FROM admin_actions a LEFT JOIN records r ON r.seq = "
            "a.seq WHERE a.action IN ('conversation-created', 'invite-created', "
            "'invite-redeemed', 'matter-closed', 'matter-reopened', 'member-removed', "
            "'matter-handed-over')");
        if (!a) return tl::unexpected(a.error());
        while (true) {
            VERBATIM_TRY_LET(row, a->step());
            if (!*row) break;
            auto body = parseFlatJsonObject(a->columnText(6));
            judge.admin(std::uint64_t(a->columnInt(0)), a->columnText(2),
                        body ? ContentJudge::memberOf(*body) : a->columnText(1), a->columnText(3),
                        a->columnText(4), a->columnText(5));
        }
    }
    std::unordered_set<std::uint64_t>
        revoked; // entries signed after their device's revocation, or unapproved
    {
        VERBATIM_TRY_LET(
            p,
            db->prepare(
                "SELECT seq FROM problems WHERE fault IN ('revoked-signer', 'unapproved-device')"));
        while (true) {
            VERBATIM_TRY_LET(row, p->step());
            if (!*row) break;
            revoked.insert(std::uint64_t(p->columnInt(0)));
        }
    }
    auto st = db->prepare(
        "SELECT seq, message_id, conversation, user, device, recipients, type, ref, "
        "CASE WHEN type = ? THEN body END FROM records WHERE user != 'relay' ORDER BY seq");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::int64_t(proto::NOTICE_ACCEPTED));
    std::vector<std::string> recipients;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        const auto seq = std::uint64_t(st->columnInt(0));
        recipients.clear();
        const std::string list = st->columnText(5);
        for (std::size_t i = 0; i < list.size();) {
            auto j = list.find(' ', i);
            if (j == std::string::npos) j = list.size();
            if (j > i) recipients.push_back(list.substr(i, j - i));
            i = j + 1;
        }
        judge.record(seq, str(st->columnBlob(1)), st->columnText(2), st->columnText(3),
                     std::uint32_t(st->columnInt(4)), int(st->columnInt(6)), str(st->columnBlob(7)),
                     recipients, !revoked.count(seq));
        if (st->columnInt(6) == proto::NOTICE_ACCEPTED)
            judge.notice(seq, knownNoticeBody(str(st->columnBlob(8))));
    }
    auto outcome = judge.finish();
    return storeJudgement(outcome);
}

Result<void> Archive::Impl::storeJudgement(ContentJudge::Outcome& outcome) {
    const bool own = !db->inTransaction();
    storage::Transaction tx(*db);
    if (own)
        if (auto r = tx.begin(); !r) return r;
    if (auto r = db->exec("DELETE FROM problems WHERE origin = 'content'"); !r) return r;
    for (auto& p : outcome.problems)
        if (auto r = addProblem(p.sequence, p.fault, p.detail, "content"); !r) return r;
    if (auto r = db->exec("DELETE FROM members"); !r) return r;
    VERBATIM_TRY_LET(
        st, db->cached("INSERT OR IGNORE INTO members (conversation, user) VALUES (?, ?)"));
    for (auto& [conv, users] : outcome.participants)
        for (auto& u : users) {
            st->bind(1, std::string_view(conv)).bind(2, std::string_view(u));
            if (auto r = st->run(); !r) return r;
        }
    if (own)
        if (auto r = tx.commit(); !r) return r;
    return {};
}

} // namespace verbatim::compliance
