import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

// Locked: the passphrase unwraps the database key.
Pane {
    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 48, 380)
        spacing: 14
        Label {
            text: qsTr("Verbatim is locked")
            font.pixelSize: 22
            Layout.alignment: Qt.AlignHCenter
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
            text: qsTr("Unlock")
            highlighted: true
            Material.elevation: 0  // shadows need a GPU; the software renderer draws none
            Accessible.name: qsTr("Unlock")
            onClicked: { if (app.unlock(pass.text)) pass.text = "" }
        }
        Label {
            Layout.fillWidth: true
            visible: app.error !== ""
            text: app.error
            color: "#c62828"
            wrapMode: Text.WordWrap
            horizontalAlignment: Text.AlignHCenter
        }
    }
}
