/// @file NoticeFacts.cpp
/// The recording notice's facts as accepted, checked against the journal and the manifest
/// (NoticeFacts.h).
#include "compliance/NoticeFacts.h"

#include <map>
#include <optional>
#include <string>

#include "common/Json.h"
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"

namespace verbatim::compliance {
namespace {

using Fields = std::map<std::string, std::string>;

/// The link a client shows for the manifest's privacy notice (client::isShowableLink): https://,
/// printable ASCII without spaces, at most 512 bytes; otherwise none.
std::string shownPrivacyLink(const std::string& url) {
    constexpr std::string_view scheme = "https://";
    if (url.size() <= scheme.size() || url.size() > 512 || url.compare(0, 8, scheme) != 0)
        return {};
    for (char c : url)
        if (c <= 0x20 || c >= 0x7f) return {};
    return url;
}

/// The body of the relay's last `action` record about `target` (in `conversation`, when given)
/// before `beforeSeq`, as its fields.
Result<std::optional<Fields>> relayRecord(Database& db, const std::string& action,
                                          const std::string& target,
                                          const std::string& conversation,
                                          std::uint64_t beforeSeq) {
    VERBATIM_TRY_LET(q, db.cached("SELECT r.body FROM admin_actions a JOIN records r ON r.seq = "
                                  "a.seq WHERE a.action = ? AND a.target = ? AND (? = '' OR "
                                  "a.conversation = ?) AND a.seq < ? ORDER BY a.seq DESC LIMIT 1"));
    q->bind(1, std::string_view(action))
        .bind(2, std::string_view(target))
        .bind(3, std::string_view(conversation))
        .bind(4, std::string_view(conversation))
        .bind(5, std::int64_t(beforeSeq));
    VERBATIM_TRY_LET(row, q->step());
    if (!*row) return std::optional<Fields>();
    return std::optional<Fields>(parseFlatJsonObject(str(q->columnBlob(0))));
}

} // namespace

Result<void> checkNoticeFacts(Archive::Impl& m, std::vector<Problem>& found) {
    auto& db = *m.db;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, conversation, user, body, server_time_ms FROM "
                                   "records WHERE type = ? ORDER BY seq"));
    q->bind(1, std::int64_t(proto::NOTICE_ACCEPTED));
    struct Acceptance {
        std::uint64_t seq, timeMs;
        std::string conversation, user;
        Fields facts;
    };
    std::vector<Acceptance> stated;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        auto body = parseFlatJsonObject(str(s.columnBlob(3)));
        // Only bodies that carry the facts (issue 22); older ones state the text alone.
        if (!body || !body->count("matter_title")) return;
        stated.push_back({std::uint64_t(s.columnInt(0)), std::uint64_t(s.columnInt(4)),
                          s.columnText(1), s.columnText(2), std::move(*body)});
    }));
    for (auto& a : stated) {
        std::map<std::string, std::string> truth; // fact -> what the journal or manifest says
        std::map<std::string, std::string> source;
        VERBATIM_TRY_LET(created,
                         relayRecord(db, "conversation-created", a.conversation, {}, a.seq));
        if (*created) {
            auto& c = **created;
            truth["matter_title"] = c.count("title") ? c["title"] : c["detail"];
            truth["matter_number"] = c["matter_number"];
            truth["client_name"] = c["client_name"];
            for (const char* f : {"matter_title", "matter_number", "client_name"})
                source[f] = "the matter's conversation-created record";
        }
        VERBATIM_TRY_LET(redeemed,
                         relayRecord(db, "invite-redeemed", a.user, a.conversation, a.seq));
        if (*redeemed && !(**redeemed)["inviter"].empty()) {
            VERBATIM_TRY_LET(n, db.cached("SELECT name FROM users WHERE id = ?"));
            n->bind(1, std::string_view((**redeemed)["inviter"]));
            VERBATIM_TRY_LET(row, n->step());
            if (*row) {
                truth["inviter"] = n->columnText(0);
                source["inviter"] = "the name of the inviter " + (**redeemed)["inviter"];
            }
        }
        if (m.manifest && m.manifest->issuedMs <= a.timeMs) {
            const auto& mf = *m.manifest;
            truth["retention_years"] = std::to_string(mf.retention.yearsAfterClose);
            truth["privacy_notice"] = shownPrivacyLink(mf.privacyNoticeUrl);
            truth["may_erase"] = mf.policy.mayWipeClientDevices ? "true" : "false";
            for (const char* f : {"retention_years", "privacy_notice", "may_erase"})
                source[f] = "the firm manifest in force";
        }
        std::string differ;
        for (const auto& [fact, value] : truth) {
            auto said = a.facts.find(fact);
            const std::string shown =
                said == a.facts.end() ? std::string("(not stated)") : said->second;
            if (shown == value) continue;
            differ += (differ.empty() ? "" : "; ") + fact + " " + jsonQuote(shown) + " where " +
                      source[fact] + " says " + jsonQuote(value);
        }
        if (!differ.empty())
            found.push_back({a.seq, "notice-facts-mismatch",
                             a.user + " accepted a recording notice in conversation " +
                                 a.conversation + " that stated " + differ});
    }
    return {};
}

} // namespace verbatim::compliance
