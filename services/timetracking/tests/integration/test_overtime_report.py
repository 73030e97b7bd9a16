"""The weekly overtime e-mail: each manager gets their teams' overtime once per week."""

from __future__ import annotations

import uuid
from datetime import date

from services.timetracking.tests.world import World

WEEK = date(2026, 7, 20)  # 2026-W30: no other test logs time that week


def test_each_manager_gets_the_overtime_of_their_teams_once(
    client, world: World, auth_for, time_runtime, smtp
) -> None:
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,))
    busy = world.user(team_ids=(team,))
    calm = world.user(team_ids=(team,))
    task = world.task(manager, team_id=team)
    for user, minutes in ((busy, 600), (calm, 300)):
        for offset in range(5):
            answer = client.post(
                "/api/v1/time/entries/",
                json={
                    "task_id": str(task.task_id),
                    "duration_minutes": minutes,
                    "work_date": f"2026-07-{20 + offset}",
                },
                headers=auth_for(user),
            )
            assert answer.status_code == 201, answer.get_json()
    with time_runtime.unit_of_work() as uow:
        address = uow.members.get(manager).email
        busy_name = uow.members.get(busy).display_name
        calm_name = uow.members.get(calm).display_name
    assert time_runtime.overtime_reports.send(WEEK) >= 1
    mails = smtp.messages_to(address)
    assert len(mails) == 1
    body = mails[0].get_body(("plain",)).get_content()
    assert "2026-W30" in mails[0]["Subject"]
    assert f"{busy_name}: 10 h 00 over 40 h 00 expected" in body
    assert calm_name not in body
    time_runtime.overtime_reports.send(WEEK)  # a second run sends nothing again
    assert len(smtp.messages_to(address)) == 1
