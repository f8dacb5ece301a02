/// @file SupervisionImpl.h
/// What the parts of Supervision share (Supervision.cpp: refresh() and the queries;
/// SupervisionRecords.cpp: the records written and applied; SupervisionPolicies.cpp: the
/// policies run into alerts), and supervisionBodyText() for ArchiveVerify.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/Result.h"
#include "compliance/ArchiveImpl.h"
#include "compliance/Supervision.h"

namespace verbatim::compliance::supervision {

/// `v` as 8 bytes, most significant first.
inline std::string u64be(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8)
        s[std::size_t(i)] = char(v & 0xff);
    return s;
}

inline bool isUtf8Continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// Moves `i` back to the start of a UTF-8 character.
inline std::size_t charStart(const std::string& s, std::size_t i) {
    while (i > 0 && i < s.size() && isUtf8Continuation(s[i]))
        --i;
    return i;
}

/// The id of the alert a sample raises for the entry `seq` (SupervisionPolicies.cpp).
std::string sampleAlertId(std::uint64_t sampleSeq, std::uint64_t seq);

/// An alert's stored matches ("offset:length" pairs) read back against its context.
std::vector<AlertMatch> matchesLoaded(const std::string& stored, const std::string& context);

/// Step 1 of refresh(): applies the SUPERVISION records pulled since the last refresh, in log
/// order, and refuses (as problems) those this tool cannot use. `roles`: user id -> role.
/// Runs inside refresh()'s transaction (SupervisionRecords.cpp).
Result<void> applyRecords(Archive::Impl& archive, std::map<std::string, std::string>& roles,
                          RefreshStats& stats);

/// Step 2 of refresh(): runs the enabled policies over the entries each has not run over yet,
/// raising alerts. Runs inside refresh()'s transaction (SupervisionPolicies.cpp).
Result<void> runPolicies(Archive& archive, Archive::Impl& impl,
                         std::map<std::string, std::string>& roles, RefreshStats& stats);

/// A SUPERVISION record's body as JSON: opened with the archive's journal keys when it is sealed
/// (journal/SupervisionSeal.h, what compliance devices send now), as it is otherwise (the first
/// format, a plain JSON body). Fails when a sealed body does not open (SupervisionRecords.cpp).
Result<std::string> supervisionBodyText(const Archive::Impl& archive, const std::string& body);

/// Whether a SUPERVISION record's kind is one of the retention records (issue 22: hold, release,
/// retention, disposition; RetentionRecords.cpp).
bool isRetentionKind(const std::string& kind);

/// Applies one retention record `b` (already known to come from a compliance device that passed
/// the signer checks) into the rt_ tables. False, with `why` ("a hold record with ..."), when
/// this tool cannot use it. Runs inside refresh()'s transaction (RetentionRecords.cpp).
Result<bool> applyRetentionRecord(Archive::Impl& archive, std::map<std::string, std::string>& b,
                                  std::uint64_t seq, const std::string& user, std::uint32_t device,
                                  std::uint64_t timeMs, std::string& why);

/// Makes the covering index a report reads (records by the relay's time, with the columns a
/// report counts) unless the archive has it. refresh() calls it, so the first refresh of a large
/// archive builds it once and each pull after that adds to it (SupervisionReport.cpp).
Result<void> ensureReportIndex(storage::Database& db);

} // namespace verbatim::compliance::supervision
