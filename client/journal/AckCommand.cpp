/// @file AckCommand.cpp
/// `verbatim-journal ack ARCHIVE --profile DIR --key KEY` (issue 22): brings the archive up to
/// date, verifies it, and only when it is clean sends the relay the compliance device's signed
/// acknowledgement of its head (sequence and chain hash) with the sequence ranges under legal
/// hold, which the relay never prunes. The relay prunes what every active compliance device
/// acknowledged (docs/protocol.md, "Journal acknowledgement and pruning").
#include <cstdio>

#include "client/core/Client.h"
#include "client/journal/JournalCli.h"
#include "compliance/ExportEncoding.h"
#include "journal/JournalAck.h"
#include "wire.pb.h"

namespace verbatim::journaltool {

int ack(const Args& a) {
    if (a.positional.empty() || a.opt("profile").empty()) return usage();
    auto archive = openArchive(a, a.positional[0], false);
    if (!archive) return die(archive.error());
    auto officer = openOfficer(a);
    if (!officer) return die(officer.error());
    // Up to date first: the acknowledgement then covers what the relay holds now.
    auto stats = pullWith(**archive, **officer);
    if (!stats)
        return die("cannot bring the archive up to date (nothing was acknowledged): " +
                   stats.error().message);
    if (stats->rewrittenAt) {
        std::fprintf(stderr, "verbatim-journal: refused: the relay rewrote history this archive "
                             "holds (run pull and verify); nothing was acknowledged\n");
        return 3;
    }
    if (!stats->pendingEpoch.empty())
        return die("the relay announced a restore from a backup that is not accepted (run pull); "
                   "nothing was acknowledged");
    auto report = (*archive)->verify();
    if (!report) return die(report.error());
    if (!report->ok()) {
        std::fprintf(stderr,
                     "verbatim-journal: refused: the archive does not verify (%zu problem(s); "
                     "run verify): the relay may prune only what a clean archive holds; nothing "
                     "was acknowledged\n",
                     report->problems.size());
        return 3;
    }
    auto hash = fromHex(report->headChainHash);
    if (!hash || hash->size() != 32) return die("the archive's head chain hash is damaged");
    auto held = (*archive)->heldRanges();
    if (!held) return die("cannot read the archive's legal holds: " + held.error().message);
    // Which rows through the head carry state, as this archive opened them (version 2: a new
    // archive at the pruned boundary checks the relay's snapshot against it).
    auto stateRows = (*archive)->stateRows(report->headSequence);
    if (!stateRows)
        return die("cannot read the archive's state rows: " + stateRows.error().message);
    const auto digest = journal::stateRowsDigest(*stateRows);
    auto answer = (*officer)->client->acknowledgeJournal(
        report->headSequence, std::string(hash->begin(), hash->end()), *held,
        std::string(digest.begin(), digest.end()));
    if (!answer) return die(answer.error());
    proto::JournalPruneState state;
    if (!state.ParseFromString(*answer)) return die("the relay's answer is malformed");
    std::printf("acknowledged entries 1..%llu (chain hash %s), keeping %zu held range(s)\n",
                (unsigned long long)report->headSequence, report->headChainHash.c_str(),
                held->size());
    std::printf("relay: head %llu, pruned through %llu, every compliance archive acknowledged "
                "through %llu\n",
                (unsigned long long)state.head_sequence(),
                (unsigned long long)state.pruned_through(),
                (unsigned long long)state.acknowledged_through());
    for (const auto& d : state.acks())
        if (d.sequence() == 0)
            std::printf("waiting for %s/%u: it never acknowledged (nothing is pruned until it "
                        "does)\n",
                        compliance::terminalText(d.user()).c_str(), d.device());
    return 0;
}

} // namespace verbatim::journaltool
