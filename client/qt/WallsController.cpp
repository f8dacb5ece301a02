#include "client/qt/WallsController.h"
#include "client/qt/SessionController.h"
#include "client/qt/StdText.h"

#include <optional>

#include "client/core/Client.h"

namespace verbatim::qt {

/// What a job on the worker found out, applied on the GUI thread.
struct WallsController::Outcome {
    enum class Action { Refresh, Add, Remove } action = Action::Refresh;
    QString name;
    bool actionOk = true;
    QString actionError;
    int conflicts = 0;                                  ///< of the wall just added
    std::optional<std::vector<client::WallView>> walls; ///< the list after the action
    QString listError;
};

WallsController::WallsController(QObject* parent) : RelayPageController(parent) {}

void WallsController::appControllerSet() {
    if (m_app)
        connect(m_app->session(), &SessionController::accountChanged, this,
                &WallsController::canEditChanged);
    emit canEditChanged();
}

bool WallsController::canEdit() const {
    return m_app && m_app->session()->role() == QLatin1String("admin");
}

QString WallsController::lockedError() const {
    return tr("Verbatim is locked.");
}

std::vector<std::string> WallsController::splitList(const QString& text) {
    std::vector<std::string> out;
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (const QString t = item.trimmed(); !t.isEmpty()) out.push_back(t.toStdString());
    return out;
}

template <class Work> void WallsController::submit(Work work) {
    RelayPageController::submit<Outcome>(std::move(work),
                                         [this](Outcome&& outcome) { apply(std::move(outcome)); });
}

namespace {

void list(client::Client& c, WallsController::Outcome& o) {
    auto walls = c.walls();
    if (walls)
        o.walls = std::move(*walls);
    else
        o.listError = q(walls.error().message);
}

} // namespace

void WallsController::refresh() {
    submit([](client::Client& c) {
        Outcome o;
        list(c, o);
        return o;
    });
}

void WallsController::addWall(const QString& name, const QString& usersA, const QString& mattersA,
                              const QString& usersB, const QString& mattersB) {
    client::WallRequest request;
    request.name = name.trimmed().toStdString();
    request.users = {splitList(usersA), splitList(usersB)};
    request.matters = {splitList(mattersA), splitList(mattersB)};
    submit([request = std::move(request), name](client::Client& c) {
        Outcome o;
        o.action = Outcome::Action::Add;
        o.name = name.trimmed();
        auto wall = c.addWall(request);
        o.actionOk = wall.has_value();
        if (wall)
            o.conflicts = int(wall->conflicts.size());
        else
            o.actionError = q(wall.error().message);
        list(c, o);
        return o;
    });
}

void WallsController::removeWall(const QString& name) {
    submit([name](client::Client& c) {
        Outcome o;
        o.action = Outcome::Action::Remove;
        o.name = name;
        auto walls = c.removeWall(name.toStdString());
        o.actionOk = walls.has_value();
        if (walls)
            o.walls = std::move(*walls);
        else
            o.actionError = q(walls.error().message);
        if (!o.walls) list(c, o);
        return o;
    });
}

void WallsController::apply(Outcome&& o) {
    const bool listed = o.walls.has_value();
    if (listed) {
        m_walls.reset(std::move(*o.walls));
        markUpdated();
    }
    if (!o.actionOk) {
        setError(
            o.action == Outcome::Action::Add
                ? tr("Could not add the wall \u201c%1\u201d: %2").arg(o.name, o.actionError)
                : tr("Could not remove the wall \u201c%1\u201d: %2").arg(o.name, o.actionError));
    } else if (!listed) {
        setError(tr("Could not list the walls: %1").arg(o.listError));
    } else {
        clearError();
    }
    if (o.action == Outcome::Action::Add) emit added(o.actionOk, o.name, o.conflicts);
    if (o.action == Outcome::Action::Remove) emit removed(o.actionOk, o.name);
    emit refreshed(listed);
}

void WallsController::clearView() {
    m_walls.reset({});
}

} // namespace verbatim::qt
