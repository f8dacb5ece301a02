#pragma once
// Real client::Client parties for end-to-end tests: each with its own temporary profile and a
// record of the events it saw.

#include <QTemporaryDir>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "client/core/Client.h"

namespace verbatim::e2e::parties {

using namespace std::chrono_literals;

inline constexpr const char* kPass = "correct horse battery staple";

struct Party {
    ~Party() {
        // The client goes first: its threads may still be delivering events into `events`.
        if (c) c->setEventHandler({});
        c.reset();
    }
    std::unique_ptr<QTemporaryDir> dir = std::make_unique<QTemporaryDir>();
    std::unique_ptr<client::Client> c;
    std::mutex mutex;
    std::vector<client::Event> events;
    client::Client* operator->() const { return c.get(); }
    std::string profile() const { return dir->path().toStdString() + "/profile"; }
    std::vector<client::Event> eventsOf(client::Event::Kind k) {
        std::lock_guard lock(mutex);
        std::vector<client::Event> out;
        for (auto& e : events)
            if (e.kind == k) out.push_back(e);
        return out;
    }
};

inline void watch(Party& p) {
    p.c->setEventHandler([&p](const client::Event& e) {
        std::lock_guard lock(p.mutex);
        p.events.push_back(e);
    });
}

/// Owns a Party; `->` reaches the client, `*` and get() the party.
struct PartyHandle {
    std::unique_ptr<Party> p;
    client::Client* operator->() const { return p->c.get(); }
    Party& operator*() const { return *p; }
    Party* get() const { return p.get(); }
    explicit operator bool() const { return p != nullptr; }
};

inline PartyHandle joinParty(const std::string& link, const std::string& name,
                             bool acceptNotice = false) {
    auto p = std::make_unique<Party>();
    client::JoinOptions o;
    o.displayName = name;
    o.acceptNotice = acceptNotice;
    o.platform = "test";
    auto c = client::Client::join(p->profile(), kPass, link, o);
    if (!c) {
        qWarning("join failed: %s", c.error().message.c_str());
        return {};
    }
    p->c = std::move(*c);
    watch(*p);
    return {std::move(p)};
}

template <class F> bool eventually(F f, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (f()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return f();
}

inline std::optional<client::MessageView> msg(Party& p, const std::string& id) {
    auto m = p->message(id);
    return m ? *m : std::nullopt;
}

inline bool hasBody(Party& p, const std::string& id, const std::string& body) {
    auto m = msg(p, id);
    return m && m->body == body;
}

} // namespace verbatim::e2e::parties
