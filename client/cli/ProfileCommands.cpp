/// @file ProfileCommands.cpp
/// The profile's own commands: join (or decline an invite), change-passphrase, whoami,
/// accept-notice, outbox.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include "client/cli/CliApp.h"
#include "client/core/Client.h"
#include "client/core/InviteNotice.h"
#include "client/core/Link.h"
#include "common/Passphrase.h"
#include "journal/RecordingNotice.h"

using namespace verbatim;
using namespace verbatim::client;

namespace verbatim::cliapp {

namespace {

// The canonical recording notice (journal/RecordingNotice.h), exactly as it is accepted.
void printNotice(const std::string& firm) {
    std::printf("RECORDING NOTICE (version %u) from %s\n\n", journal::kRecordingNoticeVersion,
                firm.c_str());
    const auto text = *journal::recordingNoticeText();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputs("\n\n", stdout);
}

// The fair notice (issue 22): who invited whom to what, retention, privacy notice, erasure,
// each from where the client can check it (InviteNotice.h), then the canonical text.
void printInviteNotice(const InviteNotice& n) {
    std::printf("RECORDING NOTICE (version %u) from %s\n\n", journal::kRecordingNoticeVersion,
                n.firmName.c_str());
    for (const auto& line : noticeStatements(n))
        std::printf("%s\n", line.c_str());
    std::fputs("\n", stdout);
    const auto text = *journal::recordingNoticeText();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputs("\n\n", stdout);
}

const char* const kNothingSent = "Nothing was sent and no profile was made.";

} // namespace

int cmdDeclineInvite(const Args& a) {
    if (a.positional.size() != 2) return usage();
    if (a.flag("accept-notice")) return die("--accept-notice and --decline exclude each other");
    auto declined = declineInvite(a.positional[1]);
    if (!declined) return die(declined.error().message);
    printInviteNotice(*declined);
    std::printf("You declined. %s %s sees that the invite was declined.\n", kNothingSent,
                declined->inviterName.empty() ? "The lawyer" : declined->inviterName.c_str());
    return 0;
}

int cmdJoin(const Args& a, const std::string& pass) {
    if (a.positional.size() != 2) return usage();
    // The rule of the app and every tool (common/Passphrase.h), before anything is created.
    if (auto ok = checkNewPassphrase(pass); !ok) return die(ok.error().message);
    JoinOptions o;
    o.displayName = a.opt("name");
    o.platform = a.opt("platform", "cli");
    // The relay keeps the name with the registration and refuses a bad one there, so nothing
    // is made; the same rule here refuses it before the invite's notice is even fetched.
    o.deviceName = a.opt("device-name");
    if (o.deviceName.size() > 64 ||
        std::any_of(o.deviceName.begin(), o.deviceName.end(),
                    [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; }))
        return die("--device-name must be at most 64 bytes of text without control characters");
    o.acceptNotice = a.flag("accept-notice");
    // An invite shows its notice before anything is registered (issue 22): the client accepts
    // (and joins), declines (and nobody joins), or stops here with nothing sent.
    if (auto link = parseLink(a.positional[1]); link && link->kind == Link::Kind::Join) {
        if (o.displayName.empty())
            return die("a client joining by invite needs a display name (--name)");
        auto notice = previewInvite(a.positional[1]);
        if (!notice) return die(notice.error().message);
        printInviteNotice(*notice);
        o.noticeFacts = noticeFactsJson(*notice); // journaled with the acceptance
        if (!o.acceptNotice) {
            std::string answer;
            if (isatty(STDIN_FILENO)) {
                std::fputs("Type \"accept\" to join and accept, or \"decline\" to decline: ",
                           stdout);
                std::fflush(stdout);
                std::getline(std::cin, answer);
            }
            if (answer == "decline") return cmdDeclineInvite(a);
            if (answer != "accept") {
                std::printf("%s Run the same command with --accept-notice to join, or with "
                            "--decline to decline.\n",
                            kNothingSent);
                return kExitUndecided;
            }
            o.acceptNotice = true;
        }
    }
    auto c = Client::join(a.opt("profile"), pass, a.positional[1], o);
    if (!c) return die(c.error().message);
    auto acct = (*c)->account();
    std::printf("joined %s as %s/%u (%s)\n", acct.firmName.c_str(), acct.user.c_str(), acct.device,
                acct.role.c_str());
    if (acct.noticeRequired && !acct.noticeAccepted) { // the acceptance could not be journaled
        printNotice(acct.firmName);
        bool accepted = false;
        if (isatty(STDIN_FILENO)) {
            std::fputs("Type \"accept\" to accept and start messaging: ", stdout);
            std::fflush(stdout);
            std::string answer;
            std::getline(std::cin, answer);
            accepted = answer == "accept";
        }
        if (accepted) {
            if (auto r = (*c)->acceptNotice(); !r) return die(r.error().message);
        } else {
            std::fputs("You can read messages; sending stays off until you run `accept-notice`.\n",
                       stdout);
        }
    } else if (acct.noticeRequired) {
        std::fputs("Recording notice accepted.\n", stdout);
    }
    bool awaiting = false;
    (*c)->setEventHandler([&awaiting](const client::Event& e) {
        if (e.kind == client::Event::Kind::AwaitingApproval) awaiting = true;
    });
    goOnline(**c);
    (*c)->waitForOutbox(std::chrono::seconds(10));
    (*c)->stop();
    (*c)->setEventHandler({});
    if (awaiting)
        std::fputs("This device waits for approval by one of your other devices: open Verbatim "
                   "there (or run\n"
                   "`verbatim-cli devices` on it; a device the firm enrolled: `verbatim-cli "
                   "devices approve N`).\n",
                   stdout);
    return 0;
}

int cmdChangePassphrase(const Args& a, const std::string& pass) {
    auto next = readPassphrase(a.opt("new-passphrase-file"), "New passphrase: ", true,
                               "VERBATIM_NEW_PASSPHRASE");
    if (!next) return die(next.error().message);
    // The rule first: a refused passphrase must not cost an unlock attempt.
    if (auto ok = checkNewPassphrase(*next); !ok) return die(ok.error().message);
    auto client = Client::open(a.opt("profile"), pass);
    if (!client) return die(client.error().message);
    if (auto r = (*client)->changePassphrase(pass, *next); !r) return die(r.error().message);
    std::puts("passphrase changed; the profile's database was re-keyed");
    return 0;
}

int cmdWhoami(Client& c, const Args&) {
    auto acct = c.account();
    std::printf("user\t%s\ndevice\t%u\nrole\t%s\nname\t%s\nrelay\t%s\nfirm\t%s\nfirm_"
                "fingerprint\t%s\nnotice\t%s\n",
                acct.user.c_str(), acct.device, acct.role.c_str(), acct.displayName.c_str(),
                acct.relay.c_str(), acct.firmName.c_str(), acct.firmFingerprint.c_str(),
                !acct.noticeRequired  ? "not-required"
                : acct.noticeAccepted ? "accepted"
                                      : "pending");
    return 0;
}

int cmdAcceptNotice(Client& c, const Args&) {
    printNotice(c.account().firmName);
    if (auto r = c.acceptNotice(); !r) return die(r.error().message);
    goOnline(c);
    bool sent = c.waitForOutbox(std::chrono::seconds(30));
    c.stop();
    std::puts("Recording notice accepted.");
    return sent ? 0 : kExitQueued;
}

int cmdOutbox(Client& c, const Args&) {
    auto n = c.outboxSize();
    if (!n) return die(n.error().message);
    std::printf("%zu\n", *n);
    return 0;
}

} // namespace verbatim::cliapp
