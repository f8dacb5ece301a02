import QtQuick
import QtQuick.Dialogs
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The open conversation: banners, messages (lazy loading upwards), composer with attach, edit
// and reply, message actions.
Pane {
    id: chatPane
    /// The app's root controller, passed in by whoever shows this (Main.qml).
    required property AppController app
    padding: 0
    readonly property bool showSenders: app.chat.currentIsMatter || app.chat.participantCount > 2
    property string editingId: ""
    property string replyId: ""
    property string replyText: ""
    /// Follows the open conversation, to put the cursor into the composer when it changes.
    readonly property string shownConversation: app.chat.currentConversation
    /// The conversation the composer's text belongs to: its draft is kept under that id, so
    /// text never carries across to another conversation.
    property string draftFor: ""
    onShownConversationChanged: {
        saveDraftNow()
        editingId = ""
        replyId = ""
        replyText = ""
        draftFor = ""
        input.text = shownConversation !== "" ? app.chat.draft(shownConversation) : ""
        input.cursorPosition = input.length
        draftFor = shownConversation
        if (shownConversation !== "" && window.wide) input.forceActiveFocus()
    }
    /// Keeps the composer's text as the open conversation's draft (not while editing a message).
    function saveDraftNow() {
        draftTimer.stop()
        if (draftFor !== "" && editingId === "") app.chat.saveDraft(draftFor, input.text)
    }
    Timer { id: draftTimer; interval: 300; onTriggered: chatPane.saveDraftNow() }
    Component.onDestruction: saveDraftNow()

    /// The actions on a message: at the pointer, or below `under` (an item) when the keyboard
    /// asked.
    function openActions(id, outgoing, retracted, body, under) {
        actions.messageId = id
        actions.mine = outgoing
        actions.body = body
        if (retracted) return
        if (under) {
            messages.backFromActions = true
            actions.popup(under, 0, under.height)
        } else {
            actions.popup()
        }
    }
    /// A link in a message was clicked: say where it goes and open it only if asked to.
    function askOpenLink(url) {
        linkDialog.url = url
        linkDialog.open()
    }
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
        const last = app.chat.lastEditableMessage()
        if (!last.messageId) return false
        startEdit(last.messageId, last.body)
        return true
    }
    function startReply(id) {
        if (editingId !== "") cancelCompose()
        replyId = id
        replyText = app.chat.replyQuote(id)
        input.forceActiveFocus()
    }
    function cancelCompose() {
        // Leaving an edit brings the draft back.
        if (editingId !== "") input.text = draftFor !== "" ? app.chat.draft(draftFor) : ""
        editingId = ""
        replyId = ""
        replyText = ""
    }
    function submit() {
        const text = input.text.trim()
        if (text === "") return
        const ok = editingId !== "" ? app.chat.edit(editingId, text)
                 : replyId !== "" ? app.chat.reply(replyId, text) : app.chat.send(text)
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
    function pickAttachment() {
        if (app.attachments.filePickerAvailable) attachPicker.item.open()
        else {
            attachPathField.text = ""
            attachPathDialog.open()
        }
    }
    /// Asks where to save a received attachment, then saves it.
    function saveAttachment(id, name) {
        if (app.attachments.filePickerAvailable) {
            savePicker.item.messageId = id
            savePicker.item.selectedFile = app.attachments.suggestedSaveUrl(name)
            savePicker.item.open()
        } else {
            savePathDialog.messageId = id
            savePathField.text = app.attachments.suggestedSavePath(name)
            savePathDialog.open()
        }
    }

    Label {
        anchors.centerIn: parent
        visible: app.chat.currentConversation === ""
        textFormat: Text.PlainText
        text: qsTr("Choose a conversation")
        opacity: 0.6
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        visible: app.chat.currentConversation !== ""

        // Title bar (laptop) with matter info.
        ToolBar {
            Layout.fillWidth: true
            visible: window.wide
            Material.background: Theme.bar(Material.theme === Material.Dark)
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 16
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    text: app.chat.currentTitle
                    font.pixelSize: 17
                    font.bold: true
                    elide: Label.ElideRight
                }
                ToolButton {
                    objectName: "infoButton"
                    text: qsTr("Info")
                    Accessible.name: qsTr("Matter information")
                    onClicked: info.open()
                }
            }
        }

        // Journaling notice (ES-12): always visible above a matter's messages.
        Rectangle {
            objectName: "journalNotice"
            Layout.fillWidth: true
            implicitHeight: journalLabel.implicitHeight + 12
            color: Theme.replyBackground(Material.theme === Material.Dark)
            visible: app.chat.currentIsMatter
            Label {
                id: journalLabel
                anchors.centerIn: parent
                width: parent.width - 24
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                textFormat: Text.PlainText
                text: qsTr("End-to-end encrypted. This matter is journaled: %1 keeps a copy of every message, including deleted ones.").arg(app.session.firmName)
            }
        }
        Rectangle {
            objectName: "safetyBanner"
            Layout.fillWidth: true
            implicitHeight: 40
            color: Theme.bannerWarnBackground
            visible: app.chat.safetyChangedUser !== ""
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 12
                Label {
                    objectName: "safetyBannerText"
                    Layout.fillWidth: true
                    color: Theme.bannerWarn
                    textFormat: Text.PlainText
                    text: qsTr("The safety number of %1 changed. Messages to them are held.").arg(TextRuns.isolate(app.chat.safetyChangedName))
                    elide: Label.ElideRight
                }
                Button {
                    objectName: "safetyVerifyButton"
                    flat: true
                    text: qsTr("Verify")
                    Accessible.name: qsTr("Verify the new safety number")
                    onClicked: { safety.user = app.chat.safetyChangedUser; safety.name = ""; safety.open() }
                }
            }
        }
        Rectangle {
            objectName: "deviceBanner"
            Layout.fillWidth: true
            implicitHeight: 40
            color: Theme.bannerInfoBackground
            visible: app.deviceLinking.deviceNotice !== ""
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 12
                Label {
                    objectName: "deviceNoticeText"
                    Layout.fillWidth: true
                    color: Theme.bannerInfo
                    textFormat: Text.PlainText
                    text: app.deviceLinking.deviceNotice
                    elide: Label.ElideRight
                }
                Button {
                    objectName: "approveDeviceButton"
                    flat: true
                    visible: app.deviceLinking.deviceNoticeDevice > 0
                    text: qsTr("Approve")
                    Accessible.name: qsTr("Approve the new device; only if it is yours")
                    onClicked: app.deviceLinking.approveDevice(app.deviceLinking.deviceNoticeDevice)
                }
                Button {
                    objectName: "dismissDeviceNoticeButton"
                    flat: true
                    text: qsTr("Dismiss")
                    onClicked: app.deviceLinking.dismissDeviceNotice()
                }
            }
        }
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: 32
            color: Theme.bannerErrorBackground
            visible: app.chat.journalMismatch
            Label {
                anchors.centerIn: parent
                color: Theme.error
                textFormat: Text.PlainText
                text: qsTr("\u26a0 A message here did not match its journal copy. It was withheld and reported.")
            }
        }

        ListView {
            id: messages
            objectName: "messageList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: app.chat.messages
            spacing: 2
            verticalLayoutDirection: ListView.TopToBottom
            Accessible.name: qsTr("Messages")
            // Keyboard: Tab in, Up/Down through the messages, Enter or the menu key for actions.
            activeFocusOnTab: true
            keyNavigationEnabled: true
            // Tabbing in starts at the newest message; coming back from its actions menu keeps
            // the place.
            property bool backFromActions: false
            onActiveFocusChanged: {
                if (!activeFocus) return
                if (!backFromActions && count > 0) currentIndex = count - 1
                backFromActions = false
            }
            Keys.onReturnPressed: if (currentItem) currentItem.openActions()
            Keys.onEnterPressed: if (currentItem) currentItem.openActions()
            Keys.onMenuPressed: if (currentItem) currentItem.openActions()
            delegate: MessageBubble { chat: chatPane; attachments: chatPane.app.attachments }
            onCountChanged: if (atYEnd || count < 80) Qt.callLater(positionViewAtEnd)
            // Older pages load before the top is reached (within a screen of it), so scrolling
            // up never stops at a page boundary.
            onContentYChanged: if (count > 0 && contentY - originY < height) Qt.callLater(function() { app.chat.messages.loadOlder() })
            Component.onCompleted: positionViewAtEnd()
            ScrollBar.vertical: ScrollBar {}
        }

        // Composer: the upload in flight, what is being edited or replied to, then attach, text
        // and send. Enter sends, Shift+Enter makes a new line, Up in an empty composer edits
        // the last own message, Escape cancels an edit or reply.
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: composer.implicitHeight + 16
            color: Theme.bar(Material.theme === Material.Dark)
            ColumnLayout {
                id: composer
                anchors.fill: parent
                anchors.margins: 8
                ColumnLayout {
                    objectName: "uploadRow"
                    visible: app.attachments.uploading !== ""
                    Layout.fillWidth: true
                    spacing: 2
                    RowLayout {
                        Layout.fillWidth: true
                        Label {
                            objectName: "uploadLabel"
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            text: qsTr("Encrypting and uploading %1").arg(TextRuns.isolate(app.attachments.uploading))
                            font.pixelSize: 12
                            elide: Label.ElideMiddle
                        }
                        Label {
                            objectName: "uploadPercent"
                            textFormat: Text.PlainText
                            text: qsTr("%1%").arg(Math.round(app.attachments.uploadProgress * 100))
                            font.pixelSize: 12
                            font.bold: true
                        }
                    }
                    ProgressBar {
                        objectName: "uploadProgressBar"
                        Layout.fillWidth: true
                        from: 0
                        to: 1
                        value: app.attachments.uploadProgress
                        Accessible.name: qsTr("Upload of %1").arg(app.attachments.uploading)
                    }
                }
                RowLayout {
                    visible: chatPane.editingId !== "" || chatPane.replyId !== ""
                    Layout.fillWidth: true
                    Label {
                        objectName: "composeContext"
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: chatPane.editingId !== "" ? qsTr("Editing message") : qsTr("Replying to: %1").arg(TextRuns.isolate(chatPane.replyText))
                        font.pixelSize: 12
                        opacity: 0.7
                        elide: Label.ElideRight
                    }
                    ToolButton {
                        objectName: "cancelComposeButton"
                        text: "\u2715"
                        font.pixelSize: 12
                        implicitHeight: 28
                        Accessible.name: chatPane.editingId !== "" ? qsTr("Cancel the edit") : qsTr("Cancel the reply")
                        onClicked: chatPane.cancelCompose()
                    }
                }
                RowLayout {
                    ToolButton {
                        id: attachButton
                        objectName: "attachButton"
                        text: "+"
                        font.pixelSize: 22
                        enabled: app.attachments.uploading === "" && chatPane.editingId === ""
                        Accessible.name: qsTr("Attach a file")
                        ToolTip.visible: hovered
                        ToolTip.text: qsTr("Attach a file")
                        onClicked: chatPane.pickAttachment()
                    }
                    TextArea {
                        id: input
                        objectName: "messageInput"
                        Layout.fillWidth: true
                        placeholderText: qsTr("Message")
                        textFormat: TextEdit.PlainText
                        wrapMode: TextArea.Wrap
                        Accessible.name: qsTr("Message text")
                        onTextChanged: if (chatPane.editingId === "" && chatPane.draftFor !== "" && chatPane.draftFor === chatPane.shownConversation) draftTimer.restart()
                        Keys.onReturnPressed: (event) => chatPane.returnPressed(event)
                        Keys.onEnterPressed: (event) => chatPane.returnPressed(event)
                        Keys.onUpPressed: (event) => {
                            event.accepted = input.text === "" && chatPane.editingId === "" && chatPane.editLast()
                        }
                        Keys.onEscapePressed: (event) => {
                            event.accepted = chatPane.editingId !== "" || chatPane.replyId !== ""
                            if (event.accepted) chatPane.cancelCompose()
                        }
                        // Tab moves on (a message never needs a tab character).
                        Keys.onTabPressed: (event) => {
                            const back = (event.modifiers & Qt.ShiftModifier) !== 0
                            input.nextItemInFocusChain(!back).forceActiveFocus(back ? Qt.BacktabFocusReason : Qt.TabFocusReason)
                        }
                        Keys.onBacktabPressed: (event) => { input.nextItemInFocusChain(false).forceActiveFocus(Qt.BacktabFocusReason) }
                    }
                    Button {
                        id: sendButton
                        objectName: "sendButton"
                        text: chatPane.editingId !== "" ? qsTr("Save") : qsTr("Send")
                        highlighted: true
                        Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                        enabled: input.text.trim().length > 0
                        Accessible.name: chatPane.editingId !== "" ? qsTr("Save the edit") : qsTr("Send message")
                        onClicked: chatPane.submit()
                    }
                }
            }
        }
    }

    // Plain actions: no check indicator or submenu arrow. Not creating those images also avoids
    // a leak of their textures in Qt 6.4 (seen under ASan after the menu was shown).
    component ActionItem: MenuItem {
        arrow: null
        indicator: null
    }
    Menu {
        id: actions
        objectName: "messageActions"
        // Focus went back to the list (or elsewhere, by an action) as it closed.
        onClosed: Qt.callLater(function() { messages.backFromActions = false })
        // Without the elevation shadow (a layer the software renderer leaves blank) a border
        // sets the menu off.
        Material.elevation: 0
        background: Rectangle {
            implicitWidth: 220
            color: actions.Material.dialogColor
            border.color: actions.Material.dividerColor
            radius: 2
        }
        property string messageId
        property bool mine
        property string body
        ActionItem { objectName: "replyAction"; text: qsTr("Reply"); Accessible.name: qsTr("Reply to this message"); onTriggered: chatPane.startReply(actions.messageId) }
        ActionItem { text: qsTr("React \u2714"); Accessible.name: qsTr("React with a check mark"); onTriggered: app.chat.react(actions.messageId, "\u2714") }
        ActionItem { text: qsTr("React \u2764"); Accessible.name: qsTr("React with a heart"); onTriggered: app.chat.react(actions.messageId, "\u2764") }
        ActionItem { text: qsTr("Edit"); Accessible.name: qsTr("Edit this message"); enabled: actions.mine; onTriggered: chatPane.startEdit(actions.messageId, actions.body) }
        ActionItem { text: qsTr("Delete for everyone"); Accessible.name: qsTr("Delete this message for everyone"); enabled: actions.mine; onTriggered: { retractDialog.messageId = actions.messageId; retractDialog.open() } }
        ActionItem { text: qsTr("Copy"); Accessible.name: qsTr("Copy the text"); onTriggered: app.copyToClipboard(actions.body) }
        ActionItem {
            objectName: "openLinkAction"
            readonly property string link: TextRuns.firstLink(actions.body)
            text: qsTr("Open link\u2026")
            Accessible.name: qsTr("Open the first link in this message")
            enabled: link !== ""
            onTriggered: chatPane.askOpenLink(link)
        }
    }

    // The dialogs only pick a file; the controller does the work. The file dialogs exist only
    // where they can open (see AppController::filePickerAvailable); elsewhere a path is typed.
    Loader {
        id: attachPicker
        active: app.attachments.filePickerAvailable
        sourceComponent: FileDialog {
            objectName: "attachDialog"
            title: qsTr("Attach a file")
            fileMode: FileDialog.OpenFile
            onAccepted: app.attachments.attach(selectedFile)
        }
    }
    Loader {
        id: savePicker
        active: app.attachments.filePickerAvailable
        sourceComponent: FileDialog {
            objectName: "saveAttachmentDialog"
            property string messageId
            title: qsTr("Save the attachment")
            fileMode: FileDialog.SaveFile
            onAccepted: app.attachments.saveAttachment(messageId, selectedFile)
        }
    }
    // "Delete for everyone" cannot be undone on the other devices: it asks first.
    Dialog {
        id: retractDialog
        objectName: "retractDialog"
        property string messageId
        title: qsTr("Delete for everyone?")
        header: PlainDialogHeader { dialog: retractDialog }
        anchors.centerIn: Overlay.overlay
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 420, 420)
        modal: true
        Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
        Label {
            // Not availableWidth: the dialog's implicit height would loop through it.
            width: Math.min(Overlay.overlay ? Overlay.overlay.width - 80 : 372, 372)
            wrapMode: Label.Wrap
            textFormat: Text.PlainText
            text: qsTr("The message disappears from every member's devices. The firm's journal keeps it.")
        }
        standardButtons: Dialog.Ok | Dialog.Cancel
        Component.onCompleted: {
            const ok = standardButton(Dialog.Ok)
            ok.text = qsTr("Delete for everyone")
            ok.objectName = "retractConfirmButton"
            ok.Material.foreground = Theme.error
            standardButton(Dialog.Cancel).objectName = "retractCancelButton"
        }
        onAccepted: app.chat.retract(messageId)
    }
    Dialog {
        id: attachPathDialog
        objectName: "attachPathDialog"
        title: qsTr("Attach a file")
        header: PlainDialogHeader { dialog: attachPathDialog }
        anchors.centerIn: Overlay.overlay
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 420, 420)
        modal: true
        Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
        standardButtons: Dialog.Ok | Dialog.Cancel
        onOpened: attachPathField.forceActiveFocus()
        onAccepted: app.attachments.attach(app.attachments.fileUrl(attachPathField.text))
        TextField {
            id: attachPathField
            objectName: "attachPathField"
            width: parent.width
            placeholderText: qsTr("/path/to/file.pdf")
            Accessible.name: qsTr("Path of the file to attach")
            onAccepted: attachPathDialog.accept()
        }
    }
    Dialog {
        id: savePathDialog
        objectName: "savePathDialog"
        property string messageId
        title: qsTr("Save the attachment")
        header: PlainDialogHeader { dialog: savePathDialog }
        anchors.centerIn: Overlay.overlay
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 420, 420)
        modal: true
        Material.elevation: 0
        standardButtons: Dialog.Save | Dialog.Cancel
        onOpened: savePathField.forceActiveFocus()
        onAccepted: app.attachments.saveAttachment(messageId, app.attachments.fileUrl(savePathField.text))
        TextField {
            id: savePathField
            objectName: "savePathField"
            width: parent.width
            Accessible.name: qsTr("Where to save the attachment")
            onAccepted: savePathDialog.accept()
        }
    }

    // Where a link goes, in full, before the browser opens it (and learns the reader's address
    // and when they read the message). Only http and https open (TextRuns.openLink).
    Dialog {
        id: linkDialog
        objectName: "linkDialog"
        property string url: ""
        title: qsTr("Open this link?")
        header: PlainDialogHeader { dialog: linkDialog }
        anchors.centerIn: Overlay.overlay
        width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 460, 460)
        modal: true
        Material.elevation: 0
        ColumnLayout {
            width: parent.width
            spacing: 8
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                opacity: 0.8
                textFormat: Text.PlainText
                text: qsTr("Your browser will open this address; the site then learns that you followed it, and when. It goes to:")
            }
            Label {
                objectName: "linkHost"
                Layout.fillWidth: true
                font.bold: true
                wrapMode: Text.WrapAnywhere
                textFormat: Text.PlainText
                text: TextRuns.linkHost(linkDialog.url)
            }
            Label {
                objectName: "linkUrl"
                Layout.fillWidth: true
                wrapMode: Text.WrapAnywhere
                maximumLineCount: 12
                elide: Text.ElideRight
                font.family: "monospace"
                font.pixelSize: 12
                textFormat: Text.PlainText
                text: linkDialog.url
            }
        }
        footer: DialogButtonBox {
            Button {
                objectName: "linkCancelButton"
                text: qsTr("Cancel")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
            Button {
                objectName: "linkCopyButton"
                text: qsTr("Copy link")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.ActionRole
                onClicked: { app.copyToClipboard(linkDialog.url); linkDialog.close() }
            }
            Button {
                objectName: "linkOpenButton"
                text: qsTr("Open in browser")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
        }
        onAccepted: TextRuns.openLink(url)
    }

    MatterInfo { id: info; app: chatPane.app }
    Connections {
        target: window
        function onInfoRequested() { info.open() }
    }
    SafetyNumberDialog { id: safety; objectName: "bannerSafetyDialog"; chat: chatPane.app.chat }
}
