// The compliance page's rows, built on the archive's worker (ComplianceRows.h).
#include "client/qt/ComplianceRows.h"

#include <QLocale>
#include <QVariantMap>

#include "client/media/VoiceNote.h"
#include "client/qt/ComplianceWorker.h"
#include "client/qt/StdText.h"
#include "client/qt/TextRuns.h"
#include "client/qt/Thumbnail.h"

namespace verbatim::qt::compliancerows {

namespace {

const char* kindName(compliance::TimelineEvent::Kind k) {
    using K = compliance::TimelineEvent::Kind;
    switch (k) {
    case K::Message:
        return "message";
    case K::Notice:
        return "notice";
    case K::Join:
        return "join";
    case K::SafetyNumber:
        return "safety-number";
    case K::MismatchReport:
        return "mismatch-report";
    case K::AttachmentSaved:
        return "attachment-saved";
    }
    return "message";
}

/// The record's width and height are claims: a label only, and none when absurd (as the chat).
QString dimensions(const compliance::AttachmentInfo& a) {
    if (!a.width || !a.height || a.width > 1000000 || a.height > 1000000) return {};
    return QStringLiteral("%1 \u00d7 %2").arg(a.width).arg(a.height);
}

} // namespace

QDateTime at(std::uint64_t ms) {
    return ms ? QDateTime::fromMSecsSinceEpoch(qint64(ms)) : QDateTime();
}

QVariantList files(std::uint64_t sequence, const std::vector<compliance::AttachmentInfo>& list) {
    QVariantList out;
    for (const auto& a : list) {
        const bool voice = a.mimeType == media::kVoiceMimeType && a.durationMs > 0;
        QVariantList peaks;
        if (voice) {
            const Bytes kept = media::clampWaveform(ByteView(
                reinterpret_cast<const std::uint8_t*>(a.waveform.data()), a.waveform.size()));
            for (std::uint8_t b : kept)
                peaks << qreal(b) / 255.0;
        }
        // Decoded here, off the GUI thread, under the chat's limits (header checked first).
        const QImage thumb = Thumbnail::decode(
            QByteArray::fromRawData(a.thumbnail.data(), qsizetype(a.thumbnail.size())));
        const bool image = !thumb.isNull() ||
                           q(a.mimeType).startsWith(QLatin1String("image/"), Qt::CaseInsensitive);
        out.append(QVariantMap{
            {QStringLiteral("sequence"), qulonglong(sequence)},
            {QStringLiteral("index"), int(a.index)},
            {QStringLiteral("name"),
             TextRuns::safeName(q(a.fileName), TextRuns::kMaxNameLength, true)},
            {QStringLiteral("sizeText"), QLocale().formattedDataSize(qint64(a.size))},
            {QStringLiteral("available"), a.available},
            {QStringLiteral("voiceMs"), voice ? int(media::clampDurationMs(a.durationMs)) : 0},
            {QStringLiteral("waveform"), peaks},
            // The bytes that decoded (ImageItem decodes them again under the same limits): a
            // QImage inside this map would not survive QML's JavaScript values.
            {QStringLiteral("thumbnail"),
             thumb.isNull() ? QByteArray()
                            : QByteArray(a.thumbnail.data(), qsizetype(a.thumbnail.size()))},
            {QStringLiteral("thumbWidth"), thumb.width()},
            {QStringLiteral("thumbHeight"), thumb.height()},
            {QStringLiteral("dimensions"), dimensions(a)},
            {QStringLiteral("image"), image}});
    }
    return out;
}

QVariantList messageFiles(ComplianceController::Worker& w, const std::string& messageIdHex) {
    if (!w.archive || messageIdHex.empty()) return {};
    auto found = w.archive->messageAttachments(messageIdHex);
    return found ? files(found->first, found->second) : QVariantList();
}

Result<std::vector<ArchiveTimelineModel::Row>> timelineRows(ComplianceController::Worker& w,
                                                            const std::string& conversation) {
    auto events = w.archive->timeline(conversation);
    if (!events) return tl::unexpected(events.error());
    std::vector<ArchiveTimelineModel::Row> rows;
    rows.reserve(events->size());
    for (const auto& e : *events) {
        ArchiveTimelineModel::Row r;
        r.sequence = e.sequence;
        r.messageId = q(e.messageId);
        r.kind = QString::fromLatin1(kindName(e.kind));
        r.sender = q(e.user);
        r.senderName = w.name(e.user);
        r.time = at(e.serverTimeMs ? e.serverTimeMs : e.timeMs);
        r.text = e.kind == compliance::TimelineEvent::Kind::AttachmentSaved
                     ? q(compliance::attachmentSavedText(e.body))
                     : q(e.body);
        r.originalText = q(e.originalBody);
        for (const auto& ed : e.edits)
            r.edits << TextRuns::isolated(q(ed.previous)) + QStringLiteral(" \u2192 ") +
                           TextRuns::isolated(q(ed.next));
        r.deleted = e.deleted;
        r.deletedByName = e.deleted ? w.name(e.deletedBy) : QString();
        r.deletedTime = at(e.deletedMs);
        for (const auto& a : e.attachments)
            r.attachments
                << (a.available
                        ? q(a.fileName)
                        : ComplianceController::tr("%1 (not available)").arg(q(a.fileName)));
        r.files = files(e.sequence, e.attachments);
        for (const auto& re : e.reactions)
            r.reactions += q(re.emoji);
        r.verification = q(e.verification);
        rows.push_back(std::move(r));
    }
    return rows;
}

} // namespace verbatim::qt::compliancerows
