import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Composer: the upload in flight, what is being edited or replied to, then attach, text and
// send. Enter sends, Shift+Enter makes a new line, Up in an empty composer edits the last own
// message, Escape cancels an edit or reply. The text is the open conversation's draft.
Rectangle {
    id: composer
    /// The open conversation: sending, editing, replying and its draft.
    required property ChatController chat
    /// The upload in flight (shown above the text).
    required property AttachmentsController attachments
    /// Records and sends voice notes (null: no microphone button).
    property VoiceController voice: null
    /// The attach button was clicked: whoever shows this picks the file.
    signal attachRequested()
    property string editingId: ""
    property string replyId: ""
    property string replyText: ""
    /// Follows the open conversation, to put the cursor into the composer when it changes.
    readonly property string shownConversation: chat.currentConversation
    /// The conversation the composer's text belongs to: its draft is kept under that id, so
    /// text never carries across to another conversation.
    property string draftFor: ""
    implicitHeight: column.implicitHeight + 16
    color: Theme.bar(Material.theme === Material.Dark)

    onShownConversationChanged: {
        saveDraftNow()
        editingId = ""
        replyId = ""
        replyText = ""
        draftFor = ""
        input.text = shownConversation !== "" ? chat.draft(shownConversation) : ""
        input.cursorPosition = input.length
        draftFor = shownConversation
        if (shownConversation !== "" && window.wide) input.forceActiveFocus()
    }
    /// Keeps the composer's text as the open conversation's draft (not while editing a message).
    function saveDraftNow() {
        draftTimer.stop()
        if (draftFor !== "" && editingId === "") chat.saveDraft(draftFor, input.text)
    }
    Timer { id: draftTimer; interval: 300; onTriggered: composer.saveDraftNow() }
    Component.onDestruction: saveDraftNow()

    function startEdit(id, body) {
        if (editingId === "") saveDraftNow()
        replyId = ""
        replyText = ""
        editingId = id
        input.text = body
        input.cursorPosition = input.length
        input.forceActiveFocus()
    }
    /// Edits the newest own message (Up arrow); false when there is none.
    function editLast() {
        const last = chat.lastEditableMessage()
        if (!last.messageId) return false
        startEdit(last.messageId, last.body)
        return true
    }
    function startReply(id) {
        if (editingId !== "") cancelCompose()
        replyId = id
        replyText = chat.replyQuote(id)
        input.forceActiveFocus()
    }
    function cancelCompose() {
        // Leaving an edit brings the draft back.
        if (editingId !== "") input.text = draftFor !== "" ? chat.draft(draftFor) : ""
        editingId = ""
        replyId = ""
        replyText = ""
    }
    function submit() {
        const text = input.text.trim()
        if (text === "") return
        const ok = editingId !== "" ? chat.edit(editingId, text)
                 : replyId !== "" ? chat.reply(replyId, text) : chat.send(text)
        if (ok) {
            input.text = ""
            editingId = ""
            replyId = ""
            replyText = ""
        }
    }
    function returnPressed(event) {
        // Shift+Enter: the text area makes a new line.
        event.accepted = !(event.modifiers & Qt.ShiftModifier)
        if (event.accepted) submit()
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 8
        ColumnLayout {
            objectName: "uploadRow"
            visible: attachments.uploading !== ""
            Layout.fillWidth: true
            spacing: 2
            RowLayout {
                Layout.fillWidth: true
                Label {
                    objectName: "uploadLabel"
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    text: qsTr("Encrypting and uploading %1").arg(TextRuns.isolate(attachments.uploading))
                    font.pixelSize: 12
                    elide: Label.ElideMiddle
                }
                Label {
                    objectName: "uploadPercent"
                    textFormat: Text.PlainText
                    text: qsTr("%1%").arg(Math.round(attachments.uploadProgress * 100))
                    font.pixelSize: 12
                    font.bold: true
                }
            }
            ProgressBar {
                objectName: "uploadProgressBar"
                Layout.fillWidth: true
                from: 0
                to: 1
                value: attachments.uploadProgress
                Accessible.name: qsTr("Upload of %1").arg(attachments.uploading)
            }
            // Several files in one send: each one's own progress under the whole.
            Repeater {
                model: attachments.uploads.length > 1 ? attachments.uploads : []
                delegate: RowLayout {
                    required property var modelData
                    objectName: "uploadFileRow"
                    Layout.fillWidth: true
                    spacing: 8
                    Label {
                        Layout.preferredWidth: 160
                        textFormat: Text.PlainText
                        text: modelData.name
                        font.pixelSize: 11
                        elide: Label.ElideMiddle
                    }
                    ProgressBar {
                        objectName: "uploadFileProgress"
                        Layout.fillWidth: true
                        from: 0
                        to: 1
                        value: modelData.progress
                        Accessible.name: qsTr("Upload of %1").arg(modelData.name)
                    }
                }
            }
        }
        RowLayout {
            visible: composer.editingId !== "" || composer.replyId !== ""
            Layout.fillWidth: true
            Label {
                objectName: "composeContext"
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: composer.editingId !== "" ? qsTr("Editing message") : qsTr("Replying to: %1").arg(TextRuns.isolate(composer.replyText))
                font.pixelSize: 12
                opacity: 0.7
                elide: Label.ElideRight
            }
            IconButton {
                objectName: "cancelComposeButton"
                symbol: Icons.close
                iconSize: 18
                implicitHeight: 32
                text: composer.editingId !== "" ? qsTr("Cancel the edit") : qsTr("Cancel the reply")
                onClicked: composer.cancelCompose()
            }
        }
        // A voice note being recorded: its time, Cancel and Send, in place of the text row.
        VoiceRecorder {
            Layout.fillWidth: true
            voice: composer.voice
        }
        RowLayout {
            visible: !composer.voice || !composer.voice.recording
            IconButton {
                id: attachButton
                objectName: "attachButton"
                symbol: Icons.attach_file
                enabled: attachments.uploading === "" && composer.editingId === ""
                text: qsTr("Attach a file")
                onClicked: composer.attachRequested()
            }
            TextArea {
                id: input
                objectName: "messageInput"
                Layout.fillWidth: true
                placeholderText: qsTr("Message")
                textFormat: TextEdit.PlainText
                wrapMode: TextArea.Wrap
                Accessible.name: qsTr("Message text")
                onTextChanged: if (composer.editingId === "" && composer.draftFor !== "" && composer.draftFor === composer.shownConversation) draftTimer.restart()
                Keys.onReturnPressed: (event) => composer.returnPressed(event)
                Keys.onEnterPressed: (event) => composer.returnPressed(event)
                Keys.onUpPressed: (event) => {
                    event.accepted = input.text === "" && composer.editingId === "" && composer.editLast()
                }
                Keys.onEscapePressed: (event) => {
                    event.accepted = composer.editingId !== "" || composer.replyId !== ""
                    if (event.accepted) composer.cancelCompose()
                }
                // Tab moves on (a message never needs a tab character).
                Keys.onTabPressed: (event) => {
                    const back = (event.modifiers & Qt.ShiftModifier) !== 0
                    input.nextItemInFocusChain(!back).forceActiveFocus(back ? Qt.BacktabFocusReason : Qt.TabFocusReason)
                }
                Keys.onBacktabPressed: (event) => { input.nextItemInFocusChain(false).forceActiveFocus(Qt.BacktabFocusReason) }
            }
            VoiceRecordButton {
                visible: !!composer.voice && input.text.trim().length === 0 && composer.editingId === ""
                voice: composer.voice
            }
            Button {
                id: sendButton
                objectName: "sendButton"
                text: composer.editingId !== "" ? qsTr("Save") : qsTr("Send")
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                enabled: input.text.trim().length > 0
                Accessible.name: composer.editingId !== "" ? qsTr("Save the edit") : qsTr("Send message")
                onClicked: composer.submit()
            }
        }
    }
}
