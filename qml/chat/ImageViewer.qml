import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The image viewer (issue 23): an image attachment over the whole window, fitted, zoomed with
// the wheel, a pinch, + and - (0 fits again), dragged when larger than the window, closed with
// Esc or Close. The image is decrypted into memory only (AttachmentsController.viewImage);
// Open and Save are offered where the firm's device policy allows them.
Popup {
    id: viewer
    objectName: "imageViewer"
    required property AttachmentsController attachments
    /// Save was asked for: the chat pane asks where.
    signal saveRequested(string messageId, string name, int index)
    parent: Overlay.overlay
    x: 0
    y: 0
    width: parent ? parent.width : 800
    height: parent ? parent.height : 600
    modal: true
    focus: true
    padding: 0
    closePolicy: Popup.CloseOnEscape
    /// 1: the image fitted to the window (never enlarged past its pixels); more: zoomed in.
    property real zoom: 1
    readonly property real minZoom: 1
    readonly property real maxZoom: 8
    function zoomBy(factor) { zoom = Math.max(minZoom, Math.min(maxZoom, zoom * factor)) }

    onClosed: attachments.closeViewer()
    onOpened: zoom = 1
    Connections {
        target: viewer.attachments
        function onViewerChanged() {
            if (viewer.attachments.viewerOpen && !viewer.opened) viewer.open()
            else if (!viewer.attachments.viewerOpen && viewer.opened) viewer.close()
        }
    }
    Material.elevation: 0
    background: Rectangle { color: Theme.header(true); opacity: 0.96 }

    contentItem: Item {
        id: stage
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
                objectName: "viewerName"
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: viewer.attachments.viewerName
                elide: Text.ElideMiddle
                font.bold: true
                color: "white"
            }
            IconButton { objectName: "viewerZoomOut"; symbol: Icons.zoom_out; text: qsTr("Zoom out (-)"); enabled: viewer.zoom > viewer.minZoom; onClicked: viewer.zoomBy(0.8) }
            IconButton { objectName: "viewerZoomIn"; symbol: Icons.zoom_in; text: qsTr("Zoom in (+)"); enabled: viewer.zoom < viewer.maxZoom; onClicked: viewer.zoomBy(1.25) }
            IconButton { objectName: "viewerFit"; symbol: Icons.fit_screen; text: qsTr("Fit to the window"); enabled: viewer.zoom !== 1; onClicked: viewer.zoom = 1 }
            IconButton {
                objectName: "viewerOpen"
                visible: viewer.attachments.maySave
                symbol: Icons.open_in_new
                text: qsTr("Open with another application")
                enabled: viewer.attachments.openingAttachment === ""
                onClicked: viewer.attachments.openAttachment(viewer.attachments.viewerMessageId, viewer.attachments.viewerIndex)
            }
            IconButton {
                objectName: "viewerSave"
                visible: viewer.attachments.maySave
                symbol: Icons.save_alt
                text: qsTr("Save")
                onClicked: viewer.saveRequested(viewer.attachments.viewerMessageId, viewer.attachments.viewerName, viewer.attachments.viewerIndex)
            }
            IconButton { objectName: "viewerClose"; symbol: Icons.close; text: qsTr("Close the viewer (Esc)"); onClicked: viewer.close() }
        }

        Flickable {
            id: flick
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: toolbar.bottom
            anchors.bottom: parent.bottom
            anchors.margins: 8
            clip: true
            // Fitted: the whole image in the window, never larger than its pixels.
            readonly property real fit: image.implicitWidth > 0
                                        ? Math.min(1, width / image.implicitWidth, height / image.implicitHeight) : 1
            contentWidth: Math.max(width, image.width)
            contentHeight: Math.max(height, image.height)
            interactive: image.width > width || image.height > height
            Image {
                id: image
                objectName: "viewerImage"
                source: viewer.attachments.viewerSource
                asynchronous: false
                cache: false
                smooth: true
                mipmap: true
                width: implicitWidth * flick.fit * viewer.zoom
                height: implicitHeight * flick.fit * viewer.zoom
                x: Math.max(0, (flick.width - width) / 2)
                y: Math.max(0, (flick.height - height) / 2)
                Accessible.role: Accessible.Graphic
                Accessible.name: viewer.attachments.viewerName
            }
            WheelHandler {
                acceptedModifiers: Qt.NoModifier | Qt.ControlModifier
                onWheel: (event) => viewer.zoomBy(event.angleDelta.y > 0 ? 1.25 : 0.8)
            }
            PinchHandler {
                target: null
                property real startZoom: 1
                onActiveChanged: if (active) startZoom = viewer.zoom
                onActiveScaleChanged: viewer.zoom = Math.max(viewer.minZoom, Math.min(viewer.maxZoom, startZoom * activeScale))
            }
        }
        BusyIndicator {
            objectName: "viewerBusy"
            anchors.centerIn: flick
            running: viewer.attachments.viewerLoading
            visible: running
        }
        Label {
            objectName: "viewerError"
            anchors.centerIn: flick
            width: Math.min(flick.width, 420)
            visible: viewer.attachments.viewerError !== ""
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            textFormat: Text.PlainText
            text: qsTr("This image cannot be shown: %1").arg(viewer.attachments.viewerError)
            color: "white"
        }
    }
}
