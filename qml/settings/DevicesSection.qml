import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The user's own devices in the settings (issue 23): each with its name, model and when it was
// last seen; this device's name can be changed; another device that was lost can be unlinked
// (revoked at once) or, where the firm allows it, unlinked and erased, each after a question.
ColumnLayout {
    id: section
    /// The devices, renaming and unlinking.
    required property DeviceLinkController deviceLinking
    readonly property bool dark: Material.theme === Material.Dark
    spacing: 6

    Label { textFormat: Text.PlainText; text: qsTr("Your devices"); font.bold: true }
    Repeater {
        model: section.deviceLinking.devices
        delegate: Frame {
            id: row
            objectName: "ownDeviceRow"
            required property int device
            required property string deviceName
            required property string platform
            required property string appVersion
            required property string lastSeenText
            required property string status
            required property bool thisDevice
            /// The name to show: the one its user chose, else its model.
            readonly property string title: deviceName !== "" ? deviceName : (platform !== "" ? platform : qsTr("Device %1").arg(device))
            Layout.fillWidth: true
            padding: 8
            ColumnLayout {
                width: parent.width
                spacing: 2
                Label {
                    objectName: "ownDeviceName"
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    elide: Text.ElideRight
                    font.bold: true
                    text: row.thisDevice ? qsTr("%1 (this device)").arg(TextRuns.isolate(row.title)) : row.title
                }
                Label {
                    objectName: "ownDeviceDetails"
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    wrapMode: Text.WordWrap
                    font.pixelSize: 12
                    opacity: 0.75
                    // Model, app version, number, state and when last seen.
                    text: TextRuns.fill(qsTr("%1 \u00b7 Verbatim %2 \u00b7 #%3 \u00b7 %4 \u00b7 last seen %5"),
                                        [TextRuns.isolate(row.platform), TextRuns.isolate(row.appVersion), row.device,
                                         TextRuns.deviceStatus(row.status), row.lastSeenText])
                }
                RowLayout {
                    visible: !row.thisDevice && (row.status === "active" || row.status === "awaiting approval")
                    IconButton {
                        objectName: "unlinkDeviceButton"
                        property int deviceNumber: row.device
                        symbol: Icons.link_off
                        destructive: true
                        text: qsTr("Unlink %1").arg(row.title)
                        enabled: !section.deviceLinking.deviceActionBusy
                        onClicked: confirm.ask(row.device, row.title, false)
                    }
                    IconButton {
                        objectName: "unlinkEraseDeviceButton"
                        property int deviceNumber: row.device
                        visible: section.deviceLinking.canEraseDevices
                        symbol: Icons.phonelink_erase
                        destructive: true
                        text: qsTr("Unlink %1 and erase it").arg(row.title)
                        enabled: !section.deviceLinking.deviceActionBusy
                        onClicked: confirm.ask(row.device, row.title, true)
                    }
                }
            }
        }
    }
    Label {
        objectName: "devicesNotice"
        Layout.fillWidth: true
        visible: text !== ""
        textFormat: Text.PlainText
        wrapMode: Text.WordWrap
        font.pixelSize: 12
        text: section.deviceLinking.deviceNotice
    }
    Label { textFormat: Text.PlainText; text: qsTr("This device's name"); font.pixelSize: 12; opacity: 0.75 }
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: nameField
            objectName: "thisDeviceNameField"
            Layout.fillWidth: true
            maximumLength: 64
            text: section.deviceLinking.thisDeviceName
            placeholderText: qsTr("Name shown in your devices list")
            Accessible.name: qsTr("This device's name")
            onAccepted: renameButton.clicked()
        }
        Button {
            id: renameButton
            objectName: "renameDeviceButton"
            text: qsTr("Rename")
            enabled: !section.deviceLinking.deviceActionBusy && nameField.text.trim() !== section.deviceLinking.thisDeviceName
            Accessible.name: qsTr("Rename this device")
            onClicked: section.deviceLinking.renameThisDevice(nameField.text)
        }
    }

    Dialog {
        id: confirm
        objectName: "unlinkConfirm"
        property int device: 0
        property string deviceTitle: ""
        property bool erase: false
        function ask(d, t, e) {
            device = d
            deviceTitle = t
            erase = e
            open()
        }
        parent: Overlay.overlay
        anchors.centerIn: Overlay.overlay
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 24 : 360, 360)
        modal: true
        Material.elevation: 0
        title: erase ? qsTr("Unlink and erase this device?") : qsTr("Unlink this device?")
        header: PlainDialogHeader { dialog: confirm }
        Label {
            objectName: "unlinkConfirmText"
            width: confirm.availableWidth
            textFormat: Text.PlainText
            wrapMode: Text.WordWrap
            text: (confirm.erase
                   ? qsTr("%1 stops receiving messages at once, and erases its messages and keys the next time it connects.")
                   : qsTr("%1 stops receiving messages at once and cannot connect again. What it already holds stays on it; erase it too if it was lost."))
                  .arg(TextRuns.isolate(confirm.deviceTitle))
        }
        footer: DialogButtonBox {
            Button {
                objectName: "unlinkConfirmButton"
                text: confirm.erase ? qsTr("Unlink and erase") : qsTr("Unlink")
                flat: true
                Material.foreground: Theme.bad(section.dark)
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
            Button {
                objectName: "unlinkCancelButton"
                text: qsTr("Cancel")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
        }
        onAccepted: section.deviceLinking.unlinkDevice(device, erase)
    }
}
