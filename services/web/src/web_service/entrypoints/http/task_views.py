"""Task pages: the list, the detail with its actions, the create and edit forms, comments."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from web_service.application.api import if_match
from web_service.application.errors import ApiError
from web_service.application.planning import explain_blocked, explain_refusal, load_planning
from web_service.application.task_form import TaskForm
from web_service.application.task_list import ListFilters, Trail
from web_service.domain.session import WebSession
from web_service.domain.workflow import SORTS, status_label
from web_service.entrypoints.http.context import api, deps, timezone
from web_service.entrypoints.http.security import (
    current_session,
    flash,
    login_required,
    signed_in_user,
)

blueprint = Blueprint("tasks", __name__)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _uuid(value: str) -> str:
    """Ids in paths are UUIDs; anything else is a page that does not exist."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


def _session() -> WebSession:
    session = current_session(create=False)
    assert session is not None
    return session


def _changed() -> None:
    """After a write: the cached counts of this user are out of date."""
    deps().counts.forget(_session())


@blueprint.get("/")
def home() -> Any:
    if signed_in_user() is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for("tasks.task_list"))


@blueprint.get("/tasks")
@login_required
def task_list() -> Any:
    filters, dropped = ListFilters.from_args(request.args)
    trail = Trail.from_args(request.args.get("cursor"), request.args.get("trail"))
    params = filters.api_params()
    if trail.cursor:
        params.append(("cursor", trail.cursor))
    try:
        page = api().get("/api/v1/tasks/", params)
    except ApiError as exc:
        if exc.status != 422:
            raise
        if trail.cursor:
            # A cursor from another query or an outdated link: start again at the first page.
            flash("That page of the list is no longer available; showing the first page.", "error")
            return redirect(url_for("tasks.task_list", **filters.query()))  # type: ignore[arg-type]
        # Filters the API refuses: the plain list, never the same address again (no loop).
        flash("Those filters could not be applied; showing all tasks.", "error")
        return redirect(url_for("tasks.task_list"))
    for name in dropped:
        flash(f"The {name.replace('_', ' ')} filter was not understood and is ignored.", "error")
    if request.headers.get("X-Live-Refresh"):
        _changed()  # refreshed for someone else's change: the cached counts are out of date
    directory = deps().directory
    return render_template(
        "tasks/list.html",
        page=page,
        filters=filters,
        counts=deps().counts.get(api(), _session(), filters),
        people=directory.everyone(api()),
        teams=directory.teams(api()),
        sorts=SORTS,
        next_query=trail.next(page["next_cursor"]) if page.get("next_cursor") else None,
        previous_query=trail.back(),
    )


@blueprint.get("/tasks/<task_id>")
@login_required
def task_detail(task_id: str) -> Any:
    task_id = _uuid(task_id)
    client = api()
    task, comments, history, subtasks, dependencies = client.get_all(
        [
            (f"/api/v1/tasks/{task_id}", ()),
            (f"/api/v1/tasks/{task_id}/comments", [("limit", "100")]),
            (f"/api/v1/tasks/{task_id}/history", [("limit", "50")]),
            (f"/api/v1/tasks/{task_id}/subtasks", [("limit", "50"), ("archived", "all")]),
            (f"/api/v1/tasks/{task_id}/dependencies", ()),
        ],
        deps().pool,
    )
    rights = _rights(task)
    planning = load_planning(
        client, deps().pool, task, dependencies, subtasks["items"], may_edit=rights["edit"]
    )
    directory = deps().directory
    ids = [
        task["created_by"],
        *(entry["actor_id"] for entry in history["items"]),
        *_user_ids_in_changes(history["items"]),
    ]
    return render_template(
        "tasks/detail.html",
        task=task,
        comments=comments["items"],
        history=history["items"],
        subtasks=subtasks["items"],
        names=directory.people(client, ids),
        people=directory.everyone(client),
        # The moves the API allows now (the workflow less what open blockers forbid).
        transitions=task.get("allowed_transitions", []),
        planning=planning,
        task_titles={
            t["id"]: t["title"]
            for t in [
                *planning.candidates,
                *planning.blocked_by,
                *planning.blocks,
                *subtasks["items"],
            ]
        },
        rights=rights,
    )


_TASK_ID_FIELDS = frozenset({"blocked_by", "blocks", "parent_task_id"})
"""History fields that hold task ids, not user ids."""


def _user_ids_in_changes(entries: list[dict[str, Any]]) -> list[str]:
    """Ids in history changes (assignees, parent …) that may name a user, to show names."""
    found: list[str] = []
    for entry in entries:
        for name, change in (entry.get("changes") or {}).items():
            if name in _TASK_ID_FIELDS or not isinstance(change, dict):
                continue
            for side in (change.get("old"), change.get("new")):
                for value in side if isinstance(side, list) else [side]:
                    if isinstance(value, str) and _UUID.match(value):
                        found.append(value)
    return found[:50]


def _rights(task: dict[str, Any]) -> dict[str, bool]:
    """What the page offers; the API decides again (a refused action shows its message)."""
    user = signed_in_user()
    mine = user is not None and task["created_by"] == user.id
    assigned = user is not None and user.id in task.get("assignee_ids", [])
    staff = user is not None and user.is_staff
    archived = bool(task.get("is_archived"))
    return {
        "edit": (mine or assigned or staff) and not archived,
        "manage": (mine or staff) and not archived,
        "restore": (mine or staff) and archived,
        "comment": not archived,
        "staff": staff,
    }


@blueprint.post("/tasks/<task_id>/status")
@login_required
def change_status(task_id: str) -> Any:
    task_id = _uuid(task_id)
    status = request.form.get("status", "")
    return _on_task(
        task_id,
        lambda: api().patch(
            f"/api/v1/tasks/{task_id}",
            {"status": status},
            headers=if_match(request.form.get("version", "")),
        ),
        f"Status changed to {status_label(status)}.",
    )


@blueprint.post("/tasks/<task_id>/assign")
@login_required
def assign(task_id: str) -> Any:
    task_id = _uuid(task_id)
    username = (request.form.get("username") or "").strip()
    person = deps().directory.find_username(api(), username) if username else None
    if person is None:
        flash(f"No user is called “{username}”." if username else "Enter a username.", "error")
        return redirect(url_for("tasks.task_detail", task_id=task_id, _anchor="people"))
    return _on_task(
        task_id,
        lambda: api().post(f"/api/v1/tasks/{task_id}/assign", {"user_ids": [person.id]}),
        f"{person.display_name} is now assigned.",
        anchor="people",
    )


@blueprint.post("/tasks/<task_id>/unassign")
@login_required
def unassign(task_id: str) -> Any:
    task_id = _uuid(task_id)
    user_id = _uuid(request.form.get("user_id", ""))
    return _on_task(
        task_id,
        lambda: api().delete(f"/api/v1/tasks/{task_id}/assign/{user_id}"),
        "Assignee removed.",
        anchor="people",
    )


@blueprint.post("/tasks/<task_id>/dependencies")
@login_required
def add_blocker(task_id: str) -> Any:
    task_id = _uuid(task_id)
    blocked_by = _uuid(request.form.get("blocked_by", ""))
    client = api()
    try:
        client.post(f"/api/v1/tasks/{task_id}/dependencies", {"blocked_by": blocked_by})
    except ApiError as exc:
        if exc.status != 409:
            _explain(exc)
        else:
            task = client.get(f"/api/v1/tasks/{task_id}")
            flash(explain_refusal(client, exc, task), "error")
    else:
        _changed()
        flash("Blocker added: this task can start once it is done.")
    return redirect(url_for("tasks.task_detail", task_id=task_id, _anchor="dependencies"))


@blueprint.post("/tasks/<task_id>/dependencies/<other_id>/remove")
@login_required
def remove_blocker(task_id: str, other_id: str) -> Any:
    task_id, other_id = _uuid(task_id), _uuid(other_id)
    return _on_task(
        task_id,
        lambda: api().delete(f"/api/v1/tasks/{task_id}/dependencies/{other_id}"),
        "Blocker removed.",
        anchor="dependencies",
    )


@blueprint.post("/tasks/<task_id>/archive")
@login_required
def archive(task_id: str) -> Any:
    task_id = _uuid(task_id)
    return _on_task(
        task_id,
        lambda: api().delete(f"/api/v1/tasks/{task_id}"),
        "Task archived. It is kept for 30 days and can be restored until then.",
    )


@blueprint.post("/tasks/<task_id>/restore")
@login_required
def restore(task_id: str) -> Any:
    task_id = _uuid(task_id)
    return _on_task(
        task_id, lambda: api().post(f"/api/v1/tasks/{task_id}/restore"), "Task restored."
    )


def _on_task(
    task_id: str,
    call: Callable[[], object],
    done: str,
    *,
    anchor: str | None = None,
    changes_task: bool = True,
) -> Any:
    """One action of the detail page: call the API, say how it went, show the task again."""
    try:
        call()
    except ApiError as exc:
        _explain(exc)
    else:
        if changes_task:
            _changed()
        flash(done)
    return redirect(url_for("tasks.task_detail", task_id=task_id, _anchor=anchor))


def _explain(exc: ApiError) -> None:
    """A refused action on the detail page: its reason on top of the page, reloaded."""
    if exc.status == 404:
        raise exc
    blocked = explain_blocked(exc)
    if blocked is not None:
        flash(blocked, "error")
    elif exc.status == 412:
        flash("Someone changed this task meanwhile. Here is the latest version.", "error")
    elif exc.status == 403:
        flash("You may not do this on this task.", "error")
    else:
        details = [m for messages in exc.errors.values() for m in messages]
        flash(" ".join(details) or exc.message(), "error")


# --- create and edit -----------------------------------------------------------------------


def _form_choices() -> dict[str, Any]:
    return {"teams": deps().directory.teams(api())}


@blueprint.route("/tasks/new", methods=["GET", "POST"])
@login_required
def new_task() -> Any:
    if request.method == "GET":
        form = TaskForm(values={"priority": "medium", "status": "todo"})
        parent = request.args.get("parent", "")
        if parent:
            form.values["parent_task_id"] = _uuid(parent)
        templates = api().get("/api/v1/task-templates/", [("limit", "50")])["items"]
        return render_template(
            "tasks/form.html",
            form=form,
            creating=True,
            templates=templates,
            idempotency_key=uuid.uuid4().hex,
            **_form_choices(),
        )
    form = TaskForm.from_post(request.form)
    body = form.body(timezone(), creating=True)
    problems: list[str] = []
    if body is not None:
        key = _idempotency_key()
        try:
            created = api().post("/api/v1/tasks/", body, headers={"Idempotency-Key": key})
        except ApiError as exc:
            problems = _form_problems(form, exc)
        else:
            _changed()
            flash("Task created.")
            return redirect(url_for("tasks.task_detail", task_id=created["id"]))
    return render_template(
        "tasks/form.html",
        form=form,
        creating=True,
        templates=[],
        problems=problems,
        idempotency_key=uuid.uuid4().hex,
        **_form_choices(),
    ), 422


def _idempotency_key() -> str:
    # The form's key makes a double-submitted form create one task, not two.
    key = request.form.get("idempotency_key", "")
    return key if key.isalnum() and 16 <= len(key) <= 64 else uuid.uuid4().hex


def _form_problems(form: TaskForm, exc: ApiError) -> list[str]:
    if exc.status == 422 or (exc.status in (403, 409) and exc.errors):
        return form.adopt_api_errors(exc.errors) or ([] if exc.errors else [exc.message()])
    if exc.status in (403, 409):
        return [exc.message()]
    raise exc


@blueprint.route("/tasks/<task_id>/edit", methods=["GET", "POST"])
@login_required
def edit_task(task_id: str) -> Any:
    task_id = _uuid(task_id)
    if request.method == "GET":
        task = api().get(f"/api/v1/tasks/{task_id}")
        return render_template(
            "tasks/form.html",
            form=TaskForm.from_task(task, timezone()),
            creating=False,
            task=task,
            version=task["version"],
            **_form_choices(),
        )
    form = TaskForm.from_post(request.form)
    version = request.form.get("version", "")
    body = form.body(timezone(), creating=False)
    problems: list[str] = []
    conflict = None
    status = 422
    if body is not None:
        try:
            api().patch(f"/api/v1/tasks/{task_id}", body, headers=if_match(version))
        except ApiError as exc:
            if exc.status == 412:
                # Not overwritten: show what is there now; saving again is a deliberate choice.
                conflict = api().get(f"/api/v1/tasks/{task_id}")
                version = str(conflict["version"])
                status = 409
            else:
                problems = _form_problems(form, exc)
        else:
            _changed()
            flash("Changes saved.")
            return redirect(url_for("tasks.task_detail", task_id=task_id))
    task = conflict or api().get(f"/api/v1/tasks/{task_id}")
    return render_template(
        "tasks/form.html",
        form=form,
        creating=False,
        task=task,
        version=version,
        conflict=conflict,
        current=TaskForm.from_task(conflict, timezone()).values if conflict else None,
        problems=problems,
        **_form_choices(),
    ), status


@blueprint.route("/tasks/new/template/<template_id>", methods=["GET", "POST"])
@login_required
def from_template(template_id: str) -> Any:
    template_id = _uuid(template_id)
    template = api().get(f"/api/v1/task-templates/{template_id}")
    names = [str(v) for v in template.get("variables", [])]
    values = {name: (request.form.get(f"var_{name}") or "").strip() for name in names}
    form = TaskForm.from_post(request.form)
    if request.method == "GET":
        form.values["priority"] = str(template.get("priority") or "medium")
    problems: list[str] = []
    if request.method == "POST":
        # The form's own checks for priority, due date and team (the title is the template's).
        partial = TaskForm(values={**form.values, "title": str(template.get("title") or "-")})
        due = partial.body(timezone(), creating=True)
        form.errors = partial.errors
        if due is not None:
            body: dict[str, Any] = {"variables": values, "priority": due["priority"]}
            for name in ("due_date", "team_id"):
                if due.get(name):
                    body[name] = due[name]
            try:
                created = api().post(
                    f"/api/v1/task-templates/{template_id}/instantiate",
                    body,
                    headers={"Idempotency-Key": _idempotency_key()},
                )
            except ApiError as exc:
                problems = _form_problems(form, exc)
            else:
                _changed()
                flash(f"Task created from the template “{template['name']}”.")
                return redirect(url_for("tasks.task_detail", task_id=created["id"]))
    return render_template(
        "tasks/template_form.html",
        template=template,
        variables=values,
        form=form,
        problems=problems,
        idempotency_key=uuid.uuid4().hex,
        **_form_choices(),
    ), (422 if request.method == "POST" else 200)


# --- comments ------------------------------------------------------------------------------


@blueprint.post("/tasks/<task_id>/comments")
@login_required
def add_comment(task_id: str) -> Any:
    task_id = _uuid(task_id)
    body = (request.form.get("body") or "").strip()
    if not body:
        flash("Write something before posting a comment.", "error")
        return redirect(url_for("tasks.task_detail", task_id=task_id, _anchor="comments"))
    return _on_task(
        task_id,
        lambda: api().post(f"/api/v1/tasks/{task_id}/comments", {"body": body}),
        "Comment posted.",
        anchor="comments",
        changes_task=False,
    )


@blueprint.route("/tasks/<task_id>/comments/<comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(task_id: str, comment_id: str) -> Any:
    task_id, comment_id = _uuid(task_id), _uuid(comment_id)
    comment = _find_comment(task_id, comment_id)
    user = signed_in_user()
    if user is None or comment["author_id"] != user.id:
        abort(403)
    error = None
    text = comment["body"]
    if request.method == "POST":
        text = (request.form.get("body") or "").strip()
        try:
            api().patch(
                f"/api/v1/tasks/{task_id}/comments/{comment_id}",
                {"body": text},
                headers=if_match(request.form.get("version", "")),
            )
        except ApiError as exc:
            if exc.status == 412:
                error = "This comment changed meanwhile; check it and save again."
                comment = _find_comment(task_id, comment_id)
            elif exc.status == 422:
                error = " ".join(m for ms in exc.errors.values() for m in ms) or exc.message()
            else:
                raise
        else:
            flash("Comment updated.")
            return redirect(url_for("tasks.task_detail", task_id=task_id, _anchor="comments"))
    return render_template(
        "tasks/comment_edit.html", task_id=task_id, comment=comment, text=text, error=error
    ), (422 if error else 200)


@blueprint.post("/tasks/<task_id>/comments/<comment_id>/delete")
@login_required
def delete_comment(task_id: str, comment_id: str) -> Any:
    task_id, comment_id = _uuid(task_id), _uuid(comment_id)
    return _on_task(
        task_id,
        lambda: api().delete(f"/api/v1/tasks/{task_id}/comments/{comment_id}"),
        "Comment deleted.",
        anchor="comments",
        changes_task=False,
    )


def _find_comment(task_id: str, comment_id: str) -> dict[str, Any]:
    # The API has no single-comment GET: the comment is looked up on the task's pages.
    params: list[tuple[str, str]] = [("limit", "100")]
    while True:
        page = api().get(f"/api/v1/tasks/{task_id}/comments", params)
        for comment in page["items"]:
            if comment["id"] == comment_id:
                found: dict[str, Any] = comment
                return found
        if not page.get("next_cursor"):
            abort(404)
        params = [("limit", "100"), ("cursor", page["next_cursor"])]
