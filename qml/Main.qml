import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Admin
import Verbatim.Chat
import Verbatim.Common
import Verbatim.Compliance
import Verbatim.Onboarding
import Verbatim.Settings
import Verbatim.Supervisors

// The app's window: the screen the session is on (onboarding, unlock, notice, erased) or, once
// ready, the features (chat, compliance, admin) with the settings and invites dialogs.
ApplicationWindow {
    id: window
    /// The app's root controller: the only way into the controllers, passed down to each page.
    required property AppController app
    // How the window starts, set by the program that shows it (client/qt/QmlModules.h).
    /// A verbatim:// link to join with, from the command line (empty: none).
    property string startLink: ""
    property bool darkTheme: false
    property int initialWidth: 1280
    property int initialHeight: 800
    property string windowTitle: "Verbatim"
    width: initialWidth > 0 ? initialWidth : 1280
    height: initialHeight > 0 ? initialHeight : 800
    visible: true
    // The unread count first, so that a taskbar shows it: "(3) Verbatim".
    title: app.chat.totalUnread > 0 ? qsTr("(%1) %2").arg(app.chat.totalUnread).arg(windowTitle) : windowTitle
    Material.theme: darkTheme ? Material.Dark : Material.Light
    Material.accent: Material.Indigo
    Material.primary: Theme.primary

    /// Phone layout (stacked pages) below this width; laptop layout (list beside chat) above.
    readonly property bool wide: width >= 720
    /// The admin looks at the firm's devices instead of the chats (admins chat too).
    property bool adminView: false
    /// A supervisor looks at the supervised lawyers' matters (issue 21) instead of the chats.
    property bool supervisionView: false
    /// An administrator or compliance officer looks at the firm's ethical walls (H6, issue 22).
    property bool wallsView: false

    signal infoRequested()

    // Lives as long as the window: a relay request in flight never holds up leaving the page.
    AdminController {
        id: adminController
        objectName: "adminController"
        appController: window.app
    }
    WallsController {
        id: wallsController
        objectName: "wallsController"
        appController: window.app
    }
    // Asks the relay once connected: it answers a list only to a supervisor, and the button shows
    // only then.
    SupervisorsController {
        id: supervisorsController
        objectName: "supervisorsController"
        appController: window.app
        function probe() {
            if (app.session.connected && app.session.role !== "client" && app.session.role !== "compliance")
                refresh()
        }
        Component.onCompleted: probe()
    }
    Connections {
        target: app.session
        function onConnectedChanged() { supervisorsController.probe() }
    }

    Connections {
        target: app.session
        function onScreenChanged() {
            if (app.session.screen !== "ready") {
                window.adminView = false
                window.supervisionView = false
                window.wallsView = false
            }
            // Locked (idle, Ctrl+L, the settings): no dialog of the profile stays on screen.
            if (app.session.screen === "unlock") {
                settings.close()
                invites.close()
                newConversation.close()
            }
        }
    }

    // Ctrl+L locks at once (issue 23), wherever the focus is.
    Shortcut {
        objectName: "lockShortcut"
        sequence: "Ctrl+L"
        context: Qt.ApplicationShortcut
        enabled: app.session.screen === "ready" || app.session.screen === "notice"
        onActivated: app.session.lock()
    }

    // Buttons say what they do in sentence case, not the style's ALL CAPS (issue 23); every
    // control and popup inherits the window's font.
    font.capitalization: Font.MixedCase

    header: ToolBar {
        visible: app.session.screen === "ready"
        // Compact on a laptop (a 40 px bar), the style's touch height on a phone.
        implicitHeight: window.wide ? 40 : 48
        Material.foreground: "white"
        background: Rectangle { color: Theme.header(darkTheme) }
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            IconButton {
                objectName: "backButton"
                visible: window.adminView || window.supervisionView || window.wallsView || (!window.wide && app.chat.currentConversation !== "")
                symbol: Icons.arrow_back
                text: window.adminView || window.supervisionView || window.wallsView ? qsTr("Back to the chats") : qsTr("Back to conversations")
                onClicked: {
                    if (window.adminView) window.adminView = false
                    else if (window.wallsView) window.wallsView = false
                    else if (window.supervisionView) window.supervisionView = false
                    else app.chat.closeConversation()
                }
            }
            Label {
                objectName: "headerTitle"
                Layout.fillWidth: true
                // The title keeps room beside the buttons; a long one elides, hovering or
                // tapping it shows it whole.
                Layout.minimumWidth: Math.min(implicitWidth, 96)
                textFormat: Text.PlainText
                text: !window.adminView && !window.wide && app.chat.currentConversation !== "" ? app.chat.currentTitle : app.session.firmName
                font.pixelSize: 18
                font.bold: true
                elide: Label.ElideRight
                PlainToolTip {
                    text: parent.text
                    visible: parent.truncated && (titleHover.hovered || titleTap.pressed)
                }
                HoverHandler { id: titleHover }
                TapHandler { id: titleTap }
            }
            Label {
                objectName: "connectionState"
                textFormat: Text.PlainText
                visible: window.wide
                text: app.session.connected ? qsTr("online") : qsTr("connecting\u2026")
                opacity: 0.8
                font.pixelSize: 12
                Accessible.name: app.session.connected ? qsTr("Connected to the relay") : qsTr("Not connected")
            }
            // At phone size an icon (a cloud, crossed out while offline) leaves the row to the
            // title; its name is said by Accessible.name and, on a long press, the tooltip.
            Text {
                objectName: "connectionIcon"
                visible: !window.wide
                text: app.session.connected ? Icons.cloud_done : Icons.cloud_off
                textFormat: Text.PlainText
                font.family: Icons.family
                font.pixelSize: 20
                color: app.session.connected ? Material.foreground : Theme.offline(darkTheme)
                Accessible.role: Accessible.StaticText
                Accessible.name: app.session.connected ? qsTr("Connected to the relay") : qsTr("Not connected")
                PlainToolTip {
                    text: parent.Accessible.name
                    visible: connectionTap.pressed || connectionHover.hovered
                }
                HoverHandler { id: connectionHover }
                TapHandler { id: connectionTap }
            }
            IconButton {
                objectName: "phoneInfoButton"
                visible: !window.adminView && !window.wide && app.chat.currentConversation !== ""
                symbol: Icons.info
                text: qsTr("Matter information")
                onClicked: window.infoRequested()
            }
            IconButton {
                objectName: "supervisionButton"
                visible: supervisorsController.supervising && !window.adminView && !window.supervisionView
                symbol: Icons.supervisor_account
                badge: supervisorsController.matters.overdueCount
                text: supervisorsController.matters.overdueCount > 0
                      ? qsTr("Supervision (%1)").arg(supervisorsController.matters.overdueCount)
                      : qsTr("Supervision")
                Accessible.name: supervisorsController.matters.overdueCount > 0
                                 ? qsTr("Matters of the lawyers you supervise, %1 overdue").arg(supervisorsController.matters.overdueCount)
                                 : qsTr("Matters of the lawyers you supervise")
                onClicked: window.supervisionView = true
            }
            IconButton {
                objectName: "adminDevicesButton"
                visible: app.session.role === "admin" && !window.adminView
                symbol: Icons.devices
                text: qsTr("Devices of the firm")
                onClicked: window.adminView = true
            }
            // The firm's ethical walls (H6): administrators manage them, compliance reads them.
            IconButton {
                objectName: "wallsButton"
                visible: (app.session.role === "admin" || app.session.role === "compliance")
                         && !window.wallsView && !window.adminView
                symbol: Icons.fence
                text: qsTr("The firm's ethical walls")
                onClicked: {
                    window.supervisionView = false
                    window.wallsView = true
                }
            }
            IconButton {
                objectName: "invitesButton"
                visible: app.session.canInvite && !window.adminView
                symbol: Icons.mail
                text: qsTr("Invites")
                Accessible.name: qsTr("Your invite links: who joined, revoke one")
                onClicked: invites.open()
            }
            IconButton {
                objectName: "settingsButton"
                symbol: Icons.settings
                text: qsTr("Settings")
                onClicked: settings.open()
            }
        }
    }

    Loader {
        anchors.fill: parent
        sourceComponent: {
            switch (app.session.screen) {
            case "onboarding": return onboarding
            case "unlock": return unlock
            case "notice": return notice
            case "declined": return notice // the declined invite's page (issue 22)
            case "wiped": return wipedPage
            // The compliance officer reads the firm's journal instead of chatting.
            default:
                if (window.wallsView && !window.adminView
                        && (app.session.role === "admin" || app.session.role === "compliance"))
                    return wallsPage
                if (app.session.role === "compliance") return compliancePage
                if (app.session.role === "admin" && window.adminView) return adminPage
                if (window.supervisionView && supervisorsController.supervising) return supervisionPage
                return window.wide ? laptop : phone
            }
        }
    }

    Component { id: onboarding; OnboardingPage { link: startLink; session: window.app.session } }
    Component { id: unlock; UnlockPage { session: window.app.session } }
    Component { id: notice; NoticePage { session: window.app.session } }
    Component { id: compliancePage; CompliancePage { app: window.app } }
    Component { id: adminPage; AdminPage { controller: adminController; session: window.app.session } }
    Component { id: wallsPage; WallsPage { controller: wallsController } }
    Component { id: wipedPage; ErasedPage { session: window.app.session } }
    Component {
        id: supervisionPage
        SupervisionPage {
            controller: supervisorsController
            onOpenRequested: id => {
                window.supervisionView = false
                window.app.chat.openConversation(id)
            }
        }
    }

    Component {
        id: laptop
        RowLayout {
            spacing: 0
            ConversationList {
                chat: window.app.chat
                canStart: window.app.session.canInvite
                onNewConversationRequested: newConversation.open()
                Layout.preferredWidth: 340
                Layout.fillHeight: true
            }
            Rectangle { Layout.fillHeight: true; width: 1; color: Material.dividerColor }
            ChatPane {
                chat: window.app.chat
                session: window.app.session
                attachments: window.app.attachments
                deviceLinking: window.app.deviceLinking
                Layout.fillWidth: true
                Layout.fillHeight: true
            }
        }
    }

    Component {
        id: phone
        Item {
            ConversationList {
                chat: window.app.chat
                canStart: window.app.session.canInvite
                onNewConversationRequested: newConversation.open()
                anchors.fill: parent
                visible: app.chat.currentConversation === ""
            }
            ChatPane {
                chat: window.app.chat
                session: window.app.session
                attachments: window.app.attachments
                deviceLinking: window.app.deviceLinking
                anchors.fill: parent
                visible: app.chat.currentConversation !== ""
            }
        }
    }

    SettingsDialog {
        id: settings
        objectName: "settingsDialog"
        session: window.app.session
        deviceLinking: window.app.deviceLinking
        notifier: window.app.chat.notifier
        attachments: window.app.attachments
    }
    InvitesDialog { id: invites; appController: window.app }
    NewMatterDialog { id: newConversation; appController: window.app }

    // Errors from the core, shown briefly at the bottom.
    ToolTip {
        id: errorTip
        x: (window.width - width) / 2
        y: window.height - height - 24
        visible: app.error !== ""
        timeout: 6000
        text: app.error
        // The style's tool tip guesses rich text; an error can quote what the relay said.
        contentItem: Text {
            objectName: "errorTipText"
            text: errorTip.text
            textFormat: Text.PlainText
            font: errorTip.font
            wrapMode: Text.Wrap
            color: errorTip.Material.foreground
        }
        onVisibleChanged: if (!visible) app.clearError()
    }
}
