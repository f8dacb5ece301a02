#include "journal/RecordingNotice.h"

#include <charconv>

#include "common/Json.h"

namespace verbatim::journal {

namespace {

// Version 1. Never change these bytes: a new text is a new version (acceptances of older
// versions stay verifiable because every version's text stays here).
constexpr std::string_view kNoticeV1 =
    "This conversation is recorded.\n\n"
    "The firm is required to keep records. Every message you send or receive here, including "
    "messages that are later edited or deleted, is also kept in the firm's encrypted journal and "
    "may be reviewed by its compliance officers.\n\n"
    "Messages are end-to-end encrypted: the service that carries them cannot read them. Only you, "
    "the people in the conversation and the firm's journal can.\n\n"
    "By accepting, you agree that your messages in this conversation are recorded in this way.";

} // namespace

std::optional<std::string_view> recordingNoticeText(std::uint32_t version) {
    if (version == 1) return kNoticeV1;
    return std::nullopt;
}

std::optional<crypto::Hash256> recordingNoticeHash(std::uint32_t version) {
    auto text = recordingNoticeText(version);
    if (!text) return std::nullopt;
    return crypto::sha256(
        ByteView(reinterpret_cast<const std::uint8_t*>(text->data()), text->size()));
}

std::string noticeAcceptanceBody(std::string_view firm) {
    auto h = recordingNoticeHash(kRecordingNoticeVersion);
    return "{\"notice_version\":" + std::to_string(kRecordingNoticeVersion) +
           ",\"notice_sha256\":" + jsonQuote(toHex(ByteView(h->data(), h->size()))) +
           ",\"firm\":" + jsonQuote(firm) + "}";
}

std::optional<NoticeAcceptance> parseNoticeAcceptance(std::string_view body) {
    auto obj = parseFlatJsonObject(body);
    if (!obj) return std::nullopt;
    auto v = obj->find("notice_version");
    auto h = obj->find("notice_sha256");
    if (v == obj->end() || h == obj->end()) return std::nullopt;
    NoticeAcceptance a;
    const auto& vs = v->second;
    auto [end, ec] = std::from_chars(vs.data(), vs.data() + vs.size(), a.version);
    if (ec != std::errc() || end != vs.data() + vs.size()) return std::nullopt;
    if (h->second.size() != 64) return std::nullopt;
    auto hash = fromHex(h->second);
    if (!hash) return std::nullopt;
    a.textSha256 = std::move(*hash);
    if (auto f = obj->find("firm"); f != obj->end()) a.firm = f->second;
    return a;
}

bool isKnownNotice(std::uint32_t version, ByteView textSha256) {
    auto h = recordingNoticeHash(version);
    return h && constantTimeEqual(ByteView(h->data(), h->size()), textSha256);
}

} // namespace verbatim::journal
