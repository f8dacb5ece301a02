#include "compliance/ArchiveSchema.h"

namespace verbatim::compliance {
namespace {

constexpr std::string_view kSchema = R"SQL(
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

// The members a conversation was created with, when the relay lists them in its record.
constexpr std::string_view kSchemaV2 = R"SQL(
ALTER TABLE admin_actions ADD COLUMN members TEXT;
)SQL";

// Issue 15 breaks 2 and 3: what the pull carries from one page to the next about each device
// (its approval, and its own chain of entries: the entries after the count it last claimed), and
// the message ids of entries that could not be opened (receipts may name them). An archive pulled
// before keeps its verdicts on what it already holds: the device checks start after its head.
constexpr std::string_view kSchemaV3 = R"SQL(
CREATE TABLE device_state (user TEXT NOT NULL, device INTEGER NOT NULL,
                           needs_approval INTEGER NOT NULL DEFAULT 0, approved_seq INTEGER NOT NULL DEFAULT 0,
                           ended_seq INTEGER NOT NULL DEFAULT 0, reported INTEGER NOT NULL DEFAULT 0,
                           chain INTEGER NOT NULL DEFAULT 0, chain_claimed INTEGER NOT NULL DEFAULT 0,
                           chain_base INTEGER NOT NULL DEFAULT 0, chain_head BLOB, chain_ids BLOB,
                           PRIMARY KEY (user, device)) WITHOUT ROWID;
CREATE TABLE unopened_ids (message_id BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (k, v) SELECT 'device_checks_from', v FROM meta WHERE k = 'head_seq';
)SQL";

} // namespace

const std::vector<std::string_view>& archiveSchema() {
    static const std::vector<std::string_view> steps{kSchema, kSchemaV2, kSchemaV3};
    return steps;
}

} // namespace verbatim::compliance
