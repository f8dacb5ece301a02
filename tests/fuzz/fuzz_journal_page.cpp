// A page of the journal as the relay serves it to compliance (wire.proto JournalPage: rows with
// sealed entries and chain hashes, signed checkpoints), through the checkpoint parser and the
// chain verifier (shared/journal/HashChain.*) that tell a complete log from a doctored one.

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "journal/HashChain.h"
#include "journal/SealedEntry.h"
#include "wire.pb.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(journal_page) {
    proto::JournalPage page;
    if (!page.ParseFromArray(data, int(size))) return 0;
    std::vector<journal::ChainItem> items;
    for (const auto& row : page.rows()) {
        journal::ChainItem item;
        item.sequence = row.sequence();
        item.entry = Bytes(row.entry().begin(), row.entry().end());
        if (row.chain_hash().size() == 32) {
            journal::ChainHash h{};
            std::copy(row.chain_hash().begin(), row.chain_hash().end(), h.begin());
            item.chainHash = h;
        }
        (void)journal::SealedEntry::parse(item.entry);
        items.push_back(std::move(item));
    }
    std::vector<journal::Checkpoint> checkpoints;
    for (const auto& c : page.checkpoints()) {
        auto cp = journal::Checkpoint::parse(view(c));
        if (!cp) continue;
        fuzzCheck(cp->serialize() == Bytes(c.begin(), c.end()),
                  "a parsed checkpoint does not serialize to its bytes");
        checkpoints.push_back(std::move(*cp));
    }
    const auto& keys = fuzz::fuzzKeys();
    auto report = journal::verifyChain(items, checkpoints, keys.relayPublic);
    fuzzCheck(report.entriesChecked <= items.size(),
              "the chain verifier checked entries it was not given");
    fuzzCheck(report.checkpointsChecked == checkpoints.size(),
              "the chain verifier skipped a checkpoint");
    // A clean report means the items are exactly 1..n in order.
    if (report.ok())
        for (std::size_t i = 0; i < items.size(); ++i)
            fuzzCheck(items[i].sequence == i + 1, "a gap or reordering passed the chain check");
    return 0;
}
