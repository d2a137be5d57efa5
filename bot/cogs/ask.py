"""``/ask``, mentions and reply-chain follow-ups: answer from the server's articles, with citations."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.info import HELP
from bot.cogs.sources import SINCE_OPTION, UNTIL_OPTION, library_choices
from bot.conversations import Conversations
from bot.cooldown import CooldownActive
from bot.discord_app import APOLOGY, namespace_for, one_line
from bot.followups import Asked, Turn, asks_for_help, next_turn
from bot.library import parse_day
from bot.permissions import GUILD_ONLY_MESSAGE, Refusal
from bot.render_discord import CHOICES_LIMIT, MESSAGE_LIMIT, NO_PINGS, answer_messages, embed, shorten
from retrieval.errors import NewsdeskError
from retrieval.models import Answer
from retrieval.service import Limits

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")
MAX_QUESTION_CHARS = 500
# A question that leans on the one before it ("when did he arrive?") continues the same member's
# last question in the same channel when it came this recently, reply or not.
FOLLOW_UP_SECONDS = 15 * 60
EMPTY_MENTION = "Ask me a question after the mention, for example: @Newsdesk who won the vote?"
# The message context menu (right-click a message, Apps): what the articles say about its text.
FIND_SOURCES = "Find sources"
NO_TEXT = "That message has no text to look up."


def strip_mentions(content: str, user_id: int, role_id: int | None = None) -> str:
    """The message text without mentions of the bot (and of its managed role)."""
    content = re.sub(rf"<@!?{user_id}>", " ", content)
    if role_id is not None:
        content = content.replace(f"<@&{role_id}>", " ")
    return content.strip()


def mentions_me(message: discord.Message, user_id: int) -> bool:
    """The message pings the bot: its user, or the role Discord manages for it."""
    if any(user.id == user_id for user in message.mentions):
        return True
    role = message.guild.self_role if message.guild else None
    return role is not None and role.id in message.raw_role_mentions


def thread_id(channel: object) -> int | None:
    return channel.id if isinstance(channel, discord.Thread) else None


class Recent(Generic[K, V]):
    """Values noted by key in the last ``seconds``: in memory only, the newest ``capacity`` kept
    (the context is minutes old or useless)."""

    def __init__(self, seconds: float = FOLLOW_UP_SECONDS, capacity: int = 2000) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self._noted: OrderedDict[K, tuple[V, float]] = OrderedDict()

    def note(self, key: K, value: V, keep_time: bool = False) -> None:
        """Note ``value`` under ``key``; ``keep_time``: it replaces a value noted earlier, whose
        time it keeps (so it expires when that one would have)."""
        found = self._noted.get(key)
        at = found[1] if keep_time and found else time.monotonic()
        self._noted[key] = (value, at)
        self._noted.move_to_end(key)
        while len(self._noted) > self.capacity:
            self._noted.popitem(last=False)

    def get(self, key: K) -> V | None:
        """The value noted under ``key``, if noted recently enough."""
        found = self._noted.get(key)
        if found is None or time.monotonic() - found[1] > self.seconds:
            return None
        return found[0]

    def pop(self, key: K) -> V | None:
        """Forget ``key``, returning its value if it was recent."""
        value = self.get(key)
        self._noted.pop(key, None)
        return value


class RecentAskers:
    """Each member's last question per channel, for follow-ups asked without replying."""

    def __init__(self) -> None:
        self._last: Recent[tuple[int, int], Asked] = Recent()

    def note(self, channel_id: int | None, user_id: int, asked: Asked) -> None:
        if channel_id is not None:
            self._last.note((channel_id, user_id), asked)

    def last(self, channel_id: int | None, user_id: int) -> Asked | None:
        """The member's last question here, if it was recent enough to follow on from."""
        return self._last.get((channel_id, user_id)) if channel_id is not None else None


@dataclass(frozen=True, slots=True)
class Reply:
    """The bot's reply to a member's question message: the question as it was read, what it was
    asked after (``previous``; ``replied``: by a reply or in the bot's thread), and the ids of
    the reply's messages, so that an edit of the question can answer the new wording in place.
    Kept by question message id for 15 minutes: a later edit is left alone, like a follow-up
    without a reply."""

    question: str
    previous: Asked | None
    replied: bool
    messages: tuple[int, ...]


def following_on(answer: Answer, turn: Turn) -> Answer:
    """``answer`` with a note saying which question it was taken to continue."""
    asked = discord.utils.escape_markdown(shorten(turn.continues or "", 120))
    note = f"{turn.taken_as(asked)}."
    return replace(answer, notice=f"{note} {answer.notice}" if answer.notice else note)


class Ask(commands.Cog):
    """Questions, by slash command or by mentioning the bot."""

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.conversations = Conversations(bot.settings.data_dir / "conversations.sqlite3")
        self.askers = RecentAskers()
        self.replies: Recent[int, Reply] = Recent()
        # Context menus cannot be declared inside a cog: made here, added to the tree on load.
        self.find_sources_menu = app_commands.ContextMenu(name=FIND_SOURCES, callback=self.find_sources)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.find_sources_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(FIND_SOURCES, type=discord.AppCommandType.message)

    async def remember(self, keys: Iterable[int | None], asked: Asked) -> None:
        """Note what these answers (and thread) continue; losing it only loses follow-up context."""
        known = [k for k in keys if k]
        self.conversations.note(known, asked)
        try:
            await asyncio.to_thread(self.conversations.remember, known, asked)
        except (sqlite3.Error, OSError):
            log.warning("could not remember a conversation", exc_info=True)

    async def previous_question(self, *keys: int | None) -> Asked | None:
        try:
            return await asyncio.to_thread(self.conversations.asked_for, *keys)
        except (sqlite3.Error, OSError):
            log.warning("could not look up a conversation", exc_info=True)
            return None

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="Your question about the news this server has collected",
        private="Only you see the answer",
        since=SINCE_OPTION,
        until=UNTIL_OPTION,
        outlet="Only articles from this outlet; start typing to pick one",
        article='Only this article ("what does this story say about …?"); start typing its title',
    )
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        private: bool = False,
        since: app_commands.Range[str, 1, 40] | None = None,
        until: app_commands.Range[str, 1, 40] | None = None,
        outlet: app_commands.Range[str, 1, 100] | None = None,
        article: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """Answer from this server's articles, quoting them with numbered sources."""
        namespace = namespace_for(interaction.guild_id)
        limits = Limits(
            since=parse_day(since, "since"),
            until=parse_day(until, "until", end_of_day=True),
            outlet=outlet,
            article=article,
        )
        turn = next_turn(question, self.askers.last(interaction.channel_id, interaction.user.id))
        if turn.article and not limits.article:  # "summarize [2]": that article alone
            limits = replace(limits, article=turn.article)
        self.bot.cooldown.hit(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        if not private:  # a later public answer would show it in its follow-up note
            self.askers.note(interaction.channel_id, interaction.user.id, Asked(turn.query))
        answer = await self.bot.newsroom.ask(turn.query, namespace=namespace, limits=limits or None)
        if turn.continues:
            answer = following_on(answer, turn)
        sent = [
            await interaction.followup.send(text, ephemeral=private, allowed_mentions=NO_PINGS, wait=True)
            for text in answer_messages(answer)
        ]
        if not private:  # a private question is not kept, on disk or in memory
            asked = Asked.of(turn, answer)
            self.askers.note(interaction.channel_id, interaction.user.id, asked)
            await self.remember([*(m.id for m in sent), thread_id(interaction.channel)], asked)
        log.info(
            "ask guild=%s user=%s mode=%s citations=%d messages=%d",
            namespace,
            interaction.user.id,
            answer.mode,
            len(answer.citations),
            len(sent),
        )

    async def find_sources(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        """What this server's articles say about a message's text, shown only to the member asking.

        A claim posted in the channel ("the night ferry is being scrapped") is looked up like a
        question: the answer quotes the articles that bear on it, each quote cited.
        """
        namespace = namespace_for(interaction.guild_id)
        me = self.bot.user
        role = interaction.guild.self_role if interaction.guild else None
        text = strip_mentions(message.content, me.id, role.id if role else None) if me else message.content
        text = " ".join(text.split())[:MAX_QUESTION_CHARS]
        if not text:
            raise Refusal(NO_TEXT)
        self.bot.cooldown.hit(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=True)
        answer = await self.bot.newsroom.ask(text, namespace=namespace)
        quoted = discord.utils.escape_markdown(shorten(text, 200))
        author = discord.utils.escape_markdown(message.author.display_name)
        header = f"What this server's articles say about “{quoted}” ({author}):"
        texts = answer_messages(answer, MESSAGE_LIMIT - len(header) - 2)
        texts[0] = f"{header}\n\n{texts[0]}"
        for part in texts:
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_PINGS)
        log.info(
            "find-sources guild=%s user=%s mode=%s citations=%d messages=%d",
            namespace,
            interaction.user.id,
            answer.mode,
            len(answer.citations),
            len(texts),
        )

    @ask.autocomplete("outlet")
    async def outlet_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        outlets = await self.bot.newsroom.outlets(namespace_for(interaction.guild_id))
        wanted = current.strip().lower()
        return [app_commands.Choice(name=o[:100], value=o[:100]) for o in outlets if wanted in o.lower()][
            :CHOICES_LIMIT
        ]

    @ask.autocomplete("article")
    async def article_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await library_choices(self.bot, interaction, current)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention of the bot, or a reply to one of its answers (as a follow-up).

        A mention in a thread where the bot answered (or one started from its answer) follows
        up on that thread's last question.
        """
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        if message.guild is None:
            await message.channel.send(GUILD_ONLY_MESSAGE, allowed_mentions=NO_PINGS)
            return
        reference = message.reference.message_id if message.reference else None
        mentioned = mentions_me(message, me.id)
        if reference is None and not mentioned:
            return
        # any channel id is safe to look up: only threads (and answers) are ever remembered
        previous = await self.previous_question(reference, message.channel.id if mentioned else None)
        if previous is None and not mentioned:
            return
        question = self._question_in(message, me.id)
        if not question:
            if previous is None:  # a bare mention; an empty reply means Discord withheld the text
                await message.reply(EMPTY_MENTION, allowed_mentions=NO_PINGS)
            return
        if asks_for_help(question):  # "@Newsdesk help": what /help shows, not a search for "help"
            await message.reply(embed=embed("Newsdesk", HELP), allowed_mentions=NO_PINGS)
            return
        if not await self._may_ask(message):
            return
        replied = previous is not None
        if previous is None:  # not a reply, nor in a thread the bot answered in
            previous = self.askers.last(message.channel.id, message.author.id)
        await self._respond(message, question, previous, replied)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """A member edited a question the bot answered (within 15 minutes): answer the new
        wording, in the same messages, as it was asked (after the same answer, if it followed one)."""
        earlier = self.replies.get(payload.message_id)
        me = self.bot.user
        message = payload.message
        if not earlier or not earlier.messages or not me or not message.guild or message.author.bot:
            return  # not a question answered lately, or its answer was removed
        question = self._question_in(message, me.id)
        # unchanged: Discord also sends an edit when it adds a link's preview
        if not question or question == earlier.question or asks_for_help(question):
            return
        if await self._may_ask(message):
            await self._respond(message, question, earlier.previous, earlier.replied, earlier)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A question the bot answered lately was deleted (by its asker or a moderator): its
        answer goes too, rather than quoting articles under nothing."""
        earlier = self.replies.pop(payload.message_id)
        if not earlier:
            return
        channel = self.bot.get_partial_messageable(payload.channel_id, guild_id=payload.guild_id)
        for message_id in earlier.messages:
            with suppress(discord.NotFound):
                await channel.get_partial_message(message_id).delete()
        log.info("deleted the answer to deleted message=%s guild=%s", payload.message_id, payload.guild_id)

    @staticmethod
    def _question_in(message: discord.Message, my_id: int) -> str:
        """The message's text without mentions of the bot, cut to the longest question taken."""
        role = message.guild.self_role if message.guild else None
        return strip_mentions(message.content, my_id, role.id if role else None)[:MAX_QUESTION_CHARS]

    async def _may_ask(self, message: discord.Message) -> bool:
        """Count the question against the member's cooldown; too soon, say when to retry (the
        notice deletes itself)."""
        try:
            self.bot.cooldown.hit(message.author.id)
        except CooldownActive as exc:
            await message.reply(str(exc), allowed_mentions=NO_PINGS, delete_after=min(exc.retry_after, 30.0))
            return False
        return True

    async def _respond(
        self,
        message: discord.Message,
        question: str,
        previous: Asked | None,
        replied: bool,
        earlier: Reply | None = None,
    ) -> None:
        """Reply to ``question`` asked after ``previous`` (``replied``: by a reply or in the bot's
        thread; otherwise a follow-up is taken as one only when it leans on it, which the answer
        says); with ``earlier``, the reply to the question before its edit, by editing that."""
        assert message.guild is not None  # noqa: S101 - checked by the callers
        answer: Answer | None = None
        try:
            turn = next_turn(question, previous, replied=replied)
        except NewsdeskError as exc:  # "summarize [7]" of an answer with three sources
            texts = [one_line(exc)]
        else:
            # noted before answering: a follow-up sent while this answer is on its way continues it
            self.askers.note(message.channel.id, message.author.id, Asked(turn.query))
            answer, texts = await self._answer(message, turn, implicit=not replied)
        sent = await self._deliver(message, texts, earlier)
        reply = Reply(question, previous, replied, tuple(m.id for m in sent))
        self.replies.note(message.id, reply, keep_time=True)  # an edit's answer expires with the question
        if answer is None:
            return
        asked = Asked.of(turn, answer)
        self.askers.note(message.channel.id, message.author.id, asked)
        await self.remember([*(m.id for m in sent), thread_id(message.channel)], asked)
        log.info(
            "mention guild=%s user=%s mode=%s messages=%d edited=%s",
            message.guild.id,
            message.author.id,
            answer.mode,
            len(sent),
            earlier is not None,
        )

    async def _answer(
        self, message: discord.Message, turn: Turn, implicit: bool
    ) -> tuple[Answer | None, list[str]]:
        """The answer to ``turn`` and its message texts; no answer, and one line saying why, when
        it failed. ``implicit``: taken to continue the member's last question without a reply."""
        assert message.guild is not None  # noqa: S101 - checked by the callers
        limits = Limits(article=turn.article) if turn.article else None
        try:
            async with message.channel.typing():
                answer = await self.bot.newsroom.ask(
                    turn.query, namespace=namespace_for(message.guild.id), limits=limits
                )
            if implicit and turn.continues:
                answer = following_on(answer, turn)
            return answer, answer_messages(answer)
        except NewsdeskError as exc:
            return None, [one_line(exc)]
        except Exception:
            log.exception("mention answer failed guild=%s message=%s", message.guild.id, message.id)
            return None, [APOLOGY]

    @staticmethod
    async def _deliver(
        message: discord.Message, texts: Sequence[str], earlier: Reply | None
    ) -> list[discord.Message | discord.PartialMessage]:
        """Send ``texts`` as a reply to ``message``, or over the ``earlier`` reply's messages:
        edited in place, more sent after them, the ones left over deleted. A reply a moderator
        removed stays removed: nothing is sent when its first message is gone."""
        if earlier is None:
            sent: list[discord.Message | discord.PartialMessage] = [
                await message.reply(texts[0], allowed_mentions=NO_PINGS)
            ]
            return sent + [await message.channel.send(t, allowed_mentions=NO_PINGS) for t in texts[1:]]
        kept = [message.channel.get_partial_message(i) for i in earlier.messages]  # type: ignore[union-attr]
        try:
            await kept[0].edit(content=texts[0], allowed_mentions=NO_PINGS)
        except discord.NotFound:
            return []
        sent = [kept[0]]
        for old, text in zip(kept[1:], texts[1:], strict=False):
            with suppress(discord.NotFound):  # a later message removed: its part is left out
                await old.edit(content=text, allowed_mentions=NO_PINGS)
                sent.append(old)
        sent += [await message.channel.send(t, allowed_mentions=NO_PINGS) for t in texts[len(kept) :]]
        for old in kept[len(texts) :]:
            with suppress(discord.NotFound):
                await old.delete()
        return sent


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Ask(bot))
