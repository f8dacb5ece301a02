#pragma once
/// @file ArchiveSchemaHistory.h
/// The compliance archive's schema steps as releases shipped them
/// (client/compliance/ArchiveSchema.cpp: v1 d5276dd, v2 b917872, v3 487989a, v4 e82820a, v5 c2e24a3), kept in
/// the test tree so that tst_archive_version makes its fixtures with the old schema code, not
/// today's: an archive at version n is what verbatim-journal of that release wrote. Never edit a
/// version here: a released step is history (tst_archive_version checks that archiveSchema() still
/// begins with exactly these); freeze a new one when the next version comes.

#include <array>
#include <string_view>

namespace verbatim::compliance::history {

inline constexpr std::string_view kShippedV1 = R"SQL(
CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE entries (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, chain_hash BLOB,
                      server_time_ms INTEGER NOT NULL);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL DEFAULT '');
CREATE TABLE devices (user TEXT NOT NULL, device INTEGER NOT NULL, identity_key BLOB NOT NULL,
                      platform TEXT NOT NULL DEFAULT '', app_version TEXT NOT NULL DEFAULT '',
                      registered_seq INTEGER NOT NULL, registered_ms INTEGER NOT NULL,
                      revoked_seq INTEGER NOT NULL DEFAULT 0, revoked_ms INTEGER NOT NULL DEFAULT 0,
                      PRIMARY KEY (user, device));
CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '',
                            matter INTEGER NOT NULL DEFAULT 0, created_seq INTEGER NOT NULL DEFAULT 0);
CREATE TABLE records (seq INTEGER PRIMARY KEY, message_id BLOB NOT NULL, conversation TEXT NOT NULL,
                      user TEXT NOT NULL, device INTEGER NOT NULL, recipients TEXT NOT NULL,
                      type INTEGER NOT NULL, time_ms INTEGER NOT NULL, server_time_ms INTEGER NOT NULL,
                      body BLOB NOT NULL, ref BLOB, attachments BLOB, entry_hash BLOB NOT NULL,
                      key_id BLOB NOT NULL);
CREATE UNIQUE INDEX records_message ON records (message_id);
CREATE INDEX records_ref ON records (ref) WHERE ref IS NOT NULL;
CREATE INDEX records_conversation ON records (conversation, seq);
CREATE TABLE admin_actions (seq INTEGER PRIMARY KEY, actor TEXT NOT NULL, action TEXT NOT NULL,
                            target TEXT NOT NULL, detail TEXT NOT NULL, conversation TEXT);
CREATE INDEX admin_conversation ON admin_actions (conversation) WHERE conversation IS NOT NULL;
CREATE TABLE attachments (seq INTEGER NOT NULL, idx INTEGER NOT NULL, file_name TEXT NOT NULL,
                          mime TEXT NOT NULL, size INTEGER NOT NULL, data BLOB, problem TEXT,
                          PRIMARY KEY (seq, idx));
CREATE TABLE problems (seq INTEGER NOT NULL, fault TEXT NOT NULL, detail TEXT NOT NULL,
                       origin TEXT NOT NULL, PRIMARY KEY (seq, fault));
CREATE TABLE members (conversation TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY (conversation, user))
  WITHOUT ROWID;
CREATE VIRTUAL TABLE records_fts USING fts5 (body, content='', tokenize='unicode61 remove_diacritics 2');
)SQL";

inline constexpr std::string_view kShippedV2 = R"SQL(
ALTER TABLE admin_actions ADD COLUMN members TEXT;
)SQL";

inline constexpr std::string_view kShippedV3 = R"SQL(
CREATE TABLE device_state (user TEXT NOT NULL, device INTEGER NOT NULL,
                           needs_approval INTEGER NOT NULL DEFAULT 0, approved_seq INTEGER NOT NULL DEFAULT 0,
                           ended_seq INTEGER NOT NULL DEFAULT 0, reported INTEGER NOT NULL DEFAULT 0,
                           chain INTEGER NOT NULL DEFAULT 0, chain_claimed INTEGER NOT NULL DEFAULT 0,
                           chain_base INTEGER NOT NULL DEFAULT 0, chain_head BLOB, chain_ids BLOB,
                           PRIMARY KEY (user, device)) WITHOUT ROWID;
CREATE TABLE unopened_ids (message_id BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (k, v) SELECT 'device_checks_from', v FROM meta WHERE k = 'head_seq';
)SQL";

inline constexpr std::string_view kShippedV4 = R"SQL(
CREATE TABLE sv_policies (name TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
                          user TEXT NOT NULL, device INTEGER NOT NULL, time_ms INTEGER NOT NULL,
                          query TEXT NOT NULL, matter TEXT NOT NULL DEFAULT '',
                          participant TEXT NOT NULL DEFAULT '', direction TEXT NOT NULL DEFAULT '',
                          severity TEXT NOT NULL DEFAULT 'medium', enabled INTEGER NOT NULL,
                          example INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (name, version));
CREATE TABLE sv_progress (name TEXT NOT NULL, version INTEGER NOT NULL, evaluated_seq INTEGER NOT NULL,
                          PRIMARY KEY (name, version)) WITHOUT ROWID;
CREATE TABLE sv_alerts (id TEXT PRIMARY KEY, kind TEXT NOT NULL, policy TEXT NOT NULL,
                        version INTEGER NOT NULL, seq INTEGER NOT NULL, part INTEGER NOT NULL,
                        severity TEXT NOT NULL, matches TEXT NOT NULL, context TEXT NOT NULL,
                        source_seq INTEGER NOT NULL);
CREATE INDEX sv_alerts_seq ON sv_alerts (seq);
CREATE TABLE sv_reviews (seq INTEGER PRIMARY KEY, alert TEXT NOT NULL, user TEXT NOT NULL,
                         device INTEGER NOT NULL, time_ms INTEGER NOT NULL, status TEXT NOT NULL,
                         disposition TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '');
CREATE INDEX sv_reviews_alert ON sv_reviews (alert, seq);
CREATE TABLE sv_samples (seq INTEGER PRIMARY KEY, user TEXT NOT NULL, device INTEGER NOT NULL,
                         time_ms INTEGER NOT NULL, scope TEXT NOT NULL, from_ms INTEGER NOT NULL,
                         to_ms INTEGER NOT NULL, percent TEXT NOT NULL, seed TEXT NOT NULL,
                         sequences TEXT NOT NULL);
CREATE TABLE sv_access (seq INTEGER PRIMARY KEY, user TEXT NOT NULL, device INTEGER NOT NULL,
                        time_ms INTEGER NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
)SQL";

inline constexpr std::string_view kShippedV5 = R"SQL(
CREATE TABLE restores (epoch BLOB PRIMARY KEY, restored_seq INTEGER NOT NULL,
                       archive_head INTEGER NOT NULL, superseded INTEGER NOT NULL,
                       applied_ms INTEGER NOT NULL, anchor BLOB,
                       accepted_by TEXT NOT NULL DEFAULT '');
CREATE TABLE superseded_entries (epoch BLOB NOT NULL, seq INTEGER NOT NULL, entry BLOB NOT NULL,
                                 chain_hash BLOB, server_time_ms INTEGER NOT NULL,
                                 PRIMARY KEY (epoch, seq));
CREATE TABLE superseded_checkpoints (epoch BLOB NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
                                     PRIMARY KEY (epoch, seq));
CREATE TABLE superseded_records (epoch BLOB NOT NULL, seq INTEGER NOT NULL, message_id BLOB NOT NULL,
                                 conversation TEXT NOT NULL, user TEXT NOT NULL,
                                 device INTEGER NOT NULL, recipients TEXT NOT NULL,
                                 type INTEGER NOT NULL, time_ms INTEGER NOT NULL,
                                 server_time_ms INTEGER NOT NULL, body BLOB NOT NULL, ref BLOB,
                                 attachments BLOB, entry_hash BLOB NOT NULL, key_id BLOB NOT NULL,
                                 PRIMARY KEY (epoch, seq));
CREATE INDEX superseded_message ON superseded_records (message_id);
CREATE TABLE superseded_problems (epoch BLOB NOT NULL, seq INTEGER NOT NULL, fault TEXT NOT NULL,
                                  detail TEXT NOT NULL, origin TEXT NOT NULL,
                                  PRIMARY KEY (epoch, seq, fault));
CREATE TABLE superseded_attachments (epoch BLOB NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,
                                     file_name TEXT NOT NULL, mime TEXT NOT NULL,
                                     size INTEGER NOT NULL, data BLOB, problem TEXT,
                                     PRIMARY KEY (epoch, seq, idx));
)SQL";

/// Version n of the archive schema is kShipped[0..n).
inline constexpr std::array<std::string_view, 5> kShipped = {kShippedV1, kShippedV2, kShippedV3,
                                                             kShippedV4, kShippedV5};

} // namespace verbatim::compliance::history
