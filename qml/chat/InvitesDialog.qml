import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// A lawyer's invites (issue 16 item 7): every invite link they made, which matter it is for,
// whether a client joined through it (and who), and a way to revoke one that is still open so
// that its link enrols nobody. Matter titles and client names are shown as plain text.
Dialog {
    id: dialog
    objectName: "invitesDialog"
    title: qsTr("Your invites")
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
    onOpened: controller.refresh()

    InvitesController {
        id: controller
        objectName: "invitesController"
        appController: dialog.appController
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
            text: qsTr("You have not made any invites.")
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
                required property bool canRevoke
                width: ListView.view.width
                RowLayout {
                    anchors.fill: parent
                    spacing: 8
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            objectName: "inviteMatter"
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            elide: Text.ElideRight
                            font.bold: true
                            text: row.matter
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
                    }
                    Button {
                        objectName: "revokeInviteButton"
                        property string inviteId: row.inviteId
                        visible: row.canRevoke
                        enabled: !controller.busy
                        text: qsTr("Revoke")
                        Accessible.name: qsTr("Revoke the invite to %1").arg(row.matter)
                        onClicked: controller.revoke(row.inviteId)
                    }
                }
            }
        }
    }
}
