import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// One attachment of a message (issue 23). An image: its thumbnail, shown at once from the
// message itself (before any download) at its own aspect ratio; a click opens the viewer.
// Anything else, or an image whose thumbnail was refused: an icon with the file's type, its name
// and size, and Open and Save. Open and Save are hidden where the firm's device policy forbids
// taking files out of the app (issue 22), with why.
ColumnLayout {
    id: tile
    /// The attachment: one entry of the message model's "files" role.
    required property var file
    required property string messageId
    /// Saves and opens (AttachmentsController); the chat pane that shows the viewer and dialogs.
    property AttachmentsController attachments: null
    property var chat: null
    /// The widest the tile may be.
    property real maxWidth: 240
    /// The box a thumbnail is fitted into, in pixels.
    readonly property real box: Math.min(240, maxWidth)
    readonly property bool showsImage: file.thumbnail !== "" && thumb.status !== Image.Error
    spacing: 2

    Image {
        id: thumb
        objectName: "attachmentThumbnail"
        property string messageKey: tile.messageId
        property int attachmentIndex: tile.file.index
        visible: tile.showsImage
        // The thumbnail's own pixels give the shape (never the size the sender claims); small
        // ones are enlarged at most twice.
        readonly property real fit: Math.min(2, tile.box / Math.max(1, tile.file.thumbWidth),
                                             tile.box / Math.max(1, tile.file.thumbHeight))
        Layout.preferredWidth: visible ? Math.round(tile.file.thumbWidth * fit) : 0
        Layout.preferredHeight: visible ? Math.round(tile.file.thumbHeight * fit) : 0
        source: tile.file.thumbnail
        // Decoded at the size shown (the provider only ever scales down): a smaller texture to
        // draw while scrolling, and the implicit size is the shown one before any layout pass.
        sourceSize: Qt.size(Math.max(1, Math.round(tile.file.thumbWidth * fit)),
                            Math.max(1, Math.round(tile.file.thumbHeight * fit)))
        // From the message in memory, decoded in a millisecond: synchronous, so the bubble
        // never shows an empty box first (and the provider may read the controller).
        asynchronous: false
        fillMode: Image.PreserveAspectFit
        smooth: true
        Accessible.role: Accessible.Button
        Accessible.name: qsTr("Image %1, %2: show it").arg(tile.file.name).arg(tile.file.sizeText)
        MouseArea {
            anchors.fill: parent
            cursorShape: Qt.PointingHandCursor
            onClicked: if (tile.chat) tile.chat.viewImage(tile.messageId, tile.file.index)
        }
    }

    RowLayout {
        visible: !tile.showsImage
        Layout.fillWidth: true
        Layout.maximumWidth: tile.maxWidth
        spacing: 8
        Rectangle {
            implicitWidth: 32
            implicitHeight: 40
            radius: 4
            color: Theme.attachmentBackground(Material.theme === Material.Dark)
            border.color: Material.dividerColor
            Label {
                anchors.centerIn: parent
                textFormat: Text.PlainText
                text: tile.file.type !== "" ? tile.file.type : "\u2026"
                font.pixelSize: 9
                font.bold: true
                opacity: 0.7
            }
        }
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 0
            Label {
                objectName: "attachmentName"
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: tile.file.name
                font.bold: true
                elide: Label.ElideMiddle
            }
            Label {
                objectName: "attachmentSize"
                textFormat: Text.PlainText
                text: tile.file.sizeText
                font.pixelSize: 11
                opacity: 0.7
            }
        }
        Label {
            objectName: "saveNotAllowed"
            property string messageKey: tile.messageId
            visible: tile.attachments ? !tile.attachments.maySave : false
            Layout.maximumWidth: 140
            textFormat: Text.PlainText
            text: tile.attachments ? tile.attachments.saveRefusal : ""
            wrapMode: Text.Wrap
            font.pixelSize: 10
            opacity: 0.7
        }
        Button {
            objectName: "openAttachmentButton"
            property string messageKey: tile.messageId
            property int attachmentIndex: tile.file.index
            visible: tile.attachments ? tile.attachments.maySave : true
            flat: true
            enabled: !!tile.attachments && tile.attachments.openingAttachment === ""
            text: tile.attachments && tile.attachments.openingAttachment === tile.messageId ? qsTr("Opening\u2026") : qsTr("Open")
            Accessible.name: qsTr("Open %1").arg(tile.file.name)
            onClicked: tile.attachments.openAttachment(tile.messageId, tile.file.index)
        }
        Button {
            objectName: "saveAttachmentButton"
            property string messageKey: tile.messageId
            property int attachmentIndex: tile.file.index
            visible: tile.attachments ? tile.attachments.maySave : true
            flat: true
            enabled: !!tile.attachments && tile.attachments.savingAttachment === ""
            text: tile.attachments && tile.attachments.savingAttachment === tile.messageId ? qsTr("Saving\u2026") : qsTr("Save")
            Accessible.name: qsTr("Save %1").arg(tile.file.name)
            onClicked: if (tile.chat) tile.chat.saveAttachment(tile.messageId, tile.file.name, tile.file.index)
        }
    }
}
