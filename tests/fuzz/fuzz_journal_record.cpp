// The journal record (verbatim.proto JournalRecord) and its commitment (shared/journal/
// Commitment.*): the plaintext a sender seals for compliance and sends end to end, which the
// recipients and compliance parse, check against the header and open the commitment with.
// The input is a serialized record. It is sealed honestly under the fixed keys and opened again,
// so the decrypted-record checks of openEntry run on fuzzer-chosen content; sealing then opening
// must always succeed and give the record back. Admin-action and safety-number bodies are also
// read as compliance reads them (flat JSON).

#include "FuzzKeys.h"
#include "FuzzTarget.h"
#include "common/Json.h"
#include "journal/Commitment.h"
#include "journal/JournalCrypto.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(journal_record) {
    proto::JournalRecord record;
    if (!record.ParseFromArray(data, int(size))) return 0;
    // The checks a recipient makes of a decrypted record, whatever it holds.
    auto content = journal::commitContentOf(record);
    (void)journal::canonicalContent(content);
    for (std::uint32_t version : {1u, 2u}) {
        auto c = journal::computeCommitment(view(record.commit_key()),
                                            journal::commitContentOf(record, version));
        fuzzCheck(c.has_value() == (record.commit_key().size() == 32),
                  "commitment refused a 32-byte key or took another");
        if (c)
            fuzzCheck(journal::commitmentOpens(*c, view(record.commit_key()),
                                               journal::commitContentOf(record, version)),
                      "a commitment does not open to its own content");
    }
    if (record.type() == proto::ADMIN_ACTION || record.type() == proto::SAFETY_NUMBER_ACCEPTED)
        (void)parseFlatJsonObject(record.body());

    const auto& keys = fuzz::fuzzKeys();
    auto sealed = journal::sealRecord(record, keys.journal->publicKey(), keys.senderSigner());
    if (!sealed) return 0; // not a record an honest sender could seal (sizes)
    auto bytes = sealed->serialize();
    auto parsed = journal::SealedEntry::parse(bytes);
    if (!parsed) {
        // The only honest seal the relay refuses: a record too large for one entry.
        fuzzCheck(bytes.size() > journal::kMaxCiphertextSize,
                  "an honestly sealed entry does not parse");
        return 0;
    }
    auto opened = journal::openEntry(*parsed, *keys.journal, keys.senderPublic);
    fuzzCheck(opened.has_value(), "an honestly sealed record does not open");
    fuzzCheck(opened->record.SerializeAsString() == record.SerializeAsString(),
              "opening gave another record");
    return 0;
}
