"""The task form's recurrence presets ⇄ the API's RFC 5545 RRULE (ADR 0020).

The API validates the rule; the presets only spare people from writing one.
"""

from __future__ import annotations

WEEKDAYS: dict[str, str] = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
PRESETS: dict[str, str] = {
    "": "Does not repeat",
    "daily": "Every day",
    "weekdays": "Every weekday (Monday to Friday)",
    "weekly": "Every week on…",
    "monthly": "Every month",
    "custom": "Custom RRULE",
}
MODES: dict[str, str] = {
    "from_due_date": "From the due date (on schedule)",
    "from_completion": "From completion (after the last one is done)",
}
_FIXED = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "monthly": "FREQ=MONTHLY",
}


def rule_of(preset: str, weekday: str, custom: str) -> str | None:
    """The RRULE of a preset (None: does not repeat); raises ValueError naming what is wrong."""
    if preset == "":
        return None
    if preset in _FIXED:
        return _FIXED[preset]
    if preset == "weekly":
        if weekday not in WEEKDAYS:
            raise ValueError("Choose a day of the week.")
        return f"FREQ=WEEKLY;BYDAY={weekday}"
    if preset == "custom":
        rule = custom.strip()
        if rule.upper().startswith("RRULE:"):
            rule = rule[len("RRULE:") :]
        if not rule:
            raise ValueError("Enter an RRULE, like FREQ=WEEKLY;BYDAY=MO.")
        return rule
    raise ValueError("Choose one of the repeats.")


def preset_of(rule: str | None) -> tuple[str, str, str]:
    """(preset, weekday, custom rule) showing an API rule in the form."""
    if not rule:
        return "", "", ""
    for preset, fixed in _FIXED.items():
        if rule == fixed:
            return preset, "", ""
    prefix = "FREQ=WEEKLY;BYDAY="
    if rule.startswith(prefix) and rule[len(prefix) :] in WEEKDAYS:
        return "weekly", rule[len(prefix) :], ""
    return "custom", "", rule
