import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The open conversation: its title and banners (ChatBanners), the messages (lazy loading
// upwards), the composer with attach, edit and reply (Composer), the actions on a message
// (MessageActions) and the dialogs they open (EmojiPicker, MessageInfoSheet among them). MessageBubble calls back into this pane
// (openActions, askOpenLink, saveAttachment, showSenders).
Pane {
    id: chatPane
    /// The open conversation, its messages and what is done to them.
    required property ChatController chat
    /// The firm's name and who this user is (banners, matter info).
    required property SessionController session
    /// Uploads and saves attachments.
    required property AttachmentsController attachments
    /// The banner of a device added to this account.
    required property DeviceLinkController deviceLinking
    padding: 0
    readonly property bool showSenders: chat.currentIsMatter || chat.participantCount > 2

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
    /// Asks where to save a received attachment (`index`: which of the message's files), then
    /// saves it.
    function saveAttachment(id, name, index) {
        attachmentDialogs.saveAttachment(id, name, index === undefined ? 0 : index)
    }
    /// Shows an image attachment in the viewer.
    function viewImage(id, index) {
        attachments.viewImage(id, index)
    }

    Label {
        anchors.centerIn: parent
        visible: chat.currentConversation === ""
        textFormat: Text.PlainText
        text: qsTr("Choose a conversation")
        opacity: 0.6
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        visible: chat.currentConversation !== ""

        ChatBanners {
            Layout.fillWidth: true
            chat: chatPane.chat
            session: chatPane.session
            deviceLinking: chatPane.deviceLinking
            onInfoRequested: info.open()
            onVerifyRequested: (user) => { safety.user = user; safety.name = ""; safety.open() }
        }

        ListView {
            id: messages
            objectName: "messageList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: chat.messages
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
            delegate: MessageBubble { chat: chatPane; attachments: chatPane.attachments; voice: voiceController }
            onCountChanged: if (atYEnd || count < 80) Qt.callLater(positionViewAtEnd)
            // Older pages load before the top is reached (within a screen of it), so scrolling
            // up never stops at a page boundary.
            onContentYChanged: if (count > 0 && contentY - originY < height) Qt.callLater(function() { chatPane.chat.messages.loadOlder() })
            Component.onCompleted: positionViewAtEnd()
            ScrollBar.vertical: ScrollBar {}
            // Files dropped on the conversation go as one message (at most maxFiles of them).
            DropArea {
                objectName: "attachDropArea"
                anchors.fill: parent
                enabled: chatPane.attachments.uploading === ""
                onEntered: (drag) => drag.accepted = drag.hasUrls
                onDropped: (drop) => {
                    if (!drop.hasUrls) return
                    chatPane.attachments.attachFiles(drop.urls)
                    drop.accept()
                }
            }
        }

        Composer {
            id: composer
            Layout.fillWidth: true
            chat: chatPane.chat
            attachments: chatPane.attachments
            voice: voiceController
            onAttachRequested: attachmentDialogs.pickAttachment()
        }
    }

    MessageActions {
        id: actions
        chat: chatPane.chat
        attachments: chatPane.attachments
        // Focus went back to the list (or elsewhere, by an action) as it closed.
        onClosed: Qt.callLater(function() { messages.backFromActions = false })
        onReplyRequested: (id) => composer.startReply(id)
        onReactRequested: (id) => { emojiPicker.messageId = id; emojiPicker.current = chat.myReaction(id); emojiPicker.open() }
        onInfoRequested: (id) => messageInfo.show(id)
        onEditRequested: (id, body) => composer.startEdit(id, body)
        onRetractRequested: (id) => { retractDialog.messageId = id; retractDialog.open() }
        onOpenLinkRequested: (url) => chatPane.askOpenLink(url)
    }
    AttachmentDialogs { id: attachmentDialogs; attachments: chatPane.attachments }
    // Records voice notes for the composer and plays them in the bubbles (one sound at a time).
    VoiceController { id: voiceController; objectName: "voiceController"; appController: window.app }
    ImageViewer {
        id: imageViewer
        attachments: chatPane.attachments
        onSaveRequested: (id, name, index) => chatPane.saveAttachment(id, name, index)
        onClosed: messages.forceActiveFocus()
    }
    RetractDialog { id: retractDialog; chat: chatPane.chat }
    EmojiPicker { id: emojiPicker; chat: chatPane.chat; onClosed: messages.forceActiveFocus() }
    MessageInfoSheet { id: messageInfo; chat: chatPane.chat }
    LinkDialog { id: linkDialog; chat: chatPane.chat }

    MatterInfo { id: info; chat: chatPane.chat; session: chatPane.session }
    Connections {
        target: window
        function onInfoRequested() { info.open() }
    }
    SafetyNumberDialog { id: safety; objectName: "bannerSafetyDialog"; chat: chatPane.chat }
}
