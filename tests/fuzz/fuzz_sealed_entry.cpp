// The sealed journal entry and its clear header (shared/journal/SealedEntry.*), as a device sends
// it to the relay (SendMessage.journal_entry) and as compliance pulls it; then the whole opening
// path compliance runs (JournalCrypto openEntry: signature, decryption, record parse, header and
// commitment checks) under the fixed keys the seeds were sealed with.

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(sealed_entry) {
    const ByteView input(data, size);
    // The header on its own too: the relay and the archive read it before anything else.
    if (auto h = journal::EntryHeader::parse(input); h)
        fuzzCheck(h->serialize() == toBytes(input),
                  "a parsed entry header does not serialize to its bytes");
    auto entry = journal::SealedEntry::parse(input);
    if (!entry) return 0;
    fuzzCheck(entry->serialize() == toBytes(input),
              "a parsed entry does not serialize to its bytes");
    fuzzCheck(entry->signature.size() == 64 && entry->ciphertext.size() >= 16,
              "a parsed entry lacks its tag or signature");
    const auto& keys = fuzz::fuzzKeys();
    auto opened = journal::openEntry(*entry, *keys.journal, keys.senderPublic);
    if (!opened) {
        fuzzCheck(opened.error().detail > int(journal::Fault::None) &&
                      opened.error().detail <= int(journal::Fault::CommitmentMismatch),
                  "an entry failed to open without naming the check");
        return 0;
    }
    // Opened: every check held, so the record says what the header says.
    const auto& h = opened->header;
    const auto& r = opened->record;
    fuzzCheck(r.message_id() == std::string(h.messageId.begin(), h.messageId.end()),
              "opened record names another message");
    fuzzCheck(r.sender().user() == h.senderUser && r.sender().device() == h.senderDevice,
              "opened record names another sender");
    fuzzCheck(journal::verifyEntrySignature(*entry, keys.senderPublic),
              "opened entry without a valid signature");
    return 0;
}
