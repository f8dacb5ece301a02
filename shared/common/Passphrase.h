#pragma once
/// @file Passphrase.h
/// Passphrases: where the command-line tools get one, and the one rule every new passphrase
/// meets (a profile's, a profile's new one, the firm root key's, the journal key's), in the
/// app and in every tool alike.
///
/// Where from: the file named by --passphrase-file, else VERBATIM_PASSPHRASE, else a prompt on
/// the terminal (echo off; asked twice when `confirm`). The passphrase never appears in an
/// error text.

#include <string>
#include <string_view>

#include "common/Result.h"

namespace verbatim {

[[nodiscard]] Result<std::string> readPassphrase(const std::string& file, const char* prompt,
                                                 bool confirm = false,
                                                 const char* envName = "VERBATIM_PASSPHRASE");

/// The rule for a new passphrase, counted in Unicode characters of its UTF-8 text: at least
/// kMinPassphraseChars characters, at least kMinDistinctPassphraseChars of them different (so
/// that one character or a short pattern repeated is refused). Deliberately no strength
/// estimator: a length rule is one people can follow and we can state exactly; the passphrase
/// guards only the local profile, and the scrypt cost (crypto/PassphraseBox.h) is what makes
/// each guess expensive.
inline constexpr std::size_t kMinPassphraseChars = 12;
inline constexpr std::size_t kMinDistinctPassphraseChars = 5;
/// The rule in words: the error text of checkNewPassphrase, shown as is by the app and the tools.
inline constexpr std::string_view kPassphraseRule =
    "A passphrase needs at least 12 characters, at least 5 of them different (a few unrelated "
    "words are easy to remember).";

/// Whether `utf8` may become a passphrase: fails with ErrorCode::InvalidArgument and
/// kPassphraseRule as the message (never the passphrase) when it breaks the rule. Text that is
/// not UTF-8 is counted byte by byte.
[[nodiscard]] Result<void> checkNewPassphrase(std::string_view utf8);

} // namespace verbatim
