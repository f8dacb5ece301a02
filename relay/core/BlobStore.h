#pragma once
/// @file BlobStore.h
/// Attachment blobs on the relay (issue 16 item 4): where their files live, which device uploaded
/// each, how much a device may keep and upload, the free disk held back for the journal, and the
/// removal of blobs that no send declared.
///
/// The relay cannot read messages, so a send declares the blobs it refers to in clear
/// (SendMessage.blob_ids). The relay accepts only blobs the sending device uploaded, marks them
/// referenced in the send's transaction and keeps them for good: compliance fetches attachments
/// from the relay when it pulls the journal. A blob that no send declared within the grace period
/// is removed by a periodic sweep. A device's quota counts every byte it uploaded that is still
/// stored, referenced or not: otherwise a device could keep any amount alive by declaring it in
/// a send. The hourly rate counts uploads in the last hour, removed ones included.
///
/// No Beast here: the network layer streams a body into the temporary file an Upload names and
/// calls commit(). Database work runs as StorageThread jobs; files are renamed and removed outside
/// the database's transactions, in an order that a crash cannot turn into a lost reference
/// (see open()). docs/protocol.md, "Attachments", is the contract.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "relay/core/StorageThread.h"
#include "wire.pb.h"

namespace verbatim::relay {

/// What one device may store and upload.
struct BlobLimits {
    std::uint64_t quotaBytes = 0;     ///< bytes of its uploads still stored (referenced or not)
    std::uint64_t bytesPerHour = 0;   ///< bytes uploaded in any sliding hour
    std::uint32_t uploadsPerHour = 0; ///< uploads in any sliding hour
};

/// The relay's blob rules. Clients (invited, outside the firm) get less than staff.
struct BlobPolicy {
    BlobLimits client{2ull << 30, 512ull << 20, 60};
    BlobLimits staff{20ull << 30, 4ull << 30, 600};
    /// Uploads are refused (507) while they would leave less free disk than the larger of these
    /// on the blob directory's or the database's file system. Sends never check it: the reserve
    /// is what keeps journal writes going when attachments fill the disk.
    std::uint64_t reserveBytes = 1ull << 30;
    std::uint32_t reservePercent = 5;
    /// An upload no send declared within this time is removed.
    std::chrono::milliseconds grace{std::chrono::hours(24)};
    /// How often the sweep looks for such uploads.
    std::chrono::milliseconds sweepInterval{std::chrono::minutes(10)};

    const BlobLimits& limitsFor(proto::Role role) const {
        return role == proto::ROLE_CLIENT ? client : staff;
    }
};

class BlobStore {
public:
    /// Most blob ids one send may declare.
    static constexpr int kMaxReferencesPerSend = 64;

    /// `storage` must outlive this object; jobs are posted to it.
    BlobStore(StorageThread& storage, BlobPolicy policy);
    ~BlobStore(); ///< stops the sweeper
    BlobStore(const BlobStore&) = delete;
    BlobStore& operator=(const BlobStore&) = delete;

    /// Takes `dir` (which must exist) as the blob directory, before the relay serves. Removes the
    /// partial uploads a crash left (.upload-*); at the first start after schema v7 adopts every
    /// blob file as referenced (nothing earlier declared references); afterwards removes blob
    /// files without a live row (an upload that crashed before it was recorded, or a sweep that
    /// crashed after its commit) and marks unreferenced rows without a file deleted. Then starts
    /// the sweeper. Blocks until done.
    [[nodiscard]] Result<void> open(const std::string& dir);
    bool isOpen() const;
    const BlobPolicy& policy() const { return m_policy; }

    /// One upload between admission and its row: holds the bytes it may write against its
    /// device's quota, rate and the disk reserve. Destroying it releases them and removes its file
    /// unless commit() recorded it. Thread-safe to destroy anywhere, even after the store is gone.
    class Upload {
    public:
        ~Upload();
        Upload(const Upload&) = delete;
        Upload& operator=(const Upload&) = delete;
        const std::string& id() const { return m_id; }         ///< 64 lowercase hex
        const std::string& tempPath() const { return m_temp; } ///< where the body goes
        std::uint64_t bytes() const { return m_bytes; }        ///< the declared Content-Length

    private:
        friend class BlobStore;
        struct State;
        Upload(std::shared_ptr<State> state, std::string user, std::uint32_t device,
               std::uint64_t bytes);
        void release();
        std::shared_ptr<State> m_state;
        std::string m_user;
        std::uint32_t m_device;
        std::uint64_t m_bytes;
        std::string m_id, m_temp, m_final;
        bool m_renamed = false, m_recorded = false, m_released = false;
    };

    /// The answer to an upload request: an Upload, or the HTTP status and text to refuse it with
    /// (507 quota exceeded or relay storage low, 429 rate exceeded with `retryAfterMs`).
    struct Admission {
        std::shared_ptr<Upload> upload;
        int status = 0;
        std::string message;
        std::uint64_t retryAfterMs = 0;
    };
    /// Checks an upload of `bytes` by `user`/`device` (its role picks the limits) against its
    /// quota and hourly rate, counting uploads in flight, and against the disk reserve. `done`
    /// runs once, on the storage thread.
    void admit(const std::string& user, std::uint32_t device, proto::Role role, std::uint64_t bytes,
               std::function<void(Admission)> done);
    /// Whether `moreBytes` may still be written without eating into the reserve (checked while a
    /// body streams: the disk may fill from elsewhere). Cheap: one statvfs per file system.
    bool spaceAllows(std::uint64_t moreBytes) const;
    /// Makes a fully written, fsynced body a blob: renames it to its id, syncs the directory, then
    /// records its row. `done` runs once, on the storage thread, after the row is durable; on
    /// failure the file is removed when `upload` is released.
    void commit(std::shared_ptr<Upload> upload, std::function<void(Result<void>)> done);

    /// Before a download of blob `id` (64 lowercase hex): `done(true)` once its file is in the
    /// blob directory, `done(false)` when there is no such stored blob. On the PostgreSQL store
    /// (issue 20) the blob's bytes live in the database (blob_chunks, 1 MiB rows written in the
    /// upload's transaction) and the directory is each relay's cache: a blob another relay
    /// received is written from its rows first, and a removed blob's cached file goes. On
    /// SQLCipher it only looks at the directory. `done` runs once, on the storage thread or here.
    void fetch(const std::string& id, std::function<void(bool)> done);

    /// Removes the blobs no send declared within the grace period (the sweeper calls it every
    /// sweepInterval). `done` gets how many were removed.
    void sweep(std::function<void(std::size_t)> done = {});
    /// Removes the files of blobs whose rows were marked deleted in a committed transaction (the
    /// journal pruning, issue 22). Call after COMMIT; does nothing before open().
    void removeFiles(const std::vector<Bytes>& ids);

    /// Inside a send's storage job, before its first write: each id (32 bytes) must name a stored
    /// blob that `user`/`device` uploaded. Fails 410 (removed or unknown) or 403 (another
    /// device's upload) as a typed Error (InvalidArgument, detail = status).
    [[nodiscard]] static Result<void>
    checkReferences(storage::Database& db, std::string_view user, std::uint32_t device,
                    const google::protobuf::RepeatedPtrField<std::string>& ids);
    /// Inside the same job, after the journal row: marks the blobs referenced by journal entry
    /// `journalSeq`. INSERT and UPDATE only (StorageThread::postWritesLast).
    [[nodiscard]] static Result<void>
    recordReferences(storage::Database& db,
                     const google::protobuf::RepeatedPtrField<std::string>& ids,
                     std::uint64_t journalSeq, std::uint64_t nowMs);

    /// For /metrics.
    std::uint64_t uploadsInFlight() const;
    std::uint64_t refused() const { return m_refused; }
    std::uint64_t swept() const { return m_swept; }

private:
    void sweeperLoop();

    StorageThread& m_storage;
    BlobPolicy m_policy;
    std::shared_ptr<Upload::State> m_state;
    std::atomic<std::uint64_t> m_refused{0}, m_swept{0};

    std::mutex m_sweepMutex;
    std::condition_variable m_sweepCv;
    bool m_stopping = false, m_sweepAgain = false;
    std::thread m_sweeper;
};

} // namespace verbatim::relay
