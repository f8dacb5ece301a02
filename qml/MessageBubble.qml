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
    /// The list has the keyboard and this is its current message.
    readonly property bool keyboardCurrent: ListView.isCurrentItem && !!ListView.view && ListView.view.activeFocus

    function openActions() {
        if (chat && !system) chat.openActions(messageId, outgoing, retracted, body, frame)
    }
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
                visible: !outgoing && !!(chat && chat.showSenders)
                text: senderName
                font.pixelSize: 12
                font.bold: true
                color: Material.accent
            }
            // An attachment: name, size and Save (a dialog asks where; errors show like others).
            RowLayout {
                visible: attachmentName !== "" && !retracted
                Layout.fillWidth: true
                Layout.maximumWidth: bubble.width * 0.75 - 24
                spacing: 8
                Rectangle {
                    implicitWidth: 32
                    implicitHeight: 40
                    radius: 4
                    color: Material.theme === Material.Dark ? "#455a64" : "#ffffff"
                    border.color: Material.dividerColor
                    Label {
                        anchors.centerIn: parent
                        text: attachmentType !== "" ? attachmentType : "\u2026"
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
                        text: attachmentName
                        font.bold: true
                        elide: Label.ElideMiddle
                    }
                    Label {
                        objectName: "attachmentSize"
                        text: attachmentSizeText
                        font.pixelSize: 11
                        opacity: 0.7
                    }
                }
                Button {
                    objectName: "saveAttachmentButton"
                    property string messageKey: messageId
                    flat: true
                    enabled: app.savingAttachment === ""
                    text: app.savingAttachment === messageId ? qsTr("Saving\u2026") : qsTr("Save")
                    Accessible.name: qsTr("Save %1").arg(attachmentName)
                    onClicked: if (chat) chat.saveAttachment(messageId, attachmentName)
                }
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
    }
}
