#pragma once
/// @file ComplianceRows.h
/// The compliance page's rows as the worker builds them from the archive (private to
/// ComplianceController and ComplianceMediaController): a conversation's timeline, and each
/// message's attachments as the page shows them (issue 23: a voice note with its length and
/// waveform, an image with its thumbnail).
///
/// Threading: the worker (ComplianceController::submit) only; the values go to the GUI thread.

#include <QDateTime>
#include <QVariantList>

#include <cstdint>
#include <string>
#include <vector>

#include "client/qt/ComplianceController.h"
#include "common/Result.h"
#include "compliance/Archive.h"

namespace verbatim::qt::compliancerows {

/// A time from the archive (ms since the epoch; 0: none) as QML shows it.
QDateTime at(std::uint64_t ms);

/// The timeline of `conversation` as the timeline model's rows.
Result<std::vector<ArchiveTimelineModel::Row>> timelineRows(ComplianceController::Worker& w,
                                                            const std::string& conversation);

/// The attachments of entry `sequence` for the page, one map each (the "files" role):
///   "sequence"     the entry holding the file (what play and view read by)
///   "index"        its index in the message
///   "name"         the file name, cleaned for display (TextRuns::safeName)
///   "available"    whether the archive holds its content
///   "voiceMs"      a voice note's length as the sender gave it, clamped to 15 minutes (0: not
///                  a voice note); playing takes the length from the file
///   "waveform"     its peaks, 0..1, at most 256 (media::clampWaveform)
///   "thumbnail"    the sender's thumbnail (its JPEG bytes) when it decodes under
///                  Thumbnail::decode's limits, else empty (the file then shows as a file)
///   "thumbWidth", "thumbHeight"  its pixels (the layout follows them, never the claimed size)
///   "dimensions"   the image's claimed size as a label ("4000 × 3000"; "" over 1,000,000)
///   "image"        the file may open in the viewer (an image type, or a thumbnail)
QVariantList files(std::uint64_t sequence, const std::vector<compliance::AttachmentInfo>& list);

/// The files of the message `messageIdHex` (a search hit's), or none.
QVariantList messageFiles(ComplianceController::Worker& w, const std::string& messageIdHex);

} // namespace verbatim::qt::compliancerows
