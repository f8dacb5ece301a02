/// @file JournalCli.cpp
/// What the commands of verbatim-journal share (JournalCli.h).
#include "client/journal/JournalCli.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <thread>
#include <unistd.h>

#include "client/core/Client.h"
#include "common/Passphrase.h"
#include "compliance/TimeText.h"
#include "crypto/PassphraseBox.h"

namespace verbatim::journaltool {

int die(const std::string& message) {
    std::fprintf(stderr, "verbatim-journal: %s\n", message.c_str());
    return 1;
}

int die(const Error& e) {
    return die(e.message);
}

int refused(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "verbatim-journal: %s: %s\n", command.c_str(), message.c_str());
    return 2;
}

Result<std::string> passphrase(const std::map<std::string, std::string>& opts, bool confirm) {
    auto it = opts.find("passphrase-file");
    return readPassphrase(it == opts.end() ? std::string() : it->second,
                          "Passphrase for the journal key: ", confirm);
}

Result<std::vector<crypto::X25519Key>> unlockKeys(const Args& a) {
    std::string list = a.opt("key");
    if (list.empty())
        return fail(ErrorCode::InvalidArgument, "--key KEY is required (the journal.key file)");
    auto pass = passphrase(a.opts, false);
    if (!pass) return tl::unexpected(pass.error());
    std::vector<crypto::X25519Key> keys;
    for (std::size_t i = 0; i <= list.size();) {
        auto j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        std::string path = list.substr(i, j - i);
        i = j + 1;
        if (path.empty()) continue;
        std::ifstream f(path, std::ios::binary);
        if (!f) return fail(ErrorCode::NotFound, "cannot read the journal key file " + path);
        std::string box((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        auto priv = crypto::passphraseOpen(view(box), view(*pass));
        if (!priv)
            return fail(ErrorCode::WrongKey,
                        "cannot unlock " + path + ": wrong passphrase, or not a journal key file");
        auto key = crypto::X25519Key::fromPrivate(*priv);
        if (!key) return tl::unexpected(key.error());
        keys.push_back(std::move(*key));
    }
    if (keys.empty()) return fail(ErrorCode::InvalidArgument, "--key names no file");
    return keys;
}

Result<std::unique_ptr<compliance::Archive>> openArchive(const Args& a, const std::string& path,
                                                         bool create) {
    if (path.empty()) return fail(ErrorCode::InvalidArgument, "no archive given");
    if (!create && !fs::exists(path))
        return fail(ErrorCode::NotFound, "no archive at " + path + " (pull first)");
    auto keys = unlockKeys(a);
    if (!keys) return tl::unexpected(keys.error());
    return compliance::Archive::open(path, std::move(*keys), create);
}

Result<std::unique_ptr<compliance::Archive>> openArchiveReadOnly(const Args& a,
                                                                 const std::string& path) {
    if (path.empty()) return fail(ErrorCode::InvalidArgument, "no archive given");
    if (!fs::exists(path))
        return fail(ErrorCode::NotFound, "no archive at " + path + " (pull first)");
    auto keys = unlockKeys(a);
    if (!keys) return tl::unexpected(keys.error());
    return compliance::Archive::openReadOnly(path, std::move(*keys));
}

std::uint64_t timeOpt(const Args& a, const char* name, bool endOfDay, bool& bad) {
    std::string v = a.opt(name);
    if (v.empty()) return 0;
    auto t = compliance::parseTime(v, endOfDay);
    if (!t) {
        std::fprintf(stderr,
                     "verbatim-journal: --%s: not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z)\n",
                     name);
        bad = true;
        return 0;
    }
    return *t;
}

std::string scopeText(const Args& a, std::initializer_list<const char*> names) {
    std::string out;
    for (const char* n : names)
        if (!a.opt(n).empty()) out += std::string(" ") + n + "=" + a.opt(n);
    return out;
}

Result<void> writeNew(const fs::path& p, ByteView data, mode_t mode) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot create " + p.string());
    bool ok = ::write(fd, data.data(), data.size()) == ssize_t(data.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        ::unlink(p.c_str());
        return fail(ErrorCode::Storage, "cannot write " + p.string());
    }
    return {};
}

Officer::~Officer() {
    if (!client) return;
    client->setEventHandler({});
    client->stop();
}

Result<std::unique_ptr<Officer>> openOfficer(const Args& a) {
    const std::string profile = a.opt("profile");
    if (profile.empty()) return fail(ErrorCode::InvalidArgument, "--profile DIR is required");
    std::string profilePassFile = a.opt("profile-passphrase-file");
    Result<std::string> profilePass =
        !profilePassFile.empty() || std::getenv("VERBATIM_PROFILE_PASSPHRASE")
            ? readPassphrase(profilePassFile, "Passphrase for the compliance profile: ", false,
                             "VERBATIM_PROFILE_PASSPHRASE")
            : passphrase(a.opts, false);
    if (!profilePass) return tl::unexpected(profilePass.error());
    auto c = client::Client::open(profile, *profilePass);
    if (!c) return fail(c.error().code, "cannot open the compliance profile: " + c.error().message);
    auto o = std::make_unique<Officer>();
    o->client = std::move(*c);
    auto* raw = o.get();
    o->client->setEventHandler([raw](const client::Event& e) {
        if (e.kind != client::Event::Kind::Sent && e.kind != client::Event::Kind::SendFailed)
            return;
        std::lock_guard lock(raw->mutex);
        raw->outcomes[e.messageId] = e.kind == client::Event::Kind::Sent
                                         ? "sent " + e.detail
                                         : "refused: " + (e.detail.empty() ? e.text : e.detail);
        raw->cv.notify_all();
    });
    const auto account = o->client->account();
    if (!a.opt("relay").empty() && a.opt("relay") != account.relay)
        return fail(ErrorCode::InvalidArgument, "the profile belongs to the relay " +
                                                    account.relay + ", not " + a.opt("relay"));
    o->client->start();
    for (int i = 0; i < 200 && !o->client->isConnected(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!o->client->isConnected())
        return fail(ErrorCode::Storage, "cannot reach the relay " + account.relay);
    return o;
}

Result<std::uint64_t> journalRecord(Officer& o, const std::string& body) {
    auto conv = o.client->resolveConversation(compliance::kReviewConversationTitle);
    if (!conv) {
        (void)o.client->waitUntilSynced(std::chrono::seconds(20));
        conv = o.client->resolveConversation(compliance::kReviewConversationTitle);
    }
    if (!conv)
        return fail(ErrorCode::NotFound,
                    std::string("this compliance device is not a member of the conversation \"") +
                        compliance::kReviewConversationTitle +
                        "\", where compliance journals its actions: an administrator creates it "
                        "with every compliance officer (README \"Supervision\"); nothing was "
                        "done");
    auto id = o.client->sendSupervisionRecord(*conv, body);
    if (!id) return tl::unexpected(id.error());
    std::unique_lock lock(o.mutex);
    if (!o.cv.wait_for(lock, std::chrono::seconds(60), [&] { return o.outcomes.count(*id) > 0; }))
        return fail(ErrorCode::Storage,
                    "the relay did not store the record within 60 s (it stays queued in the "
                    "profile and is sent at its next connection); nothing was done");
    const std::string outcome = o.outcomes[*id];
    if (outcome.rfind("sent journal_sequence=", 0) != 0)
        return fail(ErrorCode::Storage, "the relay " + outcome + "; nothing was done");
    return std::uint64_t(std::strtoull(outcome.c_str() + 22, nullptr, 10));
}

Result<compliance::PullStats> pullWith(compliance::Archive& archive, Officer& o,
                                       compliance::RefreshStats* refreshed,
                                       const std::string& acceptRestore,
                                       compliance::AppliedDispositions* applied) {
    auto manifest = o.client->firmManifest();
    if (!manifest) return tl::unexpected(manifest.error());
    if (auto r = archive.setManifest(view(*manifest), o.client->account().firmFingerprint); !r)
        return tl::unexpected(r.error());
    auto* c = o.client.get();
    // A relay restored from a backup says so in QueueDrained; without it the archive would take
    // the relay's new history for a rewrite (docs/protocol.md "Restore", J-RESTORE-1).
    if (!c->relayRestore().known) (void)c->waitUntilSynced(std::chrono::seconds(20));
    const auto notice = c->relayRestore();
    compliance::RelayRestore restore;
    restore.epoch = notice.epoch;
    restore.restoredSequence = notice.restoredSequence;
    if (!acceptRestore.empty()) {
        auto accepted = fromHex(acceptRestore);
        if (!accepted || accepted->size() != 16)
            return fail(ErrorCode::InvalidArgument,
                        "--accept-restore takes the 32 hex digits of the restore epoch that "
                        "pull printed");
        restore.accepted.assign(accepted->begin(), accepted->end());
        restore.acceptedBy =
            c->account().user + "/" + std::to_string(c->account().device) + " (pull)";
    }
    const bool tty = isatty(STDERR_FILENO);
    auto stats = archive.pull(
        [c](std::uint64_t after, std::uint32_t limit) { return c->pullJournalPage(after, limit); },
        [c](const std::string& id, std::uint64_t max) { return c->fetchBlob(id, max); },
        [tty](std::uint64_t stored, std::uint64_t head) {
            if (tty)
                std::fprintf(stderr, "\rpulled %llu (relay head %llu)", (unsigned long long)stored,
                             (unsigned long long)head);
        },
        0, restore);
    if (tty) std::fputs("\n", stderr);
    if (!stats) return stats;
    if (stats->rewrittenAt || !stats->pendingEpoch.empty()) return stats;
    compliance::Supervision sv(archive);
    auto r = sv.refresh();
    if (!r) return tl::unexpected(r.error());
    if (refreshed) *refreshed = *r;
    // Issue 22: another officer's disposition removes the same content here, under the same
    // checks (its chain hashes, eligibility at its record, holds open now) as one's own.
    compliance::Retention rt(archive);
    auto done = rt.applyPending();
    if (!done) return tl::unexpected(done.error());
    if (applied) *applied = std::move(*done);
    return stats;
}

int journalActions(const Args& a, compliance::Archive& archive, const std::string& what,
                   const MakeBodies& make) {
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    auto first = pullWith(archive, **officer);
    if (!first) return die("cannot bring the archive up to date: " + first.error().message);
    if (first->rewrittenAt) return die("the relay rewrote history this archive holds: run pull");
    if (!first->pendingEpoch.empty())
        return die("the relay announced a restore from a backup that is not accepted: run pull");
    compliance::Supervision sv(archive);
    auto bodies = make(sv);
    if (!bodies) return die(bodies.error());
    for (const auto& body : *bodies) {
        auto seq = journalRecord(**officer, body);
        if (!seq) return die(seq.error());
        std::printf("journaled %s at seq %llu\n", what.c_str(), (unsigned long long)*seq);
    }
    auto second = pullWith(archive, **officer);
    if (!second)
        return die("journaled, but the pull after it stopped (run pull): " +
                   second.error().message);
    return 0;
}
MakeBodies fixedBodies(std::vector<std::string> bodies) {
    return [bodies = std::move(bodies)](
               compliance::Supervision&) -> Result<std::vector<std::string>> { return bodies; };
}

int journalAccess(const Args& a, compliance::Archive& archive, const std::string& action,
                  const std::string& detail) {
    if (a.opt("profile").empty()) {
        std::fprintf(stderr,
                     "note: not journaled (give --profile DIR to record this %s in the "
                     "firm's access log)\n",
                     action.c_str());
        return 0;
    }
    auto body = compliance::supervisionAccessBody(action, detail);
    if (!body) return die(body.error());
    return journalActions(a, archive, "this " + action, fixedBodies({*body}));
}

} // namespace verbatim::journaltool
