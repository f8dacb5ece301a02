import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// One message: bubble, sender, time, delivery ticks, edited marker, deleted placeholder,
// reactions, attachment; system lines centred.
Item {
    id: bubble
    /// Saves attachments (attachments), set by the list that shows the bubble. Not a required
    /// property: a delegate with one stops seeing the model's roles by name.
    property AttachmentsController attachments: null
    property var chat
    /// Plays voice notes (null: shown, not playable).
    property VoiceController voice: null
    readonly property bool system: kind === "system" || kind === "notice" || kind === "mismatch"
    /// The message's id for the attachments' tiles (a delegate's role, under a name of its own).
    readonly property string messageKey: messageId
    width: chat ? chat.width : 400
    /// The list has the keyboard and this is its current message.
    readonly property bool keyboardCurrent: ListView.isCurrentItem && !!ListView.view && ListView.view.activeFocus

    /// The font of the message text: the controls' own (a TextEdit is not a control).
    readonly property font font: window ? window.font : Qt.application.font

    /// The link under (x, y) of the message text, or "".
    function linkAt(x, y) {
        if (links.links === 0) return ""
        const pos = bodyText.positionAt(x, y)
        // positionAt() answers the gap between characters nearest to x: the character hit is
        // the one before that gap when x is left of it.
        const gap = bodyText.positionToRectangle(pos)
        const index = x < gap.x ? pos - 1 : pos
        if (index < 0 || index >= bodyText.length) return ""
        const a = bodyText.positionToRectangle(index)
        const b = bodyText.positionToRectangle(index + 1)
        if (y < a.y || y > a.y + a.height) return ""
        const right = Math.abs(a.y - b.y) < 1 ? Math.max(a.x, b.x) : a.x + bodyText.font.pixelSize
        if (x < Math.min(a.x, b.x) - 1 || x > right + 1) return ""
        return TextRuns.linkAt(bodyText.getText(0, bodyText.length), index)
    }

    function openActions() {
        if (chat && !system) chat.openActions(messageId, outgoing, retracted, body, frame)
    }
    /// The first message of its day carries the day separator ("Today", "Mon 3 Nov 2025").
    readonly property real dayHeight: dayStart ? 36 : 0
    height: dayHeight + (system ? systemLabel.implicitHeight + 16 : frame.height + 8)

    Rectangle {
        visible: dayStart
        anchors.horizontalCenter: parent.horizontalCenter
        y: 7
        width: dayLabel.implicitWidth + 20
        height: 22
        radius: 11
        color: Theme.neutralBackground(Material.theme === Material.Dark)
        Label {
            id: dayLabel
            objectName: "daySeparator"
            anchors.centerIn: parent
            textFormat: Text.PlainText
            text: day
            font.pixelSize: 12
            color: Theme.neutral(Material.theme === Material.Dark)
        }
    }

    Label {
        id: systemLabel
        visible: bubble.system
        anchors.horizontalCenter: parent.horizontalCenter
        y: bubble.dayHeight + 8
        width: parent.width - 32  // centred text: as wide as the line needs, without a binding loop
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
        font.pixelSize: 12
        opacity: 0.75
        color: kind === "mismatch" ? Theme.error : Material.foreground
        textFormat: Text.PlainText
        text: kind === "mismatch" ? qsTr("\u26a0 A message from %1 did not match its journal copy and is not shown. It was reported to the firm.").arg(TextRuns.isolate(senderName))
                                  : body
    }

    Rectangle {
        id: frame
        visible: !bubble.system
        anchors.right: outgoing ? parent.right : undefined
        anchors.left: outgoing ? undefined : parent.left
        anchors.margins: 12
        y: 4 + bubble.dayHeight
        width: Math.min(bubble.width * 0.75, Math.max(content.implicitWidth, 120) + 24)
        height: content.implicitHeight + 16
        radius: 14
        color: retracted ? "transparent" : (outgoing ? Theme.bubbleOut(Material.theme === Material.Dark)
                                                      : Theme.bubbleIn(Material.theme === Material.Dark))
        border.color: bubble.keyboardCurrent ? Material.accent : retracted ? Material.dividerColor : "transparent"
        border.width: bubble.keyboardCurrent ? 2 : 1
        Accessible.role: Accessible.StaticText
        Accessible.name: (outgoing ? qsTr("You") : senderName) + ": "
                         + (retracted ? qsTr("message deleted")
                                      : attachmentName !== "" ? qsTr("attachment %1, %2").arg(attachmentName).arg(attachmentSizeText) + (body !== "" ? ", " + body : "")
                                                              : body)

        // Below the content, so that the attachment's Save button gets its own clicks.
        MouseArea {
            anchors.fill: parent
            acceptedButtons: Qt.LeftButton | Qt.RightButton
            onPressAndHold: if (chat) chat.openActions(messageId, outgoing, retracted, body, null)
            onClicked: (mouse) => { if (mouse.button === Qt.RightButton && chat) chat.openActions(messageId, outgoing, retracted, body, null) }
        }

        ColumnLayout {
            id: content
            anchors.fill: parent
            anchors.margins: 8
            anchors.leftMargin: 12
            anchors.rightMargin: 12
            spacing: 2
            Label {
                Layout.fillWidth: true
                Layout.maximumWidth: bubble.width * 0.75 - 24
                visible: !outgoing && !!(chat && chat.showSenders)
                textFormat: Text.PlainText
                text: senderName
                elide: Text.ElideRight
                font.pixelSize: 12
                font.bold: true
                color: Material.accent
            }
            // A voice note (issue 23): play / pause, progress, waveform and length.
            VoiceNoteBubble {
                objectName: "voiceNote"
                visible: voiceDurationMs > 0 && !retracted
                voice: bubble.voice
                messageId: bubble.messageKey
                attachmentIndex: voiceIndex
                durationMs: voiceDurationMs
                waveform: voiceWaveform
            }
            // Its attachments (issue 23): images as thumbnails that open the viewer, other files
            // with Open and Save (a dialog asks where; errors show like others).
            Repeater {
                model: retracted ? [] : files
                delegate: AttachmentTile {
                    required property var modelData
                    file: modelData
                    messageId: bubble.messageKey
                    attachments: bubble.attachments
                    chat: bubble.chat
                    maxWidth: bubble.width * 0.75 - 24
                    Layout.maximumWidth: bubble.width * 0.75 - 24
                }
            }
            Label {
                Layout.fillWidth: true
                Layout.maximumWidth: bubble.width * 0.75 - 24
                visible: retracted
                textFormat: Text.PlainText
                text: qsTr("This message was deleted")
                font.italic: true
                opacity: 0.6
                wrapMode: Text.Wrap
            }
            // The text as plain text; links are what TextRuns finds (never markup), marked by
            // the highlighter and opened only after the chat asked (see ChatPane.askOpenLink).
            // A TextEdit rather than a Label: it tells which character a click hit.
            TextEdit {
                id: bodyText
                objectName: "messageBody"
                Layout.fillWidth: true
                Layout.maximumWidth: bubble.width * 0.75 - 24
                visible: !retracted && body !== ""
                textFormat: TextEdit.PlainText
                text: retracted ? "" : body
                readOnly: true
                selectByMouse: false
                activeFocusOnPress: false
                activeFocusOnTab: false  // Tab walks the messages, not their text
                wrapMode: TextEdit.Wrap
                font: bubble.font
                color: bubble.Material.foreground
                Accessible.ignored: true  // the frame reads the message out
                LinkHighlighter {
                    id: links
                    objectName: "linkHighlighter"
                    document: bodyText.textDocument
                    color: Theme.link(bubble.Material.theme === Material.Dark)
                }
                MouseArea {
                    id: bodyMouse
                    anchors.fill: parent
                    acceptedButtons: Qt.LeftButton | Qt.RightButton
                    hoverEnabled: links.links > 0
                    property string hoveredLink: ""
                    cursorShape: hoveredLink !== "" ? Qt.PointingHandCursor : Qt.IBeamCursor
                    onPositionChanged: (mouse) => { hoveredLink = bubble.linkAt(mouse.x, mouse.y) }
                    onExited: hoveredLink = ""
                    onClicked: (mouse) => {
                        if (!chat) return
                        if (mouse.button === Qt.RightButton) {
                            chat.openActions(messageId, outgoing, retracted, body, null)
                            return
                        }
                        const url = bubble.linkAt(mouse.x, mouse.y)
                        if (url !== "") chat.askOpenLink(url)
                    }
                    onPressAndHold: if (chat) chat.openActions(messageId, outgoing, retracted, body, null)
                }
            }
            RowLayout {
                Layout.alignment: Qt.AlignRight
                spacing: 6
                Label { objectName: "reactionsLabel"; visible: reactions !== ""; textFormat: Text.PlainText; text: reactions; font: EmojiCatalog.font(15) }
                Label { visible: edited && !retracted; textFormat: Text.PlainText; text: qsTr("edited"); font.pixelSize: 10; opacity: 0.6 }
                // Copied by a history transfer: the device did not check it itself (issue 23 review).
                Label { objectName: "importedLabel"; visible: importedFromDevice > 0; textFormat: Text.PlainText; text: qsTr("copied from your device %1; not verified on this device").arg(importedFromDevice); font.pixelSize: 10; opacity: 0.6; wrapMode: Text.Wrap; Layout.maximumWidth: 220 }
                Label { textFormat: Text.PlainText; text: Qt.formatTime(time, "hh:mm"); font.pixelSize: 10; opacity: 0.6 }
                Label {
                    visible: outgoing
                    font.pixelSize: 11
                    color: deliveryState === "read" ? Theme.readReceipt(bubble.Material.theme === Material.Dark) : Material.foreground
                    opacity: deliveryState === "read" ? 1 : 0.6
                    textFormat: Text.PlainText
                    text: deliveryState === "queued" ? "\u2026" : deliveryState === "sent" ? "\u2713"
                          : (deliveryState === "delivered" || deliveryState === "read") ? "\u2713\u2713"
                          : deliveryState === "blocked" ? qsTr("held") : deliveryState === "failed" ? "!" : ""
                    Accessible.name: deliveryState
                }
            }
        }
    }
}
