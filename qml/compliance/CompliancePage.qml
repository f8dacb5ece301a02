import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The compliance officer's view of the firm's journal (DESIGN.md section 7): unlock the journal
// key, pull and verify, search, read a conversation with its edit and deletion history, export.
// Laptop: conversations (or search hits) beside the timeline; phone: one above the other, stacked.
//
// This page only arranges the views; each lives in its own file under compliance/ and takes the
// page's ComplianceController as its `compliance` property, or its SupervisionController as its
// `supervision` property (the review queue, policies, access log and reports, one tab each).
Pane {
    id: page
    /// The app's root controller, passed in by whoever shows this (Main.qml).
    required property AppController app
    padding: 0
    readonly property bool wide: width >= 720
    readonly property bool dark: Material.theme === Material.Dark
    property bool showExport: false

    ComplianceController {
        id: journal
        objectName: "complianceController"
        appController: page.app
    }

    // The review side (issue 21) on the same archive: queue, policies, access log, reports.
    SupervisionController {
        id: review
        objectName: "supervisionController"
        compliance: journal
        // Pulls on a timer while the page is shown, unlocked and the queue's switch is on.
        autoPull: page.visible && journal.unlocked && queueView.autoPullOn
    }

    // Voice notes and images from the archive's copy (issue 23): one player and one viewer for
    // the page; journaled as a "show" of the attachment before anything plays or shows.
    VoiceController { id: archiveVoice; objectName: "complianceVoice"; appController: page.app }
    ComplianceMediaController {
        id: archiveMedia
        objectName: "complianceMedia"
        compliance: journal
        voice: archiveVoice
    }
    ArchiveImageViewer { media: archiveMedia }

    JournalUnlockView {
        anchors.fill: parent
        visible: !journal.unlocked
        compliance: journal
    }

    ColumnLayout {
        anchors.fill: parent
        visible: journal.unlocked
        spacing: 0

        ComplianceToolbar {
            compliance: journal
            showExport: page.showExport
            onExportToggled: page.showExport = !page.showExport
        }

        VerificationBanner {
            compliance: journal
            maxProblemsHeight: page.height / 5
        }

        // Eight tabs: each keeps at least its text's width (the bar's share of it on a laptop),
        // so that on a phone the bar scrolls sideways instead of squeezing the names; the
        // current tab is scrolled into view.
        TabBar {
            id: tabs
            objectName: "complianceTabs"
            Layout.fillWidth: true
            readonly property real share: width / count
            // The tabs that do not fit scroll into view; the bar clips them at its edge.
            Component.onCompleted: contentItem.clip = true
            TabButton { objectName: "journalTab"; width: Math.max(implicitWidth, tabs.share); text: qsTr("Journal") }
            TabButton {
                objectName: "reviewQueueTab"
                // our words: a count
                width: Math.max(implicitWidth, tabs.share)
                text: review.openCount > 0 ? qsTr("Review queue (%1)").arg(review.openCount) : qsTr("Review queue")
            }
            TabButton { objectName: "policiesTab"; width: Math.max(implicitWidth, tabs.share); text: qsTr("Policies") }
            TabButton { objectName: "accessLogTab"; width: Math.max(implicitWidth, tabs.share); text: qsTr("Access log") }
            TabButton { objectName: "reportsTab"; width: Math.max(implicitWidth, tabs.share); text: qsTr("Reports") }
            TabButton { objectName: "holdsTab"; width: Math.max(implicitWidth, tabs.share); text: qsTr("Holds") }
            TabButton { objectName: "samplesTab"; width: Math.max(implicitWidth, tabs.share); text: qsTr("Samples") }
            TabButton { objectName: "auditTab"; width: Math.max(implicitWidth, tabs.share); text: qsTr("Audit") }
        }

        Label {
            objectName: "supervisionError"
            Layout.fillWidth: true
            Layout.leftMargin: 14
            Layout.rightMargin: 14
            Layout.topMargin: 4
            visible: review.error !== "" && tabs.currentIndex > 0
            textFormat: Text.PlainText
            text: review.error
            color: Theme.bad(page.dark)
            wrapMode: Text.WordWrap
        }
        Label {
            objectName: "supervisionStatus"
            Layout.fillWidth: true
            Layout.leftMargin: 14
            Layout.rightMargin: 14
            visible: review.status !== "" && tabs.currentIndex > 0
            textFormat: Text.PlainText
            text: review.status
            wrapMode: Text.WordWrap
            font.pixelSize: 12
            opacity: 0.8
        }

        Label {
            objectName: "complianceError"
            Layout.fillWidth: true
            Layout.leftMargin: 14
            Layout.rightMargin: 14
            Layout.topMargin: 4
            visible: journal.error !== ""
            textFormat: Text.PlainText
            text: journal.error
            color: Theme.bad(page.dark)
            wrapMode: Text.WordWrap
        }

        Label {
            objectName: "complianceMediaError"
            Layout.fillWidth: true
            Layout.leftMargin: 14
            Layout.rightMargin: 14
            visible: archiveMedia.error !== "" && tabs.currentIndex === 0
            textFormat: Text.PlainText
            text: archiveMedia.error
            color: Theme.bad(page.dark)
            wrapMode: Text.WordWrap
        }

        StackLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: tabs.currentIndex

            ColumnLayout {
                spacing: 0
                ExportBar {
                    compliance: journal
                    visible: page.showExport
                    wide: page.wide
                    pageWidth: page.width
                }

                JournalSearchBar {
                    compliance: journal
                }

                // Conversations or search hits, and the timeline.
                Item {
                    Layout.fillWidth: true
                    Layout.fillHeight: true

                    ArchiveList {
                        id: listPane
                        compliance: journal
                        media: archiveMedia
                        anchors.top: parent.top
                        anchors.bottom: parent.bottom
                        x: 0
                        width: page.wide ? 360 : parent.width
                        visible: page.wide || journal.currentConversation === ""
                    }

                    Rectangle {
                        visible: page.wide
                        x: listPane.width
                        width: 1
                        height: parent.height
                        color: Material.dividerColor
                    }

                    JournalTimeline {
                        compliance: journal
                        media: archiveMedia
                        wide: page.wide
                        anchors.top: parent.top
                        anchors.bottom: parent.bottom
                        x: page.wide ? listPane.width + 1 : 0
                        width: page.wide ? parent.width - listPane.width - 1 : parent.width
                        visible: page.wide || journal.currentConversation !== ""
                    }
                }
            }

            ReviewQueueView {
                id: queueView
                objectName: "reviewQueue"
                supervision: review
                wide: page.wide
            }

            PolicyEditorView {
                supervision: review
                wide: page.wide
            }

            AccessLogView {
                supervision: review
            }

            ReportView {
                supervision: review
                wide: page.wide
                pickerAvailable: page.app.attachments.filePickerAvailable
            }

            HoldsView {
                supervision: review
            }

            SampleView {
                supervision: review
                wide: page.wide
            }

            AuditView {
                compliance: journal
            }
        }
    }
}
