import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// One conversation of the archive as the journal recorded it: messages with their edit and
// deletion history, verification marks, and system events (notice, joins, safety numbers,
// mismatch reports).
ColumnLayout {
    id: timelinePane
    /// The page's ComplianceController.
    required property ComplianceController compliance
    /// Plays voice notes and opens images from the archive (null: they are only named).
    property ComplianceMediaController media: null
    readonly property bool dark: Material.theme === Material.Dark
    /// Laptop layout: no back button (the list stays beside it).
    property bool wide: true
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm") : "" }
    spacing: 0

    Rectangle {
        Layout.fillWidth: true
        implicitHeight: 44
        color: Theme.bar(timelinePane.dark)
        visible: compliance.currentConversation !== ""
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 4
            anchors.rightMargin: 12
            IconButton {
                visible: !timelinePane.wide
                symbol: Icons.arrow_back
                text: qsTr("Back to the conversations")
                onClicked: compliance.closeConversation()
            }
            Label {
                objectName: "timelineTitle"
                Layout.fillWidth: true
                Layout.leftMargin: timelinePane.wide ? 12 : 0
                textFormat: Text.PlainText
                text: TextRuns.name(compliance.currentTitle)
                font.pixelSize: 16
                font.bold: true
                elide: Label.ElideRight
            }
            Label {
                textFormat: Text.PlainText
                text: qsTr("%n event(s)", "", timelineList.count)
                font.pixelSize: 12
                opacity: 0.7
            }
        }
    }

    ListView {
        id: timelineList
        objectName: "timelineList"
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        spacing: 6
        topMargin: 8
        bottomMargin: 8
        model: compliance.timeline
        Accessible.name: qsTr("Timeline")
        delegate: Item {
            id: event
            width: timelineList.width
            height: kind === "message" ? card.height : systemLine.implicitHeight + 8
            readonly property bool isMessage: kind === "message"

            Label {
                id: systemLine
                visible: !event.isMessage
                anchors.horizontalCenter: parent.horizontalCenter
                width: parent.width - 32
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.75
                color: kind === "mismatch-report" || !verified ? Theme.bad(timelinePane.dark) : Material.foreground
                textFormat: Text.PlainText
                text: "#" + sequence + " \u00b7 " + timelinePane.when(time) + " \u00b7 "
                      + (kind === "notice" ? qsTr("%1 accepted the recording notice").arg(TextRuns.isolate(senderName))
                       : kind === "join" ? qsTr("%1 joined by invite").arg(TextRuns.isolate(senderName))
                       : kind === "safety-number" ? qsTr("%1 accepted a changed safety number").arg(TextRuns.isolate(senderName))
                       : kind === "attachment-saved" ? TextRuns.fill(qsTr("%1 %2"), [TextRuns.isolate(senderName), TextRuns.isolate(model.text)])
                       : TextRuns.fill(qsTr("%1 reported a journal mismatch: %2"), [TextRuns.isolate(senderName), TextRuns.isolate(model.text)]))
                      + (verified ? "" : " \u26a0 " + verification)
            }

            Rectangle {
                id: card
                visible: event.isMessage
                x: 12
                width: parent.width - 24
                height: cardColumn.implicitHeight + 16
                radius: 10
                color: deleted ? "transparent" : Theme.bubbleIn(timelinePane.dark)
                border.color: deleted ? Theme.bad(timelinePane.dark) : (verified ? "transparent" : Theme.bad(timelinePane.dark))
                border.width: deleted || !verified ? 1 : 0
                Accessible.role: Accessible.StaticText
                Accessible.name: senderName + ": " + model.text + (deleted ? ", " + qsTr("deleted") : "")
                                 + (edited ? ", " + qsTr("edited") : "")

                ColumnLayout {
                    id: cardColumn
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.top: parent.top
                    anchors.margins: 8
                    anchors.leftMargin: 12
                    anchors.rightMargin: 12
                    spacing: 3
                    RowLayout {
                        Layout.fillWidth: true
                        Label { textFormat: Text.PlainText; text: senderName; font.bold: true; font.pixelSize: 13; color: Material.accent }
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            text: timelinePane.when(time) + " \u00b7 #" + sequence
                            font.pixelSize: 11
                            opacity: 0.6
                            elide: Label.ElideRight
                        }
                        Label {
                            textFormat: Text.PlainText
                            text: verified ? qsTr("\u2714 verified") : "\u26a0 " + verification
                            color: verified ? Theme.ok(timelinePane.dark) : Theme.bad(timelinePane.dark)
                            font.pixelSize: 11
                        }
                    }
                    Label {
                        objectName: "timelineText"
                        Layout.fillWidth: true
                        text: model.text
                        font.strikeout: deleted
                        opacity: deleted ? 0.75 : 1
                        wrapMode: Text.Wrap
                        textFormat: Text.PlainText
                        visible: model.text !== ""
                    }
                    Label {
                        objectName: "deletedLabel"
                        Layout.fillWidth: true
                        visible: deleted
                        textFormat: Text.PlainText
                        text: TextRuns.fill(qsTr("Deleted by %1 at %2 \u2014 original text kept"), [TextRuns.isolate(deletedBy), timelinePane.when(deletedTime)])
                        color: Theme.bad(timelinePane.dark)
                        font.pixelSize: 12
                        font.bold: true
                        wrapMode: Text.WordWrap
                    }
                    Label {
                        visible: edited
                        textFormat: Text.PlainText
                        text: qsTr("Edit history")
                        font.pixelSize: 11
                        font.bold: true
                        opacity: 0.8
                    }
                    Repeater {
                        model: edits
                        delegate: Label {
                            objectName: "editLine"
                            Layout.fillWidth: true
                            text: modelData
                            wrapMode: Text.Wrap
                            font.pixelSize: 12
                            opacity: 0.85
                            textFormat: Text.PlainText
                        }
                    }
                    Label {
                        visible: attachments !== ""
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: qsTr("Attachments: %1").arg(TextRuns.isolate(attachments))
                        font.pixelSize: 12
                        elide: Label.ElideMiddle
                    }
                    ArchiveFiles {
                        objectName: "timelineFiles"
                        Layout.fillWidth: true
                        visible: !!timelinePane.media && mediaCount > 0
                        media: timelinePane.media
                        messageId: model.messageId
                        files: model.files
                    }
                    Label {
                        visible: reactions !== ""
                        textFormat: Text.PlainText
                        text: reactions
                        font.pixelSize: 13
                    }
                }
            }
        }
        Label {
            anchors.centerIn: parent
            visible: compliance.currentConversation === ""
            textFormat: Text.PlainText
            text: qsTr("Choose a conversation or a search hit")
            opacity: 0.6
        }
        ScrollBar.vertical: ScrollBar {}
    }
}
