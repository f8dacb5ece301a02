import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The lexicon policies (issue 21): add one (or a new version of one, by its name), disable one,
// load the labelled example set; each policy's latest version with who set it and when, and on
// demand every earlier version (what it asked, who set it, when). Every
// change is journaled (SupervisionController), so every officer's pull shows the same policies.
Item {
    id: editor
    /// The page's SupervisionController.
    required property SupervisionController supervision
    property bool wide: true
    readonly property bool dark: Material.theme === Material.Dark
    function severityText(s) {
        return s === "high" ? qsTr("high") : s === "medium" ? qsTr("medium") : s === "low" ? qsTr("low") : s
    }
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm") : "" }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Flow {
            Layout.fillWidth: true
            Layout.margins: 8
            spacing: 6
            TextField {
                id: nameField
                objectName: "policyNameField"
                width: editor.wide ? 220 : editor.width - 16
                placeholderText: qsTr("Policy name")
                Accessible.name: qsTr("Policy name")
            }
            TextField {
                id: queryField
                objectName: "policyQueryField"
                width: editor.wide ? 360 : editor.width - 16
                placeholderText: qsTr("Words, \"phrases\", AND/OR/NOT, w/3, prefix wildcards")
                // A hint longer than the field elides: the tooltip shows it whole.
                ToolTip.visible: (hovered || pressed) && text === ""
                ToolTip.text: placeholderText
                Accessible.name: qsTr("Policy query")
            }
            ComboBox {
                id: severityBox
                objectName: "policySeverityBox"
                model: [{ value: "low", text: qsTr("low") }, { value: "medium", text: qsTr("medium") },
                        { value: "high", text: qsTr("high") }]
                textRole: "text"
                valueRole: "value"
                currentIndex: 1
                Accessible.name: qsTr("Severity")
            }
            ComboBox {
                id: directionBox
                objectName: "policyDirectionBox"
                // value: "", to-clients, internal
                readonly property string value: currentIndex === 1 ? "to-clients" : currentIndex === 2 ? "internal" : ""
                model: [qsTr("Every message"), qsTr("To or from clients"), qsTr("Internal only")]
                Accessible.name: qsTr("Which messages")
            }
            TextField {
                id: matterField
                objectName: "policyMatterField"
                width: editor.wide ? 180 : editor.width - 16
                placeholderText: qsTr("Matter (optional)")
                Accessible.name: qsTr("Only in this matter")
            }
            TextField {
                id: participantField
                objectName: "policyParticipantField"
                width: editor.wide ? 180 : editor.width - 16
                placeholderText: qsTr("Participant id (optional)")
                Accessible.name: qsTr("Only this participant's messages")
            }
            Button {
                objectName: "policyAddButton"
                text: qsTr("Add policy")
                highlighted: true
                Material.elevation: 0
                enabled: !supervision.working && nameField.text.trim() !== "" && queryField.text.trim() !== ""
                onClicked: supervision.addPolicy(nameField.text, queryField.text, severityBox.currentValue,
                                                 matterField.text, participantField.text, directionBox.value)
            }
            Button {
                objectName: "policyExamplesButton"
                text: qsTr("Load the example set")
                flat: true
                enabled: !supervision.working
                Accessible.name: qsTr("Journal the example policies (labelled as examples)")
                onClicked: supervision.loadExamples()
            }
        }

        ListView {
            id: policyList
            objectName: "policyList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: supervision.policies
            delegate: ItemDelegate {
                id: policyRow
                objectName: "policyRow"
                // Roles through `model`: "enabled" would shadow the delegate's own property.
                required property var model
                property bool showHistory: false
                width: policyList.width
                contentItem: RowLayout {
                    spacing: 8
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            text: model.name + "  v" + model.version + (model.example ? "  " + qsTr("[example]") : "")
                                  + (model.enabled ? "" : "  " + qsTr("(disabled)"))
                            font.bold: true
                            opacity: model.enabled ? 1 : 0.6
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            text: editor.severityText(model.severity) + " \u00b7 " + model.query + (model.scope !== "" ? " \u00b7 " + model.scope : "")
                            elide: Text.ElideRight
                            font.pixelSize: 12
                        }
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            text: qsTr("version %1 by %2, %3").arg(model.version).arg(TextRuns.isolate(model.author)).arg(editor.when(model.time))
                            elide: Text.ElideRight
                            font.pixelSize: 11
                            opacity: 0.6
                        }
                        // The policy's history, oldest first: what each version asked, so that
                        // an alert's "vN" can be read against the words that raised it.
                        Repeater {
                            model: policyRow.showHistory ? (supervision.policyVersions, supervision.versionsOf(policyRow.model.name)) : []
                            delegate: Label {
                                objectName: "policyVersionLine"
                                required property var modelData
                                Layout.fillWidth: true
                                Layout.leftMargin: 12
                                textFormat: Text.PlainText
                                text: TextRuns.fill(qsTr("v%1 · %2 · %3%4 · by %5, %6"),
                                                    [String(modelData.version), editor.severityText(modelData.severity), modelData.query,
                                                     (modelData.scope !== "" ? " · " + modelData.scope : "")
                                                     + (modelData.enabled ? "" : " · " + qsTr("disabled")),
                                                     TextRuns.isolate(modelData.author), editor.when(modelData.time)])
                                wrapMode: Text.Wrap
                                font.pixelSize: 11
                            }
                        }
                    }
                    Button {
                        objectName: "policyHistoryButton"
                        property string policyName: model.name
                        text: policyRow.showHistory ? qsTr("Hide versions") : qsTr("Versions")
                        flat: true
                        Accessible.name: qsTr("Show every version of the policy %1").arg(model.name)
                        onClicked: policyRow.showHistory = !policyRow.showHistory
                    }
                    Button {
                        objectName: "policyDisableButton"
                        property string policyName: model.name
                        visible: model.enabled
                        text: qsTr("Disable")
                        flat: true
                        enabled: !supervision.working
                        Accessible.name: qsTr("Disable the policy %1").arg(model.name)
                        onClicked: supervision.disablePolicy(model.name)
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: policyList.count === 0
                width: parent.width - 32
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                textFormat: Text.PlainText
                text: qsTr("No policies yet. Add one, or load the example set and tune it.")
                opacity: 0.6
            }
            ScrollBar.vertical: ScrollBar {}
        }
    }
}
