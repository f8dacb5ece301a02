#pragma once
/// @file StdText.h
/// The one conversion the Qt layer makes from the core's text (UTF-8 std::string) to QString.

#include <QString>
#include <string>

namespace verbatim::qt {

inline QString q(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace verbatim::qt
