import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Scoped production (issue 21): the scope (a matter, a participant's messages in one matter or in
// all their conversations, or "Whole firm" chosen deliberately and confirmed), an optional date
// range, the format (RSMF 2.0, EML, JSON Lines), the file or a folder (the file is then named
// after the scope), go.
Flow {
    id: exportBar
    /// The page's ComplianceController.
    required property ComplianceController compliance
    /// Laptop layout (the file field has a fixed width).
    property bool wide: true
    /// The page's width (on a phone the file field takes a row of it).
    property real pageWidth: width
    Layout.fillWidth: true
    Layout.leftMargin: 8
    Layout.rightMargin: 8
    spacing: 6
    ComboBox {
        id: scopeChoice
        objectName: "exportScope"
        // "" until chosen (no default scope), "*" for the whole firm, else a matter's id.
        readonly property string value: currentIndex >= 0 && model[currentIndex] ? model[currentIndex].id : ""
        readonly property bool wholeFirm: value === "*"
        width: exportBar.wide ? 240 : exportBar.pageWidth - 16
        textRole: "title"
        model: [{ id: "", title: participantField.text.trim() !== "" ? qsTr("Every conversation of the participant")
                                                                       : qsTr("Choose a matter\u2026") },
                { id: "*", title: qsTr("Whole firm") }].concat(compliance.exportMatters)
        Accessible.name: qsTr("Matter to export")
    }
    TextField {
        id: participantField
        objectName: "exportParticipantField"
        width: exportBar.wide ? 200 : exportBar.pageWidth - 16
        visible: !scopeChoice.wholeFirm
        placeholderText: qsTr("Participant (optional)")
        Accessible.name: qsTr("Only what this participant sent or received (user id or name)")
    }
    TextField {
        id: fromField
        objectName: "exportFromField"
        width: 170
        placeholderText: qsTr("From YYYY-MM-DD")
        Accessible.name: qsTr("Export from date (empty: from the start)")
    }
    TextField {
        id: toField
        objectName: "exportToField"
        width: 170
        placeholderText: qsTr("To YYYY-MM-DD")
        Accessible.name: qsTr("Export to date, inclusive (empty: to the end)")
    }
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
            objectName: "exportJsonlRadio"
            text: qsTr("JSON Lines")
            Accessible.name: qsTr("Export as JSON Lines")
        }
    }
    TextField {
        id: exportPath
        objectName: "exportPathField"
        width: exportBar.wide ? 420 : exportBar.pageWidth - 16
        placeholderText: qsTr("File or folder, e.g. /home/me/%1")
            .arg(compliance.suggestedFileName(formatChoice.value, scopeChoice.wholeFirm ? "" : scopeChoice.value,
                                              fromField.text, toField.text,
                                              scopeChoice.wholeFirm ? "" : participantField.text))
        Accessible.name: qsTr("Export file or folder")
        onAccepted: exportButton.clicked()
    }
    Button {
        id: exportButton
        objectName: "exportButton"
        text: qsTr("Export")
        highlighted: true
        Material.elevation: 0
        enabled: !compliance.busy && exportPath.text !== ""
                 && (scopeChoice.value !== "" || participantField.text.trim() !== "")
        Accessible.name: scopeChoice.wholeFirm ? qsTr("Export the whole firm")
                         : participantField.text.trim() !== "" ? qsTr("Export the participant's messages")
                         : qsTr("Export the chosen matter")
        onClicked: {
            if (scopeChoice.wholeFirm)
                wholeFirmDialog.open()
            else
                compliance.exportTo(formatChoice.value, exportPath.text, scopeChoice.value,
                                    fromField.text, toField.text, false, participantField.text)
        }
    }
    Dialog {
        id: wholeFirmDialog
        objectName: "exportWholeFirmDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        modal: true
        title: qsTr("Export the whole firm?")
        standardButtons: Dialog.Ok | Dialog.Cancel
        Label {
            objectName: "exportWholeFirmText"
            width: Math.min(420, exportBar.pageWidth - 64)
            wrapMode: Text.Wrap
            textFormat: Text.PlainText
            text: qsTr("This produces every conversation of the firm, %1 journal record(s) before the date range, privileged material included. Export a matter instead unless the whole firm is what was asked for.")
                .arg(compliance.firmEvents)
        }
        onAccepted: compliance.exportTo(formatChoice.value, exportPath.text, "", fromField.text,
                                        toField.text, true)
    }
}
