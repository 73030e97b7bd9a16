"""Time pages (ADR 0022): the running timer in the header and on the task, a user's week
(days by tasks, entries, submit), a manager's team week (approve, reject).

Plain forms that work without JavaScript; the time API decides every rule (a refused step is
its message on the next page), these views only convert forms and arrange its answers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from web_service.application.api import if_match
from web_service.application.errors import ApiError, ApiUnavailable, SignedOut
from web_service.application.task_form import zone
from web_service.application.timesheets import (
    MAX_REASON_CHARS,
    EntryForm,
    RunningTimer,
    TaskTitles,
    entry_form,
    entry_from_post,
    entry_rows,
    running_timer,
    week_grid,
)
from web_service.domain.weeks import IsoWeek, clock
from web_service.entrypoints.http.context import api, deps, timezone
from web_service.entrypoints.http.security import flash, login_required, safe_next, signed_in_user

logger = logging.getLogger(__name__)
blueprint = Blueprint("time", __name__)

TIME = "/api/v1/time"
STALE = "It changed in another window meanwhile; check it and save again."


# --- helpers -----------------------------------------------------------------------------------


def _me() -> Any:
    user = signed_in_user()
    assert user is not None
    return user


def _uuid_or_none(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


def _uuid(value: str) -> str:
    return _uuid_or_none(value) or abort(404)


def _this_week() -> IsoWeek:
    return IsoWeek.of(datetime.now(zone(timezone())).date())


def _week_arg(value: str | None) -> IsoWeek | None:
    """The asked week; this week when none is asked; None when the asked one is no week."""
    return _this_week() if not value else IsoWeek.parse(value)


def _titles() -> TaskTitles:
    found: TaskTitles = current_app.extensions.setdefault("taskhive_time_titles", TaskTitles())
    return found


def _title(task_id: str) -> str:
    """A task's title for the reader; a task they can no longer see is just "a task"."""
    if _uuid_or_none(task_id) is None:
        return "a task"
    try:
        return _titles().get(
            _me().id, task_id, lambda: str(api().get(f"/api/v1/tasks/{task_id}")["title"])
        )
    except ApiError:
        return "a task"


def _back(default: str) -> Any:
    return redirect(safe_next(request.form.get("next"), default))


def _refused(exc: ApiError) -> None:
    """A step the API refused for a reason the user can act on: its words on the next page."""
    if exc.status not in (409, 412, 422):
        raise exc
    details = [m for messages in exc.errors.values() for m in messages]
    flash(STALE if exc.status == 412 else " ".join(details) or exc.message(), "error")


# --- the running timer (every page's header, the task's page) -----------------------------------


def current_timer() -> RunningTimer | None:
    """The signed-in user's running timer, asked once per page. A page must not fail because
    time tracking does: then it shows no timer."""
    if "running_timer" in g:
        found: RunningTimer | None = g.running_timer
        return found
    found = None
    if signed_in_user() is not None:
        try:
            found = running_timer(api().get(f"{TIME}/timer/"), _title)
        except (ApiError, ApiUnavailable, SignedOut) as exc:
            logger.warning("running timer unavailable", extra={"error": str(exc)})
    g.running_timer = found
    return found


def _elapsed(timer: RunningTimer) -> str:
    return clock(timer.elapsed_minutes(datetime.now(UTC)))


@blueprint.app_context_processor
def _time_globals() -> dict[str, Any]:
    return {"running_timer": current_timer, "timer_elapsed": _elapsed, "today_iso": _today_iso}


def _today_iso() -> str:
    return datetime.now(zone(timezone())).date().isoformat()


@blueprint.app_template_filter("hm")
def _hm(minutes: int | None) -> str:
    return clock(minutes)


@blueprint.post("/time/timer/start")
@login_required
def start_timer() -> Any:
    task_id = _uuid(request.form.get("task_id") or "")
    try:
        api().post(f"{TIME}/timer/start", {"task_id": task_id})
    except ApiError as exc:
        _refused(exc)
    else:
        flash("Timer started.")
    return _back(url_for("tasks.task_detail", task_id=task_id))


@blueprint.post("/time/timer/stop")
@login_required
def stop_timer() -> Any:
    try:
        entry = api().post(f"{TIME}/timer/stop")
    except ApiError as exc:
        if exc.status != 409:
            raise
        flash("No timer was running.", "error")
    else:
        title = _title(str(entry.get("task_id") or ""))
        flash(f"Timer stopped: {clock(entry.get('duration_minutes') or 0)} logged on “{title}”.")
    return _back(url_for("time.timesheet"))


# --- a user's week -----------------------------------------------------------------------------


@blueprint.get("/time")
@login_required
def timesheet() -> Any:
    me = _me()
    week = _week_arg(request.args.get("week"))
    user_id = _uuid_or_none(request.args.get("user")) or me.id
    if week is None:
        flash("That week was not understood; showing this week.", "error")
        return redirect(url_for("time.timesheet", user=None if user_id == me.id else user_id))
    own = user_id == me.id
    client = api()
    sheet, entries, assigned = client.get_all(
        [
            (f"{TIME}/timesheets/", [("week", str(week))] + ([] if own else [("user", user_id)])),
            (
                f"{TIME}/entries/",
                [
                    ("user", user_id),
                    ("from", week.monday.isoformat()),
                    ("to", week.sunday.isoformat()),
                    ("limit", "100"),
                ],
            ),
            ("/api/v1/tasks/", [("assignee", "me" if own else user_id), ("limit", "100")]),
        ],
        deps().pool,
    )
    grid = week_grid(sheet, week)
    titles = {t["id"]: t["title"] for t in assigned["items"]} | {
        r.task_id: r.title for r in grid.rows
    }
    for item in entries["items"][:20]:
        task_id = str(item.get("task_id") or "")
        if task_id and task_id not in titles:
            titles[task_id] = _title(task_id)
    people = deps().directory.people(client, [user_id, grid.decided_by or ""])
    owner = people.get(user_id)
    heading = "My timesheet" if own else f"{owner.display_name if owner else 'A user'}'s timesheet"
    today = datetime.now(zone(timezone())).date()
    return render_template(
        "time/timesheet.html",
        grid=grid,
        week=week,
        this_week=_this_week(),
        own=own,
        owner=owner,
        heading=heading,
        decider=people.get(grid.decided_by or ""),
        entries=entry_rows(entries["items"], titles, zone(timezone())),
        more_entries=bool(entries.get("next_cursor")),
        choices=sorted(titles.items(), key=lambda item: item[1].lower()),
        form=EntryForm(
            values={"work_date": (today if week.contains(today) else week.monday).isoformat()}
        ),
        may_decide=me.is_staff and not own,
    )


def _week_link(user_id: str, week: str) -> str:
    return url_for("time.timesheet", week=week, user=None if user_id == _me().id else user_id)


@blueprint.post("/time/submit")
@login_required
def submit() -> Any:
    user_id = _uuid_or_none(request.form.get("user")) or _me().id
    week = IsoWeek.parse(request.form.get("week") or "") or abort(404)
    body: dict[str, Any] = {"week": str(week)}
    if user_id != _me().id:
        body["user"] = user_id
    try:
        api().post(f"{TIME}/timesheets/submit", body)
    except ApiError as exc:
        _refused(exc)
    else:
        flash(f"Week {week} submitted for approval.")
    return redirect(_week_link(user_id, str(week)))


@blueprint.post("/time/entries")
@login_required
def add_entry() -> Any:
    user_id = _uuid_or_none(request.form.get("user")) or _me().id
    form, body = entry_from_post(lambda name: request.form.get(name) or "", with_task=True)
    if user_id != _me().id:
        body["user_id"] = user_id
    back = _back(url_for("time.timesheet", week=request.form.get("week") or None))
    if form.errors:
        flash("The time was not logged. " + " ".join(form.messages()), "error")
        return back
    try:
        api().post(f"{TIME}/entries/", body)
    except ApiError as exc:
        if exc.status != 422:
            _refused(exc)
            return back
        rest = form.adopt_api_errors(exc.errors)
        flash("The time was not logged. " + " ".join(form.messages() + rest), "error")
    else:
        flash(f"Logged {clock(body['duration_minutes'])} on {body['work_date']}.")
    return back


@blueprint.route("/time/entries/<entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: str) -> Any:
    path = f"{TIME}/entries/{_uuid(entry_id)}"
    entry = api().get(path)
    day = datetime.fromisoformat(str(entry.get("work_date"))).date()
    back = _week_link(str(entry.get("user_id") or ""), str(IsoWeek.of(day)))
    context = {"entry": entry, "title": _title(str(entry.get("task_id") or "")), "back": back}
    if request.method == "GET":
        return render_template("time/entry_form.html", form=entry_form(entry), **context)
    form, body = entry_from_post(lambda name: request.form.get(name) or "", with_task=False)
    message, status = None, 422
    if not form.errors:
        version = request.form.get("version") or ""
        try:
            api().patch(path, body, headers=if_match(version) if version.isdigit() else None)
        except ApiError as exc:
            if exc.status not in (409, 412, 422):
                raise
            rest = form.adopt_api_errors(exc.errors)
            message = STALE if exc.status == 412 else "; ".join(rest) or exc.message()
            status = 422 if exc.status == 422 else 409
        else:
            flash("Entry saved.")
            week = IsoWeek.of(datetime.fromisoformat(body["work_date"]).date())
            return redirect(_week_link(str(entry.get("user_id") or ""), str(week)))
    page = render_template("time/entry_form.html", form=form, message=message, **context)
    return page, status


@blueprint.post("/time/entries/<entry_id>/delete")
@login_required
def delete_entry(entry_id: str) -> Any:
    version = request.form.get("version") or ""
    try:
        api().delete(
            f"{TIME}/entries/{_uuid(entry_id)}",
            headers=if_match(version) if version.isdigit() else None,
        )
    except ApiError as exc:
        _refused(exc)
    else:
        flash("Entry deleted.")
    return _back(url_for("time.timesheet"))


# --- a team's week (managers and admins) -------------------------------------------------------


def _managed_teams() -> list[dict[str, str]]:
    """Admins decide for every team; a manager for the teams they belong to."""
    me = _me()
    if me.role == "admin":
        return [{"id": t.id, "name": t.name} for t in deps().directory.teams(api())]
    body = api().get("/api/v1/teams/", [("member", me.id), ("limit", "100")])
    return [{"id": str(t["id"]), "name": str(t["name"])} for t in body.get("items", [])]


@blueprint.get("/time/team")
@login_required
def team_week() -> Any:
    me = _me()
    if not me.is_staff:
        abort(404)  # as for anything a member may not see
    week = _week_arg(request.args.get("week"))
    if week is None:
        flash("That week was not understood; showing this week.", "error")
        return redirect(url_for("time.team_week", team=request.args.get("team") or None))
    teams = _managed_teams()
    team_id = _uuid_or_none(request.args.get("team")) or (teams[0]["id"] if teams else None)
    grids, names = [], {}
    if team_id is not None:
        body = api().get(f"{TIME}/timesheets/team", [("team", team_id), ("week", str(week))])
        grids = [week_grid(item, week) for item in body.get("items", [])]
        names = deps().directory.people(api(), [grid.user_id for grid in grids])
        grids.sort(
            key=lambda grid: (
                names[grid.user_id].display_name.lower() if grid.user_id in names else "~"
            )
        )
    return render_template(
        "time/team.html",
        week=week,
        this_week=_this_week(),
        teams=teams,
        team_id=team_id,
        team_name=next((t["name"] for t in teams if t["id"] == team_id), "This team"),
        grids=grids,
        names=names,
        columns=week.days,
        max_reason=MAX_REASON_CHARS,
    )


def _decide(approve: bool) -> Any:
    user_id = _uuid(request.form.get("user") or "")
    week = IsoWeek.parse(request.form.get("week") or "") or abort(404)
    body: dict[str, Any] = {"user": user_id, "week": str(week)}
    if not approve:
        reason = (request.form.get("reason") or "").strip()
        if not reason:
            flash("Give a reason for rejecting the week, so it can be put right.", "error")
            return _back(url_for("time.team_week", week=str(week)))
        body["reason"] = reason[:MAX_REASON_CHARS]
    person = deps().directory.people(api(), [user_id]).get(user_id)
    who = person.display_name if person else "the user"
    try:
        api().post(f"{TIME}/timesheets/{'approve' if approve else 'reject'}", body)
    except ApiError as exc:
        _refused(exc)
    else:
        flash(f"Week {week} of {who} {'approved' if approve else 'rejected'}.")
    return _back(url_for("time.team_week", week=str(week)))


@blueprint.post("/time/approve")
@login_required
def approve() -> Any:
    return _decide(approve=True)


@blueprint.post("/time/reject")
@login_required
def reject() -> Any:
    return _decide(approve=False)
