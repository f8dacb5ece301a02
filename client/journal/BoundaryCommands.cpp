/// @file BoundaryCommands.cpp
/// Issue 22: a new compliance archive on a relay that pruned its journal.
///   verbatim-journal pull --profile DIR --archive NEW --key KEY --from-pruned-boundary
///                         [--boundary-snapshot FILE] [--cosigner USER/DEVICE:KEY]...
///                         [--trust-relay-prefix]
///   verbatim-journal boundary-snapshot --profile DIR --out FILE
/// The first fetches the relay's signed boundary snapshot (or reads FILE, one fetched earlier),
/// starts the new archive at the boundary (compliance::Archive::startAtBoundary), pulls
/// everything after it and verifies; a snapshot that does not hold (signature, chain, boundary,
/// or a compliance acknowledgement that should co-sign the chain through it) is refused and the
/// new archive removed, so nothing is kept of it. Only acknowledgements of devices whose identity
/// key is known without the relay co-sign: this profile's own device and each --cosigner; with
/// none of them co-signing the start is refused unless --trust-relay-prefix.
/// docs/protocol.md, "Boundary snapshot".
#include <cstdio>
#include <fstream>
#include <iterator>

#include "client/core/Client.h"
#include "client/journal/JournalCli.h"
#include "common/Try.h"
#include "compliance/ExportEncoding.h"
#include "journal/BoundarySnapshot.h"
#include "wire.pb.h"

namespace verbatim::journaltool {

namespace {

/// The relay's pruned boundary and its first signed checkpoint at or after it, from the page
/// every relay answers to a pull after every row.
Result<std::pair<std::uint64_t, std::string>> relayBoundary(client::Client& c) {
    VERBATIM_TRY_LET(bytes, c.pullJournalPage(std::uint64_t(1) << 63, 1));
    proto::JournalPage page;
    if (!page.ParseFromString(*bytes))
        return fail(ErrorCode::Malformed, "the relay sent a journal page that does not parse");
    return std::pair{page.pruned_through(), page.boundary_checkpoint()};
}

/// The relay's whole snapshot, page by page, as one serialized journal::BoundarySnapshot.
Result<Bytes> fetchSnapshot(client::Client& c) {
    journal::BoundarySnapshot snap;
    bool first = true;
    std::uint64_t after = 0;
    while (first || after < snap.boundary) {
        VERBATIM_TRY_LET(bytes, c.pullBoundarySnapshotPage(after));
        proto::BoundarySnapshotPage page;
        if (!page.ParseFromString(*bytes))
            return fail(ErrorCode::Malformed, "the relay's boundary snapshot does not parse");
        auto header = journal::BoundarySnapshot::parseHeader(view(page.header()));
        if (!header)
            return fail(ErrorCode::Malformed,
                        "the relay's boundary snapshot header: " + header.error().message);
        if (first) {
            snap.boundary = header->boundary;
            snap.chainHash = header->chainHash;
            snap.timeMs = header->timeMs;
            snap.signature = header->signature;
            for (const auto& a : page.acks())
                snap.acks.push_back(toBytes(view(a)));
            first = false;
        } else if (header->boundary != snap.boundary) {
            return fail(ErrorCode::Conflict,
                        "the relay pruned further while the snapshot was fetched: run pull again");
        }
        if (page.rows_size() == 0)
            return fail(ErrorCode::Malformed, "the relay's boundary snapshot ends at seq " +
                                                  std::to_string(after) + ", before its boundary " +
                                                  std::to_string(snap.boundary));
        for (const auto& r : page.rows()) {
            if (r.sequence() != after + 1 || r.entry_sha256().size() != 32)
                return fail(ErrorCode::Malformed,
                            "the relay's boundary snapshot rows are not in order");
            journal::PrunedRow row;
            row.sequence = r.sequence();
            std::copy(r.entry_sha256().begin(), r.entry_sha256().end(), row.entryHash.begin());
            row.serverTimeMs = r.server_time_ms();
            row.entry = toBytes(view(r.entry()));
            snap.rows.push_back(std::move(row));
            after = r.sequence();
        }
    }
    return snap.serialize();
}

Result<Bytes> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ErrorCode::NotFound, "cannot read " + path);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The archive file and SQLite's companions, for a start that was refused.
void removeArchive(const std::string& path) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        fs::remove(path + suffix, ec);
}

} // namespace

int boundarySnapshot(const Args& a) {
    const std::string out = a.opt("out");
    if (a.opt("profile").empty() || out.empty()) return usage();
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    auto bytes = fetchSnapshot(*(*officer)->client);
    if (!bytes) return die("cannot fetch the relay's boundary snapshot: " + bytes.error().message);
    if (auto r = writeNew(out, *bytes, 0600); !r) return die(r.error());
    auto snap = journal::BoundarySnapshot::parse(*bytes);
    if (!snap) return die("the relay's boundary snapshot is malformed: " + snap.error().message);
    std::printf("wrote the relay's boundary snapshot at seq %llu (%zu rows, %zu "
                "acknowledgements) to %s\n",
                (unsigned long long)snap->boundary, snap->rows.size(), snap->acks.size(),
                out.c_str());
    return 0;
}

int pullFromBoundary(const Args& a) {
    const std::string path = a.opt("archive");
    if (a.opt("profile").empty() || path.empty()) return usage();
    std::vector<compliance::KnownCosigner> cosigners;
    for (const auto& text : a.all("cosigner")) {
        auto one = compliance::parseCosigner(text);
        if (!one) return refused("pull", one.error().message);
        cosigners.push_back(std::move(*one));
    }
    std::error_code ec;
    if (fs::exists(path, ec))
        return die("--from-pruned-boundary starts a new archive, and " + path +
                   " exists: pull into it without the option, or name a new file");
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    auto& c = *(*officer)->client;
    {
        // This device's own key is known here, not from the relay.
        auto own = fromHex(c.identityKeyHex());
        if (!own) return die("this profile's identity key is unreadable");
        cosigners.push_back({c.account().user, c.account().device, std::move(*own)});
        const auto me = c.account();
        std::printf("this device: %s/%u, identity key %s (another officer's pull takes it as "
                    "--cosigner %s/%u:KEY)\n",
                    me.user.c_str(), unsigned(me.device), c.identityKeyHex().c_str(),
                    me.user.c_str(), unsigned(me.device));
    }
    auto manifest = c.firmManifest();
    if (!manifest) return die(manifest.error());
    auto boundary = relayBoundary(c);
    if (!boundary) return die("cannot ask the relay for its boundary: " + boundary.error().message);
    if (boundary->first == 0)
        return die("the relay has pruned nothing: pull without --from-pruned-boundary");
    auto bytes = a.opt("boundary-snapshot").empty() ? fetchSnapshot(c)
                                                    : readFile(a.opt("boundary-snapshot"));
    if (!bytes) return die("cannot get the boundary snapshot: " + bytes.error().message);
    auto archive = openArchive(a, path, true);
    if (!archive) return die(archive.error());
    auto refuse = [&](const std::string& why) {
        archive->reset();
        removeArchive(path);
        std::fprintf(stderr,
                     "verbatim-journal: refused: %s; the new archive was removed (nothing was "
                     "kept)\n",
                     compliance::terminalText(why).c_str());
        return 3;
    };
    if (auto r = (*archive)->setManifest(view(*manifest), c.account().firmFingerprint); !r)
        return refuse(r.error().message);
    const bool trust = a.flags.count("trust-relay-prefix") > 0;
    auto start = (*archive)->startAtBoundary(*bytes, boundary->first, view(boundary->second),
                                             cosigners, trust);
    if (!start) return refuse(start.error().message);
    std::printf("starting at pruned boundary %llu, chain hash %s, snapshot signed by relay key "
                "%s (%llu state entries)\n%s\n",
                (unsigned long long)start->boundary, start->chainHash.c_str(),
                start->relayKey.c_str(), (unsigned long long)start->stateEntries,
                start->absentByDesign.c_str());
    auto stats = pullWith(**archive, **officer);
    if (!stats) return refuse("the pull after the boundary failed: " + stats.error().message);
    if (stats->rewrittenAt || !stats->pendingEpoch.empty())
        return refuse("the relay's log after the boundary does not continue its snapshot");
    auto report = (*archive)->verify();
    if (!report) return refuse(report.error().message);
    // What binds the snapshot: its own chain, the relay's checkpoints after it and the
    // compliance acknowledgements. Any of those failing refuses the start.
    std::string why;
    for (const auto& p : report->problems)
        if (p.fault == "boundary-snapshot" || p.fault == "checkpoint-mismatch" ||
            p.fault == "bad-checkpoint-signature" || p.fault == "altered")
            why += (why.empty() ? "" : "; ") + std::string("seq ") + std::to_string(p.sequence) +
                   " " + p.fault + ": " + p.detail;
    if (!why.empty()) return refuse("the boundary snapshot does not hold: " + why);
    for (const auto& line : report->boundary)
        std::printf("%s\n", line.c_str());
    for (const auto& w : report->warnings)
        if (w.fault == "boundary-relay-word")
            std::printf("WARNING: %s\n", compliance::terminalText(w.detail).c_str());
    std::printf("pulled %llu new entries (%llu attachments) up to seq %llu in %.1f s; %zu "
                "problem(s)%s\n",
                (unsigned long long)stats->entries, (unsigned long long)stats->attachments,
                (unsigned long long)stats->headSequence, stats->seconds, report->problems.size(),
                report->problems.empty() ? "" : ": run verify");
    return 0;
}

} // namespace verbatim::journaltool
