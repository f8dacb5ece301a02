#pragma once
/// @file ContentJudge.h
/// What the opened records of a journal say about each other: forged edits, senders or
/// recipients who were not members, outside parties who sent before accepting the recording
/// notice. Pull and verify run the same judge over the same log, so the verdict is stable.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compliance/Archive.h"
#include "compliance/ArchiveText.h"
#include "journal/HistoryTransfer.h"
#include "journal/RecordingNotice.h"
#include "verbatim.pb.h"

namespace verbatim::compliance {

/// What the journal says about itself beyond each entry's own checks (used by pull over the stored
/// records and by verify over the opened rows, so both reach the same verdict):
///  - `forged-edit`: an edit or retraction counts only from the author (user) of the message it
///    refers to, as recipients apply it. One whose message is not in the log (yet) is judged
///    when that message arrives; until then there is nothing it could change.
///  - `not-a-member`: an entry counts only from a member of its conversation, addressed to
///    members. Membership comes from the relay-signed records: `conversation-created` (its
///    creator, and the `members` it lists when the relay lists them), `invite-created` (its
///    inviter: the relay lets only members invite; a member since creation; memberOf() reads
///    both from either body version) and `invite-redeemed` (the invited
///    client, from that entry on). When the creation record does not list the members (logs
///    written before the relay listed them), the ones added at creation are learnt from the
///    recipients of entries sent by those members: apart from invited clients, members are only
///    ever added at creation, so such a member counts from the creation on. This vouching is one
///    step only (a vouched member vouches for nobody), and an entry signed by a revoked or
///    unapproved device vouches for nobody. A log that records no conversation
///    creation at all (a synthetic log) is not judged for membership.
///  - `no-notice` (issue 17, consent): an outside party (a user an `invite-redeemed` record
///    names) sends nothing into a conversation before its own NOTICE_ACCEPTED there, one that
///    names a known notice (journal/RecordingNotice.h; the exact plain-text body of clients before
///    notice version 1 counts as the legacy acceptance). An acceptance naming an unknown version or
///    hash, or signed by a revoked or unapproved device, is no acceptance: the messages after it
///    are flagged, and the detail names it. Receipts are not judged (they carry no content).
///  - the conversation `devices:USER` (history transfer between one user's devices) has USER
///    alone as its member: an entry there by USER addressed to USER's devices only is accepted,
///    anything else is `not-a-member`.
///  - membership ends at a relay-signed `member-removed` (issue 22; its `user`): an entry from
///    or addressed to that user in the matter after it is `not-a-member`.
///  - `closed-matter` (issue 22): nothing is sent into a matter between its relay-signed
///    `matter-closed` and the next `matter-reopened` (the relay refuses every such send, receipts
///    included).
class ContentJudge {
public:
    /// A NOTICE_ACCEPTED entry: whether its body names a notice this build knows.
    void notice(std::uint64_t seq, bool known) {
        if (known) m_knownNotices.insert(seq);
    }
    /// The user an `ADMIN_ACTION` body makes a member of its conversation: the creator of a
    /// `conversation-created`, the inviter of an `invite-created`, empty for other actions or
    /// when the body does not say. A version 2 body (`"version":"2"`) names them (`creator`,
    /// `inviter`) and its `actor` is whoever caused the act (a device, `admin-cli`); in a
    /// version 1 body (no `version`) the `actor` is that user.
    static std::string memberOf(const std::map<std::string, std::string>& body) {
        auto get = [&](const char* name) {
            auto it = body.find(name);
            return it == body.end() ? std::string() : it->second;
        };
        const std::string action = get("action");
        if (action == "member-removed") return get("user");   // the member it ends
        if (action == "matter-handed-over") return get("to"); // the member it adds
        if (action != "conversation-created" && action != "invite-created") return {};
        if (const auto v = get("version"); v.empty() || v == "1") return get("actor");
        return get(action == "conversation-created" ? "creator" : "inviter");
    }
    /// `member`: memberOf() the body (ignored for `invite-redeemed`, whose member is `target`).
    void admin(std::uint64_t seq, const std::string& action, const std::string& member,
               const std::string& target, const std::string& conversation,
               const std::string& members) {
        if (action != "conversation-created" && action != "invite-created" &&
            action != "invite-redeemed" && action != "matter-closed" &&
            action != "matter-reopened" && action != "member-removed" &&
            action != "matter-handed-over")
            return;
        m_admin.push_back({seq, action, member, target, conversation, members});
    }
    /// Entries other than the relay's, in log order, each message id once (its first entry).
    void record(std::uint64_t seq, const std::string& messageId, const std::string& conversation,
                const std::string& user, std::uint32_t device, int type, const std::string& ref,
                const std::vector<std::string>& recipients, bool trusted) {
        if (type == proto::ADMIN_ACTION) return; // forged-admin-action already
        Rec r;
        r.seq = seq;
        r.conv = m_convs.id(conversation);
        r.user = m_users.id(user);
        r.device = device;
        r.type = type;
        r.trusted = trusted;
        r.recBegin = std::uint32_t(m_recipients.size());
        for (const auto& u : recipients)
            m_recipients.push_back(m_users.id(u));
        r.recCount = std::uint32_t(m_recipients.size() - r.recBegin);
        if ((type == proto::EDIT || type == proto::RETRACT) && !ref.empty()) {
            r.ref = std::int32_t(m_refs.size());
            m_refs.push_back(ref);
        }
        m_byId.emplace(messageId, std::uint32_t(m_recs.size()));
        m_recs.push_back(r);
    }

    struct Outcome {
        std::vector<Problem> problems;
        /// Senders and recipients of the entries that are not `not-a-member`, by conversation.
        std::map<std::string, std::set<std::string>> participants;
    };

    Outcome finish() {
        Outcome out;
        struct Conv {
            std::uint64_t created = 0;
            bool listed = false;
            std::unordered_map<std::uint32_t, std::uint64_t>
                anchors; // user -> member after this seq
            std::unordered_map<std::uint32_t, std::uint64_t> removed; // user -> not after this
            std::unordered_set<std::uint32_t> vouched;                // members since the creation
        };
        std::unordered_map<std::uint32_t, Conv> convs;
        auto anchor = [&](Conv& c, const std::string& user, std::uint64_t since) {
            auto [it, fresh] = c.anchors.emplace(m_users.id(user), since);
            if (!fresh) it->second = std::min(it->second, since);
        };
        std::stable_sort(m_admin.begin(), m_admin.end(),
                         [](const Admin& a, const Admin& b) { return a.seq < b.seq; });
        bool judgeMembership = false;
        for (const auto& a : m_admin) {
            if (a.action != "conversation-created") continue;
            judgeMembership = true;
            auto& c = convs[m_convs.id(a.target)];
            if (c.created) continue; // created once; a second record changes nothing
            c.created = a.seq;
            if (!a.member.empty()) anchor(c, a.member, a.seq);
            if (a.members.empty()) continue;
            c.listed = true;
            std::string u;
            for (char ch : a.members + " ") {
                if (ch == ' ' || ch == ',') {
                    if (!u.empty()) anchor(c, u, a.seq);
                    u.clear();
                } else {
                    u += ch;
                }
            }
        }
        auto findConv = [&](std::uint32_t id) -> Conv* {
            auto it = convs.find(id);
            return it == convs.end() || !it->second.created ? nullptr : &it->second;
        };
        for (const auto& a : m_admin) {
            if (a.action == "invite-created") {
                if (auto* c = findConv(m_convs.id(a.target));
                    c && c->created < a.seq && !a.member.empty())
                    anchor(*c, a.member, c->created);
            } else if (a.action == "invite-redeemed") {
                if (auto* c = findConv(m_convs.id(a.conversation)); c && c->created < a.seq)
                    anchor(*c, a.target, a.seq);
            } else if (a.action == "matter-handed-over" && !a.member.empty()) {
                if (auto* c = findConv(m_convs.id(a.target)); c && c->created < a.seq)
                    anchor(*c, a.member, a.seq);
            } else if (a.action == "member-removed" && !a.member.empty()) {
                if (auto* c = findConv(m_convs.id(a.target)))
                    c->removed.emplace(m_users.id(a.member), a.seq); // the first removal
            }
        }
        auto isGone = [](const Conv& c, std::uint32_t user, std::uint64_t seq) {
            auto it = c.removed.find(user);
            return it != c.removed.end() && it->second < seq;
        };
        auto isAnchor = [&](const Conv& c, std::uint32_t user, std::uint64_t seq) {
            auto it = c.anchors.find(user);
            return it != c.anchors.end() && it->second < seq && !isGone(c, user, seq);
        };
        auto isMember = [&](const Conv& c, std::uint32_t user, std::uint64_t seq) {
            return isAnchor(c, user, seq) ||
                   (!c.listed && c.created < seq && c.vouched.count(user) && !isGone(c, user, seq));
        };
        if (judgeMembership)
            for (const auto& r : m_recs) {
                auto* c = findConv(r.conv);
                if (!c || c->listed || !r.trusted || !isAnchor(*c, r.user, r.seq)) continue;
                for (std::uint32_t i = 0; i < r.recCount; ++i)
                    c->vouched.insert(m_recipients[r.recBegin + i]);
            }

        std::map<std::string, std::set<std::string>> flaggedSenders;
        for (const auto& r : m_recs) {
            const std::string& conv = m_convs.name(r.conv);
            const std::string who = deviceName(m_users.name(r.user), r.device);
            bool accepted = true;
            // A user's own devices (history transfer): only that user, to itself; the relay
            // lets nobody else send there.
            const std::string ownUser = journal::ownDevicesUser(conv);
            bool ownOk = !ownUser.empty() && m_users.name(r.user) == ownUser;
            for (std::uint32_t i = 0; ownOk && i < r.recCount; ++i)
                ownOk = m_recipients[r.recBegin + i] == r.user;
            if (judgeMembership && !ownOk) {
                const auto* c = findConv(r.conv);
                if (!ownUser.empty()) {
                    out.problems.push_back(
                        {r.seq, "not-a-member",
                         who + " sent into the own devices of another user (" + conv + ")"});
                    accepted = false;
                } else if (!c || c->created >= r.seq) {
                    out.problems.push_back(
                        {r.seq, "not-a-member",
                         who + " sent into conversation " + conv +
                             ", which the log does not show created before this point"});
                    accepted = false;
                } else {
                    const bool senderIn = isMember(*c, r.user, r.seq);
                    std::string strangers;
                    std::set<std::uint32_t> seen;
                    for (std::uint32_t i = 0; i < r.recCount; ++i) {
                        auto v = m_recipients[r.recBegin + i];
                        if (v == r.user || !seen.insert(v).second || isMember(*c, v, r.seq))
                            continue;
                        strangers += (strangers.empty() ? "" : ", ") + m_users.name(v);
                    }
                    if (!senderIn) {
                        out.problems.push_back(
                            {r.seq, "not-a-member",
                             who + " was not a member of conversation " + conv + " at this point" +
                                 (strangers.empty()
                                      ? std::string()
                                      : "; nor were the recipients it names: " + strangers)});
                        accepted = false;
                    } else if (!strangers.empty()) {
                        out.problems.push_back(
                            {r.seq, "not-a-member",
                             who + " names recipients who were not members of conversation " +
                                 conv + " at this point: " + strangers});
                        accepted = false;
                    }
                }
            }
            if (conv != "firm-audit") {
                if (accepted) {
                    auto& p = out.participants[conv];
                    p.insert(m_users.name(r.user));
                    for (std::uint32_t i = 0; i < r.recCount; ++i)
                        p.insert(m_users.name(m_recipients[r.recBegin + i]));
                } else {
                    flaggedSenders[conv].insert(m_users.name(r.user));
                }
            }
            if (r.ref < 0) continue;
            const std::string& ref = m_refs[std::size_t(r.ref)];
            auto it = m_byId.find(ref);
            if (it == m_byId.end()) continue; // not in the log (yet): nothing it could change
            const Rec& original = m_recs[it->second];
            if (original.user == r.user) continue;
            out.problems.push_back(
                {r.seq, "forged-edit",
                 std::string(r.type == proto::EDIT ? "an edit" : "a retraction") + " of message " +
                     hexOf(ref) + " (seq " + std::to_string(original.seq) + ", by " +
                     m_users.name(original.user) + ") sent by " + who +
                     ", who is not its author; not applied"});
        }
        judgeConsent(out);
        judgeClosed(out);
        // A conversation only non-members wrote into stays listed, under their names.
        for (auto& [conv, senders] : flaggedSenders)
            if (!out.participants.count(conv)) out.participants[conv] = std::move(senders);
        return out;
    }

private:
    void judgeClosed(Outcome& out) {
        // conversation -> (seq, closed from there on), in log order (m_admin is sorted)
        std::unordered_map<std::uint32_t, std::vector<std::pair<std::uint64_t, bool>>> states;
        for (const auto& a : m_admin)
            if (a.action == "matter-closed" || a.action == "matter-reopened")
                states[m_convs.id(a.target)].emplace_back(a.seq, a.action == "matter-closed");
        if (states.empty()) return;
        for (const auto& r : m_recs) {
            auto it = states.find(r.conv);
            if (it == states.end()) continue;
            const auto& v = it->second;
            auto after =
                std::upper_bound(v.begin(), v.end(), r.seq,
                                 [](std::uint64_t seq, const std::pair<std::uint64_t, bool>& s) {
                                     return seq < s.first;
                                 });
            if (after == v.begin() || !std::prev(after)->second) continue;
            out.problems.push_back({r.seq, "closed-matter",
                                    deviceName(m_users.name(r.user), r.device) + " sent a " +
                                        proto::MessageType_Name(proto::MessageType(r.type)) +
                                        " into matter " + m_convs.name(r.conv) +
                                        ", closed at seq " +
                                        std::to_string(std::prev(after)->first)});
        }
    }

    void judgeConsent(Outcome& out) {
        std::unordered_map<std::uint32_t, std::uint64_t> outside; // user -> first invite redeemed
        for (const auto& a : m_admin)
            if (a.action == "invite-redeemed") {
                auto [it, fresh] = outside.emplace(m_users.id(a.target), a.seq);
                if (!fresh) it->second = std::min(it->second, a.seq);
            }
        if (outside.empty()) return;
        std::set<std::pair<std::uint32_t, std::uint32_t>> consented; // (conversation, user)
        std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t>
            refused; // last unknown acceptance
        for (const auto& r : m_recs) {
            if (!outside.count(r.user) || r.type == proto::RECEIPT) continue;
            const auto key = std::make_pair(r.conv, r.user);
            if (r.type == proto::NOTICE_ACCEPTED) {
                if (r.trusted && m_knownNotices.count(r.seq))
                    consented.insert(key);
                else
                    refused[key] = r.seq;
                continue;
            }
            if (consented.count(key)) continue;
            std::string detail =
                deviceName(m_users.name(r.user), r.device) + ", an outside party (invited at seq " +
                std::to_string(outside[r.user]) + "), sent a " +
                proto::MessageType_Name(proto::MessageType(r.type)) + " into conversation " +
                m_convs.name(r.conv) + " before accepting the recording notice there";
            if (auto it = refused.find(key); it != refused.end())
                detail += "; its acceptance at seq " + std::to_string(it->second) +
                          " names no known notice version and text hash, or was signed by a "
                          "revoked or unapproved "
                          "device";
            out.problems.push_back({r.seq, "no-notice", std::move(detail)});
        }
    }

    struct Admin {
        std::uint64_t seq;
        std::string action, member, target, conversation, members;
    };
    struct Rec {
        std::uint64_t seq = 0;
        std::uint32_t conv = 0, user = 0, device = 0;
        int type = 0;
        std::uint32_t recBegin = 0, recCount = 0;
        std::int32_t ref = -1; // index into m_refs (edits and retractions)
        bool trusted = true;
    };
    struct Names {
        std::unordered_map<std::string, std::uint32_t> ids;
        std::vector<std::string> names;
        std::uint32_t id(const std::string& s) {
            auto [it, fresh] = ids.emplace(s, std::uint32_t(names.size()));
            if (fresh) names.push_back(s);
            return it->second;
        }
        const std::string& name(std::uint32_t i) const { return names[i]; }
    };
    std::vector<Admin> m_admin;
    std::vector<Rec> m_recs;
    std::vector<std::uint32_t> m_recipients;
    std::vector<std::string> m_refs;
    std::unordered_map<std::string, std::uint32_t> m_byId; // message id -> its first entry
    std::unordered_set<std::uint64_t>
        m_knownNotices; // NOTICE_ACCEPTED entries naming a known notice
    Names m_convs, m_users;
};

/// Whether a NOTICE_ACCEPTED body names a notice this build knows (see ContentJudge).
inline bool knownNoticeBody(std::string_view body) {
    if (body == journal::kLegacyNoticeAcceptanceBody) return true;
    auto a = journal::parseNoticeAcceptance(body);
    return a && journal::isKnownNotice(a->version, a->textSha256);
}

} // namespace verbatim::compliance
