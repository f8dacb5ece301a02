#pragma once
/// @file ModelsText.h
/// Private to the list models (Models.cpp, ConversationListModel.cpp, MessageListModel.cpp):
/// how a label someone else chose is shown. Not for other code.
#include <QString>

#include <string>

#include "client/qt/StdText.h"
#include "client/qt/TextRuns.h"

namespace verbatim::qt::models {

/// A name, title or short label someone else chose, as shown (see TextRuns::safeName()).
inline QString name(const std::string& s) {
    return TextRuns::safeName(q(s));
}

} // namespace verbatim::qt::models
