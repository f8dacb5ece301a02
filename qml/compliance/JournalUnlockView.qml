import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Unlocking the journal key: the key file(s), their passphrase and where the encrypted archive
// lives on this computer. Shown while the ComplianceController is locked.
ScrollView {
    id: unlockView
    /// The page's ComplianceController.
    required property ComplianceController compliance
    readonly property bool dark: Material.theme === Material.Dark
    contentWidth: availableWidth
    ColumnLayout {
        width: Math.min(unlockView.availableWidth - 48, 460)
        x: (unlockView.availableWidth - width) / 2
        spacing: 12
        Item { Layout.preferredHeight: 24 }
        Label {
            Layout.fillWidth: true
            textFormat: Text.PlainText
            text: qsTr("Compliance journal")
            font.pixelSize: 24
            font.bold: true
            wrapMode: Text.WordWrap
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            opacity: 0.8
            textFormat: Text.PlainText
            text: qsTr("Unlock the firm's journal key to pull the journal from the relay, verify it, search it and export it. The archive on this computer is encrypted under the same key.")
        }
        Label { textFormat: Text.PlainText; text: qsTr("Journal key"); font.pixelSize: 12; opacity: 0.7 }
        TextField {
            id: keyField
            objectName: "journalKeyField"
            Layout.fillWidth: true
            placeholderText: qsTr("Journal key file (journal.key; after a rotation, all of them, comma-separated)")
            // A hint longer than the field (a phone, German) elides: the tooltip shows it whole,
            // and goes with the view once the key is unlocked.
            ToolTip.visible: (hovered || pressed) && text === "" && visible
            ToolTip.text: placeholderText
            Accessible.name: qsTr("Journal key file")
        }
        TextField {
            id: passField
            objectName: "journalPassphraseField"
            Layout.fillWidth: true
            echoMode: TextInput.Password
            placeholderText: qsTr("Passphrase of the journal key")
            Accessible.name: qsTr("Passphrase of the journal key")
            onAccepted: unlockButton.clicked()
        }
        Label { textFormat: Text.PlainText; text: qsTr("Archive on this computer (encrypted)"); font.pixelSize: 12; opacity: 0.7 }
        TextField {
            objectName: "archivePathField"
            Layout.fillWidth: true
            text: compliance.archivePath
            placeholderText: qsTr("Archive file")
            Accessible.name: qsTr("Archive file")
            onEditingFinished: compliance.archivePath = text
        }
        Button {
            id: unlockButton
            objectName: "journalUnlockButton"
            Layout.fillWidth: true
            text: qsTr("Unlock journal")
            highlighted: true
            enabled: !compliance.busy && keyField.text !== "" && passField.text !== ""
            Material.elevation: 0  // shadows need a GPU; the software renderer draws none
            Accessible.name: qsTr("Unlock the journal key")
            onClicked: compliance.unlock(keyField.text, passField.text)
        }
        RowLayout {
            Layout.fillWidth: true
            visible: compliance.busy
            BusyIndicator { running: compliance.busy; implicitWidth: 28; implicitHeight: 28 }
            Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: compliance.progress; wrapMode: Text.WordWrap }
        }
        Label {
            objectName: "unlockError"
            Layout.fillWidth: true
            visible: compliance.error !== ""
            textFormat: Text.PlainText
            text: compliance.error
            color: Theme.bad(unlockView.dark)
            wrapMode: Text.WordWrap
        }
    }
    Connections {
        target: compliance
        function onUnlockFinished(ok) { if (ok) passField.text = "" }
    }
}
