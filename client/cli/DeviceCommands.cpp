/// @file DeviceCommands.cpp
/// A user's devices and the admin's: devices, devices approve, devices send-history,
/// link-device, admin-devices, admin-revoke, admin-wipe.
#include <cstdio>
#include <cstdlib>

#include "client/cli/CliApp.h"
#include "client/core/Client.h"

using namespace verbatim;
using namespace verbatim::client;

namespace verbatim::cliapp {

int cmdDevices(Client& c, const Args& a) {
    if (a.positional.size() == 3 && a.positional[1] == "approve") {
        unsigned long n = 0;
        try {
            n = std::stoul(a.positional[2]);
        } catch (...) {
            return usage();
        }
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        auto r = c.approveDevice(std::uint32_t(n));
        c.stop();
        if (!r) return die(r.error().message);
        std::printf("approved device %lu\n", n);
        return 0;
    }
    if (a.positional.size() == 3 && a.positional[1] == "send-history") {
        unsigned long n = 0;
        try {
            n = std::stoul(a.positional[2]);
        } catch (...) {
            return usage();
        }
        if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
        auto sent = c.sendHistory(std::uint32_t(n));
        if (!sent) {
            c.stop();
            return die(sent.error().message);
        }
        std::printf("history of %u messages in %u conversations (%llu bytes encrypted) sent to "
                    "device %lu\n",
                    sent->messages, sent->conversations, (unsigned long long)sent->blobBytes, n);
        return finishSend(c, sent->messageId);
    }
    if (a.positional.size() != 1) return usage();
    // Going online also approves a device that redeemed one of this device's links.
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    auto list = c.devices();
    c.stop();
    if (!list) return die(list.error().message);
    for (auto& d : *list) {
        std::string status = d.wipeRequestedMs ? "wipe-pending"
                             : d.revokedMs     ? "revoked"
                             : d.pendingMs     ? "awaiting-approval"
                                               : "active";
        std::printf("%u\t%s\t%s\t%s%s\n", d.device, d.platform.c_str(), d.appVersion.c_str(),
                    status.c_str(), d.thisDevice ? "\tthis" : "");
    }
    return 0;
}

int cmdLinkDevice(Client& c, const Args&) {
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    auto link = c.createDeviceLink();
    c.stop();
    if (!link) return die(link.error().message);
    std::printf("%s\n", link->c_str());
    return 0;
}

int cmdAdminDevices(Client& c, const Args& a) {
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    auto list = c.adminDevices(a.positional.size() > 1 ? a.positional[1] : "");
    c.stop();
    if (!list) return die(list.error().message);
    for (auto& d : *list)
        std::printf("%s\t%u\t%s\t%s\t%s\t%llu\t%llu\t%s\n", d.user.c_str(), d.device,
                    d.role.c_str(), d.platform.c_str(), d.appVersion.c_str(),
                    (unsigned long long)d.enrolledMs, (unsigned long long)d.lastSeenMs,
                    d.wipedMs           ? ("wiped-at-" + std::to_string(d.wipedMs)).c_str()
                    : d.wipeRequestedMs ? "wipe-pending"
                    : d.revokedMs       ? "revoked"
                                        : "active");
    return 0;
}

int cmdAdminRevokeOrWipe(Client& c, const Args& a) {
    if (a.positional.size() != 3) return usage();
    const std::string& cmd = a.positional[0];
    if (!goOnline(c, std::chrono::seconds(15))) return die("cannot reach the relay");
    const auto device = std::uint32_t(std::strtoul(a.positional[2].c_str(), nullptr, 10));
    auto r = cmd == "admin-revoke" ? c.adminRevoke(a.positional[1], device)
                                   : c.adminWipe(a.positional[1], device);
    c.stop();
    if (!r) return die(r.error().message);
    std::printf("%s %s/%u\n", cmd == "admin-revoke" ? "revoked" : "wipe queued for",
                a.positional[1].c_str(), device);
    return 0;
}

} // namespace verbatim::cliapp
