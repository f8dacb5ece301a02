import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// First start: paste (or open) an enrollment or invite link, choose a name, a passphrase (typed
// twice, with a strength hint) and this device's name.
Pane {
    id: page
    /// Joins with the link; its `error` says why a join failed.
    required property SessionController session
    property string link: ""

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        ColumnLayout {
            width: Math.min(parent.width - 32, 460)
            x: (parent.width - width) / 2
            spacing: 14
            Item { Layout.preferredHeight: 24 }
            Label {
                // Wraps: "Willkommen bei Verbatim" at 26 px is wider than a phone's column, and a
                // label that cannot wrap holds the whole column at its width.
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: qsTr("Welcome to Verbatim")
                font.pixelSize: 26
                font.bold: true
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                opacity: 0.8
                textFormat: Text.PlainText
                text: qsTr("Secure messaging with your law firm. Paste the link you received from the firm (it starts with verbatim://).")
            }
            TextField {
                id: linkField
                objectName: "linkField"
                Layout.fillWidth: true
                placeholderText: qsTr("verbatim://join?…")
                text: page.link
                Accessible.name: qsTr("Invitation or enrollment link")
                KeyNavigation.tab: nameField
            }
            TextField {
                id: nameField
                objectName: "nameField"
                Layout.fillWidth: true
                placeholderText: qsTr("Your name, as the firm will see it")
                Accessible.name: qsTr("Your name")
            }
            PassphraseFields {
                id: passFields
                prefix: "join"
                Layout.fillWidth: true
                session: page.session
                placeholder: qsTr("A passphrase to lock Verbatim on this device")
                onAccepted: if (joinButton.enabled) joinButton.clicked()
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.7
                textFormat: Text.PlainText
                text: session.passphraseRule + " " + qsTr("The passphrase encrypts everything Verbatim keeps on this device. Nobody, not even the firm, can recover it.")
            }
            TextField {
                id: deviceField
                objectName: "deviceNameField"
                Layout.fillWidth: true
                text: page.session.defaultDeviceName
                maximumLength: 64
                placeholderText: qsTr("This device's name")
                Accessible.name: qsTr("This device's name, as your devices list shows it")
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.7
                textFormat: Text.PlainText
                text: qsTr("The name tells your devices apart in Settings, so that you can unlink one you lose.")
            }
            Button {
                id: joinButton
                objectName: "joinButton"
                Layout.fillWidth: true
                text: qsTr("Join")
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                // The controller checks the passphrase rule and says what it is.
                // Joining asks the relay: it runs in the background (joinFinished ends it).
                property bool busy: false
                enabled: !busy && linkField.text.length > 0 && passFields.acceptable
                Accessible.name: qsTr("Join with this link")
                onClicked: busy = session.joinInBackground(linkField.text, nameField.text, passFields.text, deviceField.text)
                Connections {
                    target: page.session
                    function onJoinFinished(ok) { joinButton.busy = false }
                }
            }
            Label {
                Layout.fillWidth: true
                visible: session.error !== ""
                textFormat: Text.PlainText
                text: session.error
                color: Theme.error
                wrapMode: Text.WordWrap
            }
        }
    }
}
