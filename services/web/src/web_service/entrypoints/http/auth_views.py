"""Sign in, sign out, registration, password change."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from web_service.application.errors import ApiError
from web_service.entrypoints.http.context import api, caller, deps
from web_service.entrypoints.http.security import (
    current_session,
    flash,
    login_required,
    replace_session,
    safe_next,
    signed_in_user,
)

blueprint = Blueprint("auth", __name__)
REGISTER_FIELDS = ("email", "username", "first_name", "last_name")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = safe_next(request.values.get("next"), url_for("tasks.task_list"))
    if signed_in_user() is not None and request.method == "GET":
        return redirect(target)
    error = None
    username = (request.form.get("username") or "").strip()
    if request.method == "POST":
        password = request.form.get("password") or ""
        if not username or not password:
            error = "Enter your username (or email) and your password."
        else:
            session = current_session()
            assert session is not None
            try:
                fresh = deps().sessions.sign_in(session, username, password, caller())
            except ApiError as exc:
                error = _sign_in_error(exc)
            else:
                replace_session(fresh)
                return redirect(target)
    status = 200 if error is None else (429 if error.startswith("Too many") else 401)
    if error and request.method == "POST" and status == 401 and not username:
        status = 422
    return render_template("login.html", error=error, username=username, next=target), status


def _sign_in_error(exc: ApiError) -> str:
    if exc.status == 429:
        wait = exc.retry_after
        return f"Too many sign-in attempts. Try again in {wait or 60} seconds."
    if exc.status == 401:
        return "That username or password is not right."
    if exc.status == 422:
        return "Enter your username (or email) and your password."
    raise exc


@blueprint.post("/logout")
def logout() -> Any:
    session = current_session(create=False)
    if session is not None:
        fresh = deps().sessions.sign_out(session, caller())
        replace_session(fresh)
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@blueprint.route("/register", methods=["GET", "POST"])
def register() -> Any:
    if signed_in_user() is not None and request.method == "GET":
        return redirect(url_for("tasks.task_list"))
    values = {name: (request.form.get(name) or "").strip() for name in REGISTER_FIELDS}
    errors: dict[str, list[str]] = {}
    message = None
    if request.method == "POST":
        password = request.form.get("password") or ""
        if password != (request.form.get("password_confirm") or ""):
            errors["password_confirm"] = ["The two passwords differ."]
        for name in ("email", "username"):
            if not values[name]:
                errors[name] = ["Required."]
        if not password:
            errors["password"] = ["Required."]
        if not errors:
            body = {k: v for k, v in values.items() if v or k in ("email", "username")}
            session = current_session()
            assert session is not None
            try:
                fresh = deps().sessions.register(session, {**body, "password": password}, caller())
            except ApiError as exc:
                if exc.status == 429:
                    message = "Too many registrations from your address. Try again later."
                elif exc.status == 409:
                    message = "An account with this email or username exists already."
                elif exc.status == 422:
                    errors = exc.errors
                    message = None if errors else exc.message()
                else:
                    raise
            else:
                replace_session(fresh)
                flash("Welcome to Taskhive! Your account is ready.")
                return redirect(url_for("tasks.task_list"))
    status = 200 if request.method == "GET" else (422 if errors or message else 200)
    return render_template("register.html", values=values, errors=errors, message=message), status


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        current = request.form.get("current_password") or ""
        new = request.form.get("new_password") or ""
        if new != (request.form.get("new_password_confirm") or ""):
            errors["new_password_confirm"] = ["The two new passwords differ."]
        else:
            try:
                api().post(
                    "/api/v1/auth/password",
                    {"current_password": current, "new_password": new},
                )
            except ApiError as exc:
                if exc.status != 422:
                    raise
                errors = exc.errors or {"new_password": [exc.message()]}
            else:
                flash("Your password has been changed. Your other sessions were signed out.")
                return redirect(url_for("people.profile"))
    status = 422 if errors else 200
    return render_template("password.html", errors=errors), status
