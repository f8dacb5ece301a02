// The flat JSON objects of audit bodies (ADMIN_ACTION entries journaled by the relay, which
// compliance reads for device keys, names and revocations) and of safety-number acceptances
// (shared/common/Json.*).

#include "FuzzTarget.h"
#include "common/Json.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(json) {
    const auto text = fuzz::asText(data, size);
    auto object = parseFlatJsonObject(text);
    if (!object) return 0;
    // Whatever it parsed quotes back into an object that parses to the same names and values.
    std::string again = "{";
    bool first = true;
    for (const auto& [name, value] : *object) {
        again += (first ? "" : ",") + jsonQuote(name) + ":" + jsonQuote(value);
        first = false;
    }
    again += "}";
    auto reparsed = parseFlatJsonObject(again);
    fuzzCheck(reparsed.has_value(), "quoted names and values do not parse again");
    fuzzCheck(*reparsed == *object, "quoted names and values parse to something else");
    return 0;
}
