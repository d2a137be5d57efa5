"""Who may ingest and forget, and the per-user cooldown on questions."""

from __future__ import annotations

import discord
import pytest

from bot.cooldown import Cooldown, CooldownActive
from bot.permissions import is_manager

MEMBER = discord.Permissions(send_messages=True, view_channel=True)
EDITORS = (111, "Editors")


@pytest.mark.parametrize(
    ("permissions", "roles", "configured", "allowed"),
    [
        (discord.Permissions(manage_guild=True), [], [], True),
        (discord.Permissions(administrator=True), [], [], True),
        (MEMBER, [], [], False),
        (MEMBER, [EDITORS], [], False),
        (MEMBER, [EDITORS], ["Editors"], True),
        (MEMBER, [EDITORS], ["editors "], True),  # names compare case-insensitively, trimmed
        (MEMBER, [EDITORS], ["111"], True),  # or by role id
        (MEMBER, [EDITORS], ["Moderators", "222"], False),
        (MEMBER, [(5, "Readers")], ["Editors"], False),
    ],
)
def test_manage_server_or_a_configured_role_is_required(permissions, roles, configured, allowed):
    assert is_manager(permissions, roles, configured) is allowed


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_cooldown_refuses_a_second_question_and_says_when_to_retry():
    clock = Clock()
    cooldown = Cooldown(10, clock=clock)
    cooldown.hit(1)
    cooldown.hit(2)  # other users are not affected
    clock.now += 3.2
    with pytest.raises(CooldownActive) as refused:
        cooldown.hit(1)
    assert refused.value.retry_after == pytest.approx(6.8)
    assert str(refused.value) == "You're asking too fast: try again in 7 s."
    clock.now += 6.8
    cooldown.hit(1)


def test_a_zero_cooldown_is_off():
    cooldown = Cooldown(0)
    for _ in range(5):
        cooldown.hit(1)
