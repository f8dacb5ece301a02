pragma Singleton
import QtQuick

// The app's colours, in one place. Functions take `dark` (Material.theme === Material.Dark at
// the caller), so each screen keeps following the theme it is shown in; constants are colours
// that do not change with it (banners that are light in both themes, the accents).
QtObject {
    // Brand.
    readonly property color primary: "#1f2a44"
    function header(dark) { return dark ? "#1c2331" : "#1f2a44" }

    // Surfaces.
    function bar(dark) { return dark ? "#263238" : "#fafafa" }
    function rowHeader(dark) { return dark ? "#263238" : "#f5f6f8" }
    function bubbleOut(dark) { return dark ? "#283593" : "#e3e8ff" }
    function bubbleIn(dark) { return dark ? "#37474f" : "#f1f3f4" }
    function attachmentBackground(dark) { return dark ? "#455a64" : "#ffffff" }
    function replyBackground(dark) { return dark ? "#1a237e" : "#e8eaf6" }
    function link(dark) { return dark ? "#90caf9" : "#1a56c4" }
    function readReceipt(dark) { return dark ? "#64b5f6" : "#1e88e5" }

    // States: text and background pairs.
    function ok(dark) { return dark ? "#81c784" : "#1b5e20" }
    function okBackground(dark) { return dark ? "#1b3a1e" : "#e8f5e9" }
    function bad(dark) { return dark ? "#ef9a9a" : "#b71c1c" }
    function badBackground(dark) { return dark ? "#4a1c1c" : "#ffebee" }
    function warn(dark) { return dark ? "#ffcc80" : "#bf360c" }
    function warnBackground(dark) { return dark ? "#4e342e" : "#fff3e0" }
    function neutral(dark) { return dark ? "#cfd8dc" : "#455a64" }
    function neutralBackground(dark) { return dark ? "#37474f" : "#eceff1" }

    // The phone toolbar's offline icon, on header().
    function offline(dark) { return dark ? "#ffca28" : "#f0b400" }

    // Banners, light in both themes.
    readonly property color error: "#c62828"
    readonly property color bannerWarn: "#bf360c"
    readonly property color bannerWarnBackground: "#fff3e0"
    readonly property color bannerInfo: "#0d47a1"
    readonly property color bannerInfoBackground: "#e3f2fd"
    readonly property color bannerErrorBackground: "#ffebee"

    // Accents: matters and staff indigo, direct conversations and clients teal.
    readonly property color matterAccent: "#3949ab"
    readonly property color directAccent: "#00897b"
    // The supervision page's weekly bars, on a card (bar, warnBackground or badBackground).
    function weeklyBar(dark) { return dark ? "#9fa8da" : "#3949ab" }
}
