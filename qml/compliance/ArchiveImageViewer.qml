import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The compliance page's image viewer (issue 23): an image attachment from the archive over the
// whole window, decrypted and decoded in memory only (ComplianceMediaController.viewImage),
// fitted, zoomed with the wheel, + and - (0 fits again), closed with Esc or Close.
Popup {
    id: viewer
    objectName: "archiveImageViewer"
    required property ComplianceMediaController media
    parent: Overlay.overlay
    x: 0
    y: 0
    width: parent ? parent.width : 800
    height: parent ? parent.height : 600
    modal: true
    focus: true
    padding: 0
    closePolicy: Popup.CloseOnEscape
    property real zoom: 1
    readonly property real minZoom: 1
    readonly property real maxZoom: 8
    function zoomBy(factor) { zoom = Math.max(minZoom, Math.min(maxZoom, zoom * factor)) }

    onClosed: media.closeViewer()
    onOpened: zoom = 1
    Connections {
        target: viewer.media
        function onViewerChanged() {
            if (viewer.media.viewerOpen && !viewer.opened) viewer.open()
            else if (!viewer.media.viewerOpen && viewer.opened) viewer.close()
        }
    }
    Material.elevation: 0
    background: Rectangle { color: Theme.header(true); opacity: 0.96 }

    contentItem: Item {
        focus: true
        Keys.onPressed: (event) => {
            if (event.key === Qt.Key_Plus || event.key === Qt.Key_Equal) viewer.zoomBy(1.25)
            else if (event.key === Qt.Key_Minus) viewer.zoomBy(0.8)
            else if (event.key === Qt.Key_0) viewer.zoom = 1
            else return
            event.accepted = true
        }

        RowLayout {
            id: toolbar
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: parent.top
            anchors.margins: 8
            spacing: 4
            Material.theme: Material.Dark
            Label {
                objectName: "archiveViewerName"
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: viewer.media.viewerName
                elide: Text.ElideMiddle
                font.bold: true
                color: "white"
            }
            ToolButton { text: "\u2212"; font.pixelSize: 20; enabled: viewer.zoom > viewer.minZoom; onClicked: viewer.zoomBy(0.8); Accessible.name: qsTr("Zoom out") }
            ToolButton { text: "+"; font.pixelSize: 20; enabled: viewer.zoom < viewer.maxZoom; onClicked: viewer.zoomBy(1.25); Accessible.name: qsTr("Zoom in") }
            ToolButton { text: qsTr("Fit"); enabled: viewer.zoom !== 1; onClicked: viewer.zoom = 1; Accessible.name: qsTr("Fit to the window") }
            ToolButton { objectName: "archiveViewerClose"; text: qsTr("Close"); onClicked: viewer.close(); Accessible.name: qsTr("Close the viewer (Esc)") }
        }

        Flickable {
            id: flick
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: toolbar.bottom
            anchors.bottom: parent.bottom
            anchors.margins: 8
            clip: true
            readonly property real fit: image.sourceWidth > 0
                                        ? Math.min(1, width / image.sourceWidth, height / image.sourceHeight) : 1
            contentWidth: Math.max(width, image.width)
            contentHeight: Math.max(height, image.height)
            interactive: image.width > width || image.height > height
            ImageItem {
                id: image
                objectName: "archiveViewerImage"
                image: viewer.media.viewerImage
                width: sourceWidth * flick.fit * viewer.zoom
                height: sourceHeight * flick.fit * viewer.zoom
                x: Math.max(0, (flick.width - width) / 2)
                y: Math.max(0, (flick.height - height) / 2)
                Accessible.role: Accessible.Graphic
                Accessible.name: viewer.media.viewerName
            }
            WheelHandler {
                acceptedModifiers: Qt.NoModifier | Qt.ControlModifier
                onWheel: (event) => viewer.zoomBy(event.angleDelta.y > 0 ? 1.25 : 0.8)
            }
        }
        BusyIndicator {
            anchors.centerIn: flick
            running: viewer.media.viewerLoading
            visible: running
        }
        Label {
            objectName: "archiveViewerError"
            anchors.centerIn: flick
            width: Math.min(flick.width, 420)
            visible: viewer.media.viewerError !== ""
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            textFormat: Text.PlainText
            text: qsTr("This image cannot be shown: %1").arg(viewer.media.viewerError)
            color: "white"
        }
    }
}
