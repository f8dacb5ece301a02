import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Locked: the passphrase unwraps the database key. Under the firm's policy a few wrong
// passphrases in a row erase the device: the warning stays until the right one is entered.
Pane {
    id: page
    /// Unlocks; its `error` says why an attempt failed, `unlockWarning` what the policy does.
    required property SessionController session
    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 48, 380)
        spacing: 14
        Label {
            textFormat: Text.PlainText
            text: qsTr("Verbatim is locked")
            font.pixelSize: 22
            Layout.alignment: Qt.AlignHCenter
        }
        Label {
            objectName: "idleLockNote"
            Layout.alignment: Qt.AlignHCenter
            visible: page.session.idleLock.lockedByIdle
            textFormat: Text.PlainText
            opacity: 0.75
            // The time in force: the user's choice, or the firm's maximum below it.
            readonly property int minutes: page.session.idleLock.effectiveMinutes
            text: minutes === 1 ? qsTr("Locked after a minute without use.")
                  : minutes === 60 ? qsTr("Locked after an hour without use.")
                  : minutes % 60 === 0 ? qsTr("Locked after %n hour(s) without use.", "", minutes / 60)
                  : qsTr("Locked after %1 minutes without use.").arg(minutes)
        }
        TextField {
            id: pass
            objectName: "unlockPassphrase"
            Layout.fillWidth: true
            echoMode: TextInput.Password
            placeholderText: qsTr("Passphrase")
            Accessible.name: qsTr("Passphrase")
            focus: true
            onAccepted: unlockButton.clicked()
        }
        Button {
            id: unlockButton
            objectName: "unlockButton"
            Layout.fillWidth: true
            // The passphrase's key derivation takes a moment: it runs off the GUI thread.
            text: session.busy ? qsTr("Unlocking\u2026") : qsTr("Unlock")
            enabled: !session.busy
            highlighted: true
            Material.elevation: 0  // shadows need a GPU; the software renderer draws none
            Accessible.name: qsTr("Unlock")
            onClicked: if (!session.busy) session.unlockInBackground(pass.text)
        }
        Connections {
            target: page.session
            function onUnlockFinished(ok) { if (ok) pass.text = "" }
        }
        Label {
            objectName: "unlockError"
            Layout.fillWidth: true
            visible: session.error !== ""
            textFormat: Text.PlainText
            text: session.error
            color: Theme.error
            wrapMode: Text.WordWrap
            horizontalAlignment: Text.AlignHCenter
        }
        Rectangle {
            Layout.fillWidth: true
            visible: session.unlockWarning !== ""
            implicitHeight: warning.implicitHeight + 16
            radius: 6
            color: Theme.warnBackground(Material.theme === Material.Dark)
            Label {
                id: warning
                objectName: "unlockWarning"
                anchors.centerIn: parent
                width: parent.width - 20
                textFormat: Text.PlainText
                text: "\u26a0 " + session.unlockWarning
                color: Theme.warn(Material.theme === Material.Dark)
                font.bold: true
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                Accessible.role: Accessible.AlertMessage
                Accessible.name: session.unlockWarning
            }
        }
    }
}
