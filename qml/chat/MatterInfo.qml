import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Participants, the journaling notice, and (for lawyers) an invite link with its QR code.
Dialog {
    id: dialog
    /// The open conversation: its title, participants, invites into it, copying.
    required property ChatController chat
    /// Who this user is (no safety number with oneself), the firm, whether they may invite.
    required property SessionController session
    objectName: "matterInfo"
    title: chat.currentTitle
    header: PlainDialogHeader { dialog: dialog }
    modal: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 400, 460)
    standardButtons: Dialog.Close
    property string invite: ""
    /// The relay is making an invite (chat.createInvite() answers with inviteCreated).
    property bool inviting: false
    onOpened: { invite = ""; inviting = false }

    Connections {
        target: dialog.chat
        function onInviteCreated(link) {
            dialog.inviting = false
            if (link !== "") dialog.invite = link
        }
    }

    ColumnLayout {
        width: parent.width
        spacing: 10
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            font.pixelSize: 12
            opacity: 0.8
            textFormat: Text.PlainText
            text: chat.currentIsMatter ? qsTr("Every message in this matter is sealed to %1's journal. Deleting or editing a message never removes the journal copy.").arg(session.firmName)
                                      : qsTr("End-to-end encrypted.")
        }
        Label {
            objectName: "matterInfoNumber"
            visible: chat.currentMatterNumber !== ""
            Layout.fillWidth: true
            textFormat: Text.PlainText
            elide: Text.ElideRight
            text: qsTr("Matter number: %1").arg(chat.currentMatterNumber)
        }
        Switch {
            objectName: "muteSwitch"
            text: qsTr("Mute notifications")
            Accessible.name: qsTr("Mute notifications of this conversation")
            // muteRevision makes the binding read isMuted() again after a change.
            checked: chat.notifier.muteRevision >= 0 && chat.notifier.isMuted(chat.currentConversation)
            onToggled: chat.notifier.setMuted(chat.currentConversation, checked)
        }
        Label { textFormat: Text.PlainText; text: qsTr("Participants"); font.bold: true }
        Repeater {
            model: chat.participants
            delegate: RowLayout {
                Layout.fillWidth: true
                Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: TextRuns.isolate(name) + "  \u00b7  " + TextRuns.roleName(role); elide: Label.ElideRight }
                Button {
                    objectName: "safetyNumberButton"
                    property string participant: user
                    flat: true
                    visible: user !== session.userId
                    text: qsTr("Safety number")
                    Accessible.name: qsTr("Safety number with %1").arg(name)
                    onClicked: { safety.user = user; safety.name = name; safety.open() }
                }
            }
        }
        Button {
            visible: session.canInvite && chat.currentIsMatter
            text: qsTr("Invite a client")
            Accessible.name: qsTr("Create an invite link for a client")
            enabled: !dialog.inviting
            onClicked: { dialog.inviting = true; chat.createInvite() }
        }
        Image {
            visible: dialog.invite !== ""
            Layout.alignment: Qt.AlignHCenter
            source: dialog.invite !== "" ? "image://qr/" + encodeURIComponent(dialog.invite) : ""
            sourceSize.width: 200
            sourceSize.height: 200
            Accessible.name: qsTr("QR code of the invite link")
        }
        RowLayout {
            visible: dialog.invite !== ""
            Layout.fillWidth: true
            TextField { Layout.fillWidth: true; readOnly: true; text: dialog.invite; Accessible.name: qsTr("Invite link") }
            Button { text: qsTr("Copy"); Accessible.name: qsTr("Copy the invite link"); onClicked: dialog.chat.copyText(dialog.invite) }
        }
    }
    SafetyNumberDialog { id: safety; chat: dialog.chat }
}
