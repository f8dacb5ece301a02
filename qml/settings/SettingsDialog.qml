import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common
import Verbatim.Onboarding

// Account, devices (naming this one, unlinking a lost one and, for staff, linking another one),
// the idle lock, the passphrase, sign out and erase.
Dialog {
    id: dialog
    /// The account, the passphrase, lock and erase.
    required property SessionController session
    /// This user's devices, and linking another one.
    required property DeviceLinkController deviceLinking
    /// Desktop notifications' settings (null: the section is hidden).
    property Notifier notifier: null
    /// The firm's device policy, shown in plain text (null: the section is hidden).
    property AttachmentsController attachments: null
    title: qsTr("Settings")
    header: PlainDialogHeader { dialog: dialog }
    modal: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 24 : 420, 420)
    height: Math.min(implicitHeight, Overlay.overlay ? Overlay.overlay.height - 24 : implicitHeight)
    standardButtons: Dialog.Close
    onOpened: { deviceLinking.refreshDevices(); if (attachments) attachments.refreshDevicePolicy() }
    /// An idle lock choice for humans (0: never).
    function minutesText(m) {
        return m === 0 ? qsTr("Never") : m === 1 ? qsTr("1 minute") : m < 60 ? qsTr("%1 minutes").arg(m)
             : m % 60 === 0 ? qsTr("%n hour(s)", "", m / 60) : qsTr("%1 minutes").arg(m)
    }
    ScrollView {
        id: scroller
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true
        ColumnLayout {
            // The dialog's, not the scroller's: that one lagged behind (the dialog's implicit
            // height loops through it) and left every row wider than the dialog at phone size.
            width: dialog.availableWidth
            spacing: 10
            Label { textFormat: Text.PlainText; text: TextRuns.isolate(session.displayName) + " (" + TextRuns.roleName(session.role) + ")"; font.bold: true }
            Label { textFormat: Text.PlainText; text: session.firmName; opacity: 0.8 }
            Label { textFormat: Text.PlainText; text: qsTr("User id: %1").arg(TextRuns.isolate(session.userId)); opacity: 0.6; font.pixelSize: 12 }
            DevicesSection {
                Layout.fillWidth: true
                deviceLinking: dialog.deviceLinking
            }
            Button {
                objectName: "linkDeviceButton"
                visible: session.canLinkDevice
                text: qsTr("Link a new device")
                Accessible.name: qsTr("Link a new device to your account")
                onClicked: linkDevice.open()
            }
            Label { visible: dialog.attachments !== null; textFormat: Text.PlainText; text: qsTr("Your firm's device policy"); font.bold: true }
            Label {
                objectName: "devicePolicyText"
                visible: dialog.attachments !== null
                Layout.fillWidth: true
                textFormat: Text.PlainText
                wrapMode: Text.Wrap
                text: dialog.attachments ? dialog.attachments.devicePolicyText : ""
                font.pixelSize: 12
            }
            Label { visible: dialog.notifier !== null; textFormat: Text.PlainText; text: qsTr("Notifications"); font.bold: true }
            Switch {
                id: notificationsEnabledSwitch
                objectName: "notificationsEnabled"
                visible: dialog.notifier !== null
                Layout.fillWidth: true
                // A long text wraps beside the switch instead of running past the dialog.
                contentItem: Label {
                    leftPadding: notificationsEnabledSwitch.indicator.width + notificationsEnabledSwitch.spacing
                    text: notificationsEnabledSwitch.text
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    verticalAlignment: Text.AlignVCenter
                }
                text: qsTr("Desktop notifications")
                checked: dialog.notifier ? dialog.notifier.enabled : false
                onToggled: dialog.notifier.enabled = checked
            }
            Switch {
                id: notificationsShowTextSwitch
                objectName: "notificationsShowText"
                visible: dialog.notifier !== null
                Layout.fillWidth: true
                // A long text wraps beside the switch instead of running past the dialog.
                contentItem: Label {
                    leftPadding: notificationsShowTextSwitch.indicator.width + notificationsShowTextSwitch.spacing
                    text: notificationsShowTextSwitch.text
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    verticalAlignment: Text.AlignVCenter
                }
                enabled: dialog.notifier ? dialog.notifier.enabled : false
                text: qsTr("Show message text in notifications")
                checked: dialog.notifier ? dialog.notifier.showText : false
                onToggled: dialog.notifier.showText = checked
            }
            Label {
                visible: dialog.notifier !== null
                Layout.fillWidth: true
                textFormat: Text.PlainText
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.7
                text: qsTr("Off: a notification only says \u201cNew message in\u201d and the matter, so a locked screen never shows what a client wrote.")
            }
            Label {
                objectName: "notificationsStatus"
                visible: dialog.notifier !== null && dialog.notifier.status !== ""
                Layout.fillWidth: true
                textFormat: Text.PlainText
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                text: dialog.notifier ? dialog.notifier.status : ""
            }
            Label { textFormat: Text.PlainText; text: qsTr("Change passphrase"); font.bold: true }
            TextField {
                id: currentPass
                objectName: "currentPassphrase"
                Layout.fillWidth: true
                echoMode: TextInput.Password
                placeholderText: qsTr("Current passphrase")
                Accessible.name: qsTr("Current passphrase")
            }
            PassphraseFields {
                id: newPass
                prefix: "change"
                Layout.fillWidth: true
                session: dialog.session
            }
            Label {
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: session.passphraseRule
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.7
            }
            Button {
                objectName: "changePassphraseButton"
                text: qsTr("Change passphrase")
                // The controller checks the rule and says what it is; the key derivation runs off
                // the GUI thread.
                enabled: currentPass.text.length > 0 && newPass.acceptable && !session.busy
                Accessible.name: qsTr("Change passphrase")
                onClicked: session.changePassphraseInBackground(currentPass.text, newPass.text)
                Connections {
                    target: dialog.session
                    function onPassphraseChangeFinished(ok) {
                        if (!ok) return
                        currentPass.text = ""
                        newPass.clear()
                        dialog.close()
                    }
                }
            }
            Label { textFormat: Text.PlainText; text: qsTr("Lock"); font.bold: true }
            RowLayout {
                Layout.fillWidth: true
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    wrapMode: Text.WordWrap
                    text: qsTr("Lock after no use for")
                }
                ComboBox {
                    id: idleChoice
                    objectName: "idleLockChoice"
                    model: dialog.session.idleLock.choices
                    // What is in force: the user's choice, or the firm's maximum below it.
                    displayText: dialog.minutesText(dialog.session.idleLock.effectiveMinutes)
                    currentIndex: model.indexOf(dialog.session.idleLock.effectiveMinutes)
                    delegate: ItemDelegate {
                        // our words: a number of minutes in the app's words
                        required property int modelData
                        width: idleChoice.width
                        text: dialog.minutesText(modelData)
                    }
                    Accessible.name: qsTr("Lock Verbatim after this long without use")
                    onActivated: (index) => dialog.session.idleLock.minutes = model[index]
                }
            }
            Label {
                objectName: "idleLockFirmNote"
                Layout.fillWidth: true
                visible: dialog.session.idleLock.firmMaximum > 0
                textFormat: Text.PlainText
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.75
                text: qsTr("Your firm's policy locks Verbatim after at most %1 without use, so longer times and Never are not offered.")
                      .arg(dialog.minutesText(dialog.session.idleLock.firmMaximum))
            }
            Button {
                text: qsTr("Lock now (Ctrl+L)")
                Accessible.name: qsTr("Lock Verbatim")
                onClicked: { dialog.close(); session.lock() }
            }
            Button {
                id: eraseButton
                Layout.maximumWidth: dialog.availableWidth
                // A long text wraps inside the button instead of eliding.
                contentItem: Label {
                    text: eraseButton.text
                    font: eraseButton.font
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                }
                text: qsTr("Sign out and erase this device")
                Accessible.name: qsTr("Sign out and erase this device")
                onClicked: confirm.open()
            }
        }
    }
    Dialog {
        id: confirm
        title: qsTr("Erase this device?")
        header: PlainDialogHeader { dialog: confirm }
        modal: true
        Material.elevation: 0
        anchors.centerIn: Overlay.overlay
        standardButtons: Dialog.Yes | Dialog.No
        Label { textFormat: Text.PlainText; text: qsTr("All messages and keys on this device will be deleted. The firm's journal keeps its copy."); wrapMode: Text.WordWrap; width: 300 }
        onAccepted: { dialog.close(); session.eraseProfile() }
    }
    LinkDeviceDialog {
        id: linkDevice
        objectName: "linkDeviceDialog"
        session: dialog.session
        deviceLinking: dialog.deviceLinking
    }
}
