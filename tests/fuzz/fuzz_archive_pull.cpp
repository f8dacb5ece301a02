// The compliance archive's pull (client/compliance/Archive.*): what a relay serves to
// `verbatim-journal pull`, taken in by a fresh archive and then read back the ways compliance
// reads it. The input is the relay's answer (a serialized wire.proto JournalPage); the first
// page is the input as it is, later ones its rows after the sequence asked for, as a relay
// serves them (so every pull ends, unless the archive keeps asking for the same rows). Under
// the fixed keys (FuzzKeys.h) the seeds' entries, the relay's registrations and checkpoints all
// verify, so mutations reach the checks behind the signatures: decryption, records, audit
// bodies, device approvals and chains, memberships, edits and the full-text index.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "compliance/Archive.h"
#include "wire.pb.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

namespace {

// One folder per process, emptied after each input; removed at exit.
struct Scratch {
    std::filesystem::path dir;
    Scratch() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "verbatim-fuzz-archive-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        dir = tmpl;
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    void clear() {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir, ec))
            std::filesystem::remove_all(e.path(), ec);
    }
};

constexpr int kMaxPages = 200;

} // namespace

VERBATIM_FUZZ_TARGET(archive_pull) {
    static Scratch scratch;
    const auto& keys = fuzz::fuzzKeys();
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::vector<crypto::X25519Key> journalKeys;
    auto priv = keys.journal->privateKey();
    auto key = priv ? crypto::X25519Key::fromPrivate(*priv) : tl::unexpected(priv.error());
    fuzzCheck(key.has_value(), "the journal key does not load");
    journalKeys.push_back(std::move(*key));
    {
        auto archive = compliance::Archive::open((scratch.dir / "fuzz.archive").string(),
                                                 std::move(journalKeys), true);
        fuzzCheck(archive.has_value(), "a new archive does not open");
        fuzzCheck((*archive)->setManifest(keys.manifest, keys.rootFingerprint).has_value(),
                  "the archive refuses its firm's manifest");
        int calls = 0;
        proto::JournalPage all;
        const bool parsed = all.ParseFromString(input);
        auto pages = [&](std::uint64_t after, std::uint32_t) -> Result<std::string> {
            ++calls;
            fuzzCheck(calls <= kMaxPages,
                      "the archive keeps asking for pages that bring nothing new");
            if (calls == 1 || !parsed) return input;
            proto::JournalPage page;
            for (const auto& row : all.rows())
                if (row.sequence() > after) *page.add_rows() = row;
            *page.mutable_checkpoints() = all.checkpoints();
            page.set_head_sequence(all.head_sequence());
            return page.SerializeAsString();
        };
        auto blobs = [](const std::string&, std::uint64_t) -> Result<std::string> {
            return fail(ErrorCode::NotFound, "no blob");
        };
        auto& a = **archive;
        auto pulled = a.pull(pages, blobs, {}, 1);
        if (fuzz::verbose())
            std::fprintf(stderr, "  pull: %s\n",
                         pulled ? (std::to_string(pulled->entries) + " entries").c_str()
                                : pulled.error().message.c_str());
        if (pulled) {
            // Read back everything the way compliance does; each may report, none may crash.
            (void)a.verify(1);
            (void)a.participants();
            (void)a.auditTrail();
            auto problems = a.problems();
            if (fuzz::verbose() && problems)
                for (const auto& p : *problems)
                    std::fprintf(stderr, "  %llu %s: %s\n", (unsigned long long)p.sequence,
                                 p.fault.c_str(), p.detail.c_str());
            (void)a.size();
            if (auto conversations = a.conversations())
                for (const auto& c : *conversations)
                    (void)a.timeline(c.id);
            compliance::SearchQuery query;
            query.text = "fuzz";
            (void)a.search(query);
        }
    }
    scratch.clear();
    return 0;
}
