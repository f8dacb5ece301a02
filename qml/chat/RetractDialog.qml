import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Verbatim
import Verbatim.Common

// "Delete for everyone" cannot be undone on the other devices: it asks first (messageId set
// before it opens).
Dialog {
    id: retractDialog
    objectName: "retractDialog"
    /// Retracts the message when confirmed.
    required property ChatController chat
    property string messageId
    title: qsTr("Delete for everyone?")
    header: PlainDialogHeader { dialog: retractDialog }
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 420, 420)
    modal: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    Label {
        // Not availableWidth: the dialog's implicit height would loop through it.
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 80 : 372, 372)
        wrapMode: Label.Wrap
        textFormat: Text.PlainText
        text: qsTr("The message disappears from every member's devices. The firm's journal keeps it.")
    }
    standardButtons: Dialog.Ok | Dialog.Cancel
    Component.onCompleted: {
        const ok = standardButton(Dialog.Ok)
        ok.text = qsTr("Delete for everyone")
        ok.objectName = "retractConfirmButton"
        ok.Material.foreground = Theme.error
        standardButton(Dialog.Cancel).objectName = "retractCancelButton"
    }
    onAccepted: chat.retract(messageId)
}
