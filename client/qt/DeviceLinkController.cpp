#include "client/qt/DeviceLinkController.h"
#include "client/qt/StdText.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "client/qt/AppController.h"
#include "client/qt/SystemText.h"
#include "client/qt/TextRuns.h"
#include "journal/FirmManifest.h"

namespace verbatim::qt {

DeviceLinkController::DeviceLinkController(AppController& app) : QObject(&app), m_app(app) {
    m_deviceLinkTimer.setSingleShot(true);
    connect(&m_deviceLinkTimer, &QTimer::timeout, this, [this] {
        clearDeviceLink();
        m_deviceLinkExpired = true;
        emit deviceLinkChanged();
    });
}

void DeviceLinkController::onDeviceEvent(const client::Event& e) {
    using K = client::Event::Kind;
    // The core's sentence names the new device's platform, which that device chose.
    m_deviceNotice =
        e.kind == K::HistoryImporting ? tr("Your history is arriving from your other device…")
        : e.kind == K::HistoryImported
            ? tr("Your history was copied to this device: %1.")
                  .arg(TextRuns::safeName(historyImportedText(q(e.detail)), 200))
        : e.kind == K::HistoryFailed ? tr("Your history could not be copied to this device: %1")
                                           .arg(TextRuns::safeName(q(e.detail), 300))
                                     : TextRuns::safeName(q(e.detail), 400);
    m_deviceNoticeDevice = 0;
    // A device that used this device's link was approved: bring it the history when asked to.
    if (e.kind == K::DeviceAdded && m_bringHistory) {
        const auto slash = e.sender.rfind('/');
        if (slash != std::string::npos) sendHistory(std::atoi(e.sender.c_str() + slash + 1));
    }
    if (e.kind == client::Event::Kind::DeviceApprovalRequested) {
        const auto slash = e.sender.rfind('/');
        if (slash != std::string::npos)
            m_deviceNoticeDevice = std::atoi(e.sender.c_str() + slash + 1);
    }
    emit noticeChanged();
    refreshDevices();
}

void DeviceLinkController::reset() {
    m_devices.reset({});
    m_thisDeviceName.clear();
    m_canEraseDevices = false;
    emit ownDeviceChanged();
}

namespace {

// Whether this user may erase a lost device of theirs: staff always, clients where the firm's
// signed device policy allows it (the relay decides the same from the same manifest).
bool mayErase(client::Client& core) {
    if (core.account().role != "client") return true;
    auto bytes = core.firmManifest();
    if (!bytes) return false;
    auto manifest = journal::FirmManifest::parse(view(*bytes));
    return manifest && manifest->policy.mayWipeClientDevices;
}

} // namespace

void DeviceLinkController::refreshDevices() {
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation](client::Client& core) {
        auto list = std::make_shared<Result<std::vector<client::DeviceView>>>(core.devices());
        const bool erase = mayErase(core);
        m_app.toGui(generation, [this, list, erase] {
            const bool ok = m_app.check(*list);
            if (ok) {
                m_thisDeviceName.clear();
                for (const auto& d : **list)
                    if (d.thisDevice) m_thisDeviceName = TextRuns::safeName(q(d.name));
                m_devices.reset(std::move(**list));
            }
            m_canEraseDevices = erase;
            emit ownDeviceChanged();
            emit devicesRefreshed(ok);
        });
    });
}

void DeviceLinkController::unlinkDevice(int device, bool erase) {
    if (device <= 0 || m_deviceActionBusy || !m_app.client()) return;
    m_deviceActionBusy = true;
    emit deviceActionBusyChanged();
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, device, erase](client::Client& core) {
        auto r = std::make_shared<Result<void>>(core.unlinkDevice(std::uint32_t(device), erase));
        m_app.toGui(generation, [this, r, device, erase] {
            m_deviceActionBusy = false;
            emit deviceActionBusyChanged();
            const bool ok = m_app.check(*r);
            if (ok) {
                m_deviceNotice = erase ? tr("Device %1 was unlinked; it erases itself when it "
                                            "next connects.")
                                             .arg(device)
                                       : tr("Device %1 was unlinked.").arg(device);
                m_deviceNoticeDevice = 0;
                emit noticeChanged();
                refreshDevices();
            }
            emit unlinkFinished(ok);
        });
    });
}

void DeviceLinkController::renameThisDevice(const QString& name) {
    if (m_deviceActionBusy || !m_app.client()) return;
    m_deviceActionBusy = true;
    emit deviceActionBusyChanged();
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, n = name.trimmed().toStdString()](client::Client& core) {
        auto r = std::make_shared<Result<void>>(core.setDeviceName(n));
        m_app.toGui(generation, [this, r] {
            m_deviceActionBusy = false;
            emit deviceActionBusyChanged();
            const bool ok = m_app.check(*r);
            if (ok) refreshDevices();
            emit renameFinished(ok);
        });
    });
}

void DeviceLinkController::approveDevice(int device) {
    if (device <= 0) return;
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, device](client::Client& core) {
        auto r = std::make_shared<Result<void>>(core.approveDevice(std::uint32_t(device)));
        m_app.toGui(generation, [this, r, device] {
            if (!m_app.check(*r)) return;
            m_deviceNotice = tr("Device %1 was approved and added to your account.").arg(device);
            m_deviceNoticeDevice = 0;
            emit noticeChanged();
            refreshDevices();
        });
    });
}

void DeviceLinkController::dismissDeviceNotice() {
    m_deviceNotice.clear();
    m_deviceNoticeDevice = 0;
    emit noticeChanged();
}

void DeviceLinkController::createDeviceLink() {
    if (!m_app.client() || m_deviceLinkBusy) return;
    m_deviceLinkTimer.stop();
    m_deviceLink.clear();
    m_deviceLinkExpired = false;
    m_deviceLinkBusy = true;
    emit deviceLinkChanged();
    // The relay counts the link's lifetime from when it makes it; counting from before asking
    // never promises more than that.
    const QDateTime expires = QDateTime::currentDateTime().addSecs(kDeviceLinkMinutes * 60);
    const std::uint64_t generation = m_app.generation();
    const std::uint64_t request = ++m_deviceLinkRequest;
    m_app.background([this, generation, request, expires](client::Client& core) {
        auto link = std::make_shared<Result<std::string>>(core.createDeviceLink());
        m_app.toGui(generation, [this, link, request, expires] {
            if (request != m_deviceLinkRequest) return; // the dialog closed meanwhile
            m_deviceLinkBusy = false;
            const bool ok = m_app.check(*link);
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

void DeviceLinkController::setBringHistory(bool on) {
    if (m_bringHistory == on) return;
    m_bringHistory = on;
    emit historyChanged();
}

void DeviceLinkController::sendHistory(int device) {
    if (device <= 0 || m_historyBusy || !m_app.client()) return;
    m_bringHistory = false; // once, for the device the link brought
    m_historyBusy = true;
    m_historyStatus = tr("Sending your history to device %1…").arg(device);
    emit historyChanged();
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, device](client::Client& core) {
        auto r = std::make_shared<Result<client::Client::HistorySent>>(
            core.sendHistory(std::uint32_t(device)));
        m_app.toGui(generation, [this, r, device] {
            m_historyBusy = false;
            m_historyStatus = *r ? tr("%n message(s) sent to device %1; it imports them when it "
                                      "connects.",
                                      "", int((*r)->messages))
                                       .arg(device)
                                 : tr("Your history was not sent: %1")
                                       .arg(TextRuns::safeName(q(r->error().message), 300));
            emit historyChanged();
        });
    });
}

void DeviceLinkController::copyDeviceLink() {
    if (!m_deviceLink.isEmpty()) m_app.copyToClipboard(m_deviceLink);
}

void DeviceLinkController::clearDeviceLink() {
    ++m_deviceLinkRequest;
    m_deviceLinkTimer.stop();
    if (m_deviceLink.isEmpty() && !m_deviceLinkExpired && !m_deviceLinkBusy) return;
    m_deviceLink.clear();
    m_deviceLinkExpired = false;
    m_deviceLinkBusy = false;
    emit deviceLinkChanged();
}

} // namespace verbatim::qt
