import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The top of the open conversation: its title bar (laptop) with the matter's info, then the
// banners: the journaling notice, a changed safety number, a new device, a journal mismatch.
// A Column, not a layout: a banner's height follows its wrapped text when the width changes.
Column {
    id: banners
    /// The open conversation: title, matter or not, safety and journal banners.
    required property ChatController chat
    /// The firm's name in the journaling notice.
    required property SessionController session
    /// The notice of a device added to this account, and its approval.
    required property DeviceLinkController deviceLinking
    /// The title bar's "Info" was clicked.
    signal infoRequested()
    /// The safety banner's "Verify" was clicked for `user`.
    signal verifyRequested(string user)
    spacing: 0

    // Title bar (laptop) with matter info.
    ToolBar {
        width: banners.width
        visible: window.wide
        Material.background: Theme.bar(Material.theme === Material.Dark)
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 16
            Label {
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: chat.currentTitle
                font.pixelSize: 17
                font.bold: true
                elide: Label.ElideRight
            }
            IconButton {
                objectName: "infoButton"
                symbol: Icons.info
                text: qsTr("Matter information")
                onClicked: banners.infoRequested()
            }
        }
    }

    // Journaling notice (ES-12): always visible above a matter's messages.
    Rectangle {
        objectName: "journalNotice"
        width: banners.width
        implicitHeight: journalLabel.implicitHeight + 12
        color: Theme.replyBackground(Material.theme === Material.Dark)
        visible: chat.currentIsMatter
        Label {
            id: journalLabel
            anchors.centerIn: parent
            width: parent.width - 24
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            font.pixelSize: 12
            textFormat: Text.PlainText
            text: qsTr("End-to-end encrypted. This matter is journaled: %1 keeps a copy of every message, including deleted ones.").arg(session.firmName)
        }
    }
    Rectangle {
        objectName: "safetyBanner"
        width: banners.width
        implicitHeight: 40
        color: Theme.bannerWarnBackground
        visible: chat.safetyChangedUser !== ""
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 12
            Label {
                objectName: "safetyBannerText"
                Layout.fillWidth: true
                color: Theme.bannerWarn
                textFormat: Text.PlainText
                text: qsTr("The safety number of %1 changed. Messages to them are held.").arg(TextRuns.isolate(chat.safetyChangedName))
                elide: Label.ElideRight
            }
            Button {
                objectName: "safetyVerifyButton"
                flat: true
                text: qsTr("Verify")
                Accessible.name: qsTr("Verify the new safety number")
                onClicked: banners.verifyRequested(chat.safetyChangedUser)
            }
        }
    }
    Rectangle {
        objectName: "deviceBanner"
        width: banners.width
        implicitHeight: 40
        color: Theme.bannerInfoBackground
        visible: deviceLinking.deviceNotice !== ""
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 12
            Label {
                objectName: "deviceNoticeText"
                Layout.fillWidth: true
                color: Theme.bannerInfo
                textFormat: Text.PlainText
                text: deviceLinking.deviceNotice
                elide: Label.ElideRight
            }
            Button {
                objectName: "approveDeviceButton"
                flat: true
                visible: deviceLinking.deviceNoticeDevice > 0
                text: qsTr("Approve")
                Accessible.name: qsTr("Approve the new device; only if it is yours")
                onClicked: deviceLinking.approveDevice(deviceLinking.deviceNoticeDevice)
            }
            Button {
                objectName: "dismissDeviceNoticeButton"
                flat: true
                text: qsTr("Dismiss")
                onClicked: deviceLinking.dismissDeviceNotice()
            }
        }
    }
    Rectangle {
        width: banners.width
        implicitHeight: 32
        color: Theme.bannerErrorBackground
        visible: chat.journalMismatch
        Label {
            anchors.centerIn: parent
            color: Theme.error
            textFormat: Text.PlainText
            text: qsTr("\u26a0 A message here did not match its journal copy. It was withheld and reported.")
        }
    }
}
