import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

// A tooltip that draws its text as plain text. The attached one (`ToolTip.text:`) draws with
// Text.AutoText, which renders markup, so a tooltip that can show anybody's words (a matter's
// title, a device's name, a file's name) is a PlainToolTip; tests/app/tst_app_links.cpp allows
// the attached one only for the app's own words (qsTr, placeholderText).
ToolTip {
    id: tip
    delay: 300
    contentItem: Text {
        text: tip.text
        textFormat: Text.PlainText
        font: tip.font
        wrapMode: Text.Wrap
        color: tip.Material.foreground
    }
}
