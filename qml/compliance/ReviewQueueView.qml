import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The review queue (issue 21): alerts the policies raised and sampled entries, filtered by
// state, each with the matched words marked in their context; the selected one's review
// actions (assign to me, escalate, close with a disposition and a note). Every action is
// journaled by the SupervisionController before the queue shows it.
Item {
    id: queue
    /// The page's SupervisionController.
    required property SupervisionController supervision
    /// Laptop layout: the selected alert beside the list; phone: below it.
    property bool wide: true
    readonly property bool dark: Material.theme === Material.Dark
    /// The alert the actions apply to ("" none).
    property string selectedId: ""
    /// The automatic pull is on (the page binds the controller's autoPull to it and to being shown).
    property alias autoPullOn: autoSwitch.checked
    /// Bumped when the queue is read again, so that the selected alert's fields follow.
    property int revision: 0
    readonly property int selectedRow: revision, selectedId === "" ? -1 : supervision.alerts.rowOf(selectedId)
    readonly property var selectedData: revision, supervision.alerts.get(selectedRow)
    Connections {
        target: queue.supervision
        function onReloaded() { queue.revision++ }
    }
    // An attachment shown belongs to the alert it was opened from.
    onSelectedIdChanged: supervision.closeAttachment()
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm") : "" }
    function stateText(s) {
        return s === "in-review" ? qsTr("In review") : s === "escalated" ? qsTr("Escalated")
             : s === "closed" ? qsTr("Closed") : qsTr("Open")
    }
    function stateColour(s) {
        return s === "escalated" ? Theme.bad(dark) : s === "in-review" ? Theme.warn(dark)
             : s === "closed" ? Theme.ok(dark) : Theme.neutral(dark)
    }
    // The codes the journal keeps (severity, disposition), in the language shown.
    function severityText(s) {
        return s === "high" ? qsTr("high") : s === "medium" ? qsTr("medium") : s === "low" ? qsTr("low") : s
    }
    function dispositionText(d) {
        return d === "no-issue" ? qsTr("no issue") : d === "breach" ? qsTr("breach")
             : d === "training" ? qsTr("training") : d === "referred" ? qsTr("referred") : d
    }
    function severityColour(s) {
        return s === "high" ? Theme.bad(dark) : s === "medium" ? Theme.warn(dark) : Theme.neutral(dark)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Flow {
            Layout.fillWidth: true
            Layout.margins: 8
            spacing: 6
            Repeater {
                model: [["", qsTr("All")], ["open", qsTr("Open")], ["in-review", qsTr("In review")],
                        ["escalated", qsTr("Escalated")], ["closed", qsTr("Closed")]]
                delegate: Button {
                    // our words: the filter names above
                    required property var modelData
                    objectName: "queueFilter-" + (modelData[0] === "" ? "all" : modelData[0])
                    text: modelData[1]
                    flat: supervision.statusFilter !== modelData[0]
                    highlighted: supervision.statusFilter === modelData[0]
                    Material.elevation: 0
                    Accessible.name: qsTr("Show %1 alerts").arg(modelData[1])
                    onClicked: supervision.statusFilter = modelData[0]
                }
            }
            Label {
                objectName: "queueOpenCount"
                height: 48
                verticalAlignment: Text.AlignVCenter
                textFormat: Text.PlainText
                text: qsTr("%n not closed", "", supervision.openCount)
                opacity: 0.7
            }
            Switch {
                id: autoSwitch
                objectName: "autoPullSwitch"
                text: qsTr("Pull every")
                checked: true
                Accessible.name: qsTr("Pull the journal automatically while this page is open")
            }
            SpinBox {
                objectName: "autoPullMinutes"
                from: 1; to: 240
                value: Math.round(supervision.autoPullSeconds / 60)
                enabled: autoSwitch.checked
                editable: true
                Accessible.name: qsTr("Minutes between automatic pulls")
                onValueModified: supervision.autoPullSeconds = value * 60
            }
            Label {
                height: 48
                verticalAlignment: Text.AlignVCenter
                textFormat: Text.PlainText
                text: qsTr("min")
            }
        }

        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            ListView {
                id: alertList
                objectName: "reviewQueueList"
                anchors.top: parent.top
                anchors.left: parent.left
                anchors.bottom: queue.wide ? parent.bottom : detail.top
                width: queue.wide ? parent.width * 0.55 : parent.width
                clip: true
                model: supervision.alerts
                Accessible.name: qsTr("Review queue")
                delegate: ItemDelegate {
                    objectName: "alertRow"
                    required property string alertId
                    required property string policy
                    required property string status
                    required property string severity
                    required property string conversation
                    required property string sender
                    required property var time
                    required property string context
                    required property var matches
                    required property var contextRanges
                    required property string disposition
                    required property string reviewer
                    width: alertList.width
                    highlighted: alertId === queue.selectedId
                    Accessible.name: qsTr("%1 alert in %2: %3").arg(queue.stateText(status)).arg(conversation).arg(policy)
                    onClicked: queue.selectedId = alertId
                    contentItem: ColumnLayout {
                        spacing: 2
                        RowLayout {
                            spacing: 6
                            Rectangle {
                                implicitWidth: sevLabel.implicitWidth + 12; implicitHeight: 20; radius: 10
                                color: queue.severityColour(severity)
                                Label { id: sevLabel; anchors.centerIn: parent; textFormat: Text.PlainText; text: queue.severityText(severity); color: "white"; font.pixelSize: 11 }
                            }
                            Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: policy; font.bold: true; elide: Text.ElideRight }
                            Label {
                                objectName: "alertState"
                                textFormat: Text.PlainText
                                text: queue.stateText(status) + (disposition !== "" ? " \u00b7 " + queue.dispositionText(disposition) : "")
                                color: queue.stateColour(status)
                                font.bold: true
                            }
                        }
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            text: TextRuns.isolate(conversation) + " \u00b7 " + TextRuns.isolate(sender) + " \u00b7 " + queue.when(time)
                                  + (reviewer !== "" ? " \u00b7 " + qsTr("last review: %1").arg(TextRuns.isolate(reviewer)) : "")
                            elide: Text.ElideRight
                            font.pixelSize: 12
                            opacity: 0.7
                        }
                        // Plain text like every text of the app (tst_app_links), the matched
                        // words marked by the highlighter over the ranges the policy found
                        // (MatchHighlighter.h), never by markup; three lines at most. Disabled
                        // so that a click selects the alert.
                        TextEdit {
                            id: contextText
                            objectName: "alertContext"
                            Layout.fillWidth: true
                            Layout.preferredHeight: Math.min(contentHeight, contextMetrics.lineSpacing * 3)
                            clip: true
                            enabled: false
                            readOnly: true
                            textFormat: TextEdit.PlainText
                            text: context
                            wrapMode: TextEdit.Wrap
                            color: Material.foreground
                            Accessible.ignored: true  // the row's name reads it out
                            FontMetrics { id: contextMetrics; font: contextText.font }
                            MatchHighlighter {
                                objectName: "alertHighlighter"
                                document: contextText.textDocument
                                ranges: contextRanges
                                color: Theme.warn(queue.dark)
                            }
                        }
                        Label {
                            objectName: "alertMatches"
                            Layout.fillWidth: true
                            visible: matches.length > 0  // a sampled entry matched nothing
                            textFormat: Text.PlainText
                            text: qsTr("Matched: %1").arg(matches.map(function (m) { return "“" + m + "”" }).join(", "))
                            color: "#e65100"
                            font.bold: true
                            elide: Text.ElideRight
                        }
                    }
                }
                Label {
                    anchors.centerIn: parent
                    visible: alertList.count === 0
                    textFormat: Text.PlainText
                    text: qsTr("Nothing to review. Alerts appear here when a pull finds a policy's words.")
                    wrapMode: Text.WordWrap
                    width: parent.width - 32
                    horizontalAlignment: Text.AlignHCenter
                    opacity: 0.6
                }
                ScrollBar.vertical: ScrollBar {}
            }

            Rectangle {
                visible: queue.wide
                x: alertList.width
                width: 1
                height: parent.height
                color: Material.dividerColor
            }

            Pane {
                id: detail
                objectName: "alertDetail"
                anchors.right: parent.right
                anchors.bottom: parent.bottom
                anchors.top: queue.wide ? parent.top : undefined
                width: queue.wide ? parent.width - alertList.width - 1 : parent.width
                height: queue.wide ? parent.height : Math.min(implicitHeight, parent.height * 0.6)
                visible: queue.selectedRow >= 0
                Material.elevation: 0
                readonly property var selectedData: queue.selectedData
                ColumnLayout {
                    anchors.left: parent.left
                    anchors.right: parent.right
                    spacing: 8
                    Label {
                        objectName: "alertDetailTitle"
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: selectedData.policy + " \u00b7 " + queue.stateText(selectedData.status)
                              + (selectedData.disposition !== "" ? " (" + queue.dispositionText(selectedData.disposition) + ")" : "")
                        font.bold: true
                        wrapMode: Text.Wrap
                    }
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: qsTr("Entry #%1 in %2, by %3, %4 (%5)").arg(selectedData.sequence)
                              .arg(TextRuns.isolate(selectedData.conversation)).arg(TextRuns.isolate(selectedData.sender))
                              .arg(queue.when(selectedData.time)).arg(selectedData.part)
                        wrapMode: Text.Wrap
                        font.pixelSize: 12
                        opacity: 0.8
                    }
                    Frame {
                        Layout.fillWidth: true
                        TextEdit {
                            id: detailContext
                            objectName: "alertDetailContext"
                            width: parent.width
                            readOnly: true
                            selectByMouse: true  // a reviewer may copy a phrase into a note
                            textFormat: TextEdit.PlainText
                            text: selectedData.context
                            wrapMode: TextEdit.Wrap
                            color: Material.foreground
                            MatchHighlighter {
                                objectName: "alertDetailHighlighter"
                                document: detailContext.textDocument
                                ranges: selectedData.contextRanges || []
                                color: Theme.warn(queue.dark)
                            }
                        }
                    }
                    // The entry's attachments: opened from the archive into memory (text shown
                    // as plain text) or saved to a new file; each access journaled first.
                    Repeater {
                        model: selectedData.attachments || []
                        delegate: RowLayout {
                            objectName: "alertAttachmentRow"
                            required property var modelData
                            Layout.fillWidth: true
                            spacing: 6
                            Label {
                                Layout.fillWidth: true
                                textFormat: Text.PlainText
                                text: TextRuns.fill(qsTr("Attachment: %1 (%2, %3 bytes)%4"),
                                                    [TextRuns.isolate(modelData.name), modelData.mime, String(modelData.size),
                                                     modelData.available ? "" : " \u00b7 " + qsTr("not in the archive")])
                                elide: Text.ElideMiddle
                                font.pixelSize: 12
                            }
                            Button {
                                objectName: "alertAttachmentOpen"
                                text: qsTr("Open")
                                flat: true
                                enabled: modelData.available && !supervision.working
                                Accessible.name: qsTr("Open %1 (journaled)").arg(modelData.name)
                                onClicked: supervision.openAttachment(queue.selectedId, modelData.index)
                            }
                            Button {
                                objectName: "alertAttachmentSave"
                                text: qsTr("Save")
                                flat: true
                                enabled: modelData.available && !supervision.working && attachmentPath.text.trim() !== ""
                                Accessible.name: qsTr("Save %1 to the file or folder given (journaled)").arg(modelData.name)
                                onClicked: supervision.openAttachment(queue.selectedId, modelData.index, attachmentPath.text)
                            }
                        }
                    }
                    TextField {
                        id: attachmentPath
                        objectName: "alertAttachmentPath"
                        Layout.fillWidth: true
                        visible: (selectedData.attachments || []).length > 0
                        placeholderText: qsTr("Save attachments to (file or folder)")
                        Accessible.name: qsTr("Where to save an attachment")
                    }
                    Frame {
                        objectName: "alertAttachmentView"
                        Layout.fillWidth: true
                        visible: supervision.attachmentName !== ""
                        ColumnLayout {
                            anchors.left: parent.left
                            anchors.right: parent.right
                            RowLayout {
                                Layout.fillWidth: true
                                Label {
                                    Layout.fillWidth: true
                                    textFormat: Text.PlainText
                                    text: TextRuns.isolate(supervision.attachmentName)
                                    font.bold: true
                                    elide: Text.ElideMiddle
                                }
                                Button {
                                    text: qsTr("Close")
                                    flat: true
                                    onClicked: supervision.closeAttachment()
                                }
                            }
                            ScrollView {
                                Layout.fillWidth: true
                                Layout.preferredHeight: Math.min(attachmentBody.implicitHeight, 200)
                                clip: true
                                TextArea {
                                    id: attachmentBody
                                    objectName: "alertAttachmentText"
                                    readOnly: true
                                    selectByMouse: true
                                    textFormat: TextEdit.PlainText
                                    wrapMode: TextEdit.Wrap
                                    text: supervision.attachmentText
                                }
                            }
                        }
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: selectedData.note !== ""
                        textFormat: Text.PlainText
                        text: qsTr("Note by %1: %2").arg(TextRuns.isolate(selectedData.reviewer)).arg(selectedData.note)
                        wrapMode: Text.Wrap
                    }
                    TextField {
                        id: noteField
                        objectName: "alertNoteField"
                        Layout.fillWidth: true
                        placeholderText: qsTr("Note (journaled with the action)")
                        Accessible.name: qsTr("Review note")
                    }
                    Flow {
                        Layout.fillWidth: true
                        spacing: 6
                        Button {
                            objectName: "alertAssignButton"
                            text: qsTr("Assign to me")
                            enabled: !supervision.working && selectedData.status !== "closed"
                            onClicked: supervision.assignToMe(queue.selectedId)
                        }
                        Button {
                            objectName: "alertEscalateButton"
                            text: qsTr("Escalate")
                            enabled: !supervision.working && selectedData.status !== "closed"
                            onClicked: { supervision.escalate(queue.selectedId, noteField.text); noteField.text = "" }
                        }
                        ComboBox {
                            id: dispositionBox
                            objectName: "alertDispositionBox"
                            model: ["no-issue", "breach", "training", "referred"].map(d => ({ value: d, text: queue.dispositionText(d) }))
                            textRole: "text"
                            valueRole: "value"
                            Accessible.name: qsTr("Disposition")
                        }
                        Button {
                            objectName: "alertCloseButton"
                            //: Closes the alert with the disposition beside it
                            text: qsTr("Close", "alert")
                            highlighted: true
                            Material.elevation: 0
                            enabled: !supervision.working && selectedData.status !== "closed"
                            onClicked: {
                                supervision.close(queue.selectedId, dispositionBox.currentValue, noteField.text)
                                noteField.text = ""
                            }
                        }
                    }
                }
            }
        }
    }
}
