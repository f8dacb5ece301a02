/// @file AdminCommand.cpp
/// admin: enrolment, invites, users, devices, revocation, wipes and ethical walls beside a
/// running relay.
#include "relay/app/RelayApp.h"

#include <charconv>

namespace verbatim::relayapp {

const char* roleName(proto::Role r) {
    switch (r) {
    case proto::ROLE_CLIENT:
        return "client";
    case proto::ROLE_LAWYER:
        return "lawyer";
    case proto::ROLE_SUPERVISOR:
        return "supervisor";
    case proto::ROLE_COMPLIANCE:
        return "compliance";
    case proto::ROLE_ADMIN:
        return "admin";
    default:
        return "unknown";
    }
}

namespace {

// A comma-separated list of user ids; blanks around each are dropped, empty items refused.
std::optional<std::vector<std::string>> userList(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& v : values) {
        std::size_t start = 0;
        while (start <= v.size()) {
            auto comma = v.find(',', start);
            if (comma == std::string::npos) comma = v.size();
            std::string item = v.substr(start, comma - start);
            item.erase(0, item.find_first_not_of(' '));
            item.erase(item.find_last_not_of(' ') + 1);
            if (item.empty()) return std::nullopt;
            out.push_back(std::move(item));
            start = comma + 1;
        }
    }
    return out;
}

// Names and titles are chosen by users and may predate the relay's checks: nothing in them may
// act on the administrator's terminal (an escape sequence), reorder the line (a direction
// override) or break the columns (a tab or a line break). Each such byte is shown as \xNN.
std::string wallCell(const std::string& v) {
    std::string out;
    auto escape = [&](std::size_t from, std::size_t n) {
        static const char* const hex = "0123456789abcdef";
        for (std::size_t k = from; k < from + n; ++k) {
            const auto c = (unsigned char)v[k];
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    };
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto c = (unsigned char)v[i];
        if (c == '\\') {
            out += "\\\\"; // so that an escape shown is never ambiguous
        } else if (!relay::isPlainText(v.substr(i, 1))) {
            escape(i, 1);
        } else if ((c == 0xc2 || c == 0xe2) &&
                   !relay::isPlainText(v.substr(i, c == 0xc2 ? 2 : 3))) {
            const std::size_t n = c == 0xc2 ? 2 : 3;
            escape(i, n);
            i += n - 1;
        } else {
            out += char(c);
        }
    }
    return out.empty() ? std::string("-") : out;
}

void printWall(const relay::WallInfo& w) {
    auto list = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& s : v)
            out += (out.empty() ? "" : ",") + wallCell(s);
        return out.empty() ? std::string("-") : out;
    };
    std::printf("wall\t%s\ncreated\t%llu by %s\n", wallCell(w.name).c_str(),
                (unsigned long long)w.createdMs, wallCell(w.createdBy).c_str());
    for (int side : {0, 1})
        std::printf("side %c\tusers %s\tmatters %s\n", side == 0 ? 'A' : 'B',
                    list(w.users[side]).c_str(), list(w.matters[side]).c_str());
    std::printf("conflicts\t%zu\n", w.conflicts.size());
    for (const auto& c : w.conflicts)
        std::printf("conflict\t%s\t%s\t%s\n", wallCell(c.conversation).c_str(),
                    c.matter                 ? "matter"
                    : c.conversation.empty() ? "supervision"
                                             : "direct",
                    wallCell(c.title).c_str());
}

// admin wall add|list|show|remove (issue 22, ethical walls).
int adminWall(relay::RelayService& s, const Args& a, const std::string& actor) {
    const std::string& sub = a.positional[1];
    if (sub == "add" && a.positional.size() == 3) {
        relay::WallSpec spec;
        spec.name = a.positional[2];
        auto groupA = userList(a.all("group-a")), groupB = userList(a.all("group-b"));
        if (!groupA || !groupB)
            return die("--group-a and --group-b take user ids separated by commas, none empty");
        spec.users = {*groupA, *groupB};
        spec.matters = {a.all("matter-a"), a.all("matter-b")};
        auto wall = s.addWall(spec, actor);
        if (!wall) return die(wall.error().message);
        printWall(*wall);
        if (!wall->conflicts.empty())
            std::printf(
                "%zu conversations already hold people of both sides; nobody was "
                "removed: remove members (wall cut CONVERSATION USER) or offboard as needed\n",
                wall->conflicts.size());
        return 0;
    }
    if (sub == "list" && a.positional.size() == 2) {
        auto walls = s.listWalls();
        if (!walls) return die(walls.error().message);
        std::printf(
            "name\tside_a_users\tside_a_matters\tside_b_users\tside_b_matters\tconflicts\n");
        for (const auto& w : *walls)
            std::printf("%s\t%zu\t%zu\t%zu\t%zu\t%zu\n", wallCell(w.name).c_str(),
                        w.users[0].size(), w.matters[0].size(), w.users[1].size(),
                        w.matters[1].size(), w.conflicts.size());
        return 0;
    }
    if (sub == "show" && a.positional.size() == 3) {
        auto wall = s.showWall(a.positional[2]);
        if (!wall) return die(wall.error().message);
        printWall(*wall);
        return 0;
    }
    if (sub == "remove" && a.positional.size() == 3) {
        auto r = s.removeWall(a.positional[2], actor);
        if (!r) return die(r.error().message);
        std::printf("wall %s removed\n", wallCell(a.positional[2]).c_str());
        return 0;
    }
    if (sub == "cut" && a.positional.size() == 4) {
        auto r = s.cutFromConversation(a.positional[2], a.positional[3], actor);
        if (!r) return die(r.error().message);
        std::printf("%s removed from conversation %s (%s)\n", wallCell(a.positional[3]).c_str(),
                    wallCell(a.positional[2]).c_str(), wallCell(r->title()).c_str());
        return 0;
    }
    return usage();
}

// admin supervisor add|remove|list|threshold (issue 21, supervising partners).
int adminSupervisor(relay::RelayService& s, const Args& a, const std::string& actor) {
    const std::string& sub = a.positional[1];
    if ((sub == "add" || sub == "remove") && a.positional.size() == 3) {
        const std::string& lawyer = a.positional[2];
        const std::string by = a.opt("by");
        if (by.empty()) return die("--by SUPERVISOR names who supervises " + wallCell(lawyer));
        if (sub == "remove") {
            auto r = s.removeSupervisor(lawyer, by, actor);
            if (!r) return die(r.error().message);
            std::printf("%s no longer supervises %s\n", wallCell(by).c_str(),
                        wallCell(lawyer).c_str());
            return 0;
        }
        auto added = s.addSupervisor(lawyer, by, actor);
        if (!added) return die(added.error().message);
        std::printf(*added ? "%s supervises %s\n" : "%s already supervises %s\n",
                    wallCell(by).c_str(), wallCell(lawyer).c_str());
        return 0;
    }
    if (sub == "list" && a.positional.size() == 2) {
        auto rows = s.listSupervisors();
        if (!rows) return die(rows.error().message);
        auto threshold = s.supervisionThreshold();
        if (!threshold) return die(threshold.error().message);
        std::printf("threshold_hours\t%llu\n", (unsigned long long)(*threshold / 3600000));
        std::printf("supervisor\tlawyer\tassigned_ms\tassigned_by\n");
        for (const auto& r : *rows)
            std::printf("%s\t%s\t%llu\t%s\n", wallCell(r.supervisor).c_str(),
                        wallCell(r.lawyer).c_str(), (unsigned long long)r.assignedMs,
                        wallCell(r.assignedBy).c_str());
        return 0;
    }
    if (sub == "threshold" && a.positional.size() == 3) {
        const std::string& text = a.positional[2];
        unsigned long long hours = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), hours);
        if (ec != std::errc() || end != text.data() + text.size() || hours > 24 * 365)
            return die("HOURS is a whole number of hours, 0 to 8760 (0: flag nothing)");
        auto r = s.setSupervisionThreshold(hours * 3600000ull, actor);
        if (!r) return die(r.error().message);
        if (hours == 0)
            std::printf("no threshold: no matter is flagged\n");
        else
            std::printf("matters whose client has waited over %llu hours are flagged\n", hours);
        return 0;
    }
    return usage();
}

} // namespace

// `admin journal status` (issue 22): what the relay stores of the journal and what blocks pruning.
static int journalStatus(relay::RelayService& s) {
    auto state = s.journalPruneState();
    if (!state) return die(state.error().message);
    std::printf("head_sequence\t%llu\nrows\t%llu\noldest_kept\t%llu\npruned_through\t%llu\n"
                "acknowledged_through\t%llu\n",
                (unsigned long long)state->head_sequence(), (unsigned long long)state->rows(),
                (unsigned long long)state->oldest_kept(),
                (unsigned long long)state->pruned_through(),
                (unsigned long long)state->acknowledged_through());
    if (state->acks().empty()) std::printf("no active compliance device: nothing is pruned\n");
    for (const auto& d : state->acks()) {
        if (d.sequence() == 0)
            std::printf("ack\t%s/%u\tnever (nothing is pruned until it acknowledges)\n",
                        wallCell(d.user()).c_str(), d.device());
        else
            std::printf("ack\t%s/%u\tthrough %llu\tsigned_ms %llu\treceived_ms %llu\t"
                        "held_ranges %llu\n",
                        wallCell(d.user()).c_str(), d.device(), (unsigned long long)d.sequence(),
                        (unsigned long long)d.time_ms(), (unsigned long long)d.received_ms(),
                        (unsigned long long)d.kept_ranges());
    }
    return 0;
}

int cmdAdmin(const Args& a) {
    if (a.opt("data").empty() || a.positional.empty()) return usage();
    DataDir dataDir{a.opt("data"), a.opt("store")};
    auto keys = relayKeys(a, dataDir);
    if (!keys) return die(keys.error().message);
    auto service = openService(dataDir, std::move(*keys));
    if (!service) return die(service.error().message);
    auto& s = **service;
    const std::string& cmd = a.positional[0];
    const std::string actor = "admin-cli";
    if (cmd == "enroll" && a.positional.size() == 2) {
        std::map<std::string, proto::Role> roles{{"lawyer", proto::ROLE_LAWYER},
                                                 {"supervisor", proto::ROLE_SUPERVISOR},
                                                 {"compliance", proto::ROLE_COMPLIANCE},
                                                 {"admin", proto::ROLE_ADMIN}};
        auto role = roles.find(a.opt("role"));
        if (role == roles.end())
            return die("--role must be lawyer, supervisor, compliance or admin");
        const std::string& user = a.positional[1];
        auto users = s.listUsers();
        bool exists = users && std::any_of(users->begin(), users->end(),
                                           [&](auto& u) { return u.id == user; });
        if (!exists)
            if (auto r = s.createUser(user, role->second, a.opt("name", user), actor); !r)
                return die(r.error().message);
        auto token = s.createEnrollmentToken(user, 7ull * 24 * 3600 * 1000, actor);
        if (!token) return die(token.error().message);
        std::printf("%s\n", s.linkFor("enroll", *token).c_str());
        return 0;
    }
    if (cmd == "users") {
        auto users = s.listUsers();
        if (!users) return die(users.error().message);
        for (auto& u : *users)
            std::printf("%s\t%s\t%s\n", u.id.c_str(), roleName(u.role), u.displayName.c_str());
        return 0;
    }
    if (cmd == "devices") {
        auto devices = s.listDevices(a.positional.size() > 1 ? a.positional[1] : "");
        if (!devices) return die(devices.error().message);
        std::printf("user\tdevice\trole\tplatform\tversion\tenrolled_ms\tlast_seen_ms\tstatus\n");
        auto status = [](const relay::RelayService::DeviceRow& d) -> std::string {
            if (d.wipedMs) return "wiped-at-" + std::to_string(d.wipedMs);
            // A wipe revokes at once: such a device is revoked and still owes its confirmation.
            if (d.wipeRequestedMs) return d.revokedMs ? "revoked,wipe-pending" : "wipe-pending";
            if (d.revokedMs) return "revoked";
            return d.pendingMs ? "awaiting-approval" : "active";
        };
        for (auto& d : *devices)
            std::printf("%s\t%u\t%s\t%s\t%s\t%llu\t%llu\t%s\n", d.user.c_str(), d.device,
                        roleName(d.role), d.platform.c_str(), d.appVersion.c_str(),
                        (unsigned long long)d.enrolledMs, (unsigned long long)d.lastSeenMs,
                        status(d).c_str());
        return 0;
    }
    if (cmd == "revoke" && a.positional.size() == 3) {
        auto r = s.revokeDevice(a.positional[1], std::uint32_t(std::stoul(a.positional[2])), actor);
        if (!r) return die(r.error().message);
        std::printf("revoked %s/%s\n", a.positional[1].c_str(), a.positional[2].c_str());
        return 0;
    }
    if (cmd == "wipe" && a.positional.size() == 3) {
        auto r = s.queueWipe(a.positional[1], std::uint32_t(std::stoul(a.positional[2])), actor);
        if (!r) return die(r.error().message);
        std::printf("wipe queued for %s/%s: delivered when the device next connects\n",
                    a.positional[1].c_str(), a.positional[2].c_str());
        return 0;
    }
    if (cmd == "invite") {
        auto link = s.inviteToMatter(a.opt("from"), a.opt("matter"), 7ull * 24 * 3600 * 1000);
        if (!link) return die(link.error().message);
        std::printf("%s\n", link->c_str());
        return 0;
    }
    if (cmd == "offboard" && a.positional.size() == 2) {
        auto done = s.offboard(a.positional[1], a.opt("to"), actor);
        if (!done) return die(done.error().message);
        std::printf("offboarded %s: %zu matters handed to %s, left %zu conversations, %zu devices "
                    "revoked, %zu invites revoked\n",
                    a.positional[1].c_str(), done->matters, a.opt("to").c_str(), done->memberships,
                    done->devices, done->invites);
        return 0;
    }
    if (cmd == "wall" && a.positional.size() >= 2) return adminWall(s, a, actor);
    if (cmd == "supervisor" && a.positional.size() >= 2) return adminSupervisor(s, a, actor);
    if (cmd == "journal" && a.positional.size() == 2 && a.positional[1] == "status")
        return journalStatus(s);
    if (cmd == "invites" || cmd == "revoke-invite") {
        // Titles and names are chosen by users: no tab or line break may break the columns.
        auto cell = [](std::string v) {
            std::replace_if(
                v.begin(), v.end(), [](char ch) { return ch == '\t' || ch == '\n' || ch == '\r'; },
                ' ');
            return v.empty() ? std::string("-") : v;
        };
        auto state = [](proto::InviteState st) {
            switch (st) {
            case proto::INVITE_OPEN:
                return "open";
            case proto::INVITE_REDEEMED:
                return "redeemed";
            case proto::INVITE_EXPIRED:
                return "expired";
            case proto::INVITE_REVOKED:
                return "revoked";
            case proto::INVITE_INVITER_REVOKED:
                return "inviter-revoked";
            case proto::INVITE_DECLINED:
                return "declined";
            default:
                return "unknown";
            }
        };
        auto print = [&](const proto::InviteInfo& i) {
            std::string by =
                i.redeemed_by().empty() ? "" : i.redeemed_by() + " (" + i.redeemed_name() + ")";
            std::printf("%s\t%s\t%s/%u\t%llu\t%llu\t%llu\t%s\t%llu\t%s\t%s\n", i.id().c_str(),
                        state(i.state()), i.inviter().c_str(), i.inviter_device(),
                        (unsigned long long)i.created_ms(), (unsigned long long)i.expires_ms(),
                        (unsigned long long)i.redeemed_ms(), cell(by).c_str(),
                        (unsigned long long)i.revoked_ms(), cell(i.revoked_by()).c_str(),
                        cell(i.matter_title()).c_str());
        };
        auto header = [] {
            std::printf("id\tstate\tinviter/"
                        "device\tcreated_ms\texpires_ms\tredeemed_ms\tredeemed_by\trevoked_ms\t"
                        "revoked_by\tmatter\n");
        };
        if (cmd == "invites") {
            auto list = s.listInvites(a.positional.size() > 1 ? a.positional[1] : "", 100000);
            if (!list) return die(list.error().message);
            header();
            for (const auto& i : *list)
                print(i);
            return 0;
        }
        auto revoked = s.revokeInvite(a.positional.size() > 1 ? a.positional[1] : "", actor);
        if (!revoked) return die(revoked.error().message);
        header();
        print(*revoked);
        return 0;
    }
    return usage();
}

} // namespace verbatim::relayapp
