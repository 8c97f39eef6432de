"""Whole calls written as plain text, played through the real webhooks and checked line by line.

One file holds many conversations. Each starts with a title line and goes on with
settings, the caller's lines and checks of what the hotline says:

    ## day volunteered at the topic question, then corrected
    at: 2026-12-01 10:00          # Berlin time; the call's clock stands still there
    from: +491761234567           # the caller id (default: a mobile)
    tags: mixed-initiative, correction
    languages: de, en, uk        # HOTLINE_LANGUAGES of the app (default: de, en)
    never: nicht verstanden       # no answer from here to the end contains this
    messages: 0, 12               # each message after a beep, in seconds (0: says nothing)
    C: i will an termin in waiblinge
    H~ Worum geht es              # the last answer contains this (case-insensitive)
    C: am mittwoch nachmittag
    H~ Mittwoch
    H! nicht verstanden           # ... and does not contain this
    C: Arbeitssuche
    C: nein, lieber Donnerstag
    H~ Donnerstag
    C: ja
    C? SMS => nein                # said only if the last answer contains "SMS"
    end: booked                   # the call's outcome (answered, booked, agent, ...)
    booking: caseworker ~ Keller  # the booking made in this call
    who: 123D456789               # the booking records who is coming
    sms~ 71332                    # an SMS queued by this call contains this

A conversation in writing says where it is written (`channel: sms` or `channel: chat`;
default `call`): each `C:` line is then one message (`C:` alone an empty one), and the
checks look at what the person reads back (the SMS the outbox queued, or the chat's
answer; before the first `C:`, the chat page's greeting). `later: 2026-12-04 09:00`
moves the clock on before the next message (a reply days later). `end:` checks the
written conversation's outcome as it stands (nothing is hung up; `waiting` when it waits
for a person); the other checks of the finished call look at everything that sender
wrote in this conversation file.

The lines, one by one:

- `C: words` says words, `C: #12` presses keys 1 and 2, `C:` alone is silence.
- `C? PATTERN => words` says the words only if the last answer matches PATTERN; for
  questions a good hotline may or may not ask (an SMS, a reminder, a name).
- `H~ A | B` passes if the last answer contains A or B; `H! A | B` if it contains
  neither. Before the first `C:` they check the greeting. An alternative written
  `/like this/` is a regular expression (case-insensitive, searched).
- `messages: 0, 12`: how long each message the caller leaves after a beep is, in order
  (0: nothing is said, and Twilio asks no action for it); otherwise 12 seconds each.
- `never: A | B`: from that line on, no answer may contain A or B (in the header of a
  conversation: the whole call).
- `end: booked | answered` hangs up and checks the call's outcome.
- `booking: FIELD OP VALUE` checks the booking this call made: FIELD is one of the
  booking's fields (`site`, `topic`, `caseworker`, `code`, `start`, any column of the
  bookings table) or `day` (YYYY-MM-DD) or `time` (HH:MM), both in Berlin time; OP is
  `=` (equal), `~` (contains one of `A | B`) or `!~` (contains none). `booking: none`
  checks that none was made.
- `who: VALUE` passes if the booking records VALUE (spaces and case ignored) in any of
  its fields but the phone number: a customer number or a name, however stored.
- `sms~ A | B` and `sms! A | B` check the text of the SMS this call queued.
- `later: YYYY-MM-DD HH:MM` (in writing): the clock moves to that Berlin time.
- Lines starting with `#` and anything after two spaces and a `#` are comments.

Lines before the first title are defaults for every conversation in the file (`at:`,
`from:`, `tags:`, `never:`). Matching ignores case and runs of spaces, and treats the
dashes – and — as -, so "438 - 581" matches a code read as "438 – 581".

Each conversation runs on a fresh app on a database of its own seeded with the demo data
(`flask seed-demo`): a temporary SQLite file, or the database `run` is given (a SQLite
path or a PostgreSQL URL, as HOTLINE_DATABASE takes them). Its clock stands still at
`at:` (default: conftest's Wednesday, 25 November 2026, 10:00); the softphone
(`devtools.softphone`) drives it in process, signed as Twilio signs.
`tools/score_conversations.py` runs files and prints the score.
"""

from __future__ import annotations

import re
import tempfile
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_MOMENT = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)  # as tests/conftest.py
DEFAULT_FROM = "+491761234567"  # a fictitious mobile, as the softphone's default
DEFAULT_LANGUAGES = ("de", "en")  # as the app's default HOTLINE_LANGUAGES
TOKEN = "conversation-script-token-0123456789"

_COMMENT = re.compile(r"\s{2,}#.*$")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u202f": " "})
# Checks made on the finished call; once one is met the caller has hung up.
_AFTER_CALL = ("end", "booking", "who", "sms~", "sms!")
CHANNELS = ("call", "sms", "chat")


class ScriptError(ValueError):
    """A conversation file that does not follow the format."""


@dataclass(frozen=True)
class Step:
    """One line of a conversation after its settings: something said, or a check."""

    kind: str  # say, say_if, heard, not_heard, never, later, end, booking, who, sms~, sms!
    text: str  # the line as written, for reports
    line: int
    words: str = ""  # what the caller says (say, say_if)
    alternatives: tuple[str, ...] = ()  # what is looked for
    field: str = ""  # booking checks
    op: str = ""


@dataclass
class Conversation:
    title: str
    source: str  # file name
    line: int
    moment: datetime = DEFAULT_MOMENT
    from_number: str = DEFAULT_FROM
    tags: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    messages: tuple[int, ...] = ()  # seconds of each message after a beep
    channel: str = "call"  # call | sms | chat


@dataclass(frozen=True)
class Failure:
    """The first check that did not hold, with what the caller had said and heard."""

    line: int
    check: str
    said: str | None  # the caller's last line (None before the first)
    heard: str  # the answer the check looked at (or what is known at the end)

    def describe(self) -> str:
        said = "(greeting)" if self.said is None else (f'"{self.said}"' if self.said
                                                       else "(silence)")
        return f"line {self.line}: after {said} expected {self.check}\nheard: {self.heard}"


@dataclass
class Result:
    conversation: Conversation
    failure: Failure | None
    exchanges: list[tuple[str, str]]  # (caller, hotline) per turn, the greeting first
    outcome: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


def _with_day_and_time(booking: dict) -> dict:
    """A booking with its Berlin `day` and `time` as the scripts write them."""
    start = booking.get("start") or booking.get("start_utc")
    if start:
        moment = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(BERLIN)
        booking.setdefault("day", moment.date().isoformat())
        booking.setdefault("time", moment.strftime("%H:%M"))
    return booking


# -- reading files --------------------------------------------------------------------------

def parse(text: str, source: str = "<text>") -> list[Conversation]:
    """The conversations written in `text`; ScriptError names the line that is wrong."""
    conversations: list[Conversation] = []
    defaults: dict = {"moment": DEFAULT_MOMENT, "from_number": DEFAULT_FROM, "tags": (),
                      "never": [], "languages": DEFAULT_LANGUAGES, "channel": "call"}
    current: Conversation | None = None
    hung_up = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        if line.startswith("##"):
            title = line[2:].strip()
            if not title:
                raise ScriptError(f"{source}:{number}: a conversation needs a title")
            current = Conversation(title, source, number, defaults["moment"],
                                   defaults["from_number"], defaults["tags"],
                                   list(defaults["never"]), defaults["languages"],
                                   channel=defaults["channel"])
            conversations.append(current)
            hung_up = False
            continue
        where = f"{source}:{number}"
        setting = re.match(r"^(at|from|tags|languages|messages|channel):\s*(.*)$", line)
        if setting:
            name, value = setting.groups()
            target = current if current is not None else None
            started = current is not None and any(s.kind != "never" for s in current.steps)
            if started:
                raise ScriptError(f"{where}: '{name}:' belongs before the first caller line")
            parsed = _setting(name, value, where)
            if name == "messages":
                if target is None:
                    raise ScriptError(f"{where}: 'messages:' belongs to one conversation")
                target.messages = parsed
            elif target is None:
                defaults[{"at": "moment", "from": "from_number", "tags": "tags",
                          "languages": "languages", "channel": "channel"}[name]] = parsed
            elif name == "languages":
                target.languages = parsed
            elif name == "channel":
                target.channel = parsed
            elif name == "at":
                target.moment = parsed
            elif name == "from":
                target.from_number = parsed
            else:
                target.tags = tuple(dict.fromkeys((*target.tags, *parsed)))
            continue
        step = _step(line, number, where)
        if current is None:
            if step.kind != "never":
                raise ScriptError(f"{where}: only settings and 'never:' may come before the "
                                  "first '## title'")
            defaults["never"].append(step)
            continue
        if step.kind == "later" and current.channel == "call":
            raise ScriptError(f"{where}: 'later:' is for conversations in writing")
        if step.kind in ("say", "say_if", "later") and hung_up:
            raise ScriptError(f"{where}: the caller speaks after a check of the finished call")
        hung_up = hung_up or step.kind in _AFTER_CALL
        current.steps.append(step)
    return conversations


def read(path: str | Path) -> list[Conversation]:
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), path.name)


def _setting(name: str, value: str, where: str):
    if name == "at":
        try:
            moment = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            raise ScriptError(f"{where}: 'at:' takes a Berlin time as YYYY-MM-DD HH:MM") from None
        return moment.replace(tzinfo=BERLIN)
    if name == "channel":
        if value.strip() not in CHANNELS:
            raise ScriptError(f"{where}: 'channel:' takes one of {', '.join(CHANNELS)}")
        return value.strip()
    if name == "from":
        if not re.fullmatch(r"\+?\d{4,15}|anonymous", value.strip()):
            raise ScriptError(f"{where}: 'from:' takes a phone number or 'anonymous'")
        return value.strip()
    if name == "messages":
        if not re.fullmatch(r"\s*\d+(\s*,\s*\d+)*\s*", value):
            raise ScriptError(f"{where}: 'messages:' takes seconds, e.g. 0, 12")
        return tuple(int(part) for part in value.split(","))
    return tuple(tag.strip() for tag in value.split(",") if tag.strip())


def _step(line: str, number: int, where: str) -> Step:
    if line == "C:" or line.startswith("C: "):
        return Step("say", line, number, words=line[2:].strip())
    if line.startswith("C?"):
        pattern, arrow, words = line[2:].partition("=>")
        if not arrow or not pattern.strip():
            raise ScriptError(f"{where}: write 'C? PATTERN => what the caller says'")
        return Step("say_if", line, number, words=words.strip(),
                    alternatives=_alternatives(pattern, where))
    for prefix, kind in (("H~", "heard"), ("H!", "not_heard"), ("never:", "never"),
                         ("sms~", "sms~"), ("sms!", "sms!")):
        if line.startswith(prefix):
            return Step(kind, line, number, alternatives=_alternatives(line[len(prefix):],
                                                                        where))
    if line.startswith("later:"):
        moment = _setting("at", line[6:], where)
        return Step("later", line, number, words=moment.isoformat())
    if line.startswith("end:"):
        return Step("end", line, number, alternatives=_alternatives(line[4:], where))
    if line.startswith("who:"):
        value = line[4:].strip()
        if not value:
            raise ScriptError(f"{where}: 'who:' needs a value")
        return Step("who", line, number, alternatives=(value,))
    if line.startswith("booking:"):
        rest = line[8:].strip()
        if rest == "none":
            return Step("booking", line, number, op="none")
        match = re.fullmatch(r"(\w+)\s*(!~|=|~)\s*(.+)", rest)
        if not match:
            raise ScriptError(f"{where}: write 'booking: FIELD = VALUE', '~', '!~' or "
                              "'booking: none'")
        name, op, value = match.groups()
        return Step("booking", line, number, field=name, op=op,
                    alternatives=_alternatives(value, where))
    raise ScriptError(f"{where}: not a line of a conversation: {line!r}")


def _alternatives(text: str, where: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in re.split(r"\s\|\s", f" {text.strip()} "))
    parts = tuple(part for part in parts if part)
    if not parts:
        raise ScriptError(f"{where}: a check needs something to look for")
    for part in parts:
        if _is_regex(part):
            try:
                re.compile(part[1:-1])
            except re.error as error:
                raise ScriptError(f"{where}: bad regular expression {part}: {error}") from None
    return parts


# -- matching ---------------------------------------------------------------------------------

def normalised(text: str) -> str:
    """What checks compare: no case, one space for any run of spaces, dashes as '-'."""
    return re.sub(r"\s+", " ", text.translate(_DASHES)).strip().casefold()


def _is_regex(part: str) -> bool:
    return len(part) > 2 and part.startswith("/") and part.endswith("/")


def matches(text: str, alternative: str) -> bool:
    if _is_regex(alternative):
        return re.search(alternative[1:-1], re.sub(r"\s+", " ", text.translate(_DASHES)),
                         re.IGNORECASE) is not None
    return normalised(alternative) in normalised(text)


def any_matches(text: str, alternatives: tuple[str, ...]) -> str | None:
    """The first alternative found in `text`, or None."""
    return next((alt for alt in alternatives if matches(text, alt)), None)


# -- playing a conversation -------------------------------------------------------------------

def make_app(database: str | Path, moment: datetime,
             languages: tuple[str, ...] = DEFAULT_LANGUAGES):
    """A fresh app on `database` (HOTLINE_DATABASE: a SQLite path or a PostgreSQL URL),
    seeded with the demo data, its clock standing at `moment`, offering `languages`."""
    import clock
    from app import create_app

    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": str(database),
        "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "",
        "HOTLINE_LANGUAGES": list(languages), "HOTLINE_VALIDATE_SIGNATURES": True,
    })
    clock.install(app, clock.Clock.at(moment))
    with app.app_context():
        seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    if seeded.exit_code != 0:
        raise RuntimeError(f"seed-demo failed: {seeded.output}")
    return app


class _Call:
    """The call being played: the phone, what was said, and the finished call's facts."""

    def __init__(self, app, conversation: Conversation, database: str):
        from devtools.softphone import InProcess, Softphone

        self.database = database
        self.phone = Softphone(InProcess(app), TOKEN, from_number=conversation.from_number,
                               messages=conversation.messages)
        self.exchanges: list[tuple[str, str]] = []
        self.said: str | None = None
        self.summary: dict | None = None
        self.never: list[Step] = []
        self.current_line = conversation.line

    def speak(self, words: str) -> None:
        self.said = words
        self.exchanges.append((words, " ".join(self.phone.say(words))))

    @property
    def finished(self) -> bool:
        return self.phone.finished

    def dial(self) -> None:
        self.exchanges.append(("", " ".join(self.phone.dial())))

    @property
    def last(self) -> str:
        return self.exchanges[-1][1]

    def finish(self) -> dict:
        if self.summary is None:
            self.phone.hang_up()  # as Twilio ends every call: with its status callback
            self.summary = self.phone.summary()
        return self.summary

    def booking(self) -> dict | None:
        """The booking this call made: the summary's fields and the table's columns."""
        summary = self.finish()
        row = self._row("SELECT * FROM bookings WHERE call_sid = ? ORDER BY id DESC LIMIT 1")
        if summary.get("booking") is None and row is None:
            return None
        return _with_day_and_time({**(row or {}), **(summary.get("booking") or {})})

    def sms(self) -> list[str]:
        rows = self._rows("SELECT body FROM outbox WHERE call_sid = ? ORDER BY id")
        return [row["body"] for row in rows if row["body"]]

    def _row(self, query: str) -> dict | None:
        rows = self._rows(query)
        return rows[0] if rows else None

    def _rows(self, query: str) -> list[dict]:
        """The rows `query` finds for this call, read as a second worker would (either
        engine)."""
        import db

        conn = db.connect(self.database)
        try:
            cursor = conn.execute(query, [self.phone.call_sid])
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.conn.close()


class _Written:
    """A conversation in writing: a person who writes SMS (Twilio's signed Messaging
    webhook, answers through the outbox) or in the web chat (its page, then its JSON
    endpoint), as tests/written_people.py's Texter and Chatter write."""

    def __init__(self, app, conversation: Conversation, database: str):
        from written_people import Chatter, Texter

        self.app, self.database = app, database
        self.channel = conversation.channel
        self.person = (Texter(app, conversation.from_number) if self.channel == "sms"
                       else Chatter(app, ""))  # the page as linked: no language chosen
        self.exchanges: list[tuple[str, str]] = []
        self.said: str | None = None
        self.summary: dict | None = None
        self.never: list[Step] = []
        self.current_line = conversation.line
        self.finished = False  # nobody hangs up a written conversation

    def dial(self) -> None:
        greeting = ""
        if self.channel == "chat":
            greeting = " ".join(re.sub(r"<[^>]+>", " ", block) for block in re.findall(
                r'<li class="message[^"]*"[^>]*>(.*?)</li>', self.person.page, re.S))
        self.exchanges.append(("", greeting))

    def speak(self, words: str) -> None:
        self.said = words
        self.exchanges.append((words, self.person.send(words)))

    def later(self, moment: datetime) -> None:
        import clock

        clock.install(self.app, clock.Clock.at(moment))

    @property
    def last(self) -> str:
        return self.exchanges[-1][1]

    def finish(self) -> dict:
        """The latest written conversation's outcome (`waiting` while a person is to
        answer it), as it stands."""
        rows = self._rows("SELECT outcome, handover FROM written_conversations"
                          " ORDER BY id DESC LIMIT 1")
        if not rows:
            return {"outcome": None}
        outcome = "waiting" if rows[0]["handover"] == "waiting" else rows[0]["outcome"]
        return {"outcome": outcome}

    def booking(self) -> dict | None:
        rows = self._rows("SELECT * FROM bookings WHERE call_sid IN"
                          " (SELECT sid FROM written_conversations) ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        booking = rows[0]
        # Named as a call's summary names them (`site`, `topic`, `caseworker`).
        for name in ("site", "topic", "caseworker"):
            booking.setdefault(name, booking.get(f"{name}_id"))
        return _with_day_and_time(booking)

    def sms(self) -> list[str]:
        rows = self._rows("SELECT body FROM outbox WHERE call_sid IN"
                          " (SELECT sid FROM written_conversations) ORDER BY id")
        return [row["body"] for row in rows if row["body"]]

    def _rows(self, query: str) -> list[dict]:
        import db

        conn = db.connect(self.database)
        try:
            cursor = conn.execute(query)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.conn.close()


def run(conversation: Conversation, workdir: Path | None = None,
        database: str | None = None) -> Result:
    """Play one conversation on a fresh app; the result names the first check that failed.

    `database` is an empty database to play it on (a SQLite path or a PostgreSQL URL);
    without it, a SQLite file in a temporary folder (under `workdir`)."""
    if database is not None:
        return _run(conversation, database)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return _run(conversation, str(Path(tmp) / "hotline.sqlite3"))


def _run(conversation: Conversation, database: str) -> Result:
    app = make_app(database, conversation.moment, conversation.languages)
    call = (_Call if conversation.channel == "call" else _Written)(app, conversation,
                                                                  database)
    try:
        failure = _play(conversation, call)
    except Exception as error:  # the hotline broke: that is a failed conversation too
        failure = Failure(call.current_line, "a working hotline",
                          call.said, f"{type(error).__name__}: {error} "
                          f"({_where(error)})")
    outcome = call.summary.get("outcome") if call.summary else None
    if call.summary is None:
        try:
            outcome = call.finish().get("outcome")
        except Exception:  # noqa: S110 - the failure above already says what broke
            pass
    return Result(conversation, failure, call.exchanges, outcome)


def _play(conversation: Conversation, call: _Call) -> Failure | None:
    call.dial()
    for step in conversation.steps:
        call.current_line = step.line
        if step.kind == "later":
            call.later(datetime.fromisoformat(step.words))
            continue
        if step.kind == "never":
            call.never.append(step)
            failure = _check_never(call, [step])  # the answer it follows counts too
        elif step.kind in ("say", "say_if"):
            if step.kind == "say_if" and not any_matches(call.last, step.alternatives):
                continue
            if call.finished:
                return Failure(step.line, f"to still be on the line to say "
                               f"\"{step.words}\"", call.said,
                               f"the call had ended; last answer: {call.last}")
            call.speak(step.words)
            failure = _check_never(call, call.never)
        else:
            failure = _check(step, call)
        if failure:
            return failure
    return None


def _where(error: Exception) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    frame = frames[-1] if frames else None
    return f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"


def _check_never(call: _Call, steps: list[Step]) -> Failure | None:
    """A `never:` broken by the last answer, reported at the line that led to it."""
    for step in steps:
        found = any_matches(call.last, step.alternatives)
        if found:
            where = "" if step.line == call.current_line else f" (never: line {step.line})"
            return Failure(call.current_line, f"never to hear \"{found}\"{where}", call.said,
                           call.last)
    return None


def _check(step: Step, call: _Call) -> Failure | None:
    def failed(expected: str, heard: str) -> Failure:
        return Failure(step.line, expected, call.said, heard)

    alternatives = " | ".join(step.alternatives)
    if step.kind == "heard":
        if not any_matches(call.last, step.alternatives):
            return failed(f"to hear: {alternatives}", call.last)
    elif step.kind == "not_heard":
        found = any_matches(call.last, step.alternatives)
        if found:
            return failed(f"not to hear: {found}", call.last)
    elif step.kind == "end":
        outcome = call.finish().get("outcome") or ""
        if not any(outcome == alt.strip().casefold() for alt in step.alternatives):
            return failed(f"the call to end {alternatives}",
                          f"outcome {outcome or 'none'}; last answer: {call.last}")
    elif step.kind in ("sms~", "sms!"):
        texts = call.sms()
        joined = " / ".join(texts) or "(no SMS)"
        found = next((any_matches(t, step.alternatives) for t in texts
                      if any_matches(t, step.alternatives)), None)
        if step.kind == "sms~" and not found:
            return failed(f"an SMS with: {alternatives}", joined)
        if step.kind == "sms!" and found:
            return failed(f"no SMS with: {found}", joined)
    elif step.kind == "booking":
        booking = call.booking()
        if step.op == "none":
            if booking is not None:
                return failed("no booking", _booking_text(booking))
            return None
        if booking is None:
            return failed(f"a booking with {step.field} {step.op} {alternatives}",
                          f"no booking; outcome {call.finish().get('outcome')}; "
                          f"last answer: {call.last}")
        value = str(booking.get(step.field) if booking.get(step.field) is not None else "")
        if step.op == "=":
            ok = any(normalised(value) == normalised(alt) for alt in step.alternatives)
        elif step.op == "~":
            ok = any_matches(value, step.alternatives) is not None
        else:
            ok = any_matches(value, step.alternatives) is None
        if not ok:
            return failed(f"a booking with {step.field} {step.op} {alternatives}",
                          _booking_text(booking))
    elif step.kind == "who":
        booking = call.booking()
        wanted = re.sub(r"\s+", "", step.alternatives[0]).casefold()
        if booking is None:
            return failed(f"a booking that records {step.alternatives[0]}",
                          f"no booking; last answer: {call.last}")
        values = [re.sub(r"\s+", "", str(v)).casefold() for k, v in booking.items()
                  if v is not None and k not in ("phone",)]
        if not any(wanted in v for v in values):
            return failed(f"a booking that records {step.alternatives[0]}",
                          _booking_text(booking))
    return None


def _booking_text(booking: dict) -> str:
    shown = ("code", "site", "topic", "caseworker", "day", "time", "customer_number")
    extra = {k: v for k, v in booking.items()
             if k not in shown and isinstance(v, str) and k in ("name", "customer_name", "who")}
    parts = [f"{k}={booking[k]}" for k in shown if booking.get(k) is not None]
    parts += [f"{k}={v}" for k, v in extra.items()]
    return "booking " + ", ".join(parts)
