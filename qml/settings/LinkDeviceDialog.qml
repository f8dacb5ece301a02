import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Link another device of this staff user: a one-time link, made (and so approved) by this
// device, shown as a QR code to scan on the new device, or copied. Forgotten on close.
Dialog {
    id: dialog
    /// Who the new device joins as.
    required property SessionController session
    /// Makes, copies and forgets the device link.
    required property DeviceLinkController deviceLinking
    title: qsTr("Link a new device")
    header: PlainDialogHeader { dialog: dialog }
    modal: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 24 : 420, 460)
    height: Math.min(implicitHeight, Overlay.overlay ? Overlay.overlay.height - 24 : implicitHeight)
    standardButtons: Dialog.Close
    readonly property bool dark: Material.theme === Material.Dark
    onOpened: deviceLinking.createDeviceLink()
    onClosed: deviceLinking.clearDeviceLink()

    ScrollView {
        id: scroller
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true
        ColumnLayout {
            width: scroller.availableWidth
            spacing: 10
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: qsTr("On the new phone or computer, open Verbatim and scan this code, or paste the link into it. Making the link is this device's approval: the new device joins as you (%1).").arg(TextRuns.isolate(session.userId))
            }
            BusyIndicator {
                Layout.alignment: Qt.AlignHCenter
                visible: deviceLinking.deviceLinkBusy
                running: deviceLinking.deviceLinkBusy
            }
            Image {
                objectName: "deviceLinkQr"
                visible: deviceLinking.deviceLink !== ""
                Layout.alignment: Qt.AlignHCenter
                Layout.preferredWidth: 220
                Layout.preferredHeight: 220
                source: deviceLinking.deviceLink !== "" ? "image://qr/" + encodeURIComponent(deviceLinking.deviceLink) : ""
                sourceSize.width: 220
                sourceSize.height: 220
                smooth: false
                Accessible.role: Accessible.Graphic
                Accessible.name: qsTr("QR code of the device link")
            }
            Label {
                objectName: "deviceLinkExpiry"
                Layout.fillWidth: true
                visible: deviceLinking.deviceLink !== ""
                horizontalAlignment: Text.AlignHCenter
                font.bold: true
                textFormat: Text.PlainText
                text: qsTr("Works once, until %1 (%2 minutes).").arg(Qt.formatTime(deviceLinking.deviceLinkExpires, "hh:mm")).arg(deviceLinking.deviceLinkMinutes)
                Accessible.name: text
            }
            RowLayout {
                Layout.fillWidth: true
                visible: deviceLinking.deviceLink !== ""
                TextField {
                    objectName: "deviceLinkField"
                    Layout.fillWidth: true
                    readOnly: true
                    text: deviceLinking.deviceLink
                    onTextChanged: cursorPosition = 0  // show where the link starts
                    Accessible.name: qsTr("Device link")
                }
                Button {
                    objectName: "copyDeviceLinkButton"
                    text: qsTr("Copy")
                    Accessible.name: qsTr("Copy the device link")
                    onClicked: deviceLinking.copyDeviceLink()
                }
            }
            Label {
                Layout.fillWidth: true
                visible: deviceLinking.deviceLinkExpired
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: qsTr("This link expired unused.")
                color: Theme.bad(dialog.dark)
            }
            Button {
                objectName: "newDeviceLinkButton"
                Layout.alignment: Qt.AlignHCenter
                visible: deviceLinking.deviceLinkExpired || (!deviceLinking.deviceLinkBusy && deviceLinking.deviceLink === "")
                text: qsTr("Make a new link")
                Accessible.name: qsTr("Make a new device link")
                onClicked: deviceLinking.createDeviceLink()
            }
            CheckBox {
                id: bringHistoryCheck
                objectName: "bringHistoryCheck"
                Layout.fillWidth: true
                text: qsTr("Bring my history to the new device")
                checked: deviceLinking.bringHistory
                onToggled: deviceLinking.bringHistory = checked
                Accessible.name: text
                // Wraps rather than elides on a phone and in longer languages.
                contentItem: Label {
                    text: bringHistoryCheck.text
                    textFormat: Text.PlainText
                    wrapMode: Text.WordWrap
                    verticalAlignment: Text.AlignVCenter
                    leftPadding: bringHistoryCheck.indicator.width + bringHistoryCheck.spacing
                }
            }
            Label {
                Layout.fillWidth: true
                visible: deviceLinking.bringHistory
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.75
                textFormat: Text.PlainText
                text: qsTr("Once the new device has joined, this device sends it your conversations and messages, encrypted for that device alone. The server stores only an unreadable copy for a day; your firm's journal records that the history was copied.")
            }
            Label {
                objectName: "historyStatus"
                Layout.fillWidth: true
                visible: deviceLinking.historyStatus !== ""
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: deviceLinking.historyStatus
            }
            Rectangle {
                Layout.fillWidth: true
                implicitHeight: caution.implicitHeight + 16
                radius: 6
                color: Theme.warnBackground(dialog.dark)
                Label {
                    id: caution
                    anchors.centerIn: parent
                    width: parent.width - 20
                    wrapMode: Text.WordWrap
                    font.pixelSize: 12
                    textFormat: Text.PlainText
                    text: qsTr("Anyone who has this link can add a device to your account until it is used or expires. Show it only to your own new device; don't send it by email or chat.")
                }
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.75
                textFormat: Text.PlainText
                text: qsTr("The new device makes its own keys. Messages already on this device stay here; the people you talk to see a new safety number for you. Your firm's administrator sees every device you link.")
            }
        }
    }
}
