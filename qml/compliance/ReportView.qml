import QtQuick
import QtQuick.Dialogs
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The supervision report (issue 21): a period (the relay's time, UTC), CSV, HTML or metadata only
// (who talked to whom, when, how much: for supervising partners, no content), written to a new
// file the officer picks (journaled as an export first), and a summary on screen.
Flickable {
    id: reportView
    /// The page's SupervisionController.
    required property SupervisionController supervision
    /// A file dialog can open here (else the path is typed).
    property bool pickerAvailable: false
    property bool wide: true
    contentHeight: column.implicitHeight + 16
    clip: true

    ColumnLayout {
        id: column
        x: 8
        y: 8
        width: reportView.width - 16
        spacing: 8
        Flow {
            Layout.fillWidth: true
            spacing: 6
            TextField {
                id: fromField
                objectName: "reportFromField"
                width: 140
                placeholderText: qsTr("From YYYY-MM-DD")
                Accessible.name: qsTr("First day of the report")
            }
            TextField {
                id: toField
                objectName: "reportToField"
                width: 140
                placeholderText: qsTr("To YYYY-MM-DD")
                Accessible.name: qsTr("Last day of the report")
            }
            RadioButton { id: htmlRadio; objectName: "reportHtml"; checked: true; text: qsTr("HTML") }
            RadioButton { id: csvRadio; objectName: "reportCsv"; text: qsTr("CSV") }
            RadioButton {
                id: metadataRadio
                objectName: "reportMetadata"
                text: qsTr("Metadata only (CSV)")
                Accessible.name: qsTr("Who talked to whom, when and how much: no content")
            }
            TextField {
                id: pathField
                objectName: "reportPathField"
                width: reportView.wide ? 380 : reportView.width - 16
                placeholderText: qsTr("File to write, e.g. /home/me/report.%1").arg(htmlRadio.checked ? "html" : "csv")
                Accessible.name: qsTr("Report file")
            }
            Button {
                text: qsTr("Choose\u2026")
                flat: true
                visible: reportView.pickerAvailable
                onClicked: picker.item.open()
            }
            Button {
                objectName: "reportWriteButton"
                text: qsTr("Write report")
                highlighted: true
                Material.elevation: 0
                enabled: !supervision.working && pathField.text !== ""
                onClicked: supervision.writeReport(metadataRadio.checked ? "metadata" : csvRadio.checked ? "csv" : "html", pathField.text,
                                                   fromField.text, toField.text)
            }
        }
        Label {
            objectName: "reportSummary"
            Layout.fillWidth: true
            visible: supervision.reportSummary !== ""
            textFormat: Text.PlainText
            text: supervision.reportSummary
            wrapMode: Text.Wrap
        }
        Label {
            Layout.fillWidth: true
            visible: supervision.reportFile !== ""
            textFormat: Text.PlainText
            text: qsTr("Written to %1").arg(supervision.reportFile)
            wrapMode: Text.WrapAnywhere
            font.pixelSize: 12
            opacity: 0.7
        }
    }
    Loader {
        id: picker
        active: reportView.pickerAvailable
        sourceComponent: FileDialog {
            title: qsTr("Write the report to")
            fileMode: FileDialog.SaveFile
            onAccepted: pathField.text = selectedFile
        }
    }
}
