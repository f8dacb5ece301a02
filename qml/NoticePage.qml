import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

// The recording notice an invited client must accept before sending (ES-12).
Pane {
    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        ColumnLayout {
            width: Math.min(parent.width - 32, 520)
            x: (parent.width - width) / 2
            spacing: 16
            Item { Layout.preferredHeight: 16 }
            Label {
                textFormat: Text.PlainText
                text: qsTr("This conversation is recorded")
                font.pixelSize: 24
                font.bold: true
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: qsTr("%1 is required to keep records. Every message you send or receive here, including messages that are later edited or deleted, is also kept in the firm's encrypted journal and may be reviewed by its compliance officers.").arg(app.firmName)
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                opacity: 0.8
                textFormat: Text.PlainText
                text: qsTr("Messages are end-to-end encrypted: the service that carries them cannot read them. Only you, the people in the conversation and the firm's journal can.")
            }
            Button {
                Layout.fillWidth: true
                objectName: "acceptNotice"
                text: qsTr("I understand and accept")
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                Accessible.name: qsTr("Accept the recording notice")
                onClicked: app.acceptNotice()
            }
        }
    }
}
