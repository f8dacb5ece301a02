#pragma once
/// @file RelaySchema.h
/// The relay database's schema migrations (SQLCipher; only ciphertext, hashes and routing
/// metadata: no message text, no secret in clear).

#include <array>
#include <string_view>

namespace verbatim::relay {

inline constexpr std::string_view kRelaySchemaV1 = R"sql(
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

/// Remote wipe: the signed order waiting for the device, when it was asked for.
inline constexpr std::string_view kRelaySchemaV2 = R"sql(
ALTER TABLE devices ADD COLUMN wipe_command BLOB;
ALTER TABLE devices ADD COLUMN wipe_requested_ms INTEGER;
)sql";

// Issue 7: when a device confirmed its wipe.
inline constexpr std::string_view kRelaySchemaV3 = R"sql(
ALTER TABLE devices ADD COLUMN wiped_ms INTEGER;
)sql";

// Duplicate sends are found by message id first. Clients make ids that begin with the time
// (journal::newMessageId), so new rows go to the end of this index instead of a random page each
// (every page a commit touches is encrypted, authenticated and written). Without a rowid the
// table is that index alone: one B-tree per send instead of two.
inline constexpr std::string_view kRelaySchemaV4 = R"sql(
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

// Issue 15 break 2: a device of a user who already has one waits for their approval (pending_ms
// set, not active) and is admitted by a signed approval (journal::DeviceApproval); link_proof is
// what a device link's redeemer proved it knew.
inline constexpr std::string_view kRelaySchemaV5 = R"sql(
ALTER TABLE devices ADD COLUMN pending_ms INTEGER;
ALTER TABLE devices ADD COLUMN approval BLOB;
ALTER TABLE devices ADD COLUMN link_proof BLOB;
)sql";

// Issue 15 break 2: a linked device's own signature naming the device whose link it used.
inline constexpr std::string_view kRelaySchemaV6 = R"sql(
ALTER TABLE devices ADD COLUMN link_binding BLOB;
)sql";

// Issue 16 item 4: every attachment blob with the device that uploaded it (quota and hourly rate
// are summed from these rows), and the sends that declared it. A blob no send declared within the
// grace period is removed by the sweep (BlobStore); its row stays, marked deleted, for the hour
// the rate counts it, then goes. Blobs stored before this version are adopted at the first start
// (user '', referenced): nothing a journal may need is ever removed.
inline constexpr std::string_view kRelaySchemaV7 = R"sql(
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

// Issue 16 item 7: invites are listed, revocable and die with their inviter. `lookup` is a
// token's first 8 hex digits: the id an invite is listed and revoked by, and the key that wrong
// guesses under it are counted against (tokens made before have an id from their hash instead).
// `inviter_device` is the device that made an invite (NULL: made by the administrator).
inline constexpr std::string_view kRelaySchemaV8 = R"sql(
ALTER TABLE tokens ADD COLUMN lookup TEXT;
ALTER TABLE tokens ADD COLUMN inviter_device INTEGER;
ALTER TABLE tokens ADD COLUMN revoked_ms INTEGER;
ALTER TABLE tokens ADD COLUMN revoked_by TEXT;
ALTER TABLE tokens ADD COLUMN redeemed_by TEXT;
UPDATE tokens SET lookup = lower(hex(substr(hash, 1, 4)));
CREATE INDEX tokens_by_lookup ON tokens(lookup);
CREATE INDEX tokens_by_inviter ON tokens(inviter, created_ms);
)sql";

// Issue 17 (consent enforced): the journaled recording-notice acceptances, one row per user and
// conversation, written in the transaction that journals the acceptance (its sequence number).
// A user with role CLIENT sends nothing else into a conversation without a row here. Relays
// upgraded to this version start with no rows: the relay cannot read records, so acceptances
// journaled before cannot be found, and every client accepts once more (docs/protocol.md,
// "Recording notice", migration).
inline constexpr std::string_view kRelaySchemaV9 = R"sql(
CREATE TABLE notices (
  conversation TEXT NOT NULL,
  user TEXT NOT NULL,
  journal_seq INTEGER NOT NULL,          -- the entry that journaled the acceptance
  version INTEGER NOT NULL,              -- the notice version it declared
  accepted_ms INTEGER NOT NULL,
  PRIMARY KEY (conversation, user)
) WITHOUT ROWID;
)sql";

// Issue 22: a closed matter (closed_ms set) is read-only for everyone and nobody joins it;
// closed_by is who closed it (USER/DEVICE or admin-cli).
inline constexpr std::string_view kRelaySchemaV10 = R"sql(
ALTER TABLE conversations ADD COLUMN closed_ms INTEGER;
ALTER TABLE conversations ADD COLUMN closed_by TEXT;
)sql";

// Issue 22: ethical walls. A wall (walls.name) has two sides, 0 and 1; each side lists users
// (kind 0: a user id) and matters (kind 1: a conversation id, whose members count as that side).
// Nobody joins a conversation that would then hold people of both sides of one wall.
inline constexpr std::string_view kRelaySchemaV11 = R"sql(
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

// Issue 23: a matter's number (the firm's reference) and its client's name, as its lawyer typed
// them when starting it; empty for direct conversations and matters from before.
inline constexpr std::string_view kRelaySchemaV12 = R"sql(
ALTER TABLE conversations ADD COLUMN matter_number TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN client_name TEXT NOT NULL DEFAULT '';
)sql";

// Version 13, shared by three parts of this release; each keeps to its own statements.
// Issue 22 (a fair recording notice): a client who declines an invite's notice makes the invite
// used up (declined_ms set) without joining; its lawyer sees it as declined.
// Issue 23 (UnifiedPush): the push endpoint a device registered; the relay POSTs a content-free
// wake-up there when something is queued for the device and it is not connected.
// Issue 22 (relay pruning): the compliance archives' signed acknowledgements (below).
// Issue 23 (device names): the name a device's user chose for it, shown in device lists.
inline constexpr std::string_view kRelaySchemaV13 = R"sql(
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

// Version 14, shared by the parts of this release; each appends its own statements and keeps
// to them (and mirrors them in kRelayPgSchemaV14).
inline constexpr std::string_view kRelaySchemaV14 = R"sql(
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

// Issue 22 (what pruning costs): a journal row in two parts. journal_meta is the old journal
// table; for a row written since this version its entry lacks the GCM ciphertext, which is in
// journal_sealed and goes back in at byte `cut` (NULL: the entry is whole, as every row from
// before this version and every row written through the view). Pruning zeroes the freed pages of
// journal_meta (secure_delete) but not those of journal_sealed: a ciphertext opens only with its
// header's ephemeral key, which went with the metadata. The view `journal` shows whole entries;
// written through, it stores them whole.
inline constexpr std::string_view kRelaySchemaV15 = R"sql(
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

// Version 16. Issue 22 (a new archive from the pruned boundary): every journal row the relay
// prunes leaves its sequence and the SHA-256 of its entry here, and the whole entry when it
// carries state a later entry is judged by (the relay's own ADMIN_ACTION records, compliance
// devices' records, recording-notice acceptances), so that the relay can sign a boundary
// snapshot a new archive recomputes chain[P] from (docs/protocol.md, "Boundary snapshot").
inline constexpr std::string_view kRelaySchemaV16 = R"sql(
CREATE TABLE journal_pruned (
  seq INTEGER PRIMARY KEY,
  entry_sha256 BLOB NOT NULL,
  server_time_ms INTEGER NOT NULL,
  entry BLOB                             -- NULL: the hash only
);
)sql";

// Version 17. Issue 22, review findings M1 and M2: which journal rows are state rows is decided
// when the relay stores them, never from what is current when it prunes. One row per state row
// that a sender declared: a compliance device's SUPERVISION record (SendMessage.
// supervision_record, the sender's role being compliance at that send; kind 1) and a recording
// -notice acceptance (SendMessage.notice_acceptance; kind 2). The relay's own rows (sender
// relay/0) are known from their header. Rows stored before this version are classified once,
// when a relay first opens the store at version 17 (meta journal_state_from: the first sequence
// classified at its send), by the sender's role then and the notices table.
inline constexpr std::string_view kRelaySchemaV17 = R"sql(
CREATE TABLE journal_state (
  seq INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL                  -- 1: supervision record, 2: notice acceptance
);
)sql";

/// Every migration in order: a store at version n has run the first n. Released migrations never
/// change (tests/relay/RelaySchemaHistory.h keeps a copy of each as it shipped and checks it);
/// a new version appends one.
inline constexpr std::array<std::string_view, 17> kRelayMigrations = {
    kRelaySchemaV1,  kRelaySchemaV2,  kRelaySchemaV3,  kRelaySchemaV4,  kRelaySchemaV5,
    kRelaySchemaV6,  kRelaySchemaV7,  kRelaySchemaV8,  kRelaySchemaV9,  kRelaySchemaV10,
    kRelaySchemaV11, kRelaySchemaV12, kRelaySchemaV13, kRelaySchemaV14, kRelaySchemaV15,
    kRelaySchemaV16, kRelaySchemaV17};

/// The PostgreSQL store's schema (issue 20): what the nine SQLite versions above make, in
/// PostgreSQL's types (BIGINT for INTEGER, BYTEA for BLOB, DOUBLE PRECISION for REAL, an identity
/// column for AUTOINCREMENT), column for column in the same order. The engine quotes `user`.
/// A new version adds its PostgreSQL form to kRelayPgMigrations beside the SQLite one, so that
/// both stores count versions alike; a PostgreSQL store begins at version 9.
inline constexpr std::string_view kRelayPgSchemaV9 = R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY, role BIGINT NOT NULL, display_name TEXT NOT NULL, created_ms BIGINT NOT NULL
);
CREATE TABLE devices (
  user TEXT NOT NULL REFERENCES users(id), device BIGINT NOT NULL, secret_hash BYTEA NOT NULL,
  registration_id BIGINT NOT NULL, identity_key BYTEA NOT NULL,
  platform TEXT NOT NULL DEFAULT '', app_version TEXT NOT NULL DEFAULT '',
  enrolled_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL DEFAULT 0, revoked_ms BIGINT,
  wipe_command BYTEA, wipe_requested_ms BIGINT, wiped_ms BIGINT,
  pending_ms BIGINT, approval BYTEA, link_proof BYTEA, link_binding BYTEA,
  PRIMARY KEY (user, device)
);
CREATE TABLE signed_prekeys (
  user TEXT NOT NULL, device BIGINT NOT NULL,
  id BIGINT NOT NULL, public_key BYTEA NOT NULL, signature BYTEA NOT NULL,
  PRIMARY KEY (user, device)
);
CREATE TABLE prekeys (
  user TEXT NOT NULL, device BIGINT NOT NULL, id BIGINT NOT NULL, public_key BYTEA NOT NULL,
  PRIMARY KEY (user, device, id)
);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, is_matter BIGINT NOT NULL,
  created_by TEXT NOT NULL, created_ms BIGINT NOT NULL
);
CREATE TABLE members (
  conversation TEXT NOT NULL REFERENCES conversations(id),
  user TEXT NOT NULL REFERENCES users(id),
  joined_ms BIGINT NOT NULL,
  PRIMARY KEY (conversation, user)
);
CREATE INDEX members_by_user ON members(user);
CREATE TABLE sends (
  message_id BYTEA NOT NULL, sender_user TEXT NOT NULL, sender_device BIGINT NOT NULL,
  journal_seq BIGINT NOT NULL, server_time_ms BIGINT NOT NULL,
  PRIMARY KEY (message_id, sender_user, sender_device)
);
CREATE TABLE queue (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  user TEXT NOT NULL, device BIGINT NOT NULL,
  message_id BYTEA NOT NULL, conversation TEXT NOT NULL,
  sender_user TEXT NOT NULL, sender_device BIGINT NOT NULL,
  type BIGINT NOT NULL, body BYTEA NOT NULL,
  server_time_ms BIGINT NOT NULL, commitment BYTEA NOT NULL, journal_seq BIGINT NOT NULL
);
CREATE INDEX queue_by_device ON queue(user, device, id);
CREATE TABLE journal (
  seq BIGINT PRIMARY KEY, entry BYTEA NOT NULL, chain_hash BYTEA NOT NULL,
  server_time_ms BIGINT NOT NULL
);
CREATE TABLE checkpoints (seq BIGINT PRIMARY KEY, data BYTEA NOT NULL);
CREATE TABLE tokens (
  hash BYTEA PRIMARY KEY, kind BIGINT NOT NULL,
  user TEXT, role BIGINT, display_name TEXT, conversation TEXT, inviter TEXT,
  created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL, used_ms BIGINT,
  lookup TEXT, inviter_device BIGINT, revoked_ms BIGINT, revoked_by TEXT, redeemed_by TEXT
);
CREATE INDEX tokens_by_lookup ON tokens(lookup);
CREATE INDEX tokens_by_inviter ON tokens(inviter, created_ms);
CREATE TABLE audit (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  time_ms BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT NOT NULL, detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE rate_buckets (
  key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, updated_ms BIGINT NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE blobs (
  id BYTEA PRIMARY KEY, user TEXT NOT NULL, device BIGINT NOT NULL, size BIGINT NOT NULL,
  created_ms BIGINT NOT NULL, referenced_ms BIGINT, deleted_ms BIGINT
);
CREATE INDEX blobs_by_device ON blobs(user, device, created_ms, size, deleted_ms);
CREATE INDEX blobs_unreferenced ON blobs(created_ms) WHERE referenced_ms IS NULL;
CREATE TABLE blob_refs (
  blob BYTEA NOT NULL, journal_seq BIGINT NOT NULL, PRIMARY KEY (blob, journal_seq)
);
CREATE TABLE blob_chunks (
  blob BYTEA NOT NULL, n BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (blob, n)
);
CREATE TABLE notices (
  conversation TEXT NOT NULL, user TEXT NOT NULL, journal_seq BIGINT NOT NULL,
  version BIGINT NOT NULL, accepted_ms BIGINT NOT NULL,
  PRIMARY KEY (conversation, user)
);
)sql";

/// Version 10 (issue 22) in PostgreSQL's types.
inline constexpr std::string_view kRelayPgSchemaV10 = R"sql(
ALTER TABLE conversations ADD COLUMN closed_ms BIGINT;
ALTER TABLE conversations ADD COLUMN closed_by TEXT;
)sql";

/// Version 11 (issue 22, ethical walls) in PostgreSQL's types.
inline constexpr std::string_view kRelayPgSchemaV11 = R"sql(
CREATE TABLE walls (
  name TEXT PRIMARY KEY, created_ms BIGINT NOT NULL, created_by TEXT NOT NULL
);
CREATE TABLE wall_entries (
  wall TEXT NOT NULL REFERENCES walls(name), side BIGINT NOT NULL, kind BIGINT NOT NULL,
  ref TEXT NOT NULL, PRIMARY KEY (wall, side, kind, ref)
);
CREATE INDEX wall_entries_by_ref ON wall_entries(kind, ref);
)sql";

/// Version 12 (issue 23, matter number and client name) in PostgreSQL's types.
inline constexpr std::string_view kRelayPgSchemaV12 = R"sql(
ALTER TABLE conversations ADD COLUMN matter_number TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN client_name TEXT NOT NULL DEFAULT '';
)sql";

/// Version 13 (issues 22 and 23; see kRelaySchemaV13) in PostgreSQL's types.
inline constexpr std::string_view kRelayPgSchemaV13 = R"sql(
ALTER TABLE tokens ADD COLUMN declined_ms BIGINT;
CREATE TABLE push_endpoints (
  user TEXT NOT NULL, device BIGINT NOT NULL, url TEXT NOT NULL,
  registered_ms BIGINT NOT NULL, last_push_ms BIGINT, PRIMARY KEY (user, device)
);
ALTER TABLE devices ADD COLUMN device_name TEXT NOT NULL DEFAULT '';
CREATE TABLE journal_acks (
  user TEXT NOT NULL, device BIGINT NOT NULL, seq BIGINT NOT NULL, chain_hash BYTEA NOT NULL,
  time_ms BIGINT NOT NULL, received_ms BIGINT NOT NULL, ack BYTEA NOT NULL,
  PRIMARY KEY (user, device)
);
CREATE INDEX blob_refs_by_seq ON blob_refs(journal_seq);
)sql";

/// Version 14 (see kRelaySchemaV14) in PostgreSQL's types.
inline constexpr std::string_view kRelayPgSchemaV14 = R"sql(
-- Issue 22 walls (B5): who left a conversation; a former member of a walled matter keeps its
-- side.
CREATE TABLE former_members (
  conversation TEXT NOT NULL, user TEXT NOT NULL, left_ms BIGINT NOT NULL,
  PRIMARY KEY (conversation, user)
);
CREATE INDEX former_members_by_user ON former_members(user);
-- Issue 21 (supervising partners)
CREATE TABLE supervisors (
  supervisor TEXT NOT NULL, lawyer TEXT NOT NULL, assigned_ms BIGINT NOT NULL,
  assigned_by TEXT NOT NULL, PRIMARY KEY (supervisor, lawyer)
);
CREATE INDEX supervisors_by_lawyer ON supervisors(lawyer);
CREATE TABLE matter_activity (
  conversation TEXT PRIMARY KEY, last_client_ms BIGINT, last_staff_ms BIGINT,
  waiting_since_ms BIGINT
);
CREATE TABLE matter_weeks (
  conversation TEXT NOT NULL, week BIGINT NOT NULL, messages BIGINT NOT NULL,
  PRIMARY KEY (conversation, week)
);
)sql";

/// Version 15 (see kRelaySchemaV15): nothing on PostgreSQL, which keeps `journal` whole.
inline constexpr std::string_view kRelayPgSchemaV15 = R"sql(
-- PostgreSQL has no secure_delete: a deleted row stays in its page until VACUUM reuses it, split
-- or not (README, "What journal pruning costs").
)sql";

/// Version 16 (see kRelaySchemaV16) in PostgreSQL's types.
inline constexpr std::string_view kRelayPgSchemaV16 = R"sql(
CREATE TABLE journal_pruned (
  seq BIGINT PRIMARY KEY, entry_sha256 BYTEA NOT NULL, server_time_ms BIGINT NOT NULL,
  entry BYTEA
);
)sql";

/// Version 17 (see kRelaySchemaV17) in PostgreSQL's types.
inline constexpr std::string_view kRelayPgSchemaV17 = R"sql(
CREATE TABLE journal_state (seq BIGINT PRIMARY KEY, kind INTEGER NOT NULL);
)sql";

/// The PostgreSQL store's migrations, numbered as kRelayMigrations: versions 1 to 8 never
/// existed there (empty), version 9 makes the whole schema, later versions alter it.
inline constexpr std::array<std::string_view, 17> kRelayPgMigrations = {"",
                                                                        "",
                                                                        "",
                                                                        "",
                                                                        "",
                                                                        "",
                                                                        "",
                                                                        "",
                                                                        kRelayPgSchemaV9,
                                                                        kRelayPgSchemaV10,
                                                                        kRelayPgSchemaV11,
                                                                        kRelayPgSchemaV12,
                                                                        kRelayPgSchemaV13,
                                                                        kRelayPgSchemaV14,
                                                                        kRelayPgSchemaV15,
                                                                        kRelayPgSchemaV16,
                                                                        kRelayPgSchemaV17};

} // namespace verbatim::relay
