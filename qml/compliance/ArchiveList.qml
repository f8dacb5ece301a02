import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The archive's conversations, or the hits of a search while one is active; a tap opens the
// conversation's timeline.
Item {
    id: listPane
    /// The page's ComplianceController.
    required property ComplianceController compliance
    /// Plays voice notes and opens images of the search hits (null: they are only named).
    property ComplianceMediaController media: null
    readonly property bool dark: Material.theme === Material.Dark
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm") : "" }

    ListView {
        id: conversationList
        objectName: "archiveConversationList"
        anchors.fill: parent
        clip: true
        visible: !compliance.searchActive
        model: compliance.conversations
        Accessible.name: qsTr("Conversations in the journal")
        delegate: ItemDelegate {
            width: conversationList.width
            height: 64
            highlighted: conversationId === compliance.currentConversation
            Accessible.name: qsTr("%1, %n journal record(s)", "", events).arg(title)
            onClicked: compliance.openConversation(conversationId)
            contentItem: RowLayout {
                spacing: 12
                Rectangle {
                    width: 36; height: 36; radius: 18
                    color: isMatter ? Theme.matterAccent : Theme.directAccent
                    Label {
                        anchors.centerIn: parent
                        textFormat: Text.PlainText
                        text: TextRuns.initial(title)
                        color: "white"
                        font.bold: true
                    }
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 2
                    Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: title; font.bold: true; elide: Label.ElideRight }
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: (isMatter ? qsTr("Matter") : qsTr("Direct")) + " \u00b7 " + qsTr("%n journal record(s)", "", events)
                              + (participants !== "" ? " \u00b7 " + TextRuns.isolate(participants) : "")
                        elide: Label.ElideRight
                        font.pixelSize: 12
                        opacity: 0.7
                    }
                }
            }
        }
        Label {
            anchors.centerIn: parent
            width: Math.min(implicitWidth, parent.width - 32)
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            visible: conversationList.count === 0
            textFormat: Text.PlainText
            text: qsTr("No conversations in the archive yet")
            opacity: 0.6
        }
        ScrollBar.vertical: ScrollBar {}
    }

    ListView {
        id: hitList
        objectName: "archiveSearchList"
        anchors.fill: parent
        clip: true
        visible: compliance.searchActive
        model: compliance.searchResults
        Accessible.name: qsTr("Search results")
        header: Label {
            width: hitList.width
            padding: 8
            font.pixelSize: 12
            opacity: 0.7
            textFormat: Text.PlainText
            text: qsTr("%n hit(s)", "", hitList.count)
        }
        delegate: ItemDelegate {
            objectName: "hitRow"
            width: hitList.width
            Accessible.name: senderName + ": " + model.text + (deleted ? ", " + qsTr("deleted") : "")
            onClicked: compliance.openConversation(conversationId)
            contentItem: ColumnLayout {
                spacing: 2
                RowLayout {
                    Layout.fillWidth: true
                    Label { textFormat: Text.PlainText; text: senderName; font.bold: true; font.pixelSize: 12 }
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: TextRuns.isolate(conversationTitle) + " \u00b7 #" + sequence + " \u00b7 " + listPane.when(time)
                        font.pixelSize: 11
                        opacity: 0.6
                        elide: Label.ElideRight
                    }
                }
                // The hit's text as plain text (never markup), the matched words marked by the
                // highlighter over the ranges the archive found (MatchHighlighter.h); three lines
                // at most. Disabled so that a click goes to the hit.
                TextEdit {
                    id: hitText
                    objectName: "hitText"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Math.min(contentHeight, hitMetrics.lineSpacing * 3)
                    clip: true
                    enabled: false
                    readOnly: true
                    textFormat: TextEdit.PlainText
                    text: model.text
                    font.strikeout: deleted
                    wrapMode: TextEdit.Wrap
                    color: Material.foreground
                    Accessible.ignored: true  // the delegate reads the hit out
                    FontMetrics { id: hitMetrics; font: hitText.font }
                    MatchHighlighter {
                        objectName: "hitHighlighter"
                        document: hitText.textDocument
                        ranges: model.matchRanges
                        color: Theme.warn(listPane.dark)
                    }
                }
                ArchiveFiles {
                    objectName: "hitFiles"
                    Layout.fillWidth: true
                    visible: !!listPane.media && mediaCount > 0
                    media: listPane.media
                    messageId: model.messageId
                    files: model.files
                }
                Label {
                    objectName: "hitStatus"
                    visible: status !== ""
                    textFormat: Text.PlainText
                    text: status === "deleted" ? qsTr("Deleted for everyone \u2014 original text kept")
                        : status === "edit" ? qsTr("Text of an edit")
                        : qsTr("Edited later")
                    color: status === "deleted" ? Theme.bad(listPane.dark) : Material.accent
                    font.pixelSize: 11
                    font.bold: true
                }
            }
        }
        Label {
            anchors.centerIn: parent
            visible: hitList.count === 0 && !compliance.busy
            textFormat: Text.PlainText
            text: qsTr("Nothing found")
            opacity: 0.6
        }
        ScrollBar.vertical: ScrollBar {}
    }
}
