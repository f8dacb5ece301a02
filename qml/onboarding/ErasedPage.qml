import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The profile is gone: the firm's administrator wiped this device, or the firm's policy erased
// it at unlock (too many wrong passphrases, too long without reaching the firm).
Pane {
    id: page
    /// The app's session controller (session), passed in by whoever shows this.
    required property SessionController session
    objectName: "erasedPage"
    readonly property bool dark: Material.theme === Material.Dark

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        ColumnLayout {
            width: Math.min(parent.width - 48, 460)
            x: (parent.width - width) / 2
            spacing: 16
            Item { Layout.preferredHeight: 48 }
            Rectangle {
                Layout.alignment: Qt.AlignHCenter
                width: 72; height: 72; radius: 36
                color: Theme.badBackground(page.dark)
                Label {
                    anchors.centerIn: parent
                    textFormat: Text.PlainText
                    text: "\u2716"
                    font.pixelSize: 30
                    color: Theme.bad(page.dark)
                    Accessible.ignored: true
                }
            }
            Label {
                objectName: "erasedTitle"
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                textFormat: Text.PlainText
                text: session.erasedByFirm ? qsTr("This device was erased by %1").arg(session.erasedFirm)
                                       : qsTr("This device erased itself")
                font.pixelSize: 24
                font.bold: true
                wrapMode: Text.WordWrap
                Accessible.role: Accessible.Heading
                Accessible.name: text
            }
            Label {
                objectName: "erasedReason"
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                textFormat: Text.PlainText
                text: session.erasedReason
                wrapMode: Text.WordWrap
                Accessible.name: text
            }
            Label {
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                textFormat: Text.PlainText
                text: qsTr("Nothing of your conversations is left on this device, and its keys can no longer read them. To use Verbatim here again, ask your firm for a new enrollment link (staff) or your lawyer for a new invite (clients).")
                wrapMode: Text.WordWrap
                opacity: 0.75
                font.pixelSize: 13
                Accessible.name: text
            }
            Button {
                objectName: "setUpAgainButton"
                Layout.fillWidth: true
                Layout.topMargin: 8
                text: qsTr("Set up again")
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                Accessible.name: qsTr("Set up Verbatim again with a new link")
                onClicked: session.setUpAgain()
            }
        }
    }
}
