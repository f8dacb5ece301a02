import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

// One message: bubble, sender, time, delivery ticks, edited marker, deleted placeholder,
// reactions, attachment; system lines centred.
Item {
    id: bubble
    property var chat
    readonly property bool system: kind === "system" || kind === "notice" || kind === "mismatch"
    width: chat ? chat.width : 400
    height: system ? systemLabel.implicitHeight + 16 : frame.height + 8

    Label {
        id: systemLabel
        visible: bubble.system
        anchors.centerIn: parent
        width: Math.min(parent.width - 32, implicitWidth)
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
        font.pixelSize: 12
        opacity: 0.75
        color: kind === "mismatch" ? "#c62828" : Material.foreground
        text: kind === "mismatch" ? qsTr("\u26a0 A message from %1 did not match its journal copy and is not shown. It was reported to the firm.").arg(senderName)
                                  : body
    }

    Rectangle {
        id: frame
        visible: !bubble.system
        anchors.right: outgoing ? parent.right : undefined
        anchors.left: outgoing ? undefined : parent.left
        anchors.margins: 12
        y: 4
        width: Math.min(bubble.width * 0.75, Math.max(content.implicitWidth, 120) + 24)
        height: content.implicitHeight + 16
        radius: 14
        color: retracted ? "transparent" : (outgoing ? (Material.theme === Material.Dark ? "#283593" : "#e3e8ff")
                                                      : (Material.theme === Material.Dark ? "#37474f" : "#f1f3f4"))
        border.color: retracted ? Material.dividerColor : "transparent"
        Accessible.role: Accessible.StaticText
        Accessible.name: (outgoing ? qsTr("You") : senderName) + ": " + (retracted ? qsTr("message deleted") : body)

        ColumnLayout {
            id: content
            anchors.fill: parent
            anchors.margins: 8
            anchors.leftMargin: 12
            anchors.rightMargin: 12
            spacing: 2
            Label {
                visible: !outgoing && !!(chat && chat.showSenders)
                text: senderName
                font.pixelSize: 12
                font.bold: true
                color: Material.accent
            }
            Label {
                visible: attachmentName !== "" && !retracted
                text: qsTr("Attachment: ") + attachmentName + " (" + Math.max(1, Math.round(attachmentSize / 1024)) + " KiB)"
                font.underline: true
                Layout.fillWidth: true
                elide: Label.ElideMiddle
            }
            Label {
                Layout.fillWidth: true
                Layout.maximumWidth: bubble.width * 0.75 - 24
                visible: retracted || body !== ""
                text: retracted ? qsTr("This message was deleted") : body
                font.italic: retracted
                opacity: retracted ? 0.6 : 1
                wrapMode: Text.Wrap
                textFormat: Text.PlainText
            }
            RowLayout {
                Layout.alignment: Qt.AlignRight
                spacing: 6
                Label { visible: reactions !== ""; text: reactions; font.pixelSize: 13 }
                Label { visible: edited && !retracted; text: qsTr("edited"); font.pixelSize: 10; opacity: 0.6 }
                Label { text: Qt.formatTime(time, "hh:mm"); font.pixelSize: 10; opacity: 0.6 }
                Label {
                    visible: outgoing
                    font.pixelSize: 11
                    color: deliveryState === "read" ? "#1e88e5" : Material.foreground
                    opacity: deliveryState === "read" ? 1 : 0.6
                    text: deliveryState === "queued" ? "\u2026" : deliveryState === "sent" ? "\u2713"
                          : (deliveryState === "delivered" || deliveryState === "read") ? "\u2713\u2713"
                          : deliveryState === "blocked" ? qsTr("held") : deliveryState === "failed" ? "!" : ""
                    Accessible.name: deliveryState
                }
            }
        }
        MouseArea {
            anchors.fill: parent
            acceptedButtons: Qt.LeftButton | Qt.RightButton
            onPressAndHold: if (chat) chat.openActions(messageId, outgoing, retracted, body)
            onClicked: (mouse) => { if (mouse.button === Qt.RightButton && chat) chat.openActions(messageId, outgoing, retracted, body) }
        }
    }
}
