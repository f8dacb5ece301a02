import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The recording notice an invited client must accept before sending (ES-12).
Pane {
    /// The app's session controller (session), passed in by whoever shows this.
    required property SessionController session
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
                text: qsTr("Recording notice")
                font.pixelSize: 24
                font.bold: true
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
            }
            // The canonical notice (version session.noticeVersion), exactly the text whose hash the
            // acceptance journals: shown as it is, never translated or reworded here.
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                opacity: 0.8
                textFormat: Text.PlainText
                text: qsTr("From %1 (notice version %2)").arg(session.firmName).arg(session.noticeVersion)
            }
            Label {
                objectName: "noticeText"
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: session.noticeText
            }
            Button {
                Layout.fillWidth: true
                objectName: "acceptNotice"
                text: qsTr("I understand and accept")
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                Accessible.name: qsTr("Accept the recording notice")
                onClicked: session.acceptNotice()
            }
        }
    }
}
