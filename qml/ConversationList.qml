import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

// Matters and direct chats: title, last message, unread count; search across messages.
Pane {
    padding: 0
    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        TextField {
            id: searchField
            Layout.fillWidth: true
            Layout.margins: 8
            placeholderText: qsTr("Search messages")
            Accessible.name: qsTr("Search messages")
            onTextChanged: app.search(text)
        }
        ListView {
            id: list
            objectName: "conversationList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            visible: searchField.text === ""
            model: app.conversations
            keyNavigationEnabled: true
            Accessible.name: qsTr("Conversations")
            delegate: ItemDelegate {
                width: list.width
                height: 72
                highlighted: conversationId === app.currentConversation
                Accessible.name: title + (unread > 0 ? qsTr(", %n unread", "", unread) : "")
                onClicked: app.openConversation(conversationId)
                contentItem: RowLayout {
                    spacing: 12
                    Rectangle {
                        width: 40; height: 40; radius: 20
                        color: isMatter ? "#3949ab" : "#00897b"
                        Label {
                            anchors.centerIn: parent
                            text: title.length > 0 ? title.charAt(0).toUpperCase() : "?"
                            color: "white"
                            font.bold: true
                        }
                    }
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        RowLayout {
                            Label {
                                Layout.fillWidth: true
                                text: title
                                font.bold: unread > 0
                                elide: Label.ElideRight
                            }
                            Label {
                                text: lastTime ? Qt.formatTime(lastTime, "hh:mm") : ""
                                font.pixelSize: 11
                                opacity: 0.6
                            }
                        }
                        RowLayout {
                            Label {
                                Layout.fillWidth: true
                                text: lastMessage !== "" ? lastMessage : (isMatter ? qsTr("Matter \u00b7 journaled") : "")
                                elide: Label.ElideRight
                                opacity: 0.7
                                font.pixelSize: 13
                            }
                            Rectangle {
                                visible: unread > 0
                                width: Math.max(20, unreadLabel.implicitWidth + 10); height: 20; radius: 10
                                color: Material.accent
                                Label { id: unreadLabel; anchors.centerIn: parent; text: unread; color: "white"; font.pixelSize: 11 }
                            }
                        }
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
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
            model: app.searchResults
            Accessible.name: qsTr("Search results")
            delegate: ItemDelegate {
                width: results.width
                onClicked: { app.openConversation(conversationId); searchField.text = "" }
                contentItem: ColumnLayout {
                    Label { text: senderName; font.bold: true; font.pixelSize: 12 }
                    Label { Layout.fillWidth: true; text: body; elide: Label.ElideRight }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: results.count === 0
                text: qsTr("Nothing found")
                opacity: 0.6
            }
        }
    }
}
