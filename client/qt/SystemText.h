#pragma once
/// @file SystemText.h
/// A chat's system rows in the language shown (issue 23). The client core stores each system row
/// as an English sentence with a name in it ("Carol Client accepted the recording notice", "The
/// safety number of bob changed. …"; client/core MessageStore, Receiver, ClientSend,
/// ClientRestore); the core knows no Qt and no translations. systemText() recognises each of
/// those sentences and says it again through tr(), the name kept as it was; a sentence it does
/// not know comes back unchanged. Used by MessageListModel for the "system" and "notice" rows.
/// Thread: any (tr() and a static regular expression table, read-only).

#include <QString>

namespace verbatim::qt {

/// `core`, a system row's text as the core stored it, in the language of the installed
/// translators.
QString systemText(const QString& core);

/// `core`, the sentence the client core gives with a history import (client/core/ClientHistory.cpp:
/// "N messages in M conversations copied from device D (S already here); not verified on this
/// device; …"), in the language of the installed translators; in English, or a sentence it does
/// not know, `core` as it is.
QString historyImportedText(const QString& core);

/// The recording notice of `version` (shared/journal/RecordingNotice.h) in the language of the
/// installed translators, for reading beside the canonical text, which stays the one accepted
/// and journaled; "" when that language is English, the version unknown, or the catalogue's
/// source no longer the canonical text word for word.
QString noticeTranslation(int version);

} // namespace verbatim::qt
