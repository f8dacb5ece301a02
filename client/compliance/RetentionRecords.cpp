/// @file RetentionRecords.cpp
/// The retention records (issue 22; Retention.h, docs/protocol.md "Retention records"): the
/// bodies compliance devices journal (hold, release, retention, disposition) and each applied in
/// log order by Supervision::refresh() (SupervisionRecords.cpp calls applyRetentionRecord()).
#include <cstdlib>

#include "common/Json.h"
#include "common/Try.h"
#include "compliance/Retention.h"
#include "compliance/SupervisionImpl.h"

namespace verbatim::compliance {
namespace {

constexpr const char* kFormat = "1";
constexpr std::size_t kMaxReason = 2000, kMaxReference = 200, kMaxId = 256;
constexpr std::uint32_t kMaxYears = 100;

std::string field(const std::string& name, const std::string& value) {
    return "," + jsonQuote(name) + ":" + jsonQuote(value);
}

bool hasControl(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

bool isHex64(const std::string& s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<std::uint64_t> number(const std::string& s) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::strtoull(s.c_str(), nullptr, 10);
}

} // namespace

Result<std::string> holdBody(const std::string& matter, const std::string& custodian,
                             const std::string& reason, const std::string& reference) {
    if (matter.empty() == custodian.empty())
        return fail(ErrorCode::InvalidArgument, "a hold is on one --matter or one --custodian");
    if (matter.size() > kMaxId || custodian.size() > kMaxId || hasControl(matter) ||
        hasControl(custodian))
        return fail(ErrorCode::InvalidArgument, "the matter or custodian is not a valid id");
    if (reason.empty() || reason.size() > kMaxReason)
        return fail(ErrorCode::InvalidArgument, "--reason: 1-2000 bytes saying why the hold");
    if (reference.size() > kMaxReference || hasControl(reference))
        return fail(ErrorCode::InvalidArgument,
                    "--reference: at most 200 bytes, no control characters");
    return "{\"v\":" + std::string(kFormat) + field("kind", "hold") + field("matter", matter) +
           field("custodian", custodian) + field("reason", reason) + field("reference", reference) +
           "}";
}

Result<std::string> holdReleaseBody(std::uint64_t holdId, const std::string& reason) {
    if (holdId == 0) return fail(ErrorCode::InvalidArgument, "--id: the hold's number");
    if (reason.empty() || reason.size() > kMaxReason)
        return fail(ErrorCode::InvalidArgument, "--reason: 1-2000 bytes saying why the release");
    return "{\"v\":" + std::string(kFormat) + field("kind", "release") +
           field("hold", std::to_string(holdId)) + field("reason", reason) + "}";
}

Result<std::string> retentionBody(const std::string& matter, std::uint32_t years) {
    if (matter.empty() || matter.size() > kMaxId || hasControl(matter))
        return fail(ErrorCode::InvalidArgument, "--matter: a conversation of the archive");
    if (years > kMaxYears)
        return fail(ErrorCode::InvalidArgument,
                    "--years: 0 (keep forever) to 100, not " + std::to_string(years));
    return "{\"v\":" + std::string(kFormat) + field("kind", "retention") + field("matter", matter) +
           field("years", std::to_string(years)) + "}";
}

std::vector<std::string> dispositionBodies(const DisposalPlan& plan, const std::string& basis) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < plan.ranges.size(); i += kRangesPerRecord) {
        std::string ranges;
        std::uint64_t entries = 0;
        for (std::size_t j = i; j < std::min(plan.ranges.size(), i + kRangesPerRecord); ++j) {
            const auto& r = plan.ranges[j];
            ranges += (ranges.empty() ? "" : " ") + std::to_string(r.first) + "-" +
                      std::to_string(r.last) + ":" + r.firstChainHash + ":" + r.lastChainHash;
            entries += r.last - r.first + 1;
        }
        out.push_back("{\"v\":" + std::string(kFormat) + field("kind", "disposition") +
                      field("basis", basis) + field("entries", std::to_string(entries)) +
                      field("ranges", ranges) + "}");
    }
    return out;
}

std::vector<DisposalRange> parseRanges(const std::string& text, bool& ok) {
    std::vector<DisposalRange> out;
    ok = !text.empty();
    std::size_t i = 0;
    std::uint64_t previous = 0;
    while (ok && i < text.size()) {
        auto j = text.find(' ', i);
        if (j == std::string::npos) j = text.size();
        const std::string item = text.substr(i, j - i);
        i = j + 1;
        auto dash = item.find('-'), c1 = item.find(':');
        auto c2 = c1 == std::string::npos ? c1 : item.find(':', c1 + 1);
        if (dash == std::string::npos || c1 == std::string::npos || c2 == std::string::npos ||
            dash > c1) {
            ok = false;
            break;
        }
        auto first = number(item.substr(0, dash)),
             last = number(item.substr(dash + 1, c1 - dash - 1));
        DisposalRange r;
        r.firstChainHash = item.substr(c1 + 1, c2 - c1 - 1);
        r.lastChainHash = item.substr(c2 + 1);
        if (!first || !last || *first == 0 || *last < *first || *first <= previous ||
            !isHex64(r.firstChainHash) || !isHex64(r.lastChainHash)) {
            ok = false;
            break;
        }
        r.first = *first;
        r.last = previous = *last;
        out.push_back(std::move(r));
    }
    if (!ok) out.clear();
    return out;
}

namespace supervision {

bool isRetentionKind(const std::string& kind) {
    return kind == "hold" || kind == "release" || kind == "retention" || kind == "disposition";
}

Result<bool> applyRetentionRecord(Archive::Impl& archive, std::map<std::string, std::string>& b,
                                  std::uint64_t seq, const std::string& user, std::uint32_t device,
                                  std::uint64_t timeMs, std::string& why) {
    auto& db = *archive.db;
    const std::string kind = b["kind"];
    auto origin = [&](storage::Statement& st) -> storage::Statement& {
        return st.bind(1, std::int64_t(seq))
            .bind(2, std::string_view(user))
            .bind(3, std::int64_t(device))
            .bind(4, std::int64_t(timeMs));
    };
    if (kind == "hold") {
        if (!holdBody(b["matter"], b["custodian"], b["reason"], b["reference"])) {
            why = "a hold record with a field this tool cannot use";
            return false;
        }
        VERBATIM_TRY_LET(ins, db.prepare("INSERT OR IGNORE INTO rt_holds (seq, user, device, "
                                         "time_ms, matter, custodian, reason, reference) VALUES "
                                         "(?, ?, ?, ?, ?, ?, ?, ?)"));
        origin(*ins)
            .bind(5, std::string_view(b["matter"]))
            .bind(6, std::string_view(b["custodian"]))
            .bind(7, std::string_view(b["reason"]))
            .bind(8, std::string_view(b["reference"]));
        VERBATIM_TRY(ins->run());
        return true;
    }
    if (kind == "release") {
        auto id = number(b["hold"]);
        if (!id || !holdReleaseBody(*id, b["reason"])) {
            why = "a release record with a field this tool cannot use";
            return false;
        }
        VERBATIM_TRY_LET(up, db.prepare("UPDATE rt_holds SET released_seq = ?1, released_by = ?2, "
                                        "released_ms = ?3, release_reason = ?4 WHERE seq = ?5 AND "
                                        "released_seq = 0 AND seq < ?1"));
        up->bind(1, std::int64_t(seq))
            .bind(2, std::string_view(deviceName(user, device)))
            .bind(3, std::int64_t(timeMs))
            .bind(4, std::string_view(b["reason"]))
            .bind(5, std::int64_t(*id));
        VERBATIM_TRY(up->run());
        if (db.changes() == 0) {
            why = "a release of hold " + b["hold"] + ", which is not an open hold";
            return false;
        }
        return true;
    }
    if (kind == "retention") {
        auto years = number(b["years"]);
        if (!years || *years > kMaxYears || !retentionBody(b["matter"], std::uint32_t(*years))) {
            why = "a retention record with a field this tool cannot use";
            return false;
        }
        VERBATIM_TRY_LET(ins, db.prepare("INSERT OR IGNORE INTO rt_retention (seq, user, device, "
                                         "time_ms, matter, years) VALUES (?, ?, ?, ?, ?, ?)"));
        origin(*ins).bind(5, std::string_view(b["matter"])).bind(6, std::int64_t(*years));
        VERBATIM_TRY(ins->run());
        return true;
    }
    // disposition
    bool ok = false;
    auto ranges = parseRanges(b["ranges"], ok);
    auto entries = number(b["entries"]);
    std::uint64_t counted = 0;
    for (const auto& r : ranges)
        counted += r.last - r.first + 1;
    if (!ok || !entries || *entries != counted || ranges.back().last >= seq) {
        why = "a disposition record with ranges this tool cannot use";
        return false;
    }
    VERBATIM_TRY_LET(ins, db.prepare("INSERT OR IGNORE INTO rt_dispositions (seq, user, device, "
                                     "time_ms, basis, ranges, entries) VALUES (?, ?, ?, ?, ?, ?, "
                                     "?)"));
    origin(*ins)
        .bind(5, std::string_view(b["basis"]))
        .bind(6, std::string_view(b["ranges"]))
        .bind(7, std::int64_t(counted));
    VERBATIM_TRY(ins->run());
    return true;
}

} // namespace supervision
} // namespace verbatim::compliance
