/// @file MessageCommands.cpp
/// Messaging: send, attach, save, edit, retract, react, read, sync, history, search,
/// safety-number. history and search print one JSON object per message (messageJson).
#include <cstdio>
#include <mutex>
#include <thread>

#include "client/cli/CliApp.h"
#include "client/core/Client.h"
#include "common/Json.h"

using namespace verbatim;
using namespace verbatim::client;

namespace verbatim::cliapp {

namespace {

std::string jsonString(const std::string& s) {
    return jsonQuote(s);
}

std::string messageJson(const MessageView& m) {
    std::string out =
        "{\"id\":\"" + m.id + "\",\"conversation\":" + jsonString(m.conversation) +
        ",\"sender\":" + jsonString(m.senderUser + "/" + std::to_string(m.senderDevice)) +
        ",\"name\":" + jsonString(m.senderName) + ",\"kind\":\"" + kindName(m.kind) +
        "\",\"state\":\"" + stateName(m.state) + "\"" +
        ",\"outgoing\":" + (m.outgoing ? "true" : "false") + ",\"text\":" + jsonString(m.body) +
        ",\"edited\":" + (m.edited ? "true" : "false") +
        ",\"deleted\":" + (m.retracted ? "true" : "false") +
        ",\"server_time_ms\":" + std::to_string(m.serverTimeMs) +
        ",\"journal_sequence\":" + std::to_string(m.journalSequence);
    // Copied by a history transfer and not checked on this device: said so, never hidden.
    if (m.importedFromDevice)
        out += ",\"imported_from_device\":" + std::to_string(m.importedFromDevice) +
               ",\"verified\":false,\"note\":" +
               jsonString("copied from your device " + std::to_string(m.importedFromDevice) +
                          "; not verified on this device");
    if (!m.attachments.empty()) {
        out += ",\"attachments\":[";
        for (std::size_t i = 0; i < m.attachments.size(); ++i) {
            if (i) out += ",";
            out += "{\"name\":" + jsonString(m.attachments[i].fileName) +
                   ",\"size\":" + std::to_string(m.attachments[i].size) + "}";
        }
        out += "]";
    }
    if (!m.reactions.empty()) {
        out += ",\"reactions\":{";
        for (std::size_t i = 0; i < m.reactions.size(); ++i) {
            if (i) out += ",";
            out += jsonString(m.reactions[i].first) + ":" + jsonString(m.reactions[i].second);
        }
        out += "}";
    }
    return out + "}";
}

// One JSON object a line (history, search).
int printMessages(const Result<std::vector<MessageView>>& list) {
    if (!list) return die(list.error().message);
    for (auto& m : *list)
        std::printf("%s\n", messageJson(m).c_str());
    return 0;
}

} // namespace

int cmdSend(Client& c, const Args& a) {
    if (a.positional.size() != 3) return usage();
    goOnline(c);
    auto id = c.sendText(a.positional[1], a.positional[2]);
    if (!id) return die(id.error().message);
    return finishSend(c, *id);
}

int cmdAttach(Client& c, const Args& a) {
    if (a.positional.size() != 3) return usage();
    goOnline(c);
    auto id = c.sendAttachment(a.positional[1], a.positional[2], a.opt("caption"));
    if (!id) return die(id.error().message);
    return finishSend(c, *id);
}

int cmdSave(Client& c, const Args& a) {
    if (a.positional.size() != 3) return usage();
    goOnline(c, std::chrono::seconds(15));
    // Refused when the firm's device policy forbids saving for this user's role (issue 22).
    auto r = c.saveAttachment(a.positional[1], std::size_t(std::stoul(a.opt("index", "0"))),
                              a.positional[2]);
    // The save's journal record is queued durably; give it a moment to reach the relay now (it
    // is sent on the next connection otherwise).
    if (r) (void)c.waitForOutbox(std::chrono::seconds(10));
    c.stop();
    if (!r) return die(r.error().message);
    return 0;
}

int cmdChangeMessage(Client& c, const Args& a) {
    const std::string& cmd = a.positional[0];
    if (a.positional.size() != (cmd == "retract" ? 2u : 3u)) return usage();
    goOnline(c);
    auto id = cmd == "edit"      ? c.edit(a.positional[1], a.positional[2])
              : cmd == "retract" ? c.retract(a.positional[1])
                                 : c.react(a.positional[1], a.positional[2]);
    if (!id) return die(id.error().message);
    return finishSend(c, *id);
}

int cmdRead(Client& c, const Args& a) {
    if (a.positional.size() != 2) return usage();
    goOnline(c);
    if (auto r = c.markRead(a.positional[1]); !r) return die(r.error().message);
    bool sent = c.waitForOutbox(std::chrono::seconds(30));
    c.stop();
    return sent ? 0 : kExitQueued;
}

int cmdSync(Client& c, const Args& a) {
    std::mutex out;
    c.setEventHandler([&](const Event& e) {
        if (e.kind == Event::Kind::Connected || e.kind == Event::Kind::Disconnected) return;
        std::lock_guard lock(out);
        std::printf("%s\n", e.json().c_str());
        std::fflush(stdout);
    });
    bool synced = goOnline(c);
    if (auto wait = std::stoi(a.opt("wait", "0")); wait > 0)
        std::this_thread::sleep_for(std::chrono::seconds(wait));
    c.waitForOutbox(std::chrono::seconds(10));
    c.stop();
    c.setEventHandler({});
    if (!Client::profileExists(a.opt("profile"))) return die("this device was erased by the firm");
    if (!synced) return die("cannot reach the relay (or it refused this device)");
    return 0;
}

int cmdHistory(Client& c, const Args& a) {
    if (a.positional.size() != 2) return usage();
    return printMessages(
        c.history(a.positional[1], std::size_t(std::stoul(a.opt("limit", "200")))));
}

int cmdSearch(Client& c, const Args& a) {
    if (a.positional.size() != 2) return usage();
    return printMessages(c.search(a.positional[1]));
}

int cmdSafetyNumber(Client& c, const Args& a) {
    if (a.positional.size() != 2) return usage();
    goOnline(c, std::chrono::seconds(15));
    auto n = c.safetyNumber(a.positional[1]);
    if (!n) {
        c.stop();
        return die(n.error().message);
    }
    if (a.flag("accept")) {
        if (auto r = c.acceptSafetyNumber(a.positional[1]); !r) {
            c.stop();
            return die(r.error().message);
        }
        c.waitForOutbox(std::chrono::seconds(30));
        n->changed = false;
    }
    c.stop();
    std::printf("%s\n%s\n", n->digits.c_str(),
                n->changed ? "changed: accept with --accept after verifying" : "unchanged");
    return 0;
}

} // namespace verbatim::cliapp
