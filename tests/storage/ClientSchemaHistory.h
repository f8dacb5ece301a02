#pragma once
/// @file ClientSchemaHistory.h
/// The client profile's schema migrations as releases shipped them (client/core/Profile.cpp,
/// migrateClientSchema), kept in the test tree so that tst_profile_version makes its fixtures with
/// the old schema code, not today's: a profile at version n is what a client of that release
/// wrote. Never edit a version here: a released migration is history.

#include <string_view>

namespace verbatim::client::history {

/// Version 1: every release before issue 19's restore work.
inline constexpr std::string_view kShippedV1 = R"sql(
CREATE TABLE account (k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '', is_matter INTEGER NOT NULL DEFAULT 0,
  members TEXT NOT NULL DEFAULT '', last_read_row INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE messages (
  row INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE,
  conversation TEXT NOT NULL,
  sender_user TEXT NOT NULL, sender_device INTEGER NOT NULL,
  outgoing INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  attachments BLOB,
  client_time_ms INTEGER NOT NULL DEFAULT 0,
  server_time_ms INTEGER NOT NULL DEFAULT 0,
  journal_seq INTEGER NOT NULL DEFAULT 0,
  state INTEGER NOT NULL,
  edited_ms INTEGER NOT NULL DEFAULT 0,
  retracted_ms INTEGER NOT NULL DEFAULT 0,
  retracted_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX messages_by_conversation ON messages (conversation, row);
CREATE VIRTUAL TABLE messages_fts USING fts5 (body, content='messages', content_rowid='row',
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, body) VALUES (new.row, new.body);
END;
CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.row, old.body);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.row, old.body);
  INSERT INTO messages_fts (rowid, body) VALUES (new.row, new.body);
END;
CREATE TABLE edits (message BLOB NOT NULL, edited_ms INTEGER NOT NULL, old_body TEXT NOT NULL);
CREATE INDEX edits_by_message ON edits (message);
CREATE TABLE reactions (message BLOB NOT NULL, user TEXT NOT NULL, emoji TEXT NOT NULL,
  PRIMARY KEY (message, user));
CREATE TABLE receipts (conversation TEXT NOT NULL, user TEXT NOT NULL, kind INTEGER NOT NULL,
  up_to_ms INTEGER NOT NULL, PRIMARY KEY (conversation, user, kind));
CREATE TABLE processed (id BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  message BLOB NOT NULL UNIQUE,
  conversation TEXT NOT NULL,
  record BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  held INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE contacts (
  user TEXT PRIMARY KEY,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT '',
  accepted_keys BLOB NOT NULL DEFAULT x'',
  complete INTEGER NOT NULL DEFAULT 0,  -- accepted_keys came from the relay's full device list
  changed INTEGER NOT NULL DEFAULT 0
);
)sql";

} // namespace verbatim::client::history
