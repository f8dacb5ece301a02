/// @file MatterCommands.cpp
/// Conversations, matters and invites: conversations, create, close, reopen, remove, invite,
/// invites, revoke-invite, supervised.
#include <algorithm>
#include <charconv>
#include <cstdio>

#include "client/cli/CliApp.h"
#include "client/core/Client.h"
#include "common/Json.h"

using namespace verbatim;
using namespace verbatim::client;

namespace verbatim::cliapp {

int cmdConversations(Client& c, const Args&) {
    goOnline(c, std::chrono::seconds(15));
    c.stop();
    auto list = c.conversations();
    if (!list) return die(list.error().message);
    for (auto& v : *list)
        std::printf("%s\t%s\t%s%s%s\n", v.id.c_str(), v.isMatter ? "matter" : "direct",
                    v.title.c_str(), v.closedMs ? "\tclosed" : "", v.removed ? "\tremoved" : "");
    return 0;
}

int cmdCreate(Client& c, const Args& a) {
    if (a.positional.size() != 2) return usage();
    if (!goOnline(c)) return die("cannot reach the relay");
    std::vector<std::string> members;
    if (auto it = a.options.find("member"); it != a.options.end()) members = it->second;
    auto id = c.createConversation(a.positional[1], a.flag("matter"), members);
    c.stop();
    if (!id) return die(id.error().message);
    std::printf("%s\n", id->c_str());
    return 0;
}

int cmdCloseOrReopen(Client& c, const Args& a) {
    if (a.positional.size() != 2) return usage();
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    auto changed = c.setMatterClosed(a.positional[1], a.positional[0] == "close");
    c.stop();
    if (!changed) return die(changed.error().message);
    std::printf("%s\t%s\t%s\n", changed->id.c_str(), changed->closedMs ? "closed" : "open",
                changed->title.c_str());
    return 0;
}

int cmdRemove(Client& c, const Args& a) {
    if (a.positional.size() != 3) return usage();
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    auto changed = c.removeMember(a.positional[1], a.positional[2]);
    c.stop();
    if (!changed) return die(changed.error().message);
    std::printf("%s\tremoved\t%s\n", changed->id.c_str(), a.positional[2].c_str());
    return 0;
}

int cmdInvite(Client& c, const Args& a) {
    if (a.opt("matter").empty()) return usage();
    if (!goOnline(c)) return die("cannot reach the relay");
    auto link = c.createInvite(a.opt("matter"));
    c.stop();
    if (!link) return die(link.error().message);
    std::printf("%s\n", link->c_str());
    return 0;
}

int cmdInvites(Client& c, const Args& a) {
    const std::string& cmd = a.positional[0];
    if (a.positional.size() != (cmd == "invites" ? 1u : 2u)) return usage();
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    // A title or a name is the sender's choice: no tab or line break may break the columns.
    auto cell = [](std::string s) {
        std::replace_if(
            s.begin(), s.end(), [](char ch) { return ch == '\t' || ch == '\n' || ch == '\r'; },
            ' ');
        return s;
    };
    auto print = [&](const InviteView& v) {
        std::string by = v.redeemedBy.empty() ? "-" : v.redeemedBy + " (" + v.redeemedName + ")";
        std::printf("%s\t%s\t%llu\t%llu\t%llu\t%s\t%s\n", v.id.c_str(), v.state.c_str(),
                    (unsigned long long)v.createdMs, (unsigned long long)v.expiresMs,
                    (unsigned long long)v.redeemedMs, cell(by).c_str(),
                    cell(v.matterTitle).c_str());
    };
    if (cmd == "invites") {
        auto list = c.invites();
        c.stop();
        if (!list) return die(list.error().message);
        for (const auto& v : *list)
            print(v);
        return 0;
    }
    auto revoked = c.revokeInvite(a.positional[1]);
    c.stop();
    if (!revoked) return die(revoked.error().message);
    print(*revoked);
    return 0;
}

// `supervised` (issue 21): what a supervising partner sees, one matter a line (or a JSON object
// a line), flagged ones first as the relay orders them.
int cmdSupervised(Client& c, const Args& a) {
    if (a.positional.size() != 1) return usage();
    unsigned weeks = 8;
    if (const std::string w = a.opt("weeks"); !w.empty()) {
        auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), weeks);
        if (ec != std::errc() || end != w.data() + w.size() || weeks < 1 || weeks > 52)
            return die("--weeks is 1 to 52");
    }
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    auto view = c.supervisedMatters(weeks);
    c.stop();
    if (!view) return die(view.error().message);
    auto cell = [](std::string s) {
        std::replace_if(
            s.begin(), s.end(), [](char ch) { return ch == '\t' || ch == '\n' || ch == '\r'; },
            ' ');
        return s.empty() ? std::string("-") : s;
    };
    const bool json = a.flag("json");
    for (const auto& m : view->matters) {
        std::string weekly, people;
        for (auto n : m.weekly)
            weekly += (weekly.empty() ? "" : ",") + std::to_string(n);
        if (json) {
            for (const auto& p : m.participants)
                people += std::string(people.empty() ? "" : ",") +
                          "{\"user\":" + jsonQuote(p.user) +
                          ",\"name\":" + jsonQuote(p.displayName) +
                          ",\"role\":" + jsonQuote(p.role) + "}";
            std::string supervised;
            for (const auto& l : m.supervised)
                supervised += (supervised.empty() ? "" : ",") + jsonQuote(l);
            std::printf("{\"id\":%s,\"title\":%s,\"matter_number\":%s,\"client_name\":%s,"
                        "\"overdue\":%s,\"waiting_ms\":%llu,\"waiting_since_ms\":%llu,"
                        "\"last_client_ms\":%llu,\"last_lawyer_ms\":%llu,\"closed_ms\":%llu,"
                        "\"member\":%s,\"weekly\":[%s],\"participants\":[%s],"
                        "\"supervised\":[%s],\"threshold_ms\":%llu}\n",
                        jsonQuote(m.conversationId).c_str(), jsonQuote(m.title).c_str(),
                        jsonQuote(m.matterNumber).c_str(), jsonQuote(m.clientName).c_str(),
                        m.overdue ? "true" : "false", (unsigned long long)m.waitingMs,
                        (unsigned long long)m.waitingSinceMs, (unsigned long long)m.lastClientMs,
                        (unsigned long long)m.lastLawyerMs, (unsigned long long)m.closedMs,
                        m.member ? "true" : "false", weekly.c_str(), people.c_str(),
                        supervised.c_str(), (unsigned long long)view->thresholdMs);
            continue;
        }
        for (const auto& p : m.participants)
            people += (people.empty() ? "" : ",") + p.user + ":" + p.role;
        std::printf("%s\t%s\t%llu\t%llu\t%llu\t%s\t%s\t%s\t%s\t%s\n", m.conversationId.c_str(),
                    m.overdue ? "overdue" : "-", (unsigned long long)m.waitingMs,
                    (unsigned long long)m.lastClientMs, (unsigned long long)m.closedMs,
                    weekly.c_str(), cell(people).c_str(), cell(m.matterNumber).c_str(),
                    cell(m.clientName).c_str(), cell(m.title).c_str());
    }
    return 0;
}

} // namespace verbatim::cliapp
