// History transfer (issue 23; shared/journal/HistoryTransfer.h): the document another device of
// the user sends, as the importing device parses it after decrypting, and the encrypted blob it
// opens. Input: u8 selector || bytes. Selector even: the bytes are a document; odd: a blob,
// opened under a fixed key with its real digest (the fuzzer cannot forge a tag, so this reaches
// the header and chunk-boundary checks).

#include "FuzzTarget.h"
#include "crypto/Digest.h"
#include "journal/HistoryTransfer.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(history) {
    if (size < 1) return 0;
    const ByteView in(data + 1, size - 1);
    if (data[0] % 2 == 0) {
        auto doc = journal::parseHistory(in);
        if (!doc) {
            fuzzCheck(!doc.error().message.empty(), "a refused history has no reason");
            return 0;
        }
        // A document that parsed is one a writer could have made, and what a writer makes of it
        // parses to the same items (protobuf may re-encode an item shorter, never differently).
        auto again = journal::encodeHistory(*doc);
        fuzzCheck(again.has_value(), "a parsed history does not encode");
        if (!again) return 0;
        auto twice = journal::parseHistory(*again);
        fuzzCheck(twice.has_value(), "a re-encoded history does not parse");
        if (!twice) return 0;
        fuzzCheck(twice->user == doc->user && twice->sourceDevice == doc->sourceDevice &&
                      twice->conversations.size() == doc->conversations.size() &&
                      twice->messages.size() == doc->messages.size(),
                  "a re-encoded history holds other items");
        for (std::size_t i = 0; i < doc->messages.size(); ++i)
            fuzzCheck(twice->messages[i].id() == doc->messages[i].id(),
                      "a re-encoded history reorders its messages");
        return 0;
    }
    const Bytes key(32, 0x42);
    const auto digest = crypto::sha256(in);
    auto plain = journal::openHistory(key, ByteView(digest.data(), digest.size()), in);
    fuzzCheck(plain.has_value() || !plain.error().message.empty(), "a refused blob has no reason");
    if (plain) fuzzCheck(plain->size() <= in.size(), "a blob opened to more than it holds");
    return 0;
}
