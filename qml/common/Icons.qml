pragma Singleton
import QtQuick

// The app's icons (issue 23): glyphs of the Material Icons font from Debian's
// fonts-material-design-icons-iconfont, which qml/common/CMakeLists.txt copies from the
// installed package into this module's resources at build time (a phone build carries it in the
// app). Each property is named after the icon's name in the package's codepoint list
// (scss/_variables.scss); tests/app/tst_contrast.cpp checks every one against that list and the
// font. Draw them with IconButton, or a Text whose font.family is Icons.family.
QtObject {
    readonly property FontLoader loader: FontLoader {
        source: "qrc:/verbatim/fonts/MaterialIcons-Regular.ttf"
    }
    /// The font's family once loaded (the name the font itself declares).
    readonly property string family: loader.status === FontLoader.Ready ? loader.font.family : "Material Icons"

    readonly property string arrow_back: "\ue5c4"
    readonly property string info: "\ue88e"
    readonly property string supervisor_account: "\ue8d3"
    readonly property string devices: "\ue1b1"
    readonly property string mail: "\ue158"
    readonly property string settings: "\ue8b8"
    readonly property string cloud_done: "\ue2bf"
    readonly property string cloud_off: "\ue2c1"
    readonly property string refresh: "\ue5d5"
    readonly property string block: "\ue14b"
    readonly property string phonelink_erase: "\ue0db"
    readonly property string more_vert: "\ue5d4"
    readonly property string close: "\ue5cd"
    readonly property string zoom_in: "\ue8ff"
    readonly property string zoom_out: "\ue900"
    readonly property string fit_screen: "\uea10"
    readonly property string open_in_new: "\ue89e"
    readonly property string save_alt: "\ue171"
    readonly property string attach_file: "\ue226"
    readonly property string mic: "\ue029"
    readonly property string filter_list: "\ue152"
    readonly property string fence: "\uf1f6"
    readonly property string cloud_download: "\ue2c0"
    readonly property string verified_user: "\ue8e8"
    readonly property string lock: "\ue897"
    readonly property string link_off: "\ue16f"
    readonly property string ios_share: "\ue6b8"
}
