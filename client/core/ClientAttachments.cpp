// Client, attachments: a file encrypted and uploaded, then sent as a record naming its blob;
// and a received one fetched, checked against the record and saved (see ClientImpl.h).
#include "client/core/ClientImpl.h"
#include "common/Try.h"

namespace verbatim::client {

Result<std::string> Client::sendAttachment(const std::string& conversation, const std::string& path,
                                           const std::string& caption, const Progress& progress) {
    {
        std::lock_guard lock(m->mutex);
        if (m->acct.noticeRequired && !m->acct.noticeAccepted)
            return fail(ErrorCode::InvalidArgument,
                        "accept the recording notice before sending (this matter is journaled)");
    }
    if (!isUtf8(caption))
        return fail(ErrorCode::InvalidArgument, "the caption is not valid UTF-8; nothing was sent");
    auto conv = resolveConversation(conversation);
    if (!conv) return conv;
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) return fail(ErrorCode::NotFound, "cannot read " + path);
    if (size > kMaxAttachment)
        return fail(ErrorCode::InvalidArgument, "attachment too large (100 MiB at most)");
    std::ifstream f(path, std::ios::binary);
    if (!f) return fail(ErrorCode::NotFound, "cannot read " + path);
    SecureBytes plain(size);
    f.read(reinterpret_cast<char*>(plain.data()), std::streamsize(size));
    if (!f) return fail(ErrorCode::Storage, "cannot read " + path);
    VERBATIM_TRY_LET(sealed, journal::sealAttachment(plain));
    const auto plainDigest = crypto::sha256(plain); // committed with the key (issue 15 break 4)
    const SecureBytes& key = sealed->key;
    const auto& digest = sealed->digest;
    std::string blob = str(sealed->blob);
    VERBATIM_TRY_LET(id,
                     RelayConnection::uploadBlob(m->relayEndpoints(), m->creds, blob, progress));
    // Keep our own copy (still encrypted) so that this device can open it without a download.
    {
        std::ofstream out(m->paths.blobs() + "/" + *id, std::ios::binary);
        out.write(blob.data(), std::streamsize(blob.size()));
    }
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto rec = m->newRecord(*conv, proto::ATTACHMENT);
    rec.set_body(caption);
    auto* a = rec.add_attachments();
    a->set_blob_id(str(*fromHex(*id)));
    a->set_key(str(key));
    a->set_digest(str(ByteView(digest.data(), digest.size())));
    a->set_plaintext_digest(str(ByteView(plainDigest.data(), plainDigest.size())));
    a->set_size(size);
    // File systems allow any bytes in a name; the record is UTF-8 (C-UTF8-1): shown with U+FFFD.
    a->set_file_name(toValidUtf8(fs::path(path).filename().string()));
    a->set_mime_type(detectMediaType(plain)); // from the content, not the name
    auto out = m->enqueue(std::move(rec), MessageKind::Attachment, true);
    if (out) m->scheduleFlush();
    return out;
}

Result<void> Client::saveAttachment(const std::string& messageId, std::size_t index,
                                    const std::string& outPath) {
    VERBATIM_TRY_LET(raw, rawId(messageId));
    proto::AttachmentList list;
    std::string conversation;
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        // The firm's device policy (issue 22) before anything is fetched or decrypted.
        if (const auto policy = m->policyView(); !policy.maySave)
            return fail(ErrorCode::Forbidden, policy.staff
                                                  ? "Your firm does not allow saving attachments"
                                                  : "Your firm does not allow saving attachments "
                                                    "for clients");
        VERBATIM_TRY_LET(st, m->db->prepare("SELECT attachments, retracted_ms, conversation FROM "
                                            "messages WHERE id = ?"));
        st->bind(1, view(*raw));
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) return fail(ErrorCode::NotFound, "no such message");
        if (st->columnInt(1)) return fail(ErrorCode::NotFound, "the message was deleted");
        Bytes b = st->columnBlob(0);
        list.ParseFromArray(b.data(), int(b.size()));
        conversation = st->columnText(2);
    }
    if (index >= std::size_t(list.items_size()))
        return fail(ErrorCode::NotFound, "no such attachment");
    const auto& a = list.items(int(index));
    const std::string idHex = toHex(view(a.blob_id()));
    const std::string local = m->paths.blobs() + "/" + idHex;
    std::string blob;
    if (std::ifstream in(local, std::ios::binary); in) {
        blob.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
        VERBATIM_TRY_LET(got, RelayConnection::downloadBlob(m->relayEndpoints(), m->creds, idHex,
                                                            a.size() + 64));
        blob = std::move(*got);
    }
    auto plain = journal::openCommittedAttachment(view(a.key()), view(a.digest()), view(blob),
                                                  view(a.plaintext_digest()), a.size());
    if (!plain) {
        // Another file than the one committed to: withheld, and reported like a text mismatch.
        if (plain.error().code == ErrorCode::Crypto)
            m->withholdAttachment(*raw, index, blob, plain.error().message);
        return tl::unexpected(plain.error());
    }
    if (!fs::exists(local)) {
        std::ofstream out(local, std::ios::binary);
        out.write(blob.data(), std::streamsize(blob.size()));
    }
    // No unrecorded save (issue 22): the file is written beside its target first, then the
    // ATTACHMENT_SAVED record is queued in the outbox (durable: it reaches the journal when the
    // relay is reachable), and only then does the file take its name. A save whose record cannot
    // be queued is refused and leaves no file.
    const std::string part = outPath + ".verbatim-part";
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        if (!out) return fail(ErrorCode::Storage, "cannot write " + outPath);
        out.write(reinterpret_cast<const char*>(plain->data()), std::streamsize(plain->size()));
        out.close();
        if (!out) {
            std::error_code ec;
            fs::remove(part, ec);
            return fail(ErrorCode::Storage, "cannot write " + outPath);
        }
    }
    auto dropPart = [&part] {
        std::error_code ec;
        fs::remove(part, ec);
    };
    {
        std::lock_guard lock(m->mutex);
        auto queued = m->queueSaveRecord(conversation, *raw, index, a.file_name());
        if (!queued) {
            dropPart();
            return fail(queued.error().code, "the file was not saved: " + queued.error().message);
        }
    }
    m->scheduleFlush();
    std::error_code ec;
    fs::rename(part, outPath, ec);
    if (ec) {
        dropPart();
        return fail(ErrorCode::Storage, "cannot write " + outPath);
    }
    return {};
}

Result<std::string> Client::Impl::queueSaveRecord(const std::string& conversation,
                                                  const std::string& rawMessageId,
                                                  std::size_t index, const std::string& fileName) {
    if (!db) return fail(ErrorCode::NotFound, kErasedText);
    if (acct.noticeRequired && !acct.noticeAccepted)
        return fail(ErrorCode::InvalidArgument,
                    "accept the recording notice first (a save is journaled)");
    {
        // The relay takes nothing more into a closed matter or from a removed member: the save
        // could never be journaled there.
        VERBATIM_TRY_LET(st, db->prepare("SELECT closed_ms FROM conversations WHERE id = ?"));
        st->bind(1, std::string_view(conversation));
        VERBATIM_TRY_LET(row, st->step());
        if (*row && st->columnInt(0))
            return fail(ErrorCode::InvalidArgument,
                        "this matter is closed, so the save could not be journaled");
        auto members = messages->members(conversation);
        if (!members.empty() &&
            std::find(members.begin(), members.end(), acct.user) == members.end())
            return fail(ErrorCode::InvalidArgument, "you were removed from this conversation, so "
                                                    "the save could not be journaled");
    }
    auto rec = newRecord(conversation, proto::ATTACHMENT_SAVED);
    rec.set_ref_message_id(rawMessageId);
    // Names only, never content: which message, which of its files, on which device.
    rec.set_body("{\"message\":\"" + hexOf(rawMessageId) + "\",\"attachment\":" +
                 std::to_string(index) + ",\"file_name\":" + jsonQuote(fileName) +
                 ",\"device\":" + jsonQuote(acct.user + "/" + std::to_string(acct.device)) + "}");
    return enqueue(std::move(rec), MessageKind::System, false);
}

} // namespace verbatim::client
