#pragma once
/// @file Export.h
/// Exports from the compliance archive:
///  - rsmf:  Relativity Short Message Format 2.0: an RFC 5322 message (.rsmf) with
///           X-RSMF-Version, a readable transcript as its body and one attachment `rsmf.zip`
///           holding `rsmf_manifest.json` and every attachment file. At most 10,000 events per
///           file; several files share one `eventcollectionid`.
///  - eml:   the same transcript as a plain RFC 5322 message, attachments as MIME parts.
///  - jsonl: one JSON object per event, with its history, sequence, entry hash and status.
///  - csv:   one record per event (RFC 4180, UTF-8 with a byte-order mark, CRLF), for review
///           platforms and spreadsheets: sequence, times, conversation, participant, event,
///           body, original body, edits, deletion, attachment names, verification, hashes.
/// Retractions keep the original text (deleted: true), edits list previous and new text.
/// Every value a participant chose is written by the rules of ExportEncoding.h (issue 16 item 2).

#include <cstdint>
#include <string>
#include <vector>

#include "compliance/Archive.h"

namespace verbatim::compliance {

struct ExportOptions {
    std::string format = "rsmf"; ///< rsmf, eml, jsonl, csv
    std::string out;             ///< file path (slices get -001, -002, ... before the extension)
    std::string matter;          ///< conversation id or title; empty: every conversation
    /// User id: only the messages they sent or received (and their own notices, joins and
    /// saves), in every conversation in scope; empty: everyone's.
    std::string participant;
    std::uint64_t fromMs = 0;
    std::uint64_t toMs = 0;
    std::size_t maxEventsPerFile = 10000;
    std::string generator = "Verbatim verbatim-journal 0.1";
};

struct ExportResult {
    std::vector<std::string> files;
    std::size_t events = 0;
    std::size_t attachments = 0;
    /// Image thumbnails written beside their attachments (RSMF and EML; issue 23).
    std::size_t thumbnails = 0;
};

[[nodiscard]] Result<ExportResult> exportArchive(Archive& archive, const ExportOptions& options);

/// The `rsmf_manifest.json` of one RSMF slice (exposed for tests).
std::string rsmfManifest(const std::vector<TimelineEvent>& events,
                         const std::vector<Participant>& participants,
                         const std::vector<ConversationInfo>& conversations,
                         const std::string& eventCollectionId,
                         const std::vector<std::vector<std::string>>& attachmentNames);

} // namespace verbatim::compliance
