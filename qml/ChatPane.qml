import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

// The open conversation: banners, messages (lazy loading upwards), composer with attach, edit
// and reply, message actions.
Pane {
    id: chatPane
    padding: 0
    readonly property bool showSenders: app.currentIsMatter || app.participantCount > 2
    property string editingId: ""
    property string replyText: ""

    function openActions(id, outgoing, retracted, body) {
        actions.messageId = id
        actions.mine = outgoing
        actions.body = body
        if (!retracted) actions.popup()
    }

    Label {
        anchors.centerIn: parent
        visible: app.currentConversation === ""
        text: qsTr("Choose a conversation")
        opacity: 0.6
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        visible: app.currentConversation !== ""

        // Title bar (laptop) with matter info.
        ToolBar {
            Layout.fillWidth: true
            visible: window.wide
            Material.background: Material.theme === Material.Dark ? "#263238" : "#fafafa"
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 16
                Label {
                    Layout.fillWidth: true
                    text: app.currentTitle
                    font.pixelSize: 17
                    font.bold: true
                    elide: Label.ElideRight
                }
                ToolButton {
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
            color: Material.theme === Material.Dark ? "#1a237e" : "#e8eaf6"
            visible: app.currentIsMatter
            Label {
                id: journalLabel
                anchors.centerIn: parent
                width: parent.width - 24
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                text: qsTr("End-to-end encrypted. This matter is journaled: %1 keeps a copy of every message, including deleted ones.").arg(app.firmName)
            }
        }
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: 40
            color: "#fff3e0"
            visible: app.safetyChangedUser !== ""
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 12
                Label {
                    Layout.fillWidth: true
                    color: "#e65100"
                    text: qsTr("The safety number of %1 changed. Messages to them are held.").arg(app.safetyChangedUser)
                    elide: Label.ElideRight
                }
                Button {
                    flat: true
                    text: qsTr("Verify")
                    Accessible.name: qsTr("Verify the new safety number")
                    onClicked: { safety.user = app.safetyChangedUser; safety.open() }
                }
            }
        }
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: 32
            color: "#ffebee"
            visible: app.journalMismatch
            Label {
                anchors.centerIn: parent
                color: "#c62828"
                text: qsTr("\u26a0 A message here did not match its journal copy. It was withheld and reported.")
            }
        }

        ListView {
            id: messages
            objectName: "messageList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: app.messages
            spacing: 2
            verticalLayoutDirection: ListView.TopToBottom
            Accessible.name: qsTr("Messages")
            delegate: MessageBubble { chat: chatPane }
            onCountChanged: if (atYEnd || count < 80) Qt.callLater(positionViewAtEnd)
            // Older pages load before the top is reached (within a screen of it), so scrolling
            // up never stops at a page boundary.
            onContentYChanged: if (count > 0 && contentY - originY < height) Qt.callLater(function() { app.messages.loadOlder() })
            Component.onCompleted: positionViewAtEnd()
            ScrollBar.vertical: ScrollBar {}
        }

        // Composer.
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: composer.implicitHeight + 16
            color: Material.theme === Material.Dark ? "#263238" : "#fafafa"
            ColumnLayout {
                id: composer
                anchors.fill: parent
                anchors.margins: 8
                RowLayout {
                    visible: app.uploading !== ""
                    Layout.fillWidth: true
                    BusyIndicator { running: app.uploading !== ""; implicitWidth: 24; implicitHeight: 24 }
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Encrypting and uploading %1\u2026").arg(app.uploading)
                        font.pixelSize: 12
                        elide: Label.ElideMiddle
                    }
                }
                Label {
                    visible: chatPane.editingId !== "" || chatPane.replyText !== ""
                    text: chatPane.editingId !== "" ? qsTr("Editing message") : qsTr("Replying to: %1").arg(chatPane.replyText)
                    font.pixelSize: 12
                    opacity: 0.7
                    elide: Label.ElideRight
                    Layout.fillWidth: true
                }
                RowLayout {
                    ToolButton {
                        text: "+"
                        font.pixelSize: 22
                        Accessible.name: qsTr("Attach a file")
                        onClicked: attachDialog.open()
                    }
                    TextArea {
                        id: input
                        objectName: "messageInput"
                        Layout.fillWidth: true
                        placeholderText: qsTr("Message")
                        wrapMode: TextArea.Wrap
                        Accessible.name: qsTr("Message text")
                        Keys.onReturnPressed: (event) => {
                            if (event.modifiers & Qt.ShiftModifier) event.accepted = false
                            else { sendButton.clicked(); event.accepted = true }
                        }
                    }
                    Button {
                        id: sendButton
                        objectName: "sendButton"
                        text: chatPane.editingId !== "" ? qsTr("Save") : qsTr("Send")
                        highlighted: true
                        Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                        enabled: input.text.trim().length > 0
                        Accessible.name: chatPane.editingId !== "" ? qsTr("Save the edit") : qsTr("Send message")
                        onClicked: {
                            let text = input.text.trim()
                            if (chatPane.replyText !== "") text = "\u201C" + chatPane.replyText + "\u201D\n" + text
                            const ok = chatPane.editingId !== "" ? app.edit(chatPane.editingId, text) : app.send(text)
                            if (ok) { input.text = ""; chatPane.editingId = ""; chatPane.replyText = "" }
                        }
                    }
                }
            }
        }
    }

    Menu {
        id: actions
        property string messageId
        property bool mine
        property string body
        MenuItem { text: qsTr("Reply"); onTriggered: chatPane.replyText = actions.body.substring(0, 60) }
        MenuItem { text: qsTr("React \u2714"); onTriggered: app.react(actions.messageId, "\u2714") }
        MenuItem { text: qsTr("React \u2764"); onTriggered: app.react(actions.messageId, "\u2764") }
        MenuItem { text: qsTr("Edit"); enabled: actions.mine; onTriggered: { chatPane.editingId = actions.messageId; input.text = actions.body } }
        MenuItem { text: qsTr("Delete for everyone"); enabled: actions.mine; onTriggered: app.retract(actions.messageId) }
        MenuItem { text: qsTr("Copy"); onTriggered: app.copyToClipboard(actions.body) }
    }

    Dialog {
        id: attachDialog
        title: qsTr("Attach a file")
        anchors.centerIn: parent
        modal: true
        standardButtons: Dialog.Ok | Dialog.Cancel
        TextField {
            id: pathField
            width: 320
            placeholderText: qsTr("/path/to/file.pdf")
            Accessible.name: qsTr("File to attach")
        }
        onAccepted: app.attach(pathField.text)
    }

    MatterInfo { id: info }
    Connections {
        target: window
        function onInfoRequested() { info.open() }
    }
    SafetyNumberDialog { id: safety }
}
