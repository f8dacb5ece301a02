import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// A lawyer's invites (issue 16 item 7): every invite link they made, which matter it is for,
// whether a client joined through it (and who), and a way to revoke one that is still open so
// that its link enrols nobody. Opened for one matter (issue 23: conversationId set) it lists only
// that matter's invites, each with its state and expiry, and makes a new one. Matter titles and
// client names are shown as plain text.
Dialog {
    id: dialog
    objectName: "invitesDialog"
    title: conversationId === "" ? qsTr("Your invites") : qsTr("Invites to %1").arg(matterTitle)
    header: PlainDialogHeader { dialog: dialog }
    modal: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 24 : 480, 520)
    height: Math.min(560, Overlay.overlay ? Overlay.overlay.height - 24 : 560)
    standardButtons: Dialog.Close
    readonly property bool dark: Material.theme === Material.Dark
    /// The app's root controller, whose client talks to the relay (Main.qml passes it in).
    required property AppController appController
    /// The matter whose invites are listed ("": every invite) and its title, for the heading.
    property string conversationId: ""
    property string matterTitle: ""
    /// The invite made last in this dialog (web form), shown with its QR code until closed.
    property string newLink: ""
    onOpened: { newLink = ""; controller.refresh() }

    InvitesController {
        id: controller
        objectName: "invitesController"
        appController: dialog.appController
        conversationId: dialog.conversationId
        onCreated: (link) => dialog.newLink = link
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            font.pixelSize: 12
            opacity: 0.75
            text: qsTr("An invite works once. Revoke one you sent to the wrong person: its link then lets nobody join.")
        }
        RowLayout {
            Layout.fillWidth: true
            visible: matterChoice.count > 2
            Label { textFormat: Text.PlainText; text: qsTr("Matter:") }
            ComboBox {
                id: matterChoice
                objectName: "inviteMatterChoice"
                Layout.fillWidth: true
                model: [{ conversationId: "", title: qsTr("All matters") }].concat(controller.invites.matters)
                textRole: "title"
                valueRole: "conversationId"
                currentIndex: Math.max(0, indexOfValue(dialog.conversationId))
                Accessible.name: qsTr("Show the invites to one matter")
                onActivated: {
                    dialog.conversationId = currentValue
                    dialog.matterTitle = currentValue === "" ? "" : currentText
                    dialog.newLink = ""
                }
            }
        }
        Button {
            objectName: "newInviteButton"
            visible: dialog.conversationId !== ""
            enabled: !controller.busy
            text: qsTr("New invite")
            Accessible.name: qsTr("Make a new invite link to %1").arg(dialog.matterTitle)
            onClicked: controller.create(dialog.conversationId)
        }
        RowLayout {
            visible: dialog.newLink !== ""
            Layout.fillWidth: true
            spacing: 8
            Image {
                source: dialog.newLink !== "" ? "image://qr/" + encodeURIComponent(dialog.newLink) : ""
                sourceSize.width: 120
                sourceSize.height: 120
                Accessible.name: qsTr("QR code of the invite link")
            }
            ColumnLayout {
                Layout.fillWidth: true
                TextField {
                    objectName: "newInviteLink"
                    Layout.fillWidth: true
                    readOnly: true
                    text: dialog.newLink
                    Accessible.name: qsTr("Invite link")
                }
                Button {
                    text: qsTr("Copy")
                    Accessible.name: qsTr("Copy the invite link")
                    onClicked: dialog.appController.copyToClipboard(dialog.newLink)
                }
            }
        }
        Label {
            objectName: "invitesError"
            Layout.fillWidth: true
            visible: controller.error !== ""
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            text: controller.error
            color: Theme.bad(dialog.dark)
        }
        BusyIndicator {
            Layout.alignment: Qt.AlignHCenter
            visible: controller.busy && list.count === 0
            running: visible
        }
        Label {
            Layout.fillWidth: true
            visible: !controller.busy && list.count === 0 && controller.error === ""
            horizontalAlignment: Text.AlignHCenter
            textFormat: Text.PlainText
            text: dialog.conversationId === "" ? qsTr("You have not made any invites.")
                                               : qsTr("No invites to this matter yet.")
        }
        ListView {
            id: list
            objectName: "invitesList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 6
            model: controller.invites
            delegate: Frame {
                id: row
                required property string inviteId
                required property string matter
                required property string stateText
                required property string datesText
                required property string expiresText
                required property string stateLabel
                required property string state
                required property bool canRevoke
                width: ListView.view.width
                RowLayout {
                    anchors.fill: parent
                    spacing: 8
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        RowLayout {
                            Layout.fillWidth: true
                            Label {
                                objectName: "inviteMatter"
                                Layout.fillWidth: true
                                textFormat: Text.PlainText
                                elide: Text.ElideRight
                                font.bold: true
                                text: row.matter
                            }
                            // The state as a chip: pending stands out, the rest are done with.
                            Label {
                                objectName: "inviteStateLabel"
                                textFormat: Text.PlainText
                                text: row.stateLabel
                                font.pixelSize: 12
                                font.bold: true
                                leftPadding: 8; rightPadding: 8; topPadding: 2; bottomPadding: 2
                                color: row.state === "open" ? "white" : dialog.Material.foreground
                                background: Rectangle {
                                    radius: height / 2
                                    color: row.state === "open" ? Material.accent : "transparent"
                                    border.width: row.state === "open" ? 0 : 1
                                    border.color: Material.dividerColor
                                }
                            }
                        }
                        Label {
                            objectName: "inviteState"
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            wrapMode: Text.WordWrap
                            text: row.stateText
                        }
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            font.pixelSize: 12
                            opacity: 0.75
                            text: row.datesText
                        }
                        Label {
                            objectName: "inviteExpires"
                            visible: row.state === "open" || row.state === "expired"
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            font.pixelSize: 12
                            text: row.expiresText
                        }
                    }
                    Button {
                        objectName: "revokeInviteButton"
                        property string inviteId: row.inviteId
                        visible: row.canRevoke
                        enabled: !controller.busy
                        text: qsTr("Revoke")
                        flat: true
                        Material.foreground: Theme.bad(dialog.dark) // destructive: it looks it
                        Accessible.name: qsTr("Revoke the invite to %1").arg(row.matter)
                        onClicked: controller.revoke(row.inviteId)
                    }
                }
            }
        }
    }
}
