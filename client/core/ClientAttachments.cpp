// Client, attachments: files encrypted and uploaded, then sent as one record naming their blobs
// (and images' thumbnails); and a received one fetched, checked against the record, then saved,
// opened from a private folder or handed to the app's viewer (see ClientImpl.h).
#include "client/core/ClientImpl.h"
#include "client/media/VoiceNote.h"
#include "common/Try.h"

namespace verbatim::client {

Result<std::string> Client::sendAttachment(const std::string& conversation, const std::string& path,
                                           const std::string& caption, const Progress& progress) {
    FilesProgress each;
    if (progress)
        each = [&progress](std::size_t, std::uint64_t done, std::uint64_t total) {
            progress(done, total);
        };
    return sendAttachments(conversation, {OutgoingFile{path, {}, 0, 0}}, caption, each);
}

Result<std::string> Client::sendAttachments(const std::string& conversation,
                                            const std::vector<OutgoingFile>& files,
                                            const std::string& caption,
                                            const FilesProgress& progress) {
    {
        std::lock_guard lock(m->mutex);
        if (m->acct.noticeRequired && !m->acct.noticeAccepted)
            return fail(ErrorCode::InvalidArgument,
                        "accept the recording notice before sending (this matter is journaled)");
    }
    if (!isUtf8(caption))
        return fail(ErrorCode::InvalidArgument, "the caption is not valid UTF-8; nothing was sent");
    if (files.empty()) return fail(ErrorCode::InvalidArgument, "choose a file to send");
    if (files.size() > kMaxFilesPerSend)
        return fail(ErrorCode::InvalidArgument,
                    "at most " + std::to_string(kMaxFilesPerSend) +
                        " files can go in one message; nothing was sent");
    // Thumbnails ride inside the message, which goes once to every recipient device in one
    // frame: their size is capped here, before any upload (docs/protocol.md, Thumbnails).
    std::size_t thumbnailBytes = 0;
    for (const auto& f : files) {
        if (f.thumbnail.size() > kMaxThumbnailBytes)
            return fail(ErrorCode::InvalidArgument,
                        "a thumbnail is larger than 16 KiB; nothing was sent");
        thumbnailBytes += f.thumbnail.size();
    }
    if (thumbnailBytes > kMaxThumbnailBytesPerSend)
        return fail(ErrorCode::InvalidArgument,
                    "the thumbnails together are larger than 64 KiB; nothing was sent");
    auto conv = resolveConversation(conversation);
    if (!conv) return conv;
    // Every file is checked before any is read or uploaded: one that cannot go stops the send
    // as a whole rather than leave a message with some of its files.
    std::vector<std::uint64_t> sizes;
    for (const auto& f : files) {
        const std::string name = toValidUtf8(fs::path(f.path).filename().string());
        std::error_code ec;
        const auto size = fs::file_size(f.path, ec);
        if (ec) return fail(ErrorCode::NotFound, "cannot read " + f.path);
        if (size > kMaxAttachment)
            return fail(ErrorCode::InvalidArgument,
                        name + " is too large (100 MiB at most); nothing was sent");
        sizes.push_back(size);
    }
    std::vector<proto::AttachmentRef> refs;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& f = files[i];
        std::ifstream in(f.path, std::ios::binary);
        if (!in) return fail(ErrorCode::NotFound, "cannot read " + f.path);
        SecureBytes plain(sizes[i]);
        in.read(reinterpret_cast<char*>(plain.data()), std::streamsize(sizes[i]));
        if (!in) return fail(ErrorCode::Storage, "cannot read " + f.path);
        VERBATIM_TRY_LET(sealed, journal::sealAttachment(plain));
        const auto plainDigest = crypto::sha256(plain); // committed with the key (issue 15 break 4)
        const SecureBytes& key = sealed->key;
        const auto& digest = sealed->digest;
        std::string blob = str(sealed->blob);
        RelayConnection::UploadProgress upload;
        if (progress)
            upload = [&progress, i](std::uint64_t done, std::uint64_t total) {
                progress(i, done, total);
            };
        VERBATIM_TRY_LET(id,
                         RelayConnection::uploadBlob(m->relayEndpoints(), m->creds, blob, upload));
        // Keep our own copy (still encrypted) so that this device can open it without a download.
        {
            std::ofstream out(m->paths.blobs() + "/" + *id, std::ios::binary);
            out.write(blob.data(), std::streamsize(blob.size()));
        }
        proto::AttachmentRef a;
        a.set_blob_id(str(*fromHex(*id)));
        a.set_key(str(key));
        a.set_digest(str(ByteView(digest.data(), digest.size())));
        a.set_plaintext_digest(str(ByteView(plainDigest.data(), plainDigest.size())));
        a.set_size(sizes[i]);
        // File systems allow any bytes in a name; the record is UTF-8 (C-UTF8-1): shown with
        // U+FFFD.
        a.set_file_name(toValidUtf8(fs::path(f.path).filename().string()));
        a.set_mime_type(detectMediaType(plain)); // from the content, not the name
        // A voice note (issue 23): its length and waveform from the file itself, never from
        // the caller. An Ogg file that is not a valid Opus one goes as a plain file.
        if (a.mime_type() == media::kVoiceMimeType)
            if (auto voice = media::summarizeVoiceNote(plain)) {
                a.set_duration_ms(voice->durationMs);
                a.set_waveform(std::string(voice->waveform.begin(), voice->waveform.end()));
            }
        if (!f.thumbnail.empty()) {
            a.set_thumbnail(f.thumbnail);
            a.set_width(f.width);
            a.set_height(f.height);
        }
        refs.push_back(std::move(a));
    }
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    auto rec = m->newRecord(*conv, proto::ATTACHMENT);
    rec.set_body(caption);
    for (auto& a : refs)
        *rec.add_attachments() = std::move(a);
    auto out = m->enqueue(std::move(rec), MessageKind::Attachment, true);
    if (out) m->scheduleFlush();
    return out;
}

Result<Client::Impl::FetchedAttachment> Client::Impl::fetchAttachment(const std::string& messageId,
                                                                      std::size_t index) {
    VERBATIM_TRY_LET(raw, rawId(messageId));
    FetchedAttachment f;
    f.rawMessageId = *raw;
    proto::AttachmentList list;
    {
        std::lock_guard lock(mutex);
        if (!db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY_LET(st, db->prepare("SELECT attachments, retracted_ms, conversation FROM "
                                         "messages WHERE id = ?"));
        st->bind(1, view(*raw));
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) return fail(ErrorCode::NotFound, "no such message");
        if (st->columnInt(1)) return fail(ErrorCode::NotFound, "the message was deleted");
        Bytes b = st->columnBlob(0);
        list.ParseFromArray(b.data(), int(b.size()));
        f.conversation = st->columnText(2);
    }
    if (index >= std::size_t(list.items_size()))
        return fail(ErrorCode::NotFound, "no such attachment");
    f.ref = list.items(int(index));
    const auto& a = f.ref;
    // The size is the sender's claim and bounds the download: a reference over the largest
    // attachment anyone can send is refused before anything is fetched.
    if (a.size() > kMaxAttachment)
        return fail(ErrorCode::InvalidArgument,
                    "this attachment claims " + std::to_string(a.size()) +
                        " bytes, over the 100 MiB an attachment may have: not downloaded");
    const std::string idHex = toHex(view(a.blob_id()));
    const std::string local = paths.blobs() + "/" + idHex;
    std::string blob;
    if (std::ifstream in(local, std::ios::binary); in) {
        blob.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
        VERBATIM_TRY_LET(got, RelayConnection::downloadBlob(
                                  relayEndpoints(), creds, idHex,
                                  std::min<std::uint64_t>(a.size(), kMaxAttachment) + 64));
        blob = std::move(*got);
    }
    auto plain = journal::openCommittedAttachment(view(a.key()), view(a.digest()), view(blob),
                                                  view(a.plaintext_digest()), a.size());
    if (!plain) {
        // Another file than the one committed to: withheld, and reported like a text mismatch.
        if (plain.error().code == ErrorCode::Crypto)
            withholdAttachment(*raw, index, blob, plain.error().message);
        return tl::unexpected(plain.error());
    }
    if (!fs::exists(local)) {
        std::ofstream out(local, std::ios::binary);
        out.write(blob.data(), std::streamsize(blob.size()));
    }
    f.plain = std::move(*plain);
    return f;
}

namespace {

/// The firm's device policy (issue 22) before anything is fetched or decrypted: a save and an
/// Open are refused alike.
Result<void> mayTakeOut(const DevicePolicyView& policy) {
    if (policy.maySave) return {};
    return fail(ErrorCode::Forbidden, policy.staff ? "Your firm does not allow saving attachments"
                                                   : "Your firm does not allow saving attachments "
                                                     "for clients");
}

} // namespace

Result<void> Client::saveAttachment(const std::string& messageId, std::size_t index,
                                    const std::string& outPath) {
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY(mayTakeOut(m->policyView()));
    }
    VERBATIM_TRY_LET(f, m->fetchAttachment(messageId, index));
    return m->writeJournaled(*f, index, outPath, false);
}

Result<std::string> Client::openAttachment(const std::string& messageId, std::size_t index,
                                           const std::string& dir) {
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY(mayTakeOut(m->policyView()));
    }
    VERBATIM_TRY_LET(f, m->fetchAttachment(messageId, index));
    // Private to this user: the folder 0700, the file 0600 (written through a 0600 part file).
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::Storage, "cannot create the folder for opened files");
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return fail(ErrorCode::Storage, "cannot protect the folder for opened files");
    // A random name, so that nothing of the sender's names a path here; the extension is kept
    // (only letters and digits, at most 8) so that the system picks the right viewer.
    std::string ext = fs::path(f->ref.file_name()).extension().string();
    const bool plainExt =
        ext.size() >= 2 && ext.size() <= 9 && std::all_of(ext.begin() + 1, ext.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        });
    if (!plainExt) ext.clear();
    const Bytes nonce = crypto::randomBytes(12);
    const std::string path =
        (fs::path(dir) / (toHex(ByteView(nonce.data(), nonce.size())) + ext)).string();
    VERBATIM_TRY(m->writeJournaled(*f, index, path, true));
    return path;
}

Result<SecureBytes> Client::attachmentContent(const std::string& messageId, std::size_t index) {
    VERBATIM_TRY_LET(f, m->fetchAttachment(messageId, index));
    return std::move(f->plain);
}

Result<void> Client::Impl::writeJournaled(const FetchedAttachment& f, std::size_t index,
                                          const std::string& outPath, bool open) {
    // No unrecorded save (issue 22): the file is written beside its target first, then the
    // ATTACHMENT_SAVED record is queued in the outbox (durable: it reaches the journal when the
    // relay is reachable), and only then does the file take its name. A save whose record cannot
    // be queued is refused and leaves no file.
    const std::string part = outPath + ".verbatim-part";
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        if (!out) return fail(ErrorCode::Storage, "cannot write " + outPath);
        std::error_code ec;
        // Opened files stay this user's own (the folder is 0700 as well).
        if (open)
            fs::permissions(part, fs::perms::owner_read | fs::perms::owner_write,
                            fs::perm_options::replace, ec);
        out.write(reinterpret_cast<const char*>(f.plain.data()), std::streamsize(f.plain.size()));
        out.close();
        if (!out || ec) {
            fs::remove(part, ec);
            return fail(ErrorCode::Storage, "cannot write " + outPath);
        }
    }
    auto dropPart = [&part] {
        std::error_code ec;
        fs::remove(part, ec);
    };
    {
        std::lock_guard lock(mutex);
        auto queued =
            queueSaveRecord(f.conversation, f.rawMessageId, index, f.ref.file_name(), open);
        if (!queued) {
            dropPart();
            return fail(queued.error().code, std::string(open ? "the file was not opened: "
                                                              : "the file was not saved: ") +
                                                 queued.error().message);
        }
    }
    scheduleFlush();
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
                                                  std::size_t index, const std::string& fileName,
                                                  bool open) {
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
                 ",\"device\":" + jsonQuote(acct.user + "/" + std::to_string(acct.device)) +
                 (open ? ",\"action\":\"open\"}" : "}"));
    return enqueue(std::move(rec), MessageKind::System, false);
}

} // namespace verbatim::client
