import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Verbatim

// The actions on one message (messageId, mine, body set before it opens): reply, react (the
// emoji picker), message info (own messages), edit, delete for everyone, copy, open its first
// link. Copying goes to the controller; the rest is asked of whoever shows the menu.
Menu {
    id: actions
    objectName: "messageActions"
    /// Copying.
    required property ChatController chat
    /// The firm's device policy (may Copy); null: copying allowed.
    property AttachmentsController attachments: null
    property string messageId
    property bool mine
    property string body
    signal replyRequested(string messageId)
    signal reactRequested(string messageId)
    signal infoRequested(string messageId)
    signal editRequested(string messageId, string body)
    signal retractRequested(string messageId)
    signal openLinkRequested(string url)

    // Plain actions: no check indicator or submenu arrow. Not creating those images also avoids
    // a leak of their textures in Qt 6.4 (seen under ASan after the menu was shown).
    component ActionItem: MenuItem {
        arrow: null
        indicator: null
    }
    // Without the elevation shadow (a layer the software renderer leaves blank) a border sets
    // the menu off.
    Material.elevation: 0
    background: Rectangle {
        implicitWidth: 220
        color: actions.Material.dialogColor
        border.color: actions.Material.dividerColor
        radius: 2
    }
    ActionItem { objectName: "replyAction"; text: qsTr("Reply"); Accessible.name: qsTr("Reply to this message"); onTriggered: actions.replyRequested(actions.messageId) }
    ActionItem { objectName: "reactAction"; text: qsTr("React\u2026"); Accessible.name: qsTr("React with an emoji"); onTriggered: actions.reactRequested(actions.messageId) }
    ActionItem { objectName: "messageInfoAction"; text: qsTr("Message info"); Accessible.name: qsTr("When this message was sent, delivered and read"); enabled: actions.mine; onTriggered: actions.infoRequested(actions.messageId) }
    ActionItem { text: qsTr("Edit"); Accessible.name: qsTr("Edit this message"); enabled: actions.mine; onTriggered: actions.editRequested(actions.messageId, actions.body) }
    ActionItem { text: qsTr("Delete for everyone"); Accessible.name: qsTr("Delete this message for everyone"); enabled: actions.mine; onTriggered: actions.retractRequested(actions.messageId) }
    ActionItem {
        objectName: "copyAction"
        // The firm's device policy may forbid copying message text (issue 22): said, not hidden.
        readonly property bool allowed: !actions.attachments || actions.attachments.mayCopy
        enabled: allowed
        text: allowed ? qsTr("Copy") : actions.attachments.copyRefusal
        Accessible.name: allowed ? qsTr("Copy the text") : actions.attachments.copyRefusal
        onTriggered: chat.copyMessageText(actions.body)
    }
    ActionItem {
        objectName: "openLinkAction"
        readonly property string link: TextRuns.firstLink(actions.body)
        text: qsTr("Open link\u2026")
        Accessible.name: qsTr("Open the first link in this message")
        enabled: link !== ""
        onTriggered: actions.openLinkRequested(link)
    }
}
