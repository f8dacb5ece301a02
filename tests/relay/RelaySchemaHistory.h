#pragma once
/// @file RelaySchemaHistory.h
/// The relay's schema migrations as each release shipped them, kept in the test tree so that the
/// fixtures of tst_relay_schema are made by the old schema code, not by today's: a store at
/// version n is what a relay of that release wrote. Copied from `git log -p
/// relay/core/RelaySchema.h` (v1 dee534e, v2 4ff5f53, v3 49e38a5, v4 30c309b, v5 f9f5fde,
/// v6 a750b40, v7 0cf6738, v8 0378b51, v9 0dc982e, v10 dab8569, v11 eadabde, v13 c63f110 to
/// 1542576 within one release, v14 e1bb71a to a92f25e within one release, v15 1a66261). v7 and
/// v8 were briefly reserved as empty slots (2743e9e) before their first release filled them; no
/// release shipped the empty ones. Never edit a version here: a released migration is history
/// (tst_relay_schema checks that relay/core/RelaySchema.h still begins with exactly these).

#include <array>
#include <string_view>

namespace verbatim::relay::history {

inline constexpr std::string_view kShippedV1 = R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  role INTEGER NOT NULL,
  display_name TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE devices (
  user TEXT NOT NULL REFERENCES users(id),
  device INTEGER NOT NULL,
  secret_hash BLOB NOT NULL,             -- SHA-256 of the 256-bit device secret
  registration_id INTEGER NOT NULL,
  identity_key BLOB NOT NULL,
  platform TEXT NOT NULL DEFAULT '',
  app_version TEXT NOT NULL DEFAULT '',
  enrolled_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL DEFAULT 0,
  revoked_ms INTEGER,
  PRIMARY KEY (user, device)
);
CREATE TABLE signed_prekeys (
  user TEXT NOT NULL, device INTEGER NOT NULL,
  id INTEGER NOT NULL, public_key BLOB NOT NULL, signature BLOB NOT NULL,
  PRIMARY KEY (user, device)
);
CREATE TABLE prekeys (
  user TEXT NOT NULL, device INTEGER NOT NULL,
  id INTEGER NOT NULL, public_key BLOB NOT NULL,
  PRIMARY KEY (user, device, id)
);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  is_matter INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE members (
  conversation TEXT NOT NULL REFERENCES conversations(id),
  user TEXT NOT NULL REFERENCES users(id),
  joined_ms INTEGER NOT NULL,
  PRIMARY KEY (conversation, user)
);
CREATE INDEX members_by_user ON members(user);
CREATE TABLE sends (
  sender_user TEXT NOT NULL, sender_device INTEGER NOT NULL, message_id BLOB NOT NULL,
  journal_seq INTEGER NOT NULL, server_time_ms INTEGER NOT NULL,
  PRIMARY KEY (sender_user, sender_device, message_id)
);
CREATE TABLE queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user TEXT NOT NULL, device INTEGER NOT NULL,
  message_id BLOB NOT NULL, conversation TEXT NOT NULL,
  sender_user TEXT NOT NULL, sender_device INTEGER NOT NULL,
  type INTEGER NOT NULL, body BLOB NOT NULL,
  server_time_ms INTEGER NOT NULL, commitment BLOB NOT NULL, journal_seq INTEGER NOT NULL
);
CREATE INDEX queue_by_device ON queue(user, device, id);
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  entry BLOB NOT NULL,
  chain_hash BLOB NOT NULL,
  server_time_ms INTEGER NOT NULL
);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE tokens (
  hash BLOB PRIMARY KEY,                 -- SHA-256 of the token; the token itself is never stored
  kind INTEGER NOT NULL,                 -- 1 enrollment, 2 invite
  user TEXT, role INTEGER, display_name TEXT,
  conversation TEXT, inviter TEXT,
  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER
);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT NOT NULL, detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
)sql";

inline constexpr std::string_view kShippedV2 = R"sql(
ALTER TABLE devices ADD COLUMN wipe_command BLOB;
ALTER TABLE devices ADD COLUMN wipe_requested_ms INTEGER;
)sql";

inline constexpr std::string_view kShippedV3 = R"sql(
ALTER TABLE devices ADD COLUMN wiped_ms INTEGER;
)sql";

inline constexpr std::string_view kShippedV4 = R"sql(
CREATE TABLE sends_v4 (
  message_id BLOB NOT NULL, sender_user TEXT NOT NULL, sender_device INTEGER NOT NULL,
  journal_seq INTEGER NOT NULL, server_time_ms INTEGER NOT NULL,
  PRIMARY KEY (message_id, sender_user, sender_device)
) WITHOUT ROWID;
INSERT INTO sends_v4 (message_id, sender_user, sender_device, journal_seq, server_time_ms)
  SELECT message_id, sender_user, sender_device, journal_seq, server_time_ms FROM sends;
DROP TABLE sends;
ALTER TABLE sends_v4 RENAME TO sends;
)sql";

inline constexpr std::string_view kShippedV5 = R"sql(
ALTER TABLE devices ADD COLUMN pending_ms INTEGER;
ALTER TABLE devices ADD COLUMN approval BLOB;
ALTER TABLE devices ADD COLUMN link_proof BLOB;
)sql";

inline constexpr std::string_view kShippedV6 = R"sql(
ALTER TABLE devices ADD COLUMN link_binding BLOB;
)sql";

inline constexpr std::string_view kShippedV7 = R"sql(
CREATE TABLE blobs (
  id BLOB PRIMARY KEY,                   -- 32 bytes; the file is <blob dir>/<64 hex>
  user TEXT NOT NULL,                    -- uploading device ('' for adopted blobs)
  device INTEGER NOT NULL,
  size INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  referenced_ms INTEGER,                 -- first send that declared it; NULL while unreferenced
  deleted_ms INTEGER                     -- removed by the sweep
) WITHOUT ROWID;
CREATE INDEX blobs_by_device ON blobs(user, device, created_ms, size, deleted_ms);  -- covers the usage sums
CREATE INDEX blobs_unreferenced ON blobs(created_ms) WHERE referenced_ms IS NULL;
CREATE TABLE blob_refs (
  blob BLOB NOT NULL, journal_seq INTEGER NOT NULL,
  PRIMARY KEY (blob, journal_seq)
) WITHOUT ROWID;
)sql";

inline constexpr std::string_view kShippedV8 = R"sql(
ALTER TABLE tokens ADD COLUMN lookup TEXT;
ALTER TABLE tokens ADD COLUMN inviter_device INTEGER;
ALTER TABLE tokens ADD COLUMN revoked_ms INTEGER;
ALTER TABLE tokens ADD COLUMN revoked_by TEXT;
ALTER TABLE tokens ADD COLUMN redeemed_by TEXT;
UPDATE tokens SET lookup = lower(hex(substr(hash, 1, 4)));
CREATE INDEX tokens_by_lookup ON tokens(lookup);
CREATE INDEX tokens_by_inviter ON tokens(inviter, created_ms);
)sql";

inline constexpr std::string_view kShippedV9 = R"sql(
CREATE TABLE notices (
  conversation TEXT NOT NULL,
  user TEXT NOT NULL,
  journal_seq INTEGER NOT NULL,          -- the entry that journaled the acceptance
  version INTEGER NOT NULL,              -- the notice version it declared
  accepted_ms INTEGER NOT NULL,
  PRIMARY KEY (conversation, user)
) WITHOUT ROWID;
)sql";

inline constexpr std::string_view kShippedV10 = R"sql(
ALTER TABLE conversations ADD COLUMN closed_ms INTEGER;
ALTER TABLE conversations ADD COLUMN closed_by TEXT;
)sql";

inline constexpr std::string_view kShippedV11 = R"sql(
CREATE TABLE walls (
  name TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL               -- admin-cli
);
CREATE TABLE wall_entries (
  wall TEXT NOT NULL REFERENCES walls(name),
  side INTEGER NOT NULL,                 -- 0 or 1
  kind INTEGER NOT NULL,                 -- 0 a user, 1 a matter
  ref TEXT NOT NULL,                     -- the user id or the conversation id
  PRIMARY KEY (wall, side, kind, ref)
);
CREATE INDEX wall_entries_by_ref ON wall_entries(kind, ref);
)sql";

inline constexpr std::string_view kShippedV12 = R"sql(
ALTER TABLE conversations ADD COLUMN matter_number TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN client_name TEXT NOT NULL DEFAULT '';
)sql";

inline constexpr std::string_view kShippedV13 = R"sql(
ALTER TABLE tokens ADD COLUMN declined_ms INTEGER;
CREATE TABLE push_endpoints (
  user TEXT NOT NULL,
  device INTEGER NOT NULL,
  url TEXT NOT NULL,                     -- https:// (or http:// to loopback when allowed)
  registered_ms INTEGER NOT NULL,
  last_push_ms INTEGER,
  PRIMARY KEY (user, device)
) WITHOUT ROWID;
ALTER TABLE devices ADD COLUMN device_name TEXT NOT NULL DEFAULT '';
CREATE TABLE journal_acks (
  user TEXT NOT NULL,
  device INTEGER NOT NULL,
  seq INTEGER NOT NULL,                  -- the archive holds and verified entries 1..seq
  chain_hash BLOB NOT NULL,              -- chain[seq], equal to the relay's when stored
  time_ms INTEGER NOT NULL,              -- the acknowledgement's own time
  received_ms INTEGER NOT NULL,
  ack BLOB NOT NULL,                     -- the signed journal::JournalAck (its held ranges)
  PRIMARY KEY (user, device)
) WITHOUT ROWID;
CREATE INDEX blob_refs_by_seq ON blob_refs(journal_seq);
)sql";

inline constexpr std::string_view kShippedV14 = R"sql(
-- Issue 22 walls (B5): who left a conversation; a former member of a walled matter keeps its
-- side.
CREATE TABLE former_members (
  conversation TEXT NOT NULL,
  user TEXT NOT NULL,
  left_ms INTEGER NOT NULL,
  PRIMARY KEY (conversation, user)
) WITHOUT ROWID;
CREATE INDEX former_members_by_user ON former_members(user);
-- Issue 21 (supervising partners): who supervises which lawyer; per conversation, when a client
-- and staff last sent a message and since when a client waits; messages per week. Times only.
CREATE TABLE supervisors (
  supervisor TEXT NOT NULL,
  lawyer TEXT NOT NULL,
  assigned_ms INTEGER NOT NULL,
  assigned_by TEXT NOT NULL,             -- admin-cli
  PRIMARY KEY (supervisor, lawyer)
) WITHOUT ROWID;
CREATE INDEX supervisors_by_lawyer ON supervisors(lawyer);
CREATE TABLE matter_activity (
  conversation TEXT PRIMARY KEY,
  last_client_ms INTEGER,                -- a client's latest message (relay time)
  last_staff_ms INTEGER,                 -- staff's latest message
  waiting_since_ms INTEGER               -- first client message unanswered since; NULL: none
) WITHOUT ROWID;
CREATE TABLE matter_weeks (
  conversation TEXT NOT NULL,
  week INTEGER NOT NULL,                 -- weeks since Monday 1970-01-05 UTC
  messages INTEGER NOT NULL,
  PRIMARY KEY (conversation, week)
) WITHOUT ROWID;
)sql";

inline constexpr std::string_view kShippedV15 = R"sql(
ALTER TABLE journal RENAME TO journal_meta;
ALTER TABLE journal_meta ADD COLUMN cut INTEGER;
CREATE TABLE journal_sealed (
  seq INTEGER PRIMARY KEY,
  ciphertext BLOB NOT NULL
);
CREATE VIEW journal (seq, entry, chain_hash, server_time_ms) AS
  SELECT m.seq,
         CASE WHEN m.cut IS NULL THEN m.entry
              ELSE CAST(substr(m.entry, 1, m.cut) || s.ciphertext || substr(m.entry, m.cut + 1)
                        AS BLOB) END,
         m.chain_hash, m.server_time_ms
  FROM journal_meta m LEFT JOIN journal_sealed s ON s.seq = m.seq;
CREATE TRIGGER journal_insert INSTEAD OF INSERT ON journal BEGIN
  INSERT INTO journal_meta (seq, entry, chain_hash, server_time_ms)
    VALUES (NEW.seq, NEW.entry, NEW.chain_hash, NEW.server_time_ms);
END;
CREATE TRIGGER journal_update INSTEAD OF UPDATE ON journal BEGIN
  DELETE FROM journal_sealed WHERE seq = OLD.seq;
  UPDATE journal_meta SET seq = NEW.seq, entry = NEW.entry, cut = NULL,
    chain_hash = NEW.chain_hash, server_time_ms = NEW.server_time_ms WHERE seq = OLD.seq;
END;
CREATE TRIGGER journal_delete INSTEAD OF DELETE ON journal BEGIN
  DELETE FROM journal_sealed WHERE seq = OLD.seq;
  DELETE FROM journal_meta WHERE seq = OLD.seq;
END;
)sql";

inline constexpr std::string_view kShippedV16 = R"sql(
CREATE TABLE journal_pruned (
  seq INTEGER PRIMARY KEY,
  entry_sha256 BLOB NOT NULL,
  server_time_ms INTEGER NOT NULL,
  entry BLOB                             -- NULL: the hash only
);
)sql";

/// Version n of the relay schema is kShipped[0..n).

inline constexpr std::array<std::string_view, 16> kShipped = {
    kShippedV1,  kShippedV2,  kShippedV3,  kShippedV4,  kShippedV5,  kShippedV6,
    kShippedV7,  kShippedV8,  kShippedV9,  kShippedV10, kShippedV11, kShippedV12,
    kShippedV13, kShippedV14, kShippedV15, kShippedV16};

} // namespace verbatim::relay::history
