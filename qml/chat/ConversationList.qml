import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Matters and direct chats: title, last message, unread count; search across messages; "New"
// (Ctrl+N) starts a matter or a direct conversation (issue 23).
Pane {
    id: pane
    /// The app's chat controller (chat), passed in by whoever shows this.
    required property ChatController chat
    /// Whether this user may start conversations (firm staff): shows "New" and enables Ctrl+N.
    property bool canStart: false
    /// "New" or Ctrl+N: whoever shows the list opens the New-conversation dialog.
    signal newConversationRequested()
    padding: 0

    // Keyboard: Ctrl+F searches, Ctrl+K goes to the conversations (on a phone both leave the
    // open chat first); Enter opens the current one; Escape clears the search.
    function leaveChatOnPhone() { if (!window.wide && chat.currentConversation !== "") chat.closeConversation() }
    Shortcut {
        sequences: [StandardKey.Find]
        onActivated: { leaveChatOnPhone(); searchField.forceActiveFocus(); searchField.selectAll() }
    }
    Shortcut {
        sequences: ["Ctrl+K"]
        onActivated: { leaveChatOnPhone(); list.forceActiveFocus() }
    }
    Shortcut {
        sequences: [StandardKey.New]
        enabled: pane.canStart
        onActivated: pane.newConversationRequested()
    }
    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        RowLayout {
            Layout.fillWidth: true
            Layout.margins: 8
            spacing: 8
            TextField {
                id: searchField
                Layout.fillWidth: true
                objectName: "searchField"
                placeholderText: window.wide ? qsTr("Search messages (Ctrl+F)") : qsTr("Search messages")
                Accessible.name: qsTr("Search messages")
                onTextChanged: chat.search(text)
                // A hint longer than the field (a longer language) elides: the tooltip shows it whole.
                ToolTip.visible: hovered && text === ""
                ToolTip.text: placeholderText
                Keys.onEscapePressed: (event) => { event.accepted = text !== ""; text = "" }
                Keys.onDownPressed: (event) => { (text === "" ? list : results).forceActiveFocus() }
            }
            Button {
                objectName: "newConversationButton"
                visible: pane.canStart
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                text: qsTr("New")
                Accessible.name: qsTr("New matter or conversation (Ctrl+N)")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("New matter or conversation (Ctrl+N)")
                onClicked: pane.newConversationRequested()
            }
        }
        ListView {
            id: list
            objectName: "conversationList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            visible: searchField.text === ""
            model: chat.conversations
            keyNavigationEnabled: true
            activeFocusOnTab: true
            Accessible.name: qsTr("Conversations")
            Keys.onReturnPressed: if (currentItem) chat.openConversation(currentItem.conversationKey)
            Keys.onEnterPressed: if (currentItem) chat.openConversation(currentItem.conversationKey)
            delegate: ItemDelegate {
                readonly property string conversationKey: conversationId
                width: list.width
                height: clientName !== "" ? 88 : 72
                highlighted: conversationId === chat.currentConversation || (ListView.isCurrentItem && list.activeFocus)
                Accessible.name: title + (matterNumber !== "" ? qsTr(", matter number %1").arg(matterNumber) : "")
                                 + (clientName !== "" ? qsTr(", client %1").arg(clientName) : "")
                                 + (unread > 0 ? qsTr(", %n unread", "", unread) : "")
                                 + (draft !== "" ? qsTr(", draft") : "")
                onClicked: chat.openConversation(conversationId)
                contentItem: RowLayout {
                    spacing: 12
                    // Initials and colour from the matter and the client, so that two "Estate of
                    // ..." matters do not look alike; a direct chat is round, a matter squarer.
                    Rectangle {
                        objectName: "conversationAvatar"
                        width: 40; height: 40; radius: isMatter ? 8 : 20
                        color: avatarColor
                        Label {
                            anchors.centerIn: parent
                            textFormat: Text.PlainText
                            text: avatarInitials
                            color: "white"
                            font.bold: true
                        }
                    }
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        RowLayout {
                            Label {
                                objectName: "conversationTitle"
                                Layout.fillWidth: true
                                textFormat: Text.PlainText
                                text: title
                                font.bold: unread > 0
                                elide: Label.ElideRight
                            }
                            Label {
                                objectName: "conversationMatterNumber"
                                visible: matterNumber !== ""
                                textFormat: Text.PlainText
                                text: qsTr("No. %1").arg(matterNumber)
                                font.pixelSize: 11
                                opacity: 0.7
                                Layout.maximumWidth: 110
                                elide: Label.ElideRight
                            }
                            Label {
                                textFormat: Text.PlainText
                                text: lastTimeText
                                font.pixelSize: 11
                                opacity: 0.6
                            }
                        }
                        Label {
                            objectName: "conversationClient"
                            Layout.fillWidth: true
                            visible: clientName !== ""
                            textFormat: Text.PlainText
                            text: qsTr("Client: %1").arg(clientName)
                            elide: Label.ElideRight
                            font.pixelSize: 12
                            opacity: 0.8
                        }
                        RowLayout {
                            Label {
                                objectName: "draftLabel"
                                visible: draft !== ""
                                textFormat: Text.PlainText
                                text: qsTr("Draft:")
                                color: Theme.error
                                font.pixelSize: 13
                            }
                            Label {
                                objectName: "conversationPreview"
                                Layout.fillWidth: true
                                textFormat: Text.PlainText
                                text: draft !== "" ? draft : lastMessage !== "" ? lastMessage : (isMatter ? qsTr("Matter \u00b7 journaled") : "")
                                maximumLineCount: 1  // the first line of a message of several
                                elide: Label.ElideRight
                                opacity: 0.7
                                font.pixelSize: 13
                            }
                            Rectangle {
                                visible: unread > 0
                                width: Math.max(20, unreadLabel.implicitWidth + 10); height: 20; radius: 10
                                color: Material.accent
                                Label { id: unreadLabel; anchors.centerIn: parent; textFormat: Text.PlainText; text: unread; color: "white"; font.pixelSize: 11 }
                            }
                        }
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                textFormat: Text.PlainText
                text: qsTr("No conversations yet")
                opacity: 0.6
            }
        }
        ListView {
            id: results
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            visible: searchField.text !== ""
            model: chat.searchResults
            keyNavigationEnabled: true
            activeFocusOnTab: true
            Accessible.name: qsTr("Search results")
            Keys.onReturnPressed: if (currentItem) currentItem.clicked()
            delegate: ItemDelegate {
                width: results.width
                highlighted: ListView.isCurrentItem && results.activeFocus
                Accessible.name: qsTr("%1: %2").arg(senderName).arg(body)
                onClicked: { chat.openConversation(conversationId); searchField.text = "" }
                contentItem: ColumnLayout {
                    RowLayout {
                        Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: senderName; font.bold: true; font.pixelSize: 12; elide: Label.ElideRight }
                        Label { objectName: "searchHitTime"; textFormat: Text.PlainText; text: timeText; font.pixelSize: 11; opacity: 0.6 }
                    }
                    Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: body; elide: Label.ElideRight }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: results.count === 0
                textFormat: Text.PlainText
                text: qsTr("Nothing found")
                opacity: 0.6
            }
        }
    }
}
