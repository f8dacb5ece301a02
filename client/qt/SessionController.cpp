#include "client/qt/SessionController.h"
#include "client/qt/StdText.h"

#include <QSysInfo>
#include <memory>

#include "client/core/Profile.h"
#include "client/qt/AppController.h"
#include "client/qt/PassphraseStrength.h"
#include "client/qt/SystemText.h"
#include "client/qt/TextRuns.h"
#include "common/Passphrase.h"
#include "journal/RecordingNotice.h"

namespace verbatim::qt {

struct SessionController::UnlockAttempt {
    bool existed = false; ///< the profile was there before
    /// The policy as it stood before this attempt: what erased the profile, if it did.
    client::UnlockCounter counter;
    std::uint32_t maxOfflineDays = 0;
    Result<std::unique_ptr<client::Client>> opened;
    bool existsAfter = false;
};

struct SessionController::ChangeAttempt {
    client::UnlockCounter before;
    Result<void> changed;
    bool existsAfter = true;
    client::UnlockCounter after;
};

namespace {

/// Tries the passphrase on the profile in `dir`: the key derivation and the open (slow).
std::unique_ptr<SessionController::UnlockAttempt> attemptUnlock(const std::string& dir,
                                                                const std::string& passphrase) {
    const client::ProfilePaths paths{dir};
    auto a = std::make_unique<SessionController::UnlockAttempt>();
    a->existed = client::Client::profileExists(paths.dir);
    a->counter = client::readUnlockCounter(paths);
    a->maxOfflineDays = client::readGuard(paths).maxOfflineDays;
    a->opened = client::Client::open(paths.dir, passphrase);
    a->existsAfter = client::Client::profileExists(paths.dir);
    return a;
}

/// Re-keys the profile in `dir` (through `core` when it is open): two key derivations.
std::unique_ptr<SessionController::ChangeAttempt> attemptChange(client::Client* core,
                                                                const std::string& dir,
                                                                const std::string& current,
                                                                const std::string& next) {
    const client::ProfilePaths paths{dir};
    auto a = std::make_unique<SessionController::ChangeAttempt>();
    a->before = client::readUnlockCounter(paths);
    // The open profile is re-keyed through its own connection; the database gets a new key.
    a->changed = core ? core->changePassphrase(current, next)
                      : client::changePassphrase(paths, current, next);
    a->existsAfter = client::Client::profileExists(paths.dir);
    a->after = client::readUnlockCounter(paths);
    return a;
}

} // namespace

SessionController::SessionController(AppController& app)
    : QObject(&app), m_app(app),
      m_idleLock(
          app.profileDir() + QStringLiteral("/lock.ini"), [this] { lock(); }, this) {
    m_screen = client::Client::profileExists(m_app.profileDir().toStdString())
                   ? QStringLiteral("unlock")
                   : QStringLiteral("onboarding");
    updateUnlockWarning();
    connect(&app, &AppController::errorChanged, this, &SessionController::errorChanged);
}

QString SessionController::error() const {
    return m_app.error();
}

QString SessionController::userId() const {
    return q(m_account.user);
}
// Names and titles a person chose are shown through TextRuns::safeName(); the raw ones stay
// in the core (an invite names its matter exactly).
QString SessionController::displayName() const {
    return TextRuns::safeName(q(m_account.displayName));
}
QString SessionController::role() const {
    return q(m_account.role);
}
QString SessionController::firmName() const {
    return TextRuns::safeName(q(m_account.firmName));
}
QString SessionController::noticeText() const {
    const auto text = *journal::recordingNoticeText();
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}
QString SessionController::noticeTranslation() const {
    return qt::noticeTranslation(int(journal::kRecordingNoticeVersion));
}
int SessionController::noticeVersion() const {
    return int(journal::kRecordingNoticeVersion);
}
bool SessionController::canInvite() const {
    return m_account.role == "lawyer" || m_account.role == "supervisor";
}
bool SessionController::canLinkDevice() const {
    return !m_account.role.empty() && m_account.role != "client";
}
QString SessionController::passphraseRule() {
    return PassphraseStrength::rule();
}

namespace {

// `text` without control characters, cut to at most `bytes` bytes of UTF-8 on a character's
// boundary: what the relay accepts as a device's name or platform.
QString fitForRelay(const QString& text, int bytes) {
    QString out;
    for (const QChar c : text.simplified())
        if (!c.isNonCharacter() && c.category() != QChar::Other_Control &&
            c.category() != QChar::Other_Format)
            out += c;
    while (out.toUtf8().size() > bytes)
        out.chop(out.size() >= 2 && out[out.size() - 1].isLowSurrogate() ? 2 : 1);
    return out.trimmed();
}

} // namespace

QString SessionController::defaultDeviceName() {
    const QString host = QSysInfo::machineHostName();
    const QString system = QSysInfo::prettyProductName();
    if (host.isEmpty() || host == QLatin1String("localhost")) return fitForRelay(system, 64);
    return fitForRelay(host + QStringLiteral(" \u2014 ") + system, 64);
}

QString SessionController::platformName() {
    return fitForRelay(QSysInfo::prettyProductName(), 64);
}

int SessionController::passphraseScore(const QString& passphrase) const {
    return PassphraseStrength::assess(passphrase).score;
}

QString SessionController::passphraseHint(const QString& passphrase) const {
    return PassphraseStrength::assess(passphrase).hint;
}

void SessionController::setScreen(const QString& s) {
    // The idle countdown runs while a profile is open, whatever screen of it shows.
    m_idleLock.arm(s == QLatin1String("ready") || s == QLatin1String("notice"));
    if (s == m_screen) return;
    m_screen = s;
    emit screenChanged();
}

void SessionController::setBusy(bool busy) {
    if (busy == m_busy) return;
    m_busy = busy;
    emit busyChanged();
}

void SessionController::clientClosed() {
    m_joining = false;
    setBusy(false);
}

void SessionController::setConnected(bool connected) {
    m_connected = connected;
    emit connectedChanged();
}

bool SessionController::unlock(const QString& passphrase) {
    if (m_app.client() || m_busy) return false;
    auto attempt = attemptUnlock(m_app.profileDir().toStdString(), passphrase.toStdString());
    return finishUnlock(*attempt);
}

bool SessionController::unlockInBackground(const QString& passphrase) {
    if (m_app.client() || m_busy || m_joining) return false;
    setBusy(true);
    const std::uint64_t generation = m_app.generation();
    m_app.run([this, generation, dir = m_app.profileDir().toStdString(),
               pass = passphrase.toStdString()] {
        std::shared_ptr<UnlockAttempt> attempt = attemptUnlock(dir, pass);
        m_app.toGui(generation, [this, attempt] {
            setBusy(false);
            emit unlockFinished(finishUnlock(*attempt));
        });
    });
    return true;
}

bool SessionController::finishUnlock(UnlockAttempt& a) {
    if (a.opened) {
        m_app.adopt(std::move(*a.opened));
        return true;
    }
    const ErrorCode code = a.opened.error().code;
    if (a.existed && !a.existsAfter) {
        showErased(false, {},
                   code == ErrorCode::WrongKey
                       ? tr("The passphrase was entered wrongly %n times in a row, so this device "
                            "erased its messages "
                            "and keys, as your firm's policy requires.",
                            "", int(a.counter.limit))
                       : tr("This device did not reach your firm for more than %n day(s), so it "
                            "erased its messages "
                            "and keys, as your firm's policy requires.",
                            "", int(a.maxOfflineDays)));
        return false;
    }
    updateUnlockWarning();
    return m_app.check(false, code == ErrorCode::WrongKey ? tr("Wrong passphrase.")
                                                          : q(a.opened.error().message));
}

void SessionController::updateUnlockWarning() {
    // The count from the key file and the guard together (a reset of either is counted).
    const client::UnlockCounter counter =
        client::readUnlockCounter(client::ProfilePaths{m_app.profileDir().toStdString()});
    QString warning;
    if (counter.limit && counter.failures && counter.failures < counter.limit)
        warning = tr("%n more and this device erases itself, as your firm's policy requires.", "",
                     int(counter.limit - counter.failures));
    if (warning == m_unlockWarning) return;
    m_unlockWarning = warning;
    emit unlockWarningChanged();
}

void SessionController::showErased(bool byFirm, const QString& firm, const QString& reason) {
    m_erasedByFirm = byFirm;
    m_erasedFirm = firm.isEmpty() ? tr("your firm") : TextRuns::safeName(firm);
    m_erasedReason = reason;
    emit erasedChanged();
    m_app.clearError(); // what went before (a wrong passphrase) is moot now
    if (!m_unlockWarning.isEmpty()) {
        m_unlockWarning.clear();
        emit unlockWarningChanged();
    }
    setScreen(QStringLiteral("wiped"));
}

void SessionController::wipedByFirm() {
    // The core has erased the profile already; what is left is to let it go and say so.
    const QString firm = q(m_account.firmName);
    m_app.closeClient();
    m_app.resetLists();
    showErased(true, firm,
               tr("The firm's administrator erased this device's messages and keys. The firm's "
                  "journal keeps "
                  "its record of the conversations."));
}

void SessionController::setUpAgain() {
    if (m_app.client()) return;
    m_account = {};
    emit accountChanged();
    m_erasedByFirm = false;
    m_erasedFirm.clear();
    m_erasedReason.clear();
    emit erasedChanged();
    m_app.clearError();
    setScreen(client::Client::profileExists(m_app.profileDir().toStdString())
                  ? QStringLiteral("unlock")
                  : QStringLiteral("onboarding"));
}

client::JoinOptions SessionController::joinOptions(const QString& name,
                                                   const QString& deviceName) const {
    client::JoinOptions o;
    o.displayName = name.toStdString();
    o.platform = platformName().toStdString();
    const QString device = fitForRelay(deviceName, 64);
    o.deviceName = (device.isEmpty() ? defaultDeviceName() : device).toStdString();
    return o;
}

bool SessionController::join(const QString& link, const QString& name, const QString& passphrase,
                             const QString& deviceName) {
    // The one rule of the app and the tools (common/Passphrase.h), in its own words.
    if (auto ok = checkNewPassphrase(passphrase.toStdString()); !ok)
        return m_app.check(false, PassphraseStrength::rule());
    // An invite shows its recording notice before anything is registered (issue 22).
    if (isInviteLink(link)) return previewJoin(link, joinOptions(name, deviceName), passphrase);
    auto c = client::Client::join(m_app.profileDir().toStdString(), passphrase.toStdString(),
                                  link.trimmed().toStdString(), joinOptions(name, deviceName));
    if (!c) return m_app.check(false, q(c.error().message));
    m_app.adopt(std::move(*c));
    return true;
}

bool SessionController::joinInBackground(const QString& link, const QString& name,
                                         const QString& passphrase, const QString& deviceName) {
    if (m_app.client() || m_joining || m_busy) return false;
    if (auto ok = checkNewPassphrase(passphrase.toStdString()); !ok)
        return m_app.check(false, PassphraseStrength::rule());
    if (isInviteLink(link))
        return previewJoinInBackground(link, joinOptions(name, deviceName), passphrase);
    m_joining = true;
    const std::uint64_t generation = m_app.generation();
    // No core yet, so not background(): the queue itself. The destructor drains it.
    m_app.run([this, generation, o = joinOptions(name, deviceName),
               dir = m_app.profileDir().toStdString(), pass = passphrase.toStdString(),
               text = link.trimmed().toStdString()] {
        auto joined = std::make_shared<Result<std::unique_ptr<client::Client>>>(
            client::Client::join(dir, pass, text, o));
        m_app.toGui(generation, [this, joined] {
            m_joining = false;
            const bool ok = m_app.check(*joined);
            if (ok) m_app.adopt(std::move(**joined));
            emit joinFinished(ok);
        });
    });
    return true;
}

void SessionController::adopted(const client::Account& account) {
    m_account = account;
    emit accountChanged();
    applyFirmPolicy();
    m_app.clearError();
    if (!m_unlockWarning.isEmpty()) {
        m_unlockWarning.clear();
        emit unlockWarningChanged();
    }
}

void SessionController::applyFirmPolicy() {
    // The held manifest's policy (verified at unlock or adoption): a relay cannot lift the
    // firm's maximum by serving something else. Kept while locked: the next unlock reads it again.
    if (client::Client* core = m_app.client())
        m_idleLock.setFirmMaximum(int(core->devicePolicy().maxIdleLockMinutes));
}

bool SessionController::acceptNotice() {
    if (m_pending) return acceptPendingInvite();
    client::Client* core = m_app.client();
    if (!core) return false;
    if (!m_app.check(core->acceptNotice())) return false;
    m_account = core->account();
    emit accountChanged();
    setScreen(QStringLiteral("ready"));
    m_app.chat()->messages()->refresh();
    return true;
}

void SessionController::showStartScreen() {
    setScreen(m_account.noticeRequired && !m_account.noticeAccepted ? QStringLiteral("notice")
                                                                    : QStringLiteral("ready"));
}

bool SessionController::changePassphrase(const QString& current, const QString& next) {
    if (m_busy) return false;
    if (auto ok = checkNewPassphrase(next.toStdString()); !ok)
        return m_app.check(false, PassphraseStrength::rule());
    auto attempt = attemptChange(m_app.client(), m_app.profileDir().toStdString(),
                                 current.toStdString(), next.toStdString());
    return finishChange(*attempt);
}

bool SessionController::changePassphraseInBackground(const QString& current, const QString& next) {
    if (m_busy || m_joining) return false;
    if (auto ok = checkNewPassphrase(next.toStdString()); !ok)
        return m_app.check(false, PassphraseStrength::rule());
    setBusy(true);
    const std::uint64_t generation = m_app.generation();
    auto job = [this, generation, dir = m_app.profileDir().toStdString(),
                cur = current.toStdString(), nxt = next.toStdString()](client::Client* core) {
        std::shared_ptr<ChangeAttempt> attempt = attemptChange(core, dir, cur, nxt);
        m_app.toGui(generation, [this, attempt] {
            setBusy(false);
            emit passphraseChangeFinished(finishChange(*attempt));
        });
    };
    if (m_app.client())
        m_app.background([job](client::Client& core) { job(&core); });
    else
        m_app.run([job] { job(nullptr); });
    return true;
}

bool SessionController::finishChange(ChangeAttempt& a) {
    if (a.changed) return true;
    if (a.changed.error().code != ErrorCode::WrongKey) return m_app.check(a.changed);
    if (!a.existsAfter) {
        // A wrong current passphrase counts as a failed unlock: this one reached the firm's limit.
        lock();
        showErased(false, {},
                   tr("The passphrase was entered wrongly %n times in a row, so this device erased "
                      "its messages "
                      "and keys, as your firm's policy requires.",
                      "", int(a.before.limit)));
        return false;
    }
    QString message = tr("Wrong passphrase.");
    if (a.after.limit && a.after.failures < a.after.limit)
        message += QLatin1Char(' ') +
                   tr("%n more and this device erases itself, as your firm's policy requires.", "",
                      int(a.after.limit - a.after.failures));
    return m_app.check(false, message);
}

void SessionController::lock() {
    if (!m_app.client()) return;
    m_app.closeClient();
    m_app.resetLists();
    updateUnlockWarning();
    setScreen(QStringLiteral("unlock"));
}

bool SessionController::eraseProfile() {
    lock();
    client::eraseProfile(client::ProfilePaths{m_app.profileDir().toStdString()});
    m_account = {};
    emit accountChanged();
    setScreen(QStringLiteral("onboarding"));
    return true;
}

} // namespace verbatim::qt
