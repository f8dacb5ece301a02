// verbatim-compliance-bench: what compliance costs (issue 6, "Benchmark").
//
//   generate  N journal entries with real sealing (X25519 + HKDF + AES-256-GCM, XEdDSA by one
//             of the registered lawyer devices, 20 unless --lawyers), written into a real relay's store with the
//             chain hash and a relay-signed checkpoint every 1,000 entries. Bodies are 8-30
//             words drawn from a 5,000-word vocabulary with a Zipf-like spread; one matter holds
//             10,000 messages, the rest spread over 20 matters a lawyer and a year of relay time.
//   pull      a compliance profile pulls everything over TLS from the relay (in this process,
//             on the same 2 cores) into a fresh archive: chain + checkpoints + signature +
//             decrypt + commitment + SQLCipher store + FTS5 index, timed end to end.
//   verify    Archive::verify(): everything rechecked from the stored raw rows.
//   timed     issue 21: what the app's automatic pull costs once the archive is large: 1,000 new
//             entries reach the relay, then a pull, followed (the old way) by the full verify the
//             app ran after every pull, or (now) by nothing, the pull having checked what it
//             brought chained to the archive's head; 3 rounds of each, alternately, medians.
//   search    200 queries (single common/rare words, two-word AND, with a matter or a
//             participant filter), newest 100 hits each: p50 / p95.
//   export    RSMF 2.0 of the 10,000-message matter.
//   supervise 50 lexicon policies (issue 21: words, phrases, OR, w/N, prefixes), journaled by the
//             compliance officer, evaluated over the whole archive by Supervision::refresh, which
//             each pull runs (set against the pull's time); the alert list and a year's report.
//   dispose   issue 22: every conversation entry disposed of (Retention::plan + apply: content,
//             index rows and attachments dropped, entry hash and header kept), then verify again;
//             verify before and after are each the median of 3 runs. The bench writes the
//             disposition record into the archive's tables itself (no relay round trip), so
//             verify after it reports the entries as disposed-without-record: only its time counts.
//
// Run: build/dev/tests/bench/verbatim-compliance-bench [--entries N] (default 1,000,000;
// --quick: 3,000 entries, the smoke test) [--lawyers N] (default 20 lawyer devices; matters
// scale with them, 20 per lawyer: 400 by default, 10,000 for --lawyers 500).
// One file, over 600 lines: one bench whose phases run in order over the same generated journal.

#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "E2EHarness.h"
#include "SelfRss.h"
#include "client/core/Client.h"
#include "compliance/Archive.h"
#include "compliance/Export.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "journal/HashChain.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kPass = "bench passphrase";

#define DIE(what)                                                                                  \
    do {                                                                                           \
        std::fprintf(stderr, "compliance bench failed at line %d: %s\n", __LINE__, what);          \
        std::exit(1);                                                                              \
    } while (0)

double secs(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

using bench::rssKiB;

/// Pronounceable pseudo-words; index 0 is the most frequent.
std::vector<std::string> vocabulary(std::size_t n) {
    static const char* syl[] = {"ka",  "lo",  "mi",   "ne",  "su",  "ra",  "te",
                                "vo",  "di",  "pa",   "go",  "shi", "ber", "tan",
                                "lex", "mor", "quin", "dal", "fen", "wic"};
    std::mt19937 rng(7);
    std::vector<std::string> out;
    std::set<std::string> seen;
    while (out.size() < n) {
        std::string w;
        int k = 2 + int(rng() % 3);
        for (int i = 0; i < k; ++i)
            w += syl[rng() % 20];
        if (seen.insert(w).second) out.push_back(w);
    }
    return out;
}

/// What a report counted before the covering index (the code Supervision::report ran until
/// issue 21's speed-up, kept here as the baseline): a scan of the records table in log order with
/// every recipient list split per row, then the whole alert list loaded. On its own connection
/// with the archive's page cache size. Returns the rows' sent + received + answers (checked
/// against the new report's) or nothing on failure.
std::optional<std::uint64_t> reportTheOldWay(storage::Database& db, compliance::Supervision& sv) {
    std::map<std::string, std::string> roles;
    auto users = db.prepare("SELECT id, role FROM users");
    if (!users) return std::nullopt;
    if (!users->forEachRow(
            [&](storage::Statement& s) { roles[s.columnText(0)] = s.columnText(1); }))
        return std::nullopt;
    struct Row {
        std::uint64_t sent = 0, received = 0, toClients = 0, fromClients = 0, answers = 0;
        std::set<std::uint32_t> devices;
        std::vector<double> waits;
        std::uint64_t waitingSince = 0;
        bool client = false, answers_ = false;
    };
    std::unordered_map<std::string, Row> people, matters;
    auto q = db.prepare("SELECT conversation, user, device, recipients, server_time_ms FROM "
                        "records NOT INDEXED WHERE type IN (?, ?) AND server_time_ms >= ? AND (? "
                        "= 0 OR server_time_ms <= ?) ORDER BY seq");
    if (!q) return std::nullopt;
    q->bind(1, std::int64_t(proto::TEXT))
        .bind(2, std::int64_t(proto::ATTACHMENT))
        .bind(3, std::int64_t(0))
        .bind(4, std::int64_t(0))
        .bind(5, std::int64_t(0));
    auto whoIs = [&](const std::string& u) -> Row& {
        auto [it, added] = people.try_emplace(u);
        if (added) {
            it->second.client = roles[u] == "ROLE_CLIENT";
            it->second.answers_ = roles[u] == "ROLE_LAWYER" || roles[u] == "ROLE_SUPERVISOR";
        }
        return it->second;
    };
    std::vector<Row*> recipients;
    std::string list;
    auto ok = q->forEachRow([&](storage::Statement& s) {
        const std::string conv = s.columnText(0), sender = s.columnText(1);
        list = s.columnText(3);
        const auto timeMs = std::uint64_t(s.columnInt(4));
        Row& from = whoIs(sender);
        recipients.clear();
        bool toClient = false;
        for (std::size_t i = 0; i < list.size();) {
            auto j = list.find(' ', i);
            if (j == std::string::npos) j = list.size();
            if (j > i && list.compare(i, j - i, sender) != 0) {
                Row& to = whoIs(list.substr(i, j - i));
                recipients.push_back(&to);
                toClient = toClient || to.client;
            }
            i = j + 1;
        }
        ++from.sent;
        from.devices.insert(std::uint32_t(s.columnInt(2)));
        if (toClient) ++from.toClients;
        for (Row* to : recipients) {
            ++to->received;
            if (from.client) ++to->fromClients;
        }
        Row& m = matters[conv];
        ++m.sent;
        if (from.client) {
            ++m.fromClients;
            if (!m.waitingSince) m.waitingSince = std::max<std::uint64_t>(timeMs, 1);
        } else if (toClient) {
            ++m.toClients;
        }
        if (from.answers_ && m.waitingSince) {
            const double secs = double(timeMs - std::min(timeMs, m.waitingSince)) / 1000.0;
            from.waits.push_back(secs);
            m.waits.push_back(secs);
            m.waitingSince = 0;
        }
    });
    if (!ok) return std::nullopt;
    std::uint64_t total = 0;
    for (auto* rows : {&people, &matters})
        for (auto& [k, r] : *rows) {
            std::sort(r.waits.begin(), r.waits.end());
            total += r.sent + r.received + r.waits.size();
        }
    auto all = sv.alerts();
    if (!all) return std::nullopt;
    std::map<std::string, std::map<std::string, std::uint64_t>> statuses;
    for (const auto& a : *all)
        ++statuses[a.user][a.status];
    return total;
}

struct Author {
    std::string user;
    std::uint32_t device = 0;
    signal::IdentityKeyPair identity;
};

/// What the phases measured, for the table main() prints.
struct Figures {
    double genSeconds = 0, pullSeconds = 0, verifySeconds = 0;
    long rssBefore = 0, rssAfter = 0;
    compliance::PullStats stats;
    std::uint64_t verified = 0; ///< entries the first verify checked
    std::vector<double> timedOld, timedNew;
    std::vector<double> searchMs;
    double p50 = 0, p95 = 0;
    std::size_t hits = 0;
    double exportSeconds = 0;
    std::size_t exportedEvents = 0;
    std::uintmax_t archiveBytes = 0;
    double svSeconds = 0, listSeconds = 0; ///< listSeconds: median of 3
    std::size_t listed = 0;
    std::size_t newAlerts = 0;
    std::vector<double> oldReport, newReport;
    double reportSeconds = 0, oldReportSeconds = 0;
    std::size_t reportRows = 0;
    double verifyBefore = 0, verifyAfter = 0, planSeconds = 0, applySeconds = 0;
    std::uint64_t disposed = 0;
    std::size_t disposedRanges = 0;
};

/// What the phases share: the relay, the officer, the archive and the generated journal. One
/// member function per phase, run in order by main().
struct Bench {
    Bench(e2e::Harness& harness, const QTemporaryDir& d, std::size_t n, bool q, int lawyers)
        : h(harness), dir(d), entries(n), quick(q), lawyers(lawyers) {}

    e2e::Harness& h;
    const QTemporaryDir& dir;
    const std::size_t entries;
    const bool quick;
    /// Registered lawyer devices; matters (conversations) scale with them, 20 per lawyer.
    const int lawyers;
    const std::size_t matterSize = std::min<std::size_t>(10'000, entries / 4);
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    // The timed pulls' entries (3 rounds of the old way, 3 of the new) are sealed with the rest
    // and reach the relay later, each round's just before it.
    const std::size_t kIncrement = quick ? 100 : 1000, kRounds = 3;
    const std::string big = "matter-bench";
    // The generated year's start. Past 20 lawyers the registrations alone log over 1,000 entries,
    // so the relay signs a checkpoint at the real time; the year then starts now, as checkpoint
    // times may not go backwards.
    const std::uint64_t
        t0 = lawyers > 20 ? std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count()) +
                                60'000
                          : 1764300000000ULL - 365ULL * 86'400'000;
    std::unique_ptr<client::Client> officer;
    std::vector<Author> authors;
    std::vector<std::string> words;
    std::vector<std::string> sealed;
    std::string archivePath;
    std::unique_ptr<compliance::Archive> archive;
    std::uint64_t lastHead = 0;
    Figures fig;

    void enroll();
    void generate();
    void toRelay(std::size_t from, std::size_t to);
    void pull();
    void timedPulls();
    void search();
    void exportMatter();
    void supervise();
    void dispose();
    void print() const;
};

void Bench::enroll() {
    client::JoinOptions o;
    o.displayName = "Compliance Officer";
    auto joined = client::Client::join(dir.path().toStdString() + "/officer", kPass,
                                       h.enrollLink("officer", proto::ROLE_COMPLIANCE), o);
    if (!joined) DIE(joined.error().message.c_str());
    officer = std::move(*joined);

    // The lawyer devices, registered through the relay (their identity keys are in the log).
    for (int i = 0; i < lawyers; ++i) {
        auto d = h.enrollStaff("lawyer" + std::to_string(i), proto::ROLE_LAWYER);
        if (!d) DIE("enroll");
        authors.push_back({d->user, d->device, *d->store->identityKeyPair()});
    }
}

void Bench::generate() {
    words = vocabulary(5000);
    const std::size_t total = entries + 2 * kRounds * kIncrement;
    sealed.assign(total, {});
    std::vector<std::string> matters;
    for (int i = 0; i < 20 * lawyers; ++i)
        matters.push_back("matter-" + std::to_string(i));
    const Bytes journalPublic = h.journalKey().publicKey();
    auto genStart = Clock::now();
    {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                auto ctx = signal::SignalContext::create();
                if (!ctx) DIE("signal context");
                std::mt19937_64 rng(1000 + t);
                for (std::size_t i; (i = next.fetch_add(1)) < total;) {
                    const Author& a = authors[i % authors.size()];
                    proto::JournalRecord rec;
                    rec.set_version(1);
                    Bytes id = crypto::randomBytes(16), k = crypto::randomBytes(32);
                    rec.set_message_id(std::string(id.begin(), id.end()));
                    rec.set_conversation_id(
                        i % (entries / matterSize) == 0 ? big : matters[rng() % matters.size()]);
                    rec.mutable_sender()->set_user(a.user);
                    rec.mutable_sender()->set_device(a.device);
                    auto* r = rec.add_recipients();
                    r->set_user(authors[(i + 1) % authors.size()].user);
                    r->set_device(1);
                    rec.set_client_time_ms(t0 + i * (365ULL * 86'400'000 / entries));
                    rec.set_type(proto::TEXT);
                    std::string body;
                    int n = 8 + int(rng() % 23);
                    for (int w = 0; w < n; ++w) {
                        // Zipf-like: small indexes are frequent.
                        double u = std::uniform_real_distribution<double>(0, 1)(rng);
                        auto idx = std::size_t(std::pow(double(words.size()), u)) - 1;
                        body += (w ? " " : "") + words[std::min(idx, words.size() - 1)];
                    }
                    rec.set_body(body);
                    rec.set_commit_key(std::string(k.begin(), k.end()));
                    auto s = journal::sealRecord(rec, journalPublic, [&](ByteView m) {
                        return signal::SessionManager::signWith(**ctx, a.identity.privateKey, m);
                    });
                    if (!s) DIE("seal");
                    auto bytes = s->serialize();
                    sealed[i].assign(bytes.begin(), bytes.end());
                }
            });
        for (auto& t : pool)
            t.join();
    }
    fig.genSeconds = secs(Clock::now() - genStart);
}

// Into the relay's store, after what it already logged (registrations etc.): sealed[from, to).
void Bench::toRelay(std::size_t from, std::size_t to) {
    h.stop();
    storage::OpenOptions so;
    so.create = false;
    auto db = storage::Database::open(h.databasePath(), h.databaseKey(), so);
    if (!db) DIE("relay store");
    auto q = (*db)->prepare(
        "SELECT seq, chain_hash, server_time_ms FROM journal ORDER BY seq DESC LIMIT 1");
    if (!q || !*q->step()) DIE("relay head");
    std::uint64_t seq = std::uint64_t(q->columnInt(0));
    journal::ChainHash head;
    auto hb = q->columnBlob(1);
    std::copy(hb.begin(), hb.end(), head.begin());
    q->reset();
    if (!(*db)->begin()) DIE("begin");
    for (std::size_t i = from; i < to; ++i) {
        ++seq;
        head = journal::nextChainHash(head, seq, view(sealed[i]));
        const std::uint64_t serverMs = t0 + i * (365ULL * 86'400'000 / entries) + 250;
        auto ins = (*db)->cached(
            "INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (?, ?, ?, ?)");
        if (!ins) DIE("insert");
        ins->bind(1, std::int64_t(seq))
            .bind(2, view(sealed[i]))
            .bind(3, ByteView(head.data(), head.size()))
            .bind(4, std::int64_t(serverMs));
        if (!ins->run()) DIE("insert");
        if (seq % 1000 == 0 || i + 1 == to) {
            auto cp = journal::signCheckpoint(seq, head, serverMs, h.relayKey().privateKey);
            auto c = (*db)->cached("INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?, ?)");
            if (!cp || !c) DIE("checkpoint");
            c->bind(1, std::int64_t(seq)).bind(2, cp->serialize());
            if (!c->run()) DIE("checkpoint");
        }
        if (i % 50'000 == 49'999) {
            if (!(*db)->commit() || !(*db)->begin()) DIE("commit");
        }
    }
    if (!(*db)->commit()) DIE("commit");
    db->reset();
    if (!h.restart()) DIE("restart");
}

void Bench::pull() {
    officer->start();
    for (int i = 0; i < 400 && !officer->isConnected(); ++i)
        std::this_thread::sleep_for(25ms);
    if (!officer->isConnected()) DIE("officer offline");
    std::vector<crypto::X25519Key> keys;
    keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*h.journalKey().privateKey())));
    archivePath = dir.path().toStdString() + "/bench.archive";
    auto opened = compliance::Archive::open(archivePath, std::move(keys), true);
    if (!opened) DIE(opened.error().message.c_str());
    archive = std::move(*opened);
    auto manifest = officer->firmManifest();
    if (!manifest || !archive->setManifest(view(*manifest), officer->account().firmFingerprint))
        DIE("manifest");
    auto* c = officer.get();
    fig.rssBefore = rssKiB();
    std::fprintf(stderr, "generated %zu entries in %.1f s; pulling\n", entries, fig.genSeconds);
    auto pullStart = Clock::now();
    auto stats =
        archive->pull([c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); },
                      [c](const std::string& id, std::uint64_t m) { return c->fetchBlob(id, m); });
    fig.pullSeconds = secs(Clock::now() - pullStart);
    if (!stats) DIE(stats.error().message.c_str());
    fig.stats = *stats;
    fig.rssAfter = rssKiB();
    officer->stop();
    std::fprintf(stderr, "pulled in %.1f s; verifying\n", fig.pullSeconds);
    auto verifyStart = Clock::now();
    auto report = archive->verify();
    fig.verifySeconds = secs(Clock::now() - verifyStart);
    if (!report) DIE(report.error().message.c_str());
    if (!report->ok()) {
        std::fputs(report->text().c_str(), stderr);
        DIE("the generated journal does not verify");
    }
    if (report->opened < entries) DIE("not every entry was decrypted");
    fig.verified = report->entries;
    lastHead = stats->headSequence;
}

void Bench::timedPulls() {
    auto* c = officer.get();
    for (std::size_t round = 0; round < 2 * kRounds; ++round) {
        const std::size_t from = entries + round * kIncrement;
        toRelay(from, from + kIncrement);
        officer->start();
        for (int i = 0; i < 400 && !officer->isConnected(); ++i)
            std::this_thread::sleep_for(25ms);
        if (!officer->isConnected()) DIE("officer offline");
        const bool old = round % 2 == 0;
        auto start = Clock::now();
        auto more = archive->pull(
            [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); },
            [c](const std::string& id, std::uint64_t m) { return c->fetchBlob(id, m); });
        if (!more) DIE(more.error().message.c_str());
        if (more->entries != kIncrement || more->newProblems) DIE("the timed pull");
        lastHead = more->headSequence;
        if (old) {
            auto full = archive->verify();
            if (!full || !full->ok()) DIE("verify after the timed pull");
        }
        (old ? fig.timedOld : fig.timedNew).push_back(secs(Clock::now() - start));
        officer->stop();
    }
    std::sort(fig.timedOld.begin(), fig.timedOld.end());
    std::sort(fig.timedNew.begin(), fig.timedNew.end());
    sealed.clear();
    sealed.shrink_to_fit();
}

void Bench::search() {
    auto& searchMs = fig.searchMs;
    std::mt19937 rng(99);
    for (int i = 0; i < (quick ? 20 : 200); ++i) {
        compliance::SearchQuery q;
        switch (i % 5) {
        case 0:
            q.text = words[rng() % 20];
            break; // very common
        case 1:
            q.text = words[200 + rng() % 2000];
            break; // mid
        case 2:
            q.text = words[4000 + rng() % 1000];
            break; // rare
        case 3:
            q.text = words[rng() % 50] + " " + words[rng() % 500];
            break;
        case 4:
            q.text = words[rng() % 300];
            if (i % 2)
                q.matter = big;
            else
                q.participant = authors[rng() % authors.size()].user;
            break;
        }
        auto s = Clock::now();
        auto r = archive->search(q);
        searchMs.push_back(secs(Clock::now() - s) * 1000);
        if (!r) DIE(r.error().message.c_str());
        fig.hits += r->size();
    }
    std::sort(searchMs.begin(), searchMs.end());
    fig.p50 = searchMs[searchMs.size() / 2];
    fig.p95 = searchMs[searchMs.size() * 95 / 100];
}

void Bench::exportMatter() {
    compliance::ExportOptions eo;
    eo.format = "rsmf";
    eo.out = dir.path().toStdString() + "/matter.rsmf";
    eo.matter = big;
    auto exportStart = Clock::now();
    auto exported = compliance::exportArchive(*archive, eo);
    fig.exportSeconds = secs(Clock::now() - exportStart);
    if (!exported) DIE(exported.error().message.c_str());
    fig.exportedEvents = exported->events;
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
        auto n = std::filesystem::file_size(archivePath + suffix, ec);
        if (!ec) fig.archiveBytes += n;
    }
}

void Bench::supervise() {
    // 50 policies as the officer's SUPERVISION records would arrive (written into the archive as
    // the pull stores decrypted records), then everything they raise over the whole archive.
    {
        auto key = crypto::hkdfSha256(*h.journalKey().privateKey(),
                                      view(std::string_view("verbatim-archive-v1")),
                                      view(std::string_view("archive database key")), 32);
        if (!key) DIE("archive key");
        auto db = storage::Database::open(archivePath, *key, {false});
        if (!db) DIE("archive database");
        auto role = (*db)->prepare("SELECT role FROM users WHERE id = 'officer'");
        if (!role || !*role->step() || role->columnText(0) != "ROLE_COMPLIANCE")
            DIE("the officer's role is not in the archive");
        role->reset();
        auto top = (*db)->prepare("SELECT max(seq) FROM records");
        if (!top || !*top->step()) DIE("head");
        std::uint64_t seq = std::uint64_t(top->columnInt(0));
        top->reset();
        for (int i = 0; i < 50; ++i) {
            compliance::PolicySpec p;
            p.name = "policy " + std::to_string(i);
            const auto& w = words;
            switch (i % 5) {
            case 0:
                p.query = w[3000 + i];
                break;
            case 1:
                p.query = "\"" + w[1000 + i] + " " + w[1001 + i] + "\"";
                break;
            case 2:
                p.query = w[2000 + i] + " OR " + w[2500 + i];
                break;
            case 3:
                p.query = w[1500 + i] + " w/3 " + w[400 + i];
                break;
            case 4:
                p.query = w[4000 + i].substr(0, w[4000 + i].size() - 1) + "*";
                break;
            }
            auto body = compliance::supervisionPolicyBody(p);
            if (!body) DIE(body.error().message.c_str());
            Bytes id = crypto::randomBytes(16);
            auto ins = (*db)->prepare(
                "INSERT INTO records (seq, message_id, conversation, user, device, recipients, "
                "type, time_ms, server_time_ms, body, entry_hash, key_id) VALUES (?, ?, "
                "'review', 'officer', 1, '', ?, 0, 0, ?, ?, ?)");
            if (!ins) DIE("insert policy");
            ins->bind(1, std::int64_t(++seq))
                .bind(2, ByteView(id))
                .bind(3, std::int64_t(proto::SUPERVISION))
                .bind(4, view(*body))
                .bind(5, ByteView(id))
                .bind(6, ByteView(id));
            if (!ins->run()) DIE("insert policy");
        }
    }
    compliance::Supervision sv(*archive);
    auto svStart = Clock::now();
    auto refreshed = sv.refresh();
    fig.svSeconds = secs(Clock::now() - svStart);
    if (!refreshed) DIE(refreshed.error().message.c_str());
    if (refreshed->records != 50) DIE("the policies were not applied");
    fig.newAlerts = refreshed->newAlerts;
    // Every alert listed as `verbatim-journal alerts` does: 3 runs, the median.
    std::vector<double> lists;
    for (int run = 0; run < 3; ++run) {
        auto listStart = Clock::now();
        auto alertList = sv.alerts();
        lists.push_back(secs(Clock::now() - listStart));
        if (!alertList) DIE(alertList.error().message.c_str());
        fig.listed = alertList->size();
    }
    std::sort(lists.begin(), lists.end());
    fig.listSeconds = lists[1];
    // The year's report, the old way (reportTheOldWay) and the new, alternately, 5 times each on
    // the same archive: medians.
    auto& oldReport = fig.oldReport;
    auto& newReport = fig.newReport;
    std::optional<compliance::Report> year;
    {
        auto key = crypto::hkdfSha256(*h.journalKey().privateKey(),
                                      view(std::string_view("verbatim-archive-v1")),
                                      view(std::string_view("archive database key")), 32);
        if (!key) DIE("archive key");
        auto db = storage::Database::open(archivePath, *key, {false});
        if (!db || !(*db)->exec("PRAGMA cache_size = -131072")) DIE("archive database");
        for (int run = 0; run < 5; ++run) {
            auto oldStart = Clock::now();
            auto counted = reportTheOldWay(**db, sv);
            oldReport.push_back(secs(Clock::now() - oldStart));
            if (!counted) DIE("the old report failed");
            auto reportStart = Clock::now();
            auto r = sv.report(0, 0);
            newReport.push_back(secs(Clock::now() - reportStart));
            if (!r) DIE(r.error().message.c_str());
            std::uint64_t total = 0;
            for (const auto& row : r->rows)
                total += row.sent + row.received + row.answers;
            if (total != *counted) DIE("the new report counts differently from the old");
            year = std::move(*r);
        }
    }
    std::sort(oldReport.begin(), oldReport.end());
    std::sort(newReport.begin(), newReport.end());
    fig.reportSeconds = newReport[2];
    fig.oldReportSeconds = oldReport[2];
    fig.reportRows = year->rows.size();
    const std::string html = year->html("Bench LLP");
}

void Bench::dispose() {
    auto medianVerify = [&]() {
        std::vector<double> t;
        for (int run = 0; run < 3; ++run) {
            auto s = Clock::now();
            auto r = archive->verify();
            t.push_back(secs(Clock::now() - s));
            if (!r) DIE(r.error().message.c_str());
        }
        std::sort(t.begin(), t.end());
        return t[1];
    };
    fig.verifyBefore = medianVerify();
    const std::uint64_t recordSeq = lastHead + 1;
    auto key = crypto::hkdfSha256(*h.journalKey().privateKey(),
                                  view(std::string_view("verbatim-archive-v1")),
                                  view(std::string_view("archive database key")), 32);
    if (!key) DIE("archive key");
    const std::int64_t nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    {
        // Every entry past its retention: each conversation a matter closed at the first entry's
        // time, kept one year after, the log made two years older, and the disposition's entry
        // (written below without a relay round trip) logged now.
        auto db = storage::Database::open(archivePath, *key, {false});
        if (!db) DIE("archive database");
        const std::string twoYears = std::to_string(2 * 366 * 24 * 3600 * 1000LL);
        for (const std::string sql :
             {"UPDATE entries SET server_time_ms = server_time_ms - " + twoYears,
              "UPDATE records SET server_time_ms = server_time_ms - " + twoYears,
              std::string("INSERT OR REPLACE INTO conversations (id, title, matter, created_seq) "
                          "SELECT DISTINCT r.conversation, coalesce(c.title, ''), 1, 0 FROM "
                          "records r LEFT JOIN conversations c ON c.id = r.conversation"),
              std::string("INSERT INTO rt_retention (seq, user, device, time_ms, matter, years) "
                          "SELECT -row_number() OVER (), 'bench', 1, 0, id, 1 FROM conversations"),
              "INSERT INTO entries (seq, entry, chain_hash, server_time_ms) VALUES (" +
                  std::to_string(recordSeq) + ", x'', NULL, " + std::to_string(nowMs) + ")"})
            if (!(*db)->exec(sql)) DIE("bench retention setup");
        // The closes: one admin action per matter at an entry of the first minute that is not one.
        auto closes = (*db)->prepare("INSERT INTO admin_actions (seq, actor, action, target, "
                                     "detail) VALUES (?, 'bench', 'matter-closed', ?, '')");
        auto convs = (*db)->prepare("SELECT id FROM conversations");
        auto free = (*db)->prepare("SELECT seq FROM entries WHERE seq NOT IN (SELECT seq FROM "
                                   "admin_actions) ORDER BY seq LIMIT 1 OFFSET ?");
        if (!closes || !convs || !free) DIE("bench retention setup");
        std::int64_t n = 0;
        while (true) {
            auto row = convs->step();
            if (!row || !*row) break;
            free->bind(1, n++);
            auto f = free->step();
            if (!f || !*f) DIE("bench retention setup");
            closes->bind(1, free->columnInt(0)).bind(2, std::string_view(convs->columnText(0)));
            free->reset();
            if (!closes->run()) DIE("bench retention setup");
        }
    }
    compliance::Retention retention(*archive);
    auto disposeStart = Clock::now();
    auto plan = retention.plan(~0ull >> 1, std::uint64_t(nowMs));
    if (!plan) DIE(plan.error().message.c_str());
    fig.planSeconds = secs(Clock::now() - disposeStart);
    {
        auto db = storage::Database::open(archivePath, *key, {false});
        if (!db) DIE("archive database");
        std::string ranges;
        for (const auto& r : plan->ranges)
            ranges += (ranges.empty() ? "" : " ") + std::to_string(r.first) + "-" +
                      std::to_string(r.last) + ":" + r.firstChainHash + ":" + r.lastChainHash;
        auto ins = (*db)->prepare("INSERT INTO rt_dispositions (seq, user, device, time_ms, basis, "
                                  "ranges, entries) VALUES (?, 'bench', 1, 0, 'bench', ?, ?)");
        if (!ins) DIE("insert");
        ins->bind(1, std::int64_t(recordSeq))
            .bind(2, std::string_view(ranges))
            .bind(3, std::int64_t(plan->entries));
        if (!ins->run()) DIE("insert");
    }
    auto applyStart = Clock::now();
    auto applied = retention.apply(recordSeq);
    fig.applySeconds = secs(Clock::now() - applyStart);
    if (!applied) DIE(applied.error().message.c_str());
    if (applied->entries != plan->entries) DIE("apply removed another count than planned");
    fig.disposed = applied->entries;
    fig.disposedRanges = plan->ranges.size();
    fig.verifyAfter = medianVerify();
}

void Bench::print() const {
    std::printf("verbatim-compliance-bench: %zu entries, %u cores\n\n", entries, threads);
    std::printf("| step | result |\n|---|---:|\n");
    std::printf("| generate (seal + sign, %u threads) | %.0f entries/s |\n", threads,
                double(entries) / fig.genSeconds);
    std::printf("| pull + verify + decrypt + index (over TLS, relay in-process) | %.0f entries/s "
                "(%.1f s) |\n",
                double(fig.stats.entries) / fig.pullSeconds, fig.pullSeconds);
    std::printf("| verify again from the archive (chain, signatures, commitments) | %.0f entries/s "
                "(%.1f s) |\n",
                double(fig.verified) / fig.verifySeconds, fig.verifySeconds);
    std::printf(
        "| the app's timed pull of %zu new entries, median of %zu: old (pull + full verify) "
        "/ new (pull) | %.2f / %.2f s |\n",
        kIncrement, kRounds, fig.timedOld[kRounds / 2], fig.timedNew[kRounds / 2]);
    std::printf("| search, %zu queries, newest 100 hits: p50 / p95 | %.1f / %.1f ms |\n",
                fig.searchMs.size(), fig.p50, fig.p95);
    std::printf("| RSMF export of a %zu-message matter | %.2f s (%zu events) |\n", matterSize,
                fig.exportSeconds, fig.exportedEvents);
    std::printf(
        "| 50 policies over the whole archive (Supervision::refresh) | %.2f s = %.1f %% of the "
        "pull (%zu alerts) |\n",
        fig.svSeconds, 100.0 * fig.svSeconds / fig.pullSeconds, fig.newAlerts);
    std::printf("| list every alert (%zu), median of 3 | %.3f s |\n", fig.listed, fig.listSeconds);
    std::printf("| the year's report (%zu rows), median of 5: old / new | %.3f / %.3f s (new: "
                "%.3f-%.3f s) |\n",
                fig.reportRows, fig.oldReportSeconds, fig.reportSeconds, fig.newReport.front(),
                fig.newReport.back());
    std::printf("| archive size | %.0f bytes/entry |\n",
                double(fig.archiveBytes) / double(entries));
    std::printf("| dispose of %llu entries (%zu ranges): plan + apply | %.1f s + %.1f s |\n",
                (unsigned long long)fig.disposed, fig.disposedRanges, fig.planSeconds,
                fig.applySeconds);
    std::printf("| verify, median of 3: before / after the disposal | %.1f / %.1f s |\n",
                fig.verifyBefore, fig.verifyAfter);
    std::printf("| memory growth during pull | %.1f MiB |\n",
                double(fig.rssAfter - fig.rssBefore) / 1024.0);
    std::printf("\n(%zu search hits in all; pull stages, wall time: checking %.1f s, storing %.1f "
                "s, waiting for "
                "pages %.1f s)\n",
                fig.hits, fig.stats.checkSeconds, fig.stats.storeSeconds, fig.stats.waitSeconds);
}

} // namespace

int main(int argc, char** argv) {
    std::size_t entries = 1'000'000;
    bool quick = false;
    int lawyers = 20;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--quick")
            quick = true, entries = 3000;
        else if (a == "--entries" && i + 1 < argc)
            entries = std::size_t(std::stoull(argv[++i]));
        else if (a == "--lawyers" && i + 1 < argc)
            lawyers = std::max(2, std::stoi(argv[++i]));
        else
            DIE("usage: verbatim-compliance-bench [--entries N | --quick] [--lawyers N]");
    }
    e2e::Harness h{
        // Every registration connects from loopback: --lawyers 500 is more than one address's
        // connection burst.
        [](relay::ServerConfig& s) {
            s.connectsPerAddress = relay::BucketSpec{1e9, 1e9};
        },
        [](relay::RelayConfig& c) {
            c.checkpointEvery = 1000;
            c.limits.redeem = relay::BucketSpec{1e9, 1e9}; // every registration from one address
        }};
    if (!h.ok()) DIE("relay");
    QTemporaryDir dir;
    Bench b(h, dir, entries, quick, lawyers);
    b.enroll();
    b.generate();
    b.toRelay(0, entries);
    b.pull();
    b.timedPulls();
    b.search();
    b.exportMatter();
    b.supervise();
    b.dispose();
    b.print();
    return 0;
}
