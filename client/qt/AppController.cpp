#include "client/qt/AppController.h"
#include "client/qt/TextRuns.h"

#include <QClipboard>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLibraryInfo>
#include <QMetaObject>
#include <QPointer>
#include <QStandardPaths>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "client/core/Profile.h"
#include "common/Passphrase.h"
#include "journal/RecordingNotice.h"

namespace verbatim::qt {

namespace {
QString q(const std::string& s) {
    return QString::fromStdString(s);
}
} // namespace

AppController::AppController(QString profileDir, QObject* parent)
    : QObject(parent), m_profileDir(std::move(profileDir)) {
    m_screen = client::Client::profileExists(m_profileDir.toStdString())
                   ? QStringLiteral("unlock")
                   : QStringLiteral("onboarding");
    updateUnlockWarning();
    // Where the platform has no native file dialog, QtQuick.Dialogs falls back to its own, which
    // is built on Qt.labs.folderlistmodel; without that module it fails to load and crashes
    // when opened (Qt 6.4).
    for (const QString& dir :
         QStringList{QLibraryInfo::path(QLibraryInfo::QmlImportsPath)} +
             qEnvironmentVariable("QML_IMPORT_PATH").split(QLatin1Char(':'), Qt::SkipEmptyParts))
        if (QFileInfo::exists(dir + QStringLiteral("/Qt/labs/folderlistmodel/qmldir")))
            m_filePickerAvailable = true;
    m_deviceLinkTimer.setSingleShot(true);
    connect(&m_deviceLinkTimer, &QTimer::timeout, this, [this] {
        clearDeviceLink();
        m_deviceLinkExpired = true;
        emit deviceLinkChanged();
    });
}

AppController::~AppController() {
    *m_alive = false;
    closeClient();
    if (m_upload.joinable()) m_upload.join();
    m_jobs.stop();
}

void AppController::closeClient() {
    ++m_generation;
    if (m_client) {
        m_client->setEventHandler({});
        // Closing the connection first makes relay calls in flight (ours and the borrowers')
        // return at once instead of waiting for their timeout.
        m_client->stop();
        emit clientClosing();
    }
    m_jobs.drain();
    if (m_upload.joinable()) m_upload.join();
    m_messages.open(nullptr, {}); // it pages through the core
    m_client.reset();
    clearDeviceLink();
    if (!m_savingAttachment.isEmpty()) { // its answer was dropped with the old generation
        m_savingAttachment.clear();
        emit savingAttachmentChanged();
    }
}

void AppController::background(std::function<void(client::Client&)> job) {
    client::Client* core = m_client.get();
    if (!core) return;
    // `core` outlives the job: closeClient() drains the queue before letting it go.
    m_jobs.push([core, job = std::move(job)] { job(*core); });
}

void AppController::toGui(std::uint64_t generation, std::function<void()> f) {
    QMetaObject::invokeMethod(
        this,
        [this, generation, f = std::move(f)] {
            if (generation == m_generation) f();
        },
        Qt::QueuedConnection);
}

QString AppController::userId() const {
    return q(m_account.user);
}
// Names and titles a person chose are shown through TextRuns::safeName(); the raw ones stay
// in the core (an invite names its matter exactly).
QString AppController::displayName() const {
    return TextRuns::safeName(q(m_account.displayName));
}
QString AppController::role() const {
    return q(m_account.role);
}
QString AppController::firmName() const {
    return TextRuns::safeName(q(m_account.firmName));
}
QString AppController::noticeText() const {
    const auto text = *journal::recordingNoticeText();
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}
int AppController::noticeVersion() const {
    return int(journal::kRecordingNoticeVersion);
}
bool AppController::canInvite() const {
    return m_account.role == "lawyer" || m_account.role == "supervisor";
}
bool AppController::canLinkDevice() const {
    return !m_account.role.empty() && m_account.role != "client";
}

QString AppController::currentTitle() const {
    auto* c = m_conversations.find(currentConversation());
    return c ? TextRuns::safeName(q(c->title)) : QString();
}

bool AppController::currentIsMatter() const {
    auto* c = m_conversations.find(currentConversation());
    return c && c->isMatter;
}

void AppController::setScreen(const QString& s) {
    if (s == m_screen) return;
    m_screen = s;
    emit screenChanged();
}

bool AppController::check(bool ok, const QString& message) {
    if (ok) return true;
    m_error = message;
    emit errorChanged();
    return false;
}

void AppController::clearError() {
    m_error.clear();
    emit errorChanged();
}

bool AppController::unlock(const QString& passphrase) {
    const client::ProfilePaths paths{m_profileDir.toStdString()};
    const bool existed = client::Client::profileExists(paths.dir);
    // The policy as it stood before this attempt: what erased the profile, if it did.
    const client::UnlockCounter counter = client::readUnlockCounter(paths);
    const std::uint32_t maxOfflineDays = client::readGuard(paths).maxOfflineDays;
    auto c = client::Client::open(paths.dir, passphrase.toStdString());
    if (c) {
        adopt(std::move(*c));
        return true;
    }
    if (existed && !client::Client::profileExists(paths.dir)) {
        showErased(false, {},
                   c.error().code == ErrorCode::WrongKey
                       ? tr("The passphrase was entered wrongly %n times in a row, so this device "
                            "erased its messages "
                            "and keys, as your firm's policy requires.",
                            "", int(counter.limit))
                       : tr("This device did not reach your firm for more than %n day(s), so it "
                            "erased its messages "
                            "and keys, as your firm's policy requires.",
                            "", int(maxOfflineDays)));
        return false;
    }
    updateUnlockWarning();
    return check(false, c.error().code == ErrorCode::WrongKey ? tr("Wrong passphrase.")
                                                              : q(c.error().message));
}

void AppController::updateUnlockWarning() {
    // The count from the key file and the guard together (a reset of either is counted).
    const client::UnlockCounter counter =
        client::readUnlockCounter(client::ProfilePaths{m_profileDir.toStdString()});
    QString warning;
    if (counter.limit && counter.failures && counter.failures < counter.limit)
        warning = tr("%n more and this device erases itself, as your firm's policy requires.", "",
                     int(counter.limit - counter.failures));
    if (warning == m_unlockWarning) return;
    m_unlockWarning = warning;
    emit unlockWarningChanged();
}

void AppController::showErased(bool byFirm, const QString& firm, const QString& reason) {
    m_erasedByFirm = byFirm;
    m_erasedFirm = firm.isEmpty() ? tr("your firm") : TextRuns::safeName(firm);
    m_erasedReason = reason;
    emit erasedChanged();
    clearError(); // what went before (a wrong passphrase) is moot now
    if (!m_unlockWarning.isEmpty()) {
        m_unlockWarning.clear();
        emit unlockWarningChanged();
    }
    setScreen(QStringLiteral("wiped"));
}

void AppController::setUpAgain() {
    if (m_client) return;
    m_account = {};
    emit accountChanged();
    m_erasedByFirm = false;
    m_erasedFirm.clear();
    m_erasedReason.clear();
    emit erasedChanged();
    clearError();
    setScreen(client::Client::profileExists(m_profileDir.toStdString())
                  ? QStringLiteral("unlock")
                  : QStringLiteral("onboarding"));
}

bool AppController::join(const QString& link, const QString& name, const QString& passphrase) {
    // The one rule of the app and the tools (common/Passphrase.h), in its own words.
    if (auto ok = checkNewPassphrase(passphrase.toStdString()); !ok)
        return check(false, q(ok.error().message));
    client::JoinOptions o;
    o.displayName = name.toStdString();
    o.platform = "desktop";
    auto c = client::Client::join(m_profileDir.toStdString(), passphrase.toStdString(),
                                  link.trimmed().toStdString(), o);
    if (!c) return check(false, q(c.error().message));
    adopt(std::move(*c));
    return true;
}

bool AppController::joinInBackground(const QString& link, const QString& name,
                                     const QString& passphrase) {
    if (m_client || m_joining) return false;
    if (auto ok = checkNewPassphrase(passphrase.toStdString()); !ok)
        return check(false, q(ok.error().message));
    m_joining = true;
    client::JoinOptions o;
    o.displayName = name.toStdString();
    o.platform = "desktop";
    const std::uint64_t generation = m_generation;
    // No core yet, so not background(): the queue itself. The destructor drains it.
    m_jobs.push([this, generation, o, dir = m_profileDir.toStdString(),
                 pass = passphrase.toStdString(), text = link.trimmed().toStdString()] {
        auto joined = std::make_shared<Result<std::unique_ptr<client::Client>>>(
            client::Client::join(dir, pass, text, o));
        toGui(generation, [this, joined] {
            m_joining = false;
            const bool ok = check(joined->has_value(),
                                  joined->has_value() ? QString() : q(joined->error().message));
            if (ok) adopt(std::move(**joined));
            emit joinFinished(ok);
        });
    });
    return true;
}

void AppController::adopt(std::unique_ptr<client::Client> c) {
    m_client = std::move(c);
    m_account = m_client->account();
    // The core calls back on its worker thread; hop to ours, and only while we exist.
    std::weak_ptr<bool> alive = m_alive;
    QPointer<AppController> self(this);
    m_client->setEventHandler([alive, self](const client::Event& e) {
        if (alive.expired()) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, e] {
                if (self) self->onEvent(e);
            },
            Qt::QueuedConnection);
    });
    m_client->start();
    emit accountChanged();
    clearError();
    if (!m_unlockWarning.isEmpty()) {
        m_unlockWarning.clear();
        emit unlockWarningChanged();
    }
    refreshConversations();
    setScreen(m_account.noticeRequired && !m_account.noticeAccepted ? QStringLiteral("notice")
                                                                    : QStringLiteral("ready"));
}

bool AppController::acceptNotice() {
    if (!m_client) return false;
    if (!check(m_client->acceptNotice())) return false;
    m_account = m_client->account();
    emit accountChanged();
    setScreen(QStringLiteral("ready"));
    m_messages.refresh();
    return true;
}

void AppController::refreshConversations() {
    if (!m_client) return;
    auto list = m_client->conversations();
    if (list) m_conversations.reset(std::move(*list));
    m_participants.reset(m_conversations.find(currentConversation()));
    emit currentChanged();
}

void AppController::onEvent(const client::Event& e) {
    using K = client::Event::Kind;
    switch (e.kind) {
    case K::Connected:
    case K::Disconnected:
        m_connected = e.kind == K::Connected;
        emit connectedChanged();
        return;
    case K::Wiped: {
        // The core has erased the profile already; what is left is to let it go and say so.
        const QString firm = q(m_account.firmName);
        closeClient();
        m_conversations.reset({});
        m_search.reset({});
        m_participants.reset(nullptr);
        m_devices.reset({});
        emit currentChanged();
        showErased(true, firm,
                   tr("The firm's administrator erased this device's messages and keys. The firm's "
                      "journal keeps "
                      "its record of the conversations."));
        return;
    }
    case K::Revoked:
        check(false, tr("This device was revoked by the firm."));
        return;
    case K::ConnectedElsewhere:
        // The core stays offline rather than take turns with the other copy.
        m_connected = false;
        emit connectedChanged();
        check(false,
              tr("This device is connected elsewhere: another copy of this profile is online. "
                 "Close it, then restart Verbatim here."));
        return;
    case K::SafetyNumberChanged:
        m_safetyChangedUser = q(e.sender);
        emit bannersChanged();
        break;
    case K::JournalMismatch:
        if (q(e.conversation) == currentConversation()) {
            m_journalMismatch = true;
            emit bannersChanged();
        }
        break;
    case K::DeviceAdded:
    case K::DeviceApprovalRequested:
    case K::AwaitingApproval: {
        // The core's sentence names the new device's platform, which that device chose.
        m_deviceNotice = TextRuns::safeName(q(e.detail), 400);
        m_deviceNoticeDevice = 0;
        if (e.kind == K::DeviceApprovalRequested) {
            const auto slash = e.sender.rfind('/');
            if (slash != std::string::npos)
                m_deviceNoticeDevice = std::atoi(e.sender.c_str() + slash + 1);
        }
        emit bannersChanged();
        refreshDevices();
        return;
    }
    case K::JournalKeyRefused:
        check(false, tr("The server offers a journal key your firm did not sign. Messages stay on "
                        "this device."));
        break;
    default:
        break;
    }
    refreshConversations();
    if (!e.conversation.empty() && q(e.conversation) == currentConversation()) {
        m_messages.refresh();
        if (!e.refId.empty()) m_messages.refreshOne(q(e.refId));
    }
    if (e.kind == K::Message) emit messageArrived(q(e.conversation), q(e.messageId));
}

void AppController::openConversation(const QString& id) {
    if (!m_client) return;
    m_journalMismatch = false;
    m_messages.open(m_client.get(), id);
    m_participants.reset(m_conversations.find(id));
    (void)m_client->markRead(id.toStdString());
    emit currentChanged();
    emit bannersChanged();
    refreshConversations();
}

void AppController::closeConversation() {
    m_messages.open(nullptr, {});
    m_participants.reset(nullptr);
    emit currentChanged();
}

bool AppController::send(const QString& text) {
    if (!m_client || currentConversation().isEmpty() || text.trimmed().isEmpty()) return false;
    if (!check(m_client->sendText(currentConversation().toStdString(), text.toStdString())))
        return false;
    m_messages.refresh();
    refreshConversations();
    return true;
}

bool AppController::reply(const QString& messageId, const QString& text) {
    const QString quote = replyQuote(messageId);
    if (quote.isEmpty()) return send(text);
    if (text.trimmed().isEmpty()) return false;
    return send(QStringLiteral("> ") + quote + QLatin1Char('\n') + text);
}

QString AppController::replyQuote(const QString& messageId) {
    if (!m_client || messageId.isEmpty()) return {};
    auto m = m_client->message(messageId.toStdString());
    if (!m || !*m || (*m)->retracted) return {};
    QString body = q((*m)->body).trimmed();
    if (body.isEmpty() && !(*m)->attachments.empty()) body = q((*m)->attachments.front().fileName);
    QString line = body.section(QLatin1Char('\n'), 0, 0).trimmed();
    // A quote of a quote would grow with every reply: quote what was said, not what it quoted.
    if (line.startsWith(QLatin1String("> ")) && body.contains(QLatin1Char('\n')))
        line = body.section(QLatin1Char('\n'), 1, 1).trimmed();
    constexpr int kMaxQuote = 80;
    if (line.size() > kMaxQuote) line = line.left(kMaxQuote - 1).trimmed() + QChar(0x2026);
    return line;
}

QVariantMap AppController::lastEditableMessage() const {
    const client::MessageView* m = m_messages.lastEditable();
    if (!m) return {};
    return {{QStringLiteral("messageId"), q(m->id)}, {QStringLiteral("body"), q(m->body)}};
}

bool AppController::edit(const QString& messageId, const QString& text) {
    if (!m_client || !check(m_client->edit(messageId.toStdString(), text.toStdString())))
        return false;
    m_messages.refreshOne(messageId);
    return true;
}

bool AppController::retract(const QString& messageId) {
    if (!m_client || !check(m_client->retract(messageId.toStdString()))) return false;
    m_messages.refreshOne(messageId);
    return true;
}

bool AppController::react(const QString& messageId, const QString& emoji) {
    if (!m_client || !check(m_client->react(messageId.toStdString(), emoji.toStdString())))
        return false;
    m_messages.refreshOne(messageId);
    return true;
}

// Encrypting and uploading a large file takes a while: it runs on a thread of its own, the UI
// shows the file and its progress meanwhile and stays responsive.
bool AppController::attach(const QUrl& file) {
    if (!m_client || currentConversation().isEmpty() || !m_uploading.isEmpty()) return false;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    if (QFileInfo(path).fileName().isEmpty()) return check(false, tr("Choose a file to attach."));
    m_uploading = TextRuns::safeName(QFileInfo(path).fileName(), TextRuns::kMaxNameLength, true);
    if (m_uploading.isEmpty()) m_uploading = tr("a file"); // empty means no upload
    emit uploadingChanged();
    m_uploadProgress = 0;
    emit uploadProgressChanged();
    client::Client* core = m_client.get();
    const std::string conversation = currentConversation().toStdString();
    const std::uint64_t generation = m_generation;
    QPointer<AppController> self(this);
    std::weak_ptr<bool> alive = m_alive;
    if (m_upload.joinable()) m_upload.join(); // the previous one has finished
    // `this` outlives the thread: closeClient() joins it before the core (or we) go away.
    m_upload = std::thread([this, core, conversation, generation, path = path.toStdString(), self,
                            alive] {
        // The core reports every 64 KiB; the GUI hears of each whole percent once, which bounds
        // the posts per upload whatever the file's size.
        int lastPercent = 0; // attach() has shown 0 already
        auto progress = [this, generation, &lastPercent](std::uint64_t done, std::uint64_t total) {
            if (total == 0) return;
            const int percent = int(std::min<std::uint64_t>(done, total) * 100 / total);
            if (percent == lastPercent) return;
            lastPercent = percent;
            toGui(generation, [this, percent] {
                m_uploadProgress = percent / 100.0;
                emit uploadProgressChanged();
            });
        };
        auto r = core->sendAttachment(conversation, path, {}, progress);
        const bool ok = r.has_value();
        const std::string error = ok ? std::string() : r.error().message;
        if (alive.expired()) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, ok, error] {
                if (!self) return;
                self->m_uploading.clear();
                emit self->uploadingChanged();
                if (!ok) self->check(false, q(error));
                self->m_messages.refresh();
                emit self->attachmentDone(ok);
            },
            Qt::QueuedConnection);
    });
    return true;
}

QString AppController::passphraseRule() {
    return QString::fromUtf8(kPassphraseRule.data(), int(kPassphraseRule.size()));
}

bool AppController::changePassphrase(const QString& current, const QString& next) {
    const client::ProfilePaths paths{m_profileDir.toStdString()};
    if (auto ok = checkNewPassphrase(next.toStdString()); !ok)
        return check(false, q(ok.error().message));
    const client::UnlockCounter before = client::readUnlockCounter(paths);
    // The open profile is re-keyed through its own connection; the database gets a new key.
    auto r = m_client ? m_client->changePassphrase(current.toStdString(), next.toStdString())
                      : client::changePassphrase(paths, current.toStdString(), next.toStdString());
    if (r) return true;
    if (r.error().code != ErrorCode::WrongKey) return check(r);
    if (!client::Client::profileExists(paths.dir)) {
        // A wrong current passphrase counts as a failed unlock: this one reached the firm's limit.
        lock();
        showErased(false, {},
                   tr("The passphrase was entered wrongly %n times in a row, so this device erased "
                      "its messages "
                      "and keys, as your firm's policy requires.",
                      "", int(before.limit)));
        return false;
    }
    const client::UnlockCounter after = client::readUnlockCounter(paths);
    QString message = tr("Wrong passphrase.");
    if (after.limit && after.failures < after.limit)
        message += QLatin1Char(' ') +
                   tr("%n more and this device erases itself, as your firm's policy requires.", "",
                      int(after.limit - after.failures));
    return check(false, message);
}

QString AppController::suggestedSavePath(const QString& fileName) const {
    QString folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) folder = QDir::homePath();
    // Only the name the sender gave: never a path of theirs.
    const QString name = QFileInfo(fileName).fileName();
    return QDir(folder).filePath(name.isEmpty() || name == ".." ? tr("attachment") : name);
}

void AppController::setFilePickerAvailable(bool available) {
    if (available == m_filePickerAvailable) return;
    m_filePickerAvailable = available;
    emit filePickerChanged();
}

// Saving may download the blob first: on the worker, like the other relay round trips.
bool AppController::saveAttachment(const QString& messageId, const QUrl& target) {
    if (!m_client || messageId.isEmpty() || !m_savingAttachment.isEmpty()) return false;
    const QString path = target.isLocalFile() ? target.toLocalFile() : target.toString();
    if (path.isEmpty()) return check(false, tr("Choose where to save the file."));
    m_savingAttachment = messageId;
    emit savingAttachmentChanged();
    const std::uint64_t generation = m_generation;
    background([this, generation, messageId, path = path.toStdString()](client::Client& core) {
        auto saved =
            std::make_shared<Result<void>>(core.saveAttachment(messageId.toStdString(), 0, path));
        toGui(generation, [this, saved, messageId] {
            m_savingAttachment.clear();
            emit savingAttachmentChanged();
            const bool ok = saved->has_value();
            if (!ok)
                check(false,
                      tr("Could not save the attachment: %1").arg(q(saved->error().message)));
            emit attachmentSaved(messageId, ok);
        });
    });
    return true;
}

void AppController::createInvite() {
    if (!m_client) return;
    auto* c = m_conversations.find(currentConversation());
    if (!c) return;
    const std::uint64_t generation = m_generation;
    background([this, generation, title = c->title](client::Client& core) {
        auto link = std::make_shared<Result<std::string>>(core.createInvite(title));
        toGui(generation,
              [this, link] { emit inviteCreated(check(*link) ? q(**link) : QString()); });
    });
}

QString AppController::safetyNumber(const QString& user) {
    if (!m_client) return {};
    auto n = m_client->knownSafetyNumber(user.toStdString());
    if (n) return q(n->digits);
    if (n.error().code != ErrorCode::NotFound || !m_connected) {
        check(n);
        return {};
    }
    // Never talked to them: their keys come from the relay, off this thread.
    const std::uint64_t generation = m_generation;
    background([this, generation, user](client::Client& core) {
        auto fetched = std::make_shared<Result<client::Client::SafetyNumber>>(
            core.safetyNumber(user.toStdString()));
        toGui(generation, [this, fetched, user] {
            if (check(*fetched)) emit safetyNumberUpdated(user);
        });
    });
    return {};
}

bool AppController::safetyNumberChanged(const QString& user) {
    if (!m_client) return false;
    auto n = m_client->knownSafetyNumber(user.toStdString());
    return n && n->changed;
}

bool AppController::acceptSafetyNumber(const QString& user) {
    if (!m_client) return false;
    // Only a number this device has shown: accepting never waits on the relay.
    if (!check(m_client->knownSafetyNumber(user.toStdString()))) return false;
    if (!check(m_client->acceptSafetyNumber(user.toStdString()))) return false;
    if (m_safetyChangedUser == user) m_safetyChangedUser.clear();
    emit bannersChanged();
    m_messages.refresh();
    return true;
}

void AppController::search(const QString& query) {
    if (!m_client) return;
    auto r = m_client->search(query.toStdString());
    m_search.reset(r ? std::move(*r) : std::vector<client::MessageView>{});
}

void AppController::refreshDevices() {
    const std::uint64_t generation = m_generation;
    background([this, generation](client::Client& core) {
        auto list = std::make_shared<Result<std::vector<client::DeviceView>>>(core.devices());
        toGui(generation, [this, list] {
            const bool ok = check(*list);
            if (ok) m_devices.reset(std::move(**list));
            emit devicesRefreshed(ok);
        });
    });
}

void AppController::approveDevice(int device) {
    if (device <= 0) return;
    const std::uint64_t generation = m_generation;
    background([this, generation, device](client::Client& core) {
        auto r = std::make_shared<Result<void>>(core.approveDevice(std::uint32_t(device)));
        toGui(generation, [this, r, device] {
            if (!check(*r)) return;
            m_deviceNotice = tr("Device %1 was approved and added to your account.").arg(device);
            m_deviceNoticeDevice = 0;
            emit bannersChanged();
            refreshDevices();
        });
    });
}

void AppController::dismissDeviceNotice() {
    m_deviceNotice.clear();
    m_deviceNoticeDevice = 0;
    emit bannersChanged();
}

void AppController::createDeviceLink() {
    if (!m_client || m_deviceLinkBusy) return;
    m_deviceLinkTimer.stop();
    m_deviceLink.clear();
    m_deviceLinkExpired = false;
    m_deviceLinkBusy = true;
    emit deviceLinkChanged();
    // The relay counts the link's lifetime from when it makes it; counting from before asking
    // never promises more than that.
    const QDateTime expires = QDateTime::currentDateTime().addSecs(kDeviceLinkMinutes * 60);
    const std::uint64_t generation = m_generation;
    const std::uint64_t request = ++m_deviceLinkRequest;
    background([this, generation, request, expires](client::Client& core) {
        auto link = std::make_shared<Result<std::string>>(core.createDeviceLink());
        toGui(generation, [this, link, request, expires] {
            if (request != m_deviceLinkRequest) return; // the dialog closed meanwhile
            m_deviceLinkBusy = false;
            const bool ok = check(*link);
            if (ok) {
                m_deviceLink = q(**link);
                m_deviceLinkExpires = expires;
                m_deviceLinkTimer.start(
                    int(std::max<qint64>(0, QDateTime::currentDateTime().msecsTo(expires))));
            }
            emit deviceLinkChanged();
            emit deviceLinkFinished(ok);
        });
    });
}

void AppController::clearDeviceLink() {
    ++m_deviceLinkRequest;
    m_deviceLinkTimer.stop();
    if (m_deviceLink.isEmpty() && !m_deviceLinkExpired && !m_deviceLinkBusy) return;
    m_deviceLink.clear();
    m_deviceLinkExpired = false;
    m_deviceLinkBusy = false;
    emit deviceLinkChanged();
}

void AppController::lock() {
    if (!m_client) return;
    closeClient();
    m_conversations.reset({});
    m_search.reset({});
    m_participants.reset(nullptr);
    m_devices.reset({});
    emit currentChanged();
    updateUnlockWarning();
    setScreen(QStringLiteral("unlock"));
}

bool AppController::eraseProfile() {
    lock();
    client::eraseProfile(client::ProfilePaths{m_profileDir.toStdString()});
    m_account = {};
    emit accountChanged();
    setScreen(QStringLiteral("onboarding"));
    return true;
}

void AppController::copyToClipboard(const QString& text) {
    if (auto* cb = QGuiApplication::clipboard()) cb->setText(text);
}

} // namespace verbatim::qt
