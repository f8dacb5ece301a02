#pragma once
/// @file PassphraseStrength.h
/// The hint under a passphrase being chosen (issue 23): how strong it looks, in a word a person
/// can act on. The rule every passphrase must meet stays common/Passphrase.h's (length and
/// variety, the same in the app and the tools); this only grades what passes it, so that a
/// well-known password or a keyboard run is called out before it protects a law firm's files.
///
/// The passphrase is looked at in memory and forgotten: never stored, logged or sent. No Qt
/// objects; GUI thread or any.

#include <QString>

namespace verbatim::qt {

struct PassphraseStrength {
    /// 0: breaks the rule (cannot be used); 1: weak (a common password or pattern inside);
    /// 2: fair; 3: good; 4: strong.
    int score = 0;
    /// What the score means and what would improve it, for humans (empty for empty input).
    QString hint;

    /// Grades `passphrase`: the rule of checkNewPassphrase() first, then common passwords and
    /// keyboard or digit runs inside it (case-insensitive), then length, words and kinds of
    /// characters.
    static PassphraseStrength assess(const QString& passphrase);
    /// common/Passphrase.h's kPassphraseRule in the language shown.
    static QString rule();
};

} // namespace verbatim::qt
