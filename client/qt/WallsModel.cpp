#include "client/qt/WallsModel.h"
#include "client/qt/StdText.h"
#include "client/qt/TextRuns.h"

#include <QDateTime>
#include <QLocale>

namespace verbatim::qt {

int WallsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QHash<int, QByteArray> WallsModel::roleNames() const {
    return {{NameRole, "name"},
            {CreatedTextRole, "createdText"},
            {SideAPeopleRole, "sideAPeople"},
            {SideAMattersRole, "sideAMatters"},
            {SideBPeopleRole, "sideBPeople"},
            {SideBMattersRole, "sideBMatters"},
            {ConflictCountRole, "conflictCount"},
            {ConflictsRole, "conflicts"}};
}

QString WallsModel::personText(const client::WallPersonView& p) {
    const QString name = TextRuns::safeName(q(p.displayName.empty() ? p.user : p.displayName));
    if (p.role.empty()) return name;
    return tr("%1 (%2)").arg(name, q(p.role));
}

QString WallsModel::conflictText(const client::WallConflictView& c) {
    const QString title = TextRuns::safeName(q(c.title));
    if (c.kind == "supervision")
        return tr("%1 supervises %2 across the wall")
            .arg(personText(c.supervisor), personText(c.lawyer));
    if (c.kind == "matter")
        return tr("Matter \u201c%1\u201d holds people of both sides").arg(title);
    return tr("Direct conversation \u201c%1\u201d holds people of both sides").arg(title);
}

namespace {

QString people(const std::vector<client::WallPersonView>& v) {
    QStringList out;
    for (const auto& p : v)
        out << WallsModel::personText(p);
    return out.join(QStringLiteral(", "));
}

QString matters(const std::vector<std::pair<std::string, std::string>>& v) {
    QStringList out;
    for (const auto& [id, title] : v)
        out << TextRuns::safeName(q(title.empty() ? id : title));
    return out.join(QStringLiteral(", "));
}

} // namespace

QVariant WallsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size())) return {};
    const auto& w = m_rows[std::size_t(index.row())];
    switch (role) {
    case NameRole:
        return TextRuns::safeName(q(w.name));
    case CreatedTextRole: {
        const QString when = QLocale().toString(QDateTime::fromMSecsSinceEpoch(qint64(w.createdMs)),
                                                QLocale::ShortFormat);
        if (w.createdBy == "admin-cli") return tr("%1 by the relay's admin command").arg(when);
        const QString by =
            w.createdByName.empty() ? q(w.createdBy) : TextRuns::safeName(q(w.createdByName));
        return tr("%1 by %2").arg(when, by);
    }
    case SideAPeopleRole:
        return people(w.users[0]);
    case SideAMattersRole:
        return matters(w.matters[0]);
    case SideBPeopleRole:
        return people(w.users[1]);
    case SideBMattersRole:
        return matters(w.matters[1]);
    case ConflictCountRole:
        return int(w.conflicts.size());
    case ConflictsRole: {
        QStringList out;
        for (const auto& c : w.conflicts)
            out << conflictText(c);
        return out;
    }
    default:
        return {};
    }
}

void WallsModel::reset(std::vector<client::WallView> walls) {
    beginResetModel();
    m_rows = std::move(walls);
    endResetModel();
    int conflicts = 0;
    for (const auto& w : m_rows)
        conflicts += int(w.conflicts.size());
    if (conflicts != m_conflicts) {
        m_conflicts = conflicts;
        emit countsChanged();
    }
}

} // namespace verbatim::qt
