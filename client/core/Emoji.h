#pragma once
/// @file Emoji.h
/// What a reaction may be (docs/protocol.md, "Types": REACTION): exactly one emoji, as one user
/// perceives one picture. The sender checks it before queueing and every receiver checks it
/// again before storing, so that a modified client cannot put text, two emoji, direction
/// overrides or a kilobyte of anything under a message.
///
/// One emoji is one of (Unicode UTS #51, emoji sequences):
/// - a keycap: `0`-`9`, `#` or `*`, an optional U+FE0F, then U+20E3;
/// - a flag: two regional indicators (U+1F1E6..U+1F1FF);
/// - up to kMaxEmojiParts parts joined by ZERO WIDTH JOINER (U+200D), each a pictographic
///   code point (Extended_Pictographic, from the Unicode 15 emoji data) with an optional
///   presentation selector (U+FE0F or U+FE0E) and an optional skin-tone modifier
///   (U+1F3FB..U+1F3FF), or a black flag (U+1F3F4) with 1..kMaxEmojiTags tag characters
///   (U+E0020..U+E007E) and CANCEL TAG (U+E007F) (subdivision flags).
/// Nothing else: no leading or trailing space, no second emoji, no other joiner or format
/// character. At most kMaxReactionBytes bytes of UTF-8.
///
/// Pure functions, any thread.

#include <cstddef>
#include <string_view>

namespace verbatim::client {

/// The longest reaction accepted, in bytes of UTF-8 (the longest emoji sequences, families with
/// skin tones and subdivision flags, take under 40).
inline constexpr std::size_t kMaxReactionBytes = 64;
/// The most emoji a ZWJ sequence may join (a family of four is 4).
inline constexpr std::size_t kMaxEmojiParts = 7;
/// The most tag characters a subdivision flag may carry ("gbsct" is 5).
inline constexpr std::size_t kMaxEmojiTags = 8;

/// Whether `utf8` is exactly one emoji as defined above (false for "" and for invalid UTF-8).
bool isSingleEmoji(std::string_view utf8) noexcept;

/// Whether `cp` is an Extended_Pictographic code point (Unicode 15 emoji data).
bool isPictographic(char32_t cp) noexcept;

} // namespace verbatim::client
