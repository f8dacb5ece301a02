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
                     RelayConnection::uploadBlob(m->currentEndpoint(), m->creds, blob, progress));
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
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY_LET(
            st, m->db->prepare("SELECT attachments, retracted_ms FROM messages WHERE id = ?"));
        st->bind(1, view(*raw));
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) return fail(ErrorCode::NotFound, "no such message");
        if (st->columnInt(1)) return fail(ErrorCode::NotFound, "the message was deleted");
        Bytes b = st->columnBlob(0);
        list.ParseFromArray(b.data(), int(b.size()));
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
        VERBATIM_TRY_LET(got, RelayConnection::downloadBlob(m->currentEndpoint(), m->creds, idHex,
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
    std::ofstream out(outPath, std::ios::binary | std::ios::trunc);
    if (!out) return fail(ErrorCode::Storage, "cannot write " + outPath);
    out.write(reinterpret_cast<const char*>(plain->data()), std::streamsize(plain->size()));
    if (!out) return fail(ErrorCode::Storage, "cannot write " + outPath);
    return {};
}

} // namespace verbatim::client
