import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The recording notice an invited client reads before joining (ES-12, issue 22): who invited
// them to which matter, how long the firm keeps the record, its privacy notice and whether it
// may erase the client's copy (session.inviteNotice, from facts the client checked), then the
// canonical text. Accept joins; Decline joins nobody and sends nothing.
Pane {
    id: page
    /// The app's session controller (session), passed in by whoever shows this.
    required property SessionController session
    readonly property var facts: session.inviteNotice
    readonly property bool hasFacts: facts.invited !== undefined && facts.invited !== ""
    readonly property bool declined: facts.declined === true
    readonly property bool dark: Material.theme === Material.Dark
    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        ColumnLayout {
            width: Math.min(parent.width - 32, 520)
            x: (parent.width - width) / 2
            spacing: 12
            Item { Layout.preferredHeight: 8 }
            Label {
                textFormat: Text.PlainText
                text: page.declined ? qsTr("Invite declined") : qsTr("Recording notice")
                font.pixelSize: 24
                font.bold: true
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                opacity: 0.8
                visible: !page.declined
                textFormat: Text.PlainText
                text: qsTr("From %1 (notice version %2)").arg(page.hasFacts ? page.facts.firm : session.firmName).arg(session.noticeVersion)
            }
            // What this invite is and the firm's policy over it, each a plain sentence.
            Label {
                objectName: "noticeInvited"
                visible: page.hasFacts
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                font.bold: true
                text: page.facts.invited || ""
            }
            Label {
                objectName: "noticeRetention"
                visible: page.hasFacts && !page.declined
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: page.facts.retention || ""
            }
            Label {
                objectName: "noticePrivacy"
                visible: page.hasFacts && !page.declined
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: page.facts.privacyText || ""
            }
            // The privacy notice opens in the browser: only an https:// link the firm signed.
            Button {
                objectName: "privacyLink"
                visible: page.hasFacts && !page.declined && (page.facts.privacyUrl || "") !== ""
                Layout.fillWidth: true
                flat: true
                Material.foreground: Theme.link(page.dark)
                contentItem: Label {
                    textFormat: Text.PlainText
                    text: page.facts.privacyUrl || ""
                    font.underline: true
                    color: Theme.link(page.dark)
                    wrapMode: Text.WrapAnywhere
                    horizontalAlignment: Text.AlignLeft
                }
                Accessible.name: qsTr("Open the firm's privacy notice: %1").arg(page.facts.privacyUrl || "")
                onClicked: TextRuns.openLink(page.facts.privacyUrl)
            }
            Label {
                objectName: "noticeErase"
                visible: page.hasFacts && !page.declined
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: page.facts.erase || ""
            }
            Rectangle {
                visible: page.hasFacts && !page.declined
                Layout.fillWidth: true
                height: 1
                color: Material.dividerColor
            }
            // The canonical notice (version session.noticeVersion), exactly the text whose hash the
            // acceptance journals: shown as it is, never translated or reworded here.
            Label {
                objectName: "noticeText"
                visible: !page.declined
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: session.noticeText
            }
            // The same notice in the language shown (issue 23), to read; what is accepted and
            // journaled is the text above.
            Label {
                visible: !page.declined && session.noticeTranslation !== ""
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                font.bold: true
                text: qsTr("Translation, for reading: what you accept is the text above")
            }
            Label {
                objectName: "noticeTranslation"
                visible: !page.declined && session.noticeTranslation !== ""
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: session.noticeTranslation
            }
            Label {
                objectName: "declinedText"
                visible: page.declined
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: page.facts.declinedText || ""
            }
            Label {
                objectName: "noticeError"
                visible: session.error !== ""
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                color: Theme.bad(page.dark)
                text: session.error
            }
            Button {
                Layout.fillWidth: true
                objectName: "acceptNotice"
                visible: !page.declined
                enabled: !session.busy
                text: page.facts.pending === true ? qsTr("Accept and join") : qsTr("I understand and accept")
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                Accessible.name: qsTr("Accept the recording notice")
                onClicked: session.acceptNoticeInBackground()
            }
            // Only before joining: declining sends nothing and registers nobody.
            Button {
                Layout.fillWidth: true
                objectName: "declineNotice"
                visible: page.facts.pending === true
                enabled: !session.busy
                text: qsTr("Decline")
                flat: true
                Material.foreground: Theme.bad(page.dark) // destructive: it looks it
                Accessible.name: qsTr("Decline the invite: nothing is sent and you do not join")
                onClicked: session.declineInviteInBackground()
            }
            Button {
                Layout.fillWidth: true
                objectName: "startAgain"
                visible: page.declined
                text: qsTr("Done")
                Material.elevation: 0
                onClicked: session.setUpAgain()
            }
            Item { Layout.preferredHeight: 8 }
        }
    }
}
