import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Start a matter or a direct conversation (issue 23; "New" in the conversation list, Ctrl+N):
// a matter's title, number and client, colleagues by user id (the client holds no directory of
// the firm), or one colleague for a direct conversation. The form is checked as it is typed
// (InvitesController.checkNewConversation); once the relay made the matter, its client's invite
// is shown at once (web link, QR code, copy) with a way into the new matter.
Dialog {
    id: dialog
    objectName: "newMatterDialog"
    title: startedId === "" ? qsTr("New conversation")
                            : isMatter ? qsTr("Matter started") : qsTr("Conversation started")
    header: PlainDialogHeader { dialog: dialog }
    modal: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 24 : 480, 500)
    readonly property bool dark: Material.theme === Material.Dark
    /// The app's root controller (Main.qml passes it in): the relay round trips and the chat.
    required property AppController appController
    property bool isMatter: true
    /// Set once the relay made the conversation; then the invite is shown.
    property string startedId: ""
    property string inviteLink: ""
    /// What is wrong with the form now ("" when it can be sent).
    readonly property string problem: controller.checkNewConversation(
        isMatter, titleField.text, numberField.text, clientField.text, colleaguesField.text)

    onOpened: {
        startedId = ""; inviteLink = ""; isMatter = true
        titleField.text = ""; numberField.text = ""; clientField.text = ""; colleaguesField.text = ""
        controller.clearError()
        titleField.forceActiveFocus()
    }

    function start() {
        if (problem !== "" || controller.busy) return
        controller.startConversation(isMatter, titleField.text, numberField.text, clientField.text,
                                     colleaguesField.text)
    }
    function openStarted() {
        const id = startedId
        close()
        if (id !== "") appController.chat.openConversation(id)
    }

    InvitesController {
        id: controller
        objectName: "newMatterController"
        appController: dialog.appController
        onConversationStarted: (id, link) => {
            if (id === "") return
            dialog.startedId = id
            dialog.inviteLink = link
            // A direct conversation has no invite to hand out: straight into it.
            if (!dialog.isMatter) dialog.openStarted()
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        // ---- the form -----------------------------------------------------------------------
        Flow { // wraps where a translation makes the two choices wider than a phone
            visible: dialog.startedId === ""
            Layout.fillWidth: true
            RadioButton {
                objectName: "kindMatter"
                text: qsTr("Matter")
                checked: dialog.isMatter
                onToggled: dialog.isMatter = true
            }
            RadioButton {
                objectName: "kindDirect"
                text: qsTr("Direct conversation")
                checked: !dialog.isMatter
                onToggled: dialog.isMatter = false
            }
        }
        Label {
            visible: dialog.startedId === ""
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            font.pixelSize: 12
            opacity: 0.75
            text: dialog.isMatter
                  ? qsTr("Every message in a matter is sealed to %1's journal. You invite the client next.").arg(appController.session.firmName)
                  : qsTr("A direct conversation with one colleague of the firm.")
        }
        TextField {
            id: titleField
            objectName: "newTitleField"
            visible: dialog.startedId === ""
            Layout.fillWidth: true
            placeholderText: dialog.isMatter ? qsTr("Title, e.g. Estate of Doe") : qsTr("Title (optional)")
            Accessible.name: qsTr("Title")
            maximumLength: 200
            onAccepted: dialog.start()
        }
        TextField {
            id: numberField
            objectName: "newMatterNumberField"
            visible: dialog.startedId === "" && dialog.isMatter
            Layout.fillWidth: true
            placeholderText: qsTr("Matter number (optional), e.g. 2026-0142")
            // A hint longer than the field (a longer language) elides: the tooltip shows it whole.
            ToolTip.visible: hovered && text === ""
            ToolTip.text: placeholderText
            Accessible.name: qsTr("Matter number")
            maximumLength: 40
            onAccepted: dialog.start()
        }
        TextField {
            id: clientField
            objectName: "newClientNameField"
            visible: dialog.startedId === "" && dialog.isMatter
            Layout.fillWidth: true
            placeholderText: qsTr("Client's name (optional)")
            Accessible.name: qsTr("Client's name")
            maximumLength: 100
            onAccepted: dialog.start()
        }
        TextField {
            id: colleaguesField
            objectName: "newColleaguesField"
            visible: dialog.startedId === ""
            Layout.fillWidth: true
            placeholderText: dialog.isMatter ? qsTr("Colleagues to add: user ids, comma-separated")
                                             : qsTr("Colleague's user id")
            // A hint longer than the field (a longer language) elides: the tooltip shows it whole.
            ToolTip.visible: hovered && text === ""
            ToolTip.text: placeholderText
            Accessible.name: dialog.isMatter ? qsTr("Colleagues to add") : qsTr("Colleague")
            inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText
            onAccepted: dialog.start()
        }
        Label {
            objectName: "newConversationProblem"
            visible: dialog.startedId === "" && (controller.error !== "" ||
                     (dialog.problem !== "" && (titleField.text !== "" || colleaguesField.text !== "")))
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            color: Theme.bad(dialog.dark)
            text: controller.error !== "" ? controller.error : dialog.problem
        }
        RowLayout {
            visible: dialog.startedId === ""
            Layout.alignment: Qt.AlignRight
            BusyIndicator { visible: controller.busy; running: visible; implicitWidth: 32; implicitHeight: 32 }
            Button {
                flat: true
                text: qsTr("Cancel")
                onClicked: dialog.close()
            }
            Button {
                objectName: "createConversationButton"
                highlighted: true
                Material.elevation: 0  // shadows need a GPU; the software renderer draws none
                enabled: dialog.problem === "" && !controller.busy
                text: dialog.isMatter ? qsTr("Start matter") : qsTr("Start conversation")
                onClicked: dialog.start()
            }
        }

        // ---- after: the client's invite ---------------------------------------------------------
        Label {
            visible: dialog.startedId !== ""
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            text: dialog.inviteLink !== ""
                  ? qsTr("Send this invite to the client. It works once and expires in 7 days; Invites lists it.")
                  : controller.error
            color: dialog.inviteLink !== "" ? dialog.Material.foreground : Theme.bad(dialog.dark)
        }
        Image {
            visible: dialog.inviteLink !== ""
            Layout.alignment: Qt.AlignHCenter
            source: dialog.inviteLink !== "" ? "image://qr/" + encodeURIComponent(dialog.inviteLink) : ""
            sourceSize.width: 180
            sourceSize.height: 180
            Accessible.name: qsTr("QR code of the invite link")
        }
        RowLayout {
            visible: dialog.inviteLink !== ""
            Layout.fillWidth: true
            TextField {
                objectName: "startedInviteLink"
                Layout.fillWidth: true
                readOnly: true
                text: dialog.inviteLink
                Accessible.name: qsTr("Invite link")
            }
            Button {
                text: qsTr("Copy")
                Accessible.name: qsTr("Copy the invite link")
                onClicked: dialog.appController.copyToClipboard(dialog.inviteLink)
            }
        }
        Button {
            objectName: "openStartedButton"
            visible: dialog.startedId !== ""
            Layout.alignment: Qt.AlignRight
            highlighted: true
            Material.elevation: 0  // shadows need a GPU; the software renderer draws none
            text: qsTr("Open the matter")
            onClicked: dialog.openStarted()
        }
    }
}
