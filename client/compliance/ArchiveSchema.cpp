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

// Issue 21, supervision (Supervision.h): what the journal's SUPERVISION records say (policies
// and their versions, review actions, samples, accesses) and what the policies raised. All of it
// is rebuilt from the records and the archive's entries, so every officer's archive agrees.
constexpr std::string_view kSchemaV4 = R"SQL(
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

// Issue 19, relay restores (docs/protocol.md "Restore", J-RESTORE-1): each restore epoch the
// archive followed, and what it held above the restored sequence, moved aside intact (the raw
// rows and checkpoints for verify, the opened records for listing, the checked attachments, the
// problems recorded on them, which stay faults), the chain hash at its restored sequence (the
// anchor its superseded rows are checked against) and who accepted it.
constexpr std::string_view kSchemaV5 = R"SQL(
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

// Issue 22, retention and legal hold (Retention.h): the holds, releases, per-matter retention
// overrides and dispositions the journal's SUPERVISION records say, rebuilt in log order like the
// supervision tables; and, for an entry a disposition removed, what verify still needs to walk the
// chain and each device's own chain without its content: the SHA-256 of the entry (`kept_hash`),
// its clear header (`kept_header`: sender, message id, device chain; no content) and the record
// that disposed of it (`disposed_by`), and what verify needs to judge that disposal again
// (`kept_facts`: type, conversation, sender, recipients; Retention.h EntryFacts). Its `entry` is
// then empty.
constexpr std::string_view kSchemaV6 = R"SQL(
ALTER TABLE entries ADD COLUMN disposed_by INTEGER;
ALTER TABLE entries ADD COLUMN kept_hash BLOB;
ALTER TABLE entries ADD COLUMN kept_header BLOB;
CREATE TABLE rt_holds (seq INTEGER PRIMARY KEY, user TEXT NOT NULL, device INTEGER NOT NULL,
                       time_ms INTEGER NOT NULL, matter TEXT NOT NULL DEFAULT '',
                       custodian TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL,
                       reference TEXT NOT NULL DEFAULT '', released_seq INTEGER NOT NULL DEFAULT 0,
                       released_by TEXT NOT NULL DEFAULT '', released_ms INTEGER NOT NULL DEFAULT 0,
                       release_reason TEXT NOT NULL DEFAULT '');
CREATE TABLE rt_retention (seq INTEGER PRIMARY KEY, user TEXT NOT NULL, device INTEGER NOT NULL,
                           time_ms INTEGER NOT NULL, matter TEXT NOT NULL, years INTEGER NOT NULL);
CREATE TABLE rt_dispositions (seq INTEGER PRIMARY KEY, user TEXT NOT NULL, device INTEGER NOT NULL,
                              time_ms INTEGER NOT NULL, basis TEXT NOT NULL, ranges TEXT NOT NULL,
                              entries INTEGER NOT NULL, applied INTEGER NOT NULL DEFAULT 0);
CREATE INDEX entries_disposed ON entries (disposed_by) WHERE disposed_by IS NOT NULL;
ALTER TABLE entries ADD COLUMN kept_facts TEXT;
)SQL";

} // namespace

const std::vector<std::string_view>& archiveSchema() {
    static const std::vector<std::string_view> steps{kSchema,   kSchemaV2, kSchemaV3,
                                                     kSchemaV4, kSchemaV5, kSchemaV6};
    return steps;
}

} // namespace verbatim::compliance
