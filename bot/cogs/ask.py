"""``/ask``, mentions and reply-chain follow-ups: answer from the server's articles, with citations."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cooldown import CooldownActive
from bot.discord_app import APOLOGY, namespace_for, one_line
from bot.permissions import GUILD_ONLY_MESSAGE
from bot.render_discord import NO_PINGS, answer_messages
from retrieval.errors import NewsdeskError

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
# A follow-up's retrieval query carries at most this much of the conversation before it.
MAX_CONTEXT_CHARS = 300
EMPTY_MENTION = "Ask me a question after the mention, for example: @Newsdesk who won the vote?"


def follow_up_query(previous: str, follow_up: str) -> str:
    """The retrieval query for a reply to an answer: the previous question, then the follow-up.

    "when did he meet them?" after "who did Lavrov meet?" searches for both, so the pronouns land
    on the same articles. The carried context is capped so long chains do not grow without end.
    """
    context = " ".join(previous.split())
    if len(context) > MAX_CONTEXT_CHARS:
        context = context[-MAX_CONTEXT_CHARS:]
        context = context.split(" ", 1)[1] if " " in context else context
    return f"{context} {' '.join(follow_up.split())}".strip()


def strip_mentions(content: str, user_id: int) -> str:
    """The message text without mentions of the bot."""
    return re.sub(rf"<@!?{user_id}>", " ", content).strip()


class Conversations:
    """Which question each of the bot's answer messages answered (bounded, newest kept)."""

    def __init__(self, capacity: int = 5000) -> None:
        self.capacity = capacity
        self._questions: OrderedDict[int, str] = OrderedDict()

    def remember(self, message_ids: Iterable[int], question: str) -> None:
        for message_id in message_ids:
            self._questions[message_id] = question
            self._questions.move_to_end(message_id)
        while len(self._questions) > self.capacity:
            self._questions.popitem(last=False)

    def question_for(self, message_id: int | None) -> str | None:
        return self._questions.get(message_id) if message_id is not None else None


class Ask(commands.Cog):
    """Questions, by slash command or by mentioning the bot."""

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.conversations = Conversations()

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="Your question about the news this server has collected",
        private="Only you see the answer",
    )
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        private: bool = False,
    ) -> None:
        """Answer from this server's articles, quoting them with numbered sources."""
        namespace = namespace_for(interaction.guild_id)
        self.bot.cooldown.hit(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        answer = await self.bot.newsroom.ask(question, namespace=namespace)
        sent = [
            await interaction.followup.send(text, ephemeral=private, allowed_mentions=NO_PINGS, wait=True)
            for text in answer_messages(answer)
        ]
        self.conversations.remember((m.id for m in sent), question)
        log.info(
            "ask guild=%s user=%s mode=%s citations=%d messages=%d",
            namespace,
            interaction.user.id,
            answer.mode,
            len(answer.citations),
            len(sent),
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention of the bot, or a reply to one of its answers (as a follow-up)."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        if message.guild is None:
            await message.channel.send(GUILD_ONLY_MESSAGE, allowed_mentions=NO_PINGS)
            return
        reference = message.reference.message_id if message.reference else None
        previous = self.conversations.question_for(reference)
        if previous is None and not any(user.id == me.id for user in message.mentions):
            return
        question = strip_mentions(message.content, me.id)[:MAX_QUESTION_CHARS]
        if not question:
            if previous is None:  # a bare mention; an empty reply means Discord withheld the text
                await message.reply(EMPTY_MENTION, allowed_mentions=NO_PINGS)
            return
        try:
            self.bot.cooldown.hit(message.author.id)
        except CooldownActive as exc:
            await message.reply(str(exc), allowed_mentions=NO_PINGS, delete_after=min(exc.retry_after, 30.0))
            return
        query = follow_up_query(previous, question) if previous else question
        await self._answer_message(message, query)

    async def _answer_message(self, message: discord.Message, query: str) -> None:
        assert message.guild is not None  # noqa: S101 - checked by the caller
        try:
            async with message.channel.typing():
                answer = await self.bot.newsroom.ask(query, namespace=namespace_for(message.guild.id))
            texts = answer_messages(answer)
        except NewsdeskError as exc:
            await message.reply(one_line(exc), allowed_mentions=NO_PINGS)
            return
        except Exception:
            log.exception("mention answer failed guild=%s message=%s", message.guild.id, message.id)
            await message.reply(APOLOGY, allowed_mentions=NO_PINGS)
            return
        sent = await self._send_all(message, texts)
        self.conversations.remember((m.id for m in sent), query)
        log.info(
            "mention guild=%s user=%s mode=%s messages=%d",
            message.guild.id,
            message.author.id,
            answer.mode,
            len(sent),
        )

    @staticmethod
    async def _send_all(message: discord.Message, texts: Sequence[str]) -> list[discord.Message]:
        sent = [await message.reply(texts[0], allowed_mentions=NO_PINGS)]
        for text in texts[1:]:
            sent.append(await message.channel.send(text, allowed_mentions=NO_PINGS))
        return sent


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Ask(bot))
