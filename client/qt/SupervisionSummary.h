#pragma once
/// @file SupervisionSummary.h
/// What the app's report view says about a supervision report on screen (the summary line under
/// "Write report"), and how it reads the view's date fields. Used by SupervisionController; kept
/// apart so that controller holds only the review actions and their threading.

#include <QString>

#include <cstdint>
#include <optional>

namespace verbatim::compliance {
struct Report;
}

namespace verbatim::qt {

/// A date "YYYY-MM-DD" as the relay's milliseconds (UTC) at the start of that day, or of the
/// next (`endOfDay`) less one. Empty: 0 (open). Nullopt: not a date.
std::optional<std::uint64_t> dayMs(const QString& text, bool endOfDay);

/// One paragraph over a report: people, matters, messages, alerts by status and disposition, the
/// busiest and the slowest to answer a client.
QString summaryOf(const compliance::Report& rep);

/// The metadata-only report's paragraph: conversations, and how many have a client waiting.
QString metadataSummaryOf(const compliance::Report& rep);

} // namespace verbatim::qt
