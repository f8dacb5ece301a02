import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common
import Verbatim.Chat

// A message's voice notes and images on the compliance page (issue 23), from the archive's own
// copy: a voice note plays with the chat's player (length, waveform, play / pause, position), an
// image shows the sender's thumbnail, decoded under the chat's limits, and opens in the viewer.
// Other files are named by the timeline's "Attachments" line.
ColumnLayout {
    id: filesView
    /// Plays and shows (the page's ComplianceMediaController; null: nothing plays).
    property ComplianceMediaController media: null
    /// The message (the player's key) and its "files" role (ComplianceRows.h).
    property string messageId: ""
    property var files: []
    spacing: 4
    visible: mediaCount > 0
    readonly property int mediaCount: {
        let n = 0
        for (let i = 0; i < files.length; ++i)
            if (files[i].voiceMs > 0 || files[i].image) ++n
        return n
    }

    Repeater {
        model: filesView.files
        delegate: ColumnLayout {
            id: file
            required property var modelData
            readonly property bool voice: modelData.voiceMs > 0
            readonly property bool hasThumb: modelData.thumbWidth > 0 && modelData.thumbHeight > 0
            visible: voice || modelData.image
            spacing: 2

            VoiceNoteBubble {
                objectName: "archiveVoiceNote"
                visible: file.voice
                enabled: file.modelData.available && !!filesView.media
                voice: filesView.media ? filesView.media.voice : null
                messageId: filesView.messageId
                attachmentIndex: file.modelData.index
                durationMs: file.modelData.voiceMs
                waveform: file.modelData.waveform
                playsElsewhere: true
                onPlayRequested: filesView.media.playVoice(filesView.messageId, file.modelData.sequence, file.modelData.index)
            }

            // The sender's thumbnail, laid out by its own pixels (never the claimed size).
            AbstractButton {
                id: thumbButton
                objectName: "archiveThumbnail"
                property string messageKey: filesView.messageId
                visible: file.hasThumb
                enabled: file.modelData.available
                readonly property real fitScale: Math.min(1, 240 / Math.max(1, file.modelData.thumbWidth),
                                                       180 / Math.max(1, file.modelData.thumbHeight))
                implicitWidth: file.modelData.thumbWidth * fitScale
                implicitHeight: file.modelData.thumbHeight * fitScale
                hoverEnabled: true
                Accessible.role: Accessible.Button
                Accessible.name: qsTr("Open %1 in the viewer").arg(file.modelData.name)
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Open in the viewer")
                onClicked: filesView.media.viewImage(file.modelData.sequence, file.modelData.index, file.modelData.name)
                contentItem: ImageItem {
                    image: file.modelData.thumbnail
                }
                background: Rectangle {
                    radius: 6
                    color: "transparent"
                    border.width: thumbButton.visualFocus || thumbButton.hovered ? 2 : 0
                    border.color: Material.accent
                }
            }

            // An image without a usable thumbnail still opens in the viewer.
            Button {
                objectName: "archiveViewImage"
                visible: !file.voice && !file.hasThumb && file.modelData.image
                enabled: file.modelData.available
                flat: true
                text: qsTr("View %1").arg(TextRuns.isolate(file.modelData.name))
                // The name is the sender's: drawn as plain text, never as markup.
                contentItem: Label {
                    text: parent.text
                    textFormat: Text.PlainText
                    elide: Label.ElideMiddle
                    color: parent.Material.accent
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                }
                onClicked: filesView.media.viewImage(file.modelData.sequence, file.modelData.index, file.modelData.name)
            }
            Label {
                objectName: "archiveFileLabel"
                Layout.fillWidth: true
                textFormat: Text.PlainText
                font.pixelSize: 11
                opacity: 0.7
                elide: Label.ElideMiddle
                text: file.modelData.name + " \u00b7 " + file.modelData.sizeText
                      + (file.modelData.dimensions !== "" ? " \u00b7 " + file.modelData.dimensions : "")
                      + (file.modelData.available ? "" : " \u00b7 " + qsTr("not available"))
            }
        }
    }
}
