import QtQuick
import QtQuick.Dialogs
import QtQuick.Controls
import QtQuick.Controls.Material
import Verbatim
import Verbatim.Common

// Choosing the file to attach and where to save a received one. The dialogs only pick a file;
// the controller does the work. The file dialogs exist only where they can open (see
// AttachmentsController::filePickerAvailable); elsewhere a path is typed.
Item {
    id: dialogs
    /// Attaches and saves; says whether a file dialog can open here.
    required property AttachmentsController attachments

    /// Asks for a file to attach, then attaches it.
    function pickAttachment() {
        if (attachments.filePickerAvailable) attachPicker.item.open()
        else {
            attachPathField.text = ""
            attachPathDialog.open()
        }
    }
    /// Asks where to save attachment `index` of a received message, then saves it.
    function saveAttachment(id, name, index) {
        if (attachments.filePickerAvailable) {
            savePicker.item.messageId = id
            savePicker.item.attachmentIndex = index
            savePicker.item.selectedFile = attachments.suggestedSaveUrl(name)
            savePicker.item.open()
        } else {
            savePathDialog.messageId = id
            savePathDialog.attachmentIndex = index
            savePathField.text = attachments.suggestedSavePath(name)
            savePathDialog.open()
        }
    }

    Loader {
        id: attachPicker
        active: attachments.filePickerAvailable
        sourceComponent: FileDialog {
            objectName: "attachDialog"
            title: qsTr("Attach files")
            // Several at once: they go as one message.
            fileMode: FileDialog.OpenFiles
            onAccepted: dialogs.attachments.attachFiles(selectedFiles)
        }
    }
    Loader {
        id: savePicker
        active: attachments.filePickerAvailable
        sourceComponent: FileDialog {
            objectName: "saveAttachmentDialog"
            property string messageId
            property int attachmentIndex: 0
            title: qsTr("Save the attachment")
            fileMode: FileDialog.SaveFile
            onAccepted: dialogs.attachments.saveAttachment(messageId, selectedFile, attachmentIndex)
        }
    }
    Dialog {
        id: attachPathDialog
        objectName: "attachPathDialog"
        title: qsTr("Attach a file")
        header: PlainDialogHeader { dialog: attachPathDialog }
        anchors.centerIn: Overlay.overlay
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 420, 420)
        modal: true
        Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
        standardButtons: Dialog.Ok | Dialog.Cancel
        onOpened: attachPathField.forceActiveFocus()
        onAccepted: attachments.attach(attachments.fileUrl(attachPathField.text))
        TextField {
            id: attachPathField
            objectName: "attachPathField"
            width: parent.width
            placeholderText: qsTr("/path/to/file.pdf")
            Accessible.name: qsTr("Path of the file to attach")
            onAccepted: attachPathDialog.accept()
        }
    }
    Dialog {
        id: savePathDialog
        objectName: "savePathDialog"
        property string messageId
        property int attachmentIndex: 0
        title: qsTr("Save the attachment")
        header: PlainDialogHeader { dialog: savePathDialog }
        anchors.centerIn: Overlay.overlay
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 420, 420)
        modal: true
        Material.elevation: 0
        standardButtons: Dialog.Save | Dialog.Cancel
        onOpened: savePathField.forceActiveFocus()
        onAccepted: attachments.saveAttachment(messageId, attachments.fileUrl(savePathField.text), attachmentIndex)
        TextField {
            id: savePathField
            objectName: "savePathField"
            width: parent.width
            Accessible.name: qsTr("Where to save the attachment")
            onAccepted: savePathDialog.accept()
        }
    }
}
