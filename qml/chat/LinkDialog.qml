import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Where a link goes, in full, before the browser opens it (and learns the reader's address and
// when they read the message). Only http and https open (TextRuns.openLink).
Dialog {
    id: linkDialog
    objectName: "linkDialog"
    /// Copies the link when asked.
    required property ChatController chat
    property string url: ""
    title: qsTr("Open this link?")
    header: PlainDialogHeader { dialog: linkDialog }
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 460, 460)
    modal: true
    Material.elevation: 0
    ColumnLayout {
        width: parent.width
        spacing: 8
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            font.pixelSize: 12
            opacity: 0.8
            textFormat: Text.PlainText
            text: qsTr("Your browser will open this address; the site then learns that you followed it, and when. It goes to:")
        }
        Label {
            objectName: "linkHost"
            Layout.fillWidth: true
            font.bold: true
            wrapMode: Text.WrapAnywhere
            textFormat: Text.PlainText
            text: TextRuns.linkHost(linkDialog.url)
        }
        Label {
            objectName: "linkUrl"
            Layout.fillWidth: true
            wrapMode: Text.WrapAnywhere
            maximumLineCount: 12
            elide: Text.ElideRight
            font.family: "monospace"
            font.pixelSize: 12
            textFormat: Text.PlainText
            text: linkDialog.url
        }
    }
    footer: DialogButtonBox {
        Button {
            objectName: "linkCancelButton"
            text: qsTr("Cancel")
            flat: true
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
        Button {
            objectName: "linkCopyButton"
            text: qsTr("Copy link")
            flat: true
            DialogButtonBox.buttonRole: DialogButtonBox.ActionRole
            onClicked: { linkDialog.chat.copyMessageText(linkDialog.url); linkDialog.close() }
        }
        Button {
            objectName: "linkOpenButton"
            text: qsTr("Open in browser")
            flat: true
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
    }
    onAccepted: TextRuns.openLink(url)
}
