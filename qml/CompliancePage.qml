import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim

// The compliance officer's view of the firm's journal (DESIGN.md section 7): unlock the journal
// key, pull and verify, search, read a conversation with its edit and deletion history, export.
// Laptop: conversations (or search hits) beside the timeline; phone: one above the other, stacked.
Pane {
    id: page
    padding: 0
    readonly property bool wide: width >= 720
    readonly property bool dark: Material.theme === Material.Dark
    readonly property color okColor: Theme.ok(dark)
    readonly property color badColor: Theme.bad(dark)
    readonly property color barColor: Theme.bar(dark)
    property bool showExport: false

    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm") : "" }

    ComplianceController {
        id: compliance
        objectName: "complianceController"
        appController: app
    }

    // ---- unlock ---------------------------------------------------------------------------------
    ScrollView {
        id: unlockView
        anchors.fill: parent
        visible: !compliance.unlocked
        contentWidth: availableWidth
        ColumnLayout {
            width: Math.min(unlockView.availableWidth - 48, 460)
            x: (unlockView.availableWidth - width) / 2
            spacing: 12
            Item { Layout.preferredHeight: 24 }
            Label {
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: qsTr("Compliance journal")
                font.pixelSize: 24
                font.bold: true
                wrapMode: Text.WordWrap
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                opacity: 0.8
                textFormat: Text.PlainText
                text: qsTr("Unlock the firm's journal key to pull the journal from the relay, verify it, search it and export it. The archive on this computer is encrypted under the same key.")
            }
            Label { textFormat: Text.PlainText; text: qsTr("Journal key"); font.pixelSize: 12; opacity: 0.7 }
            TextField {
                id: keyField
                objectName: "journalKeyField"
                Layout.fillWidth: true
                placeholderText: qsTr("Journal key file (journal.key; after a rotation, all of them, comma-separated)")
                Accessible.name: qsTr("Journal key file")
            }
            TextField {
                id: passField
                objectName: "journalPassphraseField"
                Layout.fillWidth: true
                echoMode: TextInput.Password
                placeholderText: qsTr("Passphrase of the journal key")
                Accessible.name: qsTr("Passphrase of the journal key")
                onAccepted: unlockButton.clicked()
            }
            Label { textFormat: Text.PlainText; text: qsTr("Archive on this computer (encrypted)"); font.pixelSize: 12; opacity: 0.7 }
            TextField {
                objectName: "archivePathField"
                Layout.fillWidth: true
                text: compliance.archivePath
                placeholderText: qsTr("Archive file")
                Accessible.name: qsTr("Archive file")
                onEditingFinished: compliance.archivePath = text
            }
            Button {
                id: unlockButton
                objectName: "journalUnlockButton"
                Layout.fillWidth: true
                text: qsTr("Unlock journal")
                highlighted: true
                enabled: !compliance.busy && keyField.text !== "" && passField.text !== ""
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                Accessible.name: qsTr("Unlock the journal key")
                onClicked: compliance.unlock(keyField.text, passField.text)
            }
            RowLayout {
                Layout.fillWidth: true
                visible: compliance.busy
                BusyIndicator { running: compliance.busy; implicitWidth: 28; implicitHeight: 28 }
                Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: compliance.progress; wrapMode: Text.WordWrap }
            }
            Label {
                objectName: "unlockError"
                Layout.fillWidth: true
                visible: compliance.error !== ""
                textFormat: Text.PlainText
                text: compliance.error
                color: page.badColor
                wrapMode: Text.WordWrap
            }
        }
        Connections {
            target: compliance
            function onUnlockFinished(ok) { if (ok) passField.text = "" }
        }
    }

    // ---- unlocked -------------------------------------------------------------------------------
    ColumnLayout {
        anchors.fill: parent
        visible: compliance.unlocked
        spacing: 0

        // Actions and progress.
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: actions.implicitHeight + 12
            color: page.barColor
            Flow {
                id: actions
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.verticalCenter: parent.verticalCenter
                anchors.leftMargin: 8
                anchors.rightMargin: 8
                spacing: 6
                Button {
                    objectName: "pullButton"
                    text: qsTr("Pull")
                    highlighted: true
                    enabled: !compliance.busy
                    Material.elevation: 0
                    Accessible.name: qsTr("Pull the journal from the relay")
                    onClicked: compliance.pull()
                }
                Button {
                    objectName: "verifyButton"
                    text: qsTr("Verify")
                    flat: true
                    enabled: !compliance.busy
                    Accessible.name: qsTr("Verify the whole archive again")
                    onClicked: compliance.verify()
                }
                Button {
                    objectName: "exportToggle"
                    text: page.showExport ? qsTr("Hide export") : qsTr("Export\u2026")
                    flat: true
                    Accessible.name: page.showExport ? qsTr("Hide the export options") : qsTr("Show the export options")
                    onClicked: page.showExport = !page.showExport
                }
                Button {
                    text: qsTr("Lock journal")
                    flat: true
                    Accessible.name: qsTr("Close the archive and forget the journal key")
                    onClicked: compliance.lock()
                }
                Row {
                    spacing: 6
                    height: 48
                    BusyIndicator {
                        anchors.verticalCenter: parent.verticalCenter
                        visible: compliance.busy
                        running: compliance.busy
                        implicitWidth: 26
                        implicitHeight: 26
                    }
                    Label {
                        objectName: "complianceProgress"
                        anchors.verticalCenter: parent.verticalCenter
                        width: Math.min(implicitWidth, page.width - 24)
                        textFormat: Text.PlainText
                        text: compliance.progress
                        elide: Text.ElideRight
                        font.pixelSize: 12
                        opacity: 0.8
                    }
                }
            }
        }

        // Verification banner, with the problems under it.
        Rectangle {
            id: banner
            objectName: "verificationBanner"
            Layout.fillWidth: true
            readonly property string verdict: compliance.verification
            implicitHeight: bannerColumn.implicitHeight + 16
            color: verdict === "ok" ? Theme.okBackground(page.dark)
                 : verdict === "problems" ? Theme.badBackground(page.dark)
                 : Theme.neutralBackground(page.dark)
            ColumnLayout {
                id: bannerColumn
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.top: parent.top
                anchors.margins: 8
                anchors.leftMargin: 14
                spacing: 4
                Label {
                    objectName: "verificationText"
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    font.bold: true
                    color: banner.verdict === "ok" ? page.okColor : banner.verdict === "problems" ? page.badColor : Material.foreground
                    textFormat: Text.PlainText
                    text: banner.verdict === "ok"
                          ? qsTr("\u2714 Journal verified: %1 entries, head #%2").arg(compliance.entries).arg(compliance.headSequence)
                          : banner.verdict === "problems"
                          ? qsTr("\u26a0 %n problem(s) in the journal", "", compliance.problemCount)
                          : banner.verdict === "empty"
                          ? qsTr("Nothing pulled yet: press Pull.")
                          : qsTr("Not verified since unlocking: %1 entries, head #%2").arg(compliance.entries).arg(compliance.headSequence)
                    Accessible.name: text
                }
                ListView {
                    id: problemList
                    objectName: "problemList"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Math.min(contentHeight, page.height / 5)
                    visible: banner.verdict === "problems"
                    clip: true
                    model: compliance.problems
                    Accessible.name: qsTr("Problems found")
                    delegate: Label {
                        width: problemList.width
                        wrapMode: Text.WordWrap
                        font.pixelSize: 12
                        color: page.badColor
                        textFormat: Text.PlainText
                        text: TextRuns.fill(qsTr("#%1 %2: %3"), [sequence, description, TextRuns.isolate(detail)])
                        Accessible.name: text
                    }
                    ScrollBar.vertical: ScrollBar {}
                }
            }
        }

        Label {
            objectName: "complianceError"
            Layout.fillWidth: true
            Layout.leftMargin: 14
            Layout.rightMargin: 14
            Layout.topMargin: 4
            visible: compliance.error !== ""
            textFormat: Text.PlainText
            text: compliance.error
            color: page.badColor
            wrapMode: Text.WordWrap
        }

        // Export: format, file, go.
        Flow {
            Layout.fillWidth: true
            Layout.leftMargin: 8
            Layout.rightMargin: 8
            visible: page.showExport
            spacing: 6
            Row {
                id: formatChoice
                objectName: "exportFormat"
                // rsmf, eml or jsonl. Radio buttons rather than a combo box: one tap on a phone.
                readonly property string value: emlRadio.checked ? "eml" : jsonlRadio.checked ? "jsonl" : "rsmf"
                RadioButton {
                    id: rsmfRadio
                    checked: true
                    text: qsTr("RSMF 2.0")
                    Accessible.name: qsTr("Export as RSMF 2.0")
                }
                RadioButton {
                    id: emlRadio
                    text: qsTr("EML")
                    Accessible.name: qsTr("Export as EML")
                }
                RadioButton {
                    id: jsonlRadio
                    text: qsTr("JSON Lines")
                    Accessible.name: qsTr("Export as JSON Lines")
                }
            }
            TextField {
                id: exportPath
                objectName: "exportPathField"
                width: page.wide ? 420 : page.width - 16
                placeholderText: qsTr("File to write, e.g. /home/me/export.%1").arg(formatChoice.value)
                Accessible.name: qsTr("Export file")
                onAccepted: exportButton.clicked()
            }
            Button {
                id: exportButton
                objectName: "exportButton"
                text: qsTr("Export")
                highlighted: true
                Material.elevation: 0
                enabled: !compliance.busy && exportPath.text !== ""
                Accessible.name: qsTr("Export every conversation")
                onClicked: compliance.exportTo(formatChoice.value, exportPath.text)
            }
        }

        // Search.
        RowLayout {
            Layout.fillWidth: true
            Layout.leftMargin: 8
            Layout.rightMargin: 8
            spacing: 4
            TextField {
                id: searchField
                objectName: "complianceSearchField"
                Layout.fillWidth: true
                placeholderText: qsTr("Search the journal (deleted and edited text too)")
                Accessible.name: qsTr("Search the journal")
                onAccepted: searchButton.clicked()
                onTextChanged: if (text === "") compliance.clearSearch()
                Connections {
                    target: compliance
                    function onSearchActiveChanged() { if (!compliance.searchActive) searchField.text = "" }
                }
            }
            ToolButton {
                id: filtersToggle
                text: qsTr("Filters")
                checkable: true
                Accessible.name: qsTr("Show the search filters")
            }
            Button {
                id: searchButton
                objectName: "complianceSearchButton"
                text: qsTr("Search")
                flat: true
                enabled: searchField.text.trim() !== ""
                Accessible.name: qsTr("Search")
                onClicked: compliance.search(searchField.text, matterFilter.text, participantFilter.text)
            }
        }
        RowLayout {
            Layout.fillWidth: true
            Layout.leftMargin: 8
            Layout.rightMargin: 8
            visible: filtersToggle.checked
            TextField {
                id: matterFilter
                objectName: "matterFilterField"
                Layout.fillWidth: true
                placeholderText: qsTr("Matter (title or id)")
                Accessible.name: qsTr("Only this matter")
            }
            TextField {
                id: participantFilter
                objectName: "participantFilterField"
                Layout.fillWidth: true
                placeholderText: qsTr("Participant (name or user id)")
                Accessible.name: qsTr("Only this participant")
            }
        }

        // Conversations or search hits, and the timeline.
        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            Item {
                id: listPane
                anchors.top: parent.top
                anchors.bottom: parent.bottom
                x: 0
                width: page.wide ? 360 : parent.width
                visible: page.wide || compliance.currentConversation === ""

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
                                    text: TextRuns.isolate(conversationTitle) + " \u00b7 #" + sequence + " \u00b7 " + page.when(time)
                                    font.pixelSize: 11
                                    opacity: 0.6
                                    elide: Label.ElideRight
                                }
                            }
                            Label {
                                Layout.fillWidth: true
                                text: model.text
                                font.strikeout: deleted
                                wrapMode: Text.Wrap
                                maximumLineCount: 3
                                elide: Label.ElideRight
                                textFormat: Text.PlainText
                            }
                            Label {
                                objectName: "hitStatus"
                                visible: status !== ""
                                textFormat: Text.PlainText
                                text: status === "deleted" ? qsTr("Deleted for everyone \u2014 original text kept")
                                    : status === "edit" ? qsTr("Text of an edit")
                                    : qsTr("Edited later")
                                color: status === "deleted" ? page.badColor : Material.accent
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

            Rectangle {
                visible: page.wide
                x: listPane.width
                width: 1
                height: parent.height
                color: Material.dividerColor
            }

            // The timeline of one conversation.
            ColumnLayout {
                id: timelinePane
                anchors.top: parent.top
                anchors.bottom: parent.bottom
                x: page.wide ? listPane.width + 1 : 0
                width: page.wide ? parent.width - listPane.width - 1 : parent.width
                visible: page.wide || compliance.currentConversation !== ""
                spacing: 0

                Rectangle {
                    Layout.fillWidth: true
                    implicitHeight: 44
                    color: page.barColor
                    visible: compliance.currentConversation !== ""
                    RowLayout {
                        anchors.fill: parent
                        anchors.leftMargin: 4
                        anchors.rightMargin: 12
                        ToolButton {
                            visible: !page.wide
                            text: "\u2190"
                            Accessible.name: qsTr("Back to the conversations")
                            onClicked: compliance.closeConversation()
                        }
                        Label {
                            objectName: "timelineTitle"
                            Layout.fillWidth: true
                            Layout.leftMargin: page.wide ? 12 : 0
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
                            color: kind === "mismatch-report" || !verified ? page.badColor : Material.foreground
                            textFormat: Text.PlainText
                            text: "#" + sequence + " \u00b7 " + page.when(time) + " \u00b7 "
                                  + (kind === "notice" ? qsTr("%1 accepted the recording notice").arg(TextRuns.isolate(senderName))
                                   : kind === "join" ? qsTr("%1 joined by invite").arg(TextRuns.isolate(senderName))
                                   : kind === "safety-number" ? qsTr("%1 accepted a changed safety number").arg(TextRuns.isolate(senderName))
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
                            color: deleted ? "transparent" : Theme.bubbleIn(page.dark)
                            border.color: deleted ? page.badColor : (verified ? "transparent" : page.badColor)
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
                                        text: page.when(time) + " \u00b7 #" + sequence
                                        font.pixelSize: 11
                                        opacity: 0.6
                                        elide: Label.ElideRight
                                    }
                                    Label {
                                        textFormat: Text.PlainText
                                        text: verified ? qsTr("\u2714 verified") : "\u26a0 " + verification
                                        color: verified ? page.okColor : page.badColor
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
                                    text: TextRuns.fill(qsTr("Deleted by %1 at %2 \u2014 original text kept"), [TextRuns.isolate(deletedBy), page.when(deletedTime)])
                                    color: page.badColor
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
        }
    }
}
