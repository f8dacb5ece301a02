import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Export of every conversation: the format (RSMF 2.0, EML, JSON Lines), the file, go.
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
            text: qsTr("JSON Lines")
            Accessible.name: qsTr("Export as JSON Lines")
        }
    }
    TextField {
        id: exportPath
        objectName: "exportPathField"
        width: exportBar.wide ? 420 : exportBar.pageWidth - 16
        placeholderText: qsTr("File to write, e.g. /home/me/export.%1").arg(formatChoice.value)
        Accessible.name: qsTr("Export file")
        onAccepted: exportButton.clicked()
    }
    Button {
        id: exportButton
        objectName: "exportButton"
        text: qsTr("Export")
        highlighted: true
        Material.elevation: 0
        enabled: !compliance.busy && exportPath.text !== ""
        Accessible.name: qsTr("Export every conversation")
        onClicked: compliance.exportTo(formatChoice.value, exportPath.text)
    }
}
