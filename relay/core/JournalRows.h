#pragma once
/// @file JournalRows.h
/// How the relay stores and deletes journal rows (issue 22, what pruning costs). On the SQLCipher
/// store a sealed entry (`u8(1) || field(header) || field(ciphertext) || field(signature)`) is
/// kept in two tables: `journal_meta` holds the entry without its GCM ciphertext (the header:
/// who sent what to whom and when; the signature, which names its signer to anyone holding the
/// identity keys) with the chain hash and the relay's time, and `journal_sealed` the ciphertext.
/// The view `journal` shows whole entries as before. Pruning deletes the metadata with
/// `secure_delete` on (its freed pages are zeroed and written) and the ciphertext with it off
/// (its freed pages go to the free list as they are, without being read back, zeroed,
/// encrypted and written again): a ciphertext opens only with a key derived from its header's
/// ephemeral public key and the firm's journal private key, so once its header is zeroed nobody,
/// not even the firm, can open what is left of it. The PostgreSQL store keeps `journal` whole (it
/// has no secure_delete to spare). docs/protocol.md, "Journal acknowledgement and pruning".
/// No Beast, no Qt.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/Bytes.h"
#include "storage/Database.h"

namespace verbatim::relay {

/// Where the ciphertext of a sealed entry sits in it: bytes [offset, offset + size). Only the
/// framing is read (version 1, three length-prefixed fields, a 64-byte signature, nothing
/// after); nullopt for bytes of any other shape, which are then stored whole.
struct CiphertextSpan {
    std::size_t offset = 0, size = 0;
};
std::optional<CiphertextSpan> sealedCiphertextSpan(ByteView entry);

/// Stores journal row `seq` (inside the caller's transaction): split as above on the SQLCipher
/// store, whole in `journal` on PostgreSQL.
[[nodiscard]] Result<void> insertJournalRow(storage::Database& db, std::uint64_t seq,
                                            ByteView entry, ByteView chainHash,
                                            std::uint64_t serverTimeMs);

/// Deletes journal rows after < seq <= through (inside the caller's transaction): the metadata
/// with secure_delete on, then the ciphertexts with it off; secure_delete is on again afterwards,
/// also when a delete fails.
[[nodiscard]] Result<void> deleteJournalRows(storage::Database& db, std::uint64_t after,
                                             std::uint64_t through);

/// The table with one row per journal entry and its `seq`, `chain_hash` and `server_time_ms`,
/// for queries that need no entry bytes (on SQLCipher reading the view would also read each
/// row's ciphertext).
const char* journalRowsTable(const storage::Database& db);

/// A page of a device's queue, each envelope with its journal entry (the recipient's journal copy
/// check): drains, and wake-ups from other nodes on the PostgreSQL store. Binds user, device, the
/// queue id to start after and the page size; columns q.id, message_id, conversation,
/// sender_user, sender_device, type, body, server_time_ms, commitment, journal_seq, entry.
const char* queuePageSql(const storage::Database& db);

} // namespace verbatim::relay
