import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The journal's search field with its filters (matter, participant, from and to dates: UTC,
// the "to" day inclusive, as the export bar reads them) under a toggle.
ColumnLayout {
    id: searchBar
    /// The page's ComplianceController.
    required property ComplianceController compliance
    Layout.fillWidth: true
    spacing: 0
    RowLayout {
        Layout.fillWidth: true
        Layout.leftMargin: 8
        Layout.rightMargin: 8
        spacing: 4
        TextField {
            id: searchField
            objectName: "complianceSearchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search the journal (deleted and edited text too)")
            // A hint longer than the field (a phone, a longer language) elides: the tooltip
            // shows it whole.
            ToolTip.visible: (hovered || pressed) && text === ""
            ToolTip.text: placeholderText
            Accessible.name: qsTr("Search the journal")
            onAccepted: searchButton.clicked()
            onTextChanged: if (text === "") compliance.clearSearch()
            Connections {
                target: compliance
                function onSearchActiveChanged() { if (!compliance.searchActive) searchField.text = "" }
            }
        }
        IconButton {
            id: filtersToggle
            objectName: "searchFiltersToggle"
            symbol: Icons.filter_list
            checkable: true
            text: checked ? qsTr("Hide the search filters") : qsTr("Show the search filters")
        }
        Button {
            id: searchButton
            objectName: "complianceSearchButton"
            text: qsTr("Search")
            flat: true
            enabled: searchField.text.trim() !== ""
            Accessible.name: qsTr("Search")
            onClicked: compliance.search(searchField.text, matterFilter.text, participantFilter.text,
                                         searchFromField.text, searchToField.text)
        }
    }
    // One row on a laptop; two on a phone, the dates under the matter and the participant.
    GridLayout {
        Layout.fillWidth: true
        Layout.leftMargin: 8
        Layout.rightMargin: 8
        visible: filtersToggle.checked
        columns: searchBar.width >= 640 ? 4 : 2
        TextField {
            id: matterFilter
            objectName: "matterFilterField"
            Layout.fillWidth: true
            placeholderText: qsTr("Matter (title or id)")
            Accessible.name: qsTr("Only this matter")
        }
        TextField {
            id: participantFilter
            objectName: "participantFilterField"
            Layout.fillWidth: true
            placeholderText: qsTr("Participant (name or user id)")
            Accessible.name: qsTr("Only this participant")
        }
        TextField {
            id: searchFromField
            objectName: "searchFromField"
            Layout.fillWidth: searchBar.width < 640
            Layout.preferredWidth: 190
            placeholderText: qsTr("From YYYY-MM-DD")
            inputMethodHints: Qt.ImhPreferNumbers
            Accessible.name: qsTr("Search from date (empty: from the start)")
            onAccepted: if (searchField.text.trim() !== "") searchButton.clicked()
        }
        TextField {
            id: searchToField
            objectName: "searchToField"
            Layout.fillWidth: searchBar.width < 640
            Layout.preferredWidth: 190
            placeholderText: qsTr("To YYYY-MM-DD")
            inputMethodHints: Qt.ImhPreferNumbers
            Accessible.name: qsTr("Search to date, inclusive (empty: to the end)")
            onAccepted: if (searchField.text.trim() !== "") searchButton.clicked()
        }
    }
}
