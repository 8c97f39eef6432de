"""The conversation in writing: a message from a person in, the hotline's answer out, by SMS
or in the web chat. The same dialogue as on the telephone, the same queries (effects),
the same identity check and lockout; only what it says is rendered for reading
(`prompts.written`) and a hand-over waits for a person to answer in writing.

`receive` runs inside the caller's write transaction. It stores the person's message
(a date of birth never: it is kept as "…"), the dialogue's new state and the answer, and
returns the answer's sentences; the channel delivers them (the chat's JSON, the outbox
for SMS).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import redaction
from conversation import CallState, Dialogue, Hangup, Heard, Say, Turn, replies
from conversation.actions import Ask, PutThrough, Record, Transfer
from schedules import store as bookings
from schedules.config import Schedule
from speech import message_concern, recognise, russian_or_ukrainian
from speech.spelling import respell
from written import store

from . import effects, prompts

log = logging.getLogger(__name__)

MAX_QUERIES = 6  # as on the telephone: a turn needs two or three
# Steps whose answer is an identity detail: a message answering them is redacted at
# Twilio once the check has run.
IDENTITY_STEPS = {"id_number", "id_number_check", "id_dob"}
# Steps whose answer is a name: never "put right" into a word of ours.
NAME_STEPS = {"book_name"}
# A message of figures and separators only ("03.05.1980", "438 581") is what keys typed.
_TYPED = re.compile(r"[0-9#*][0-9#*\s./-]*")
MIN_GUESS_SCORE = 0.5  # how sure another language must be to outvote words the first knows
# ... and when it reads them as the same request: "What is the status of my application?"
# (English 0.89, German 0.50 by "Status") is English, "Termin Termin" (Turkish 0.73 by
# its synonym "randevu", German 0.46) stays German.
SURE_GUESS_SCORE = 0.8


@dataclass(frozen=True)
class Setup:
    """What a written turn needs of the app: the dialogue, the calendar, links."""

    dialogue: Dialogue
    schedule: Schedule
    public_url: str
    site_numbers: dict = field(default_factory=dict)

    @classmethod
    def of(cls, app, host_url: str) -> Setup:
        return cls(dialogue=app.extensions["hotline.dialogue"],
                   schedule=app.extensions["hotline.schedule"],
                   public_url=app.config["HOTLINE_PUBLIC_URL"] or host_url,
                   site_numbers=app.config.get("HOTLINE_SITE_NUMBERS") or {})


@dataclass(frozen=True)
class Answer:
    """What the hotline wrote back (each string one message), and where it stands."""

    conversation: store.Conversation
    texts: list[str]
    waiting_for_person: bool = False
    ended: bool = False
    ids: list[int] = field(default_factory=list)  # the stored messages of `texts`


def heard(text: str, now: datetime, birth: bool = True, lang: str | None = None) -> Heard:
    """A message as the dialogue hears it: typed figures are keys, anything else words,
    with their typing slips put right in `lang` (speech.spelling: "termn" is "Termin").

    A date of figures ("3.12.", "3.5.80") is a day asked for, read as words, unless it may
    be a date of birth (`birth`: while an identity is checked): then it is typed as the
    keypad takes one, day and month in two figures each ("030580"), since without the
    dots "3580" would be no date at all."""
    typed = text.strip()
    if _TYPED.fullmatch(typed):
        short = _SHORT_DATE.fullmatch(typed)
        if short and birth and short.group(3):
            return Heard(digits="".join(part.zfill(2) for part in short.groups()), now=now)
        if short and not birth:
            return Heard(speech=typed, now=now)
        return Heard(digits=re.sub(r"[^0-9#*]", "", typed), now=now)
    return Heard(speech=respell(typed, lang) if lang else typed, now=now)


# Day and month in one or two figures, the year (if any) in two or four.
_SHORT_DATE = re.compile(r"(\d{1,2})\s*[./]\s*(\d{1,2})\s*(?:\.|[./-]\s*(\d{2}|\d{4}))")


def guess_language(text: str, offered: list[str]) -> str:
    """The offered language a first message is written in; the first language when unsure.

    Words the first language knows keep it, unless another language knows them clearly
    better: "Termin" is a word of Turkish callers too, and the Turkish catalogue scoring
    it a little higher is no reason to answer in Turkish. Words the first
    language does not know at all go to the other language that knows them best, however
    unsure it is ("I need an appointment" is English even if the request is not clear).
    A crisis needs no guess: the dialogue answers it in the language whose phrases heard
    it (`conversation.listening.crisis`)."""
    first = offered[0]
    home = recognise(text, first)
    best, found_best = first, None
    for lang in offered:
        if lang == first:
            continue
        found = recognise(text, lang)
        if _knows(found) and (found_best is None or found.score > found_best.score):
            best, found_best = lang, found
    if found_best is not None:
        best = russian_or_ukrainian(text, best, offered)
        if not _knows(home):
            return best
        if (found_best.score >= MIN_GUESS_SCORE and found_best.score > home.score
                and (found_best.intent != home.intent or found_best.score >= SURE_GUESS_SCORE)):
            return best
    return first


def _knows(found) -> bool:
    """Whether a recogniser found anything at all in the words (even "nothing of ours")."""
    return found is not None and found.score > 0.0


def greet(db, setup: Setup, conversation: store.Conversation, now: datetime) -> Answer:
    """A new conversation in the chat: the greeting, before anyone wrote anything."""
    turn = _start(setup, conversation)
    return _finish(db, setup, conversation, turn, now, said=None)


def receive(db, setup: Setup, conversation: store.Conversation, text: str, now: datetime,
            message_sid: str | None = None, home: str | None = None,
            media: bool = False) -> Answer:
    """One message from the person: stored, answered by the dialogue or kept for the
    person who has taken (or will take) the conversation over. `home` is the language a
    first message is taken to be in unless it is clearly in another (the language the
    number booked in); `media`: a picture came with it (an MMS), which nobody sees."""
    if conversation.handover in (store.WAITING, store.TAKEN):
        return _for_a_person(db, setup, conversation, text, now, message_sid)
    state = _state(conversation)
    first = state is None
    if first:
        start = _start(setup, conversation, guess=text, home=home)
        state = start.state
    before = state.step
    said = heard(text, now, birth=before in IDENTITY_STEPS or _identity_pending(state),
                 lang=None if before in NAME_STEPS else state.lang)  # a name as written
    thumb = _THUMBS.get(re.sub(r"[\s\ufe0f\U0001F3FB-\U0001F3FF]", "", text))
    if thumb and state.last_expect == "yes_no" and not before.startswith(("worry", "crisis")):
        # A thumb up to "Passt Ihnen das?" is a yes, as the key 1 is on the telephone;
        # never to "Sind Sie in Gefahr?", where it may as well mean "all right".
        said = Heard(digits=thumb, now=now)
    dated = _holds_a_date(text)
    if before == "id_number_check" and dated:
        # Asked to confirm the customer number they can see on their screen, a person
        # who writes goes on to the date of birth: that is a yes (the key 1), and the date.
        confirmed, _ = _settle(db, setup, conversation,
                               setup.dialogue.step(state, Heard(digits="1", now=now)), now)
        if confirmed.state.step == "id_dob":
            state, before = confirmed.state, "id_dob"
    if not first and state.last_ask and _STILL_THERE.fullmatch(text.strip()):
        turn = _asked_again(state, greeted=bool(_GREETING.match(text.strip())))
    else:
        turn = setup.dialogue.step(state, said)
    if turn.event == "clarify":
        turn = _both_answered(db, setup, conversation, turn, now)
    if first and turn.event.startswith(("reprompt:", "menu:", "repeat", "hear_you")):
        # "Hallo" is no request (and "nochmal?" nothing to repeat yet): the greeting
        # says what the hotline can do. "Hallo?" first is no bad line either: the greeting
        # was never read, so it comes whole, not the call's short question after it.
        turn = start
    turn, asked = _settle(db, setup, conversation, turn, now)
    if (media or _ATTACHED.search(text)) and not turn.event.startswith(("crisis", "worry")):
        # "Siehe Foto": said first, so that nobody waits for an answer about a picture.
        # A picture alone is no empty message: "Ihre Nachricht war leer" is left out.
        actions = tuple(Ask(tuple(p for p in a.prompts if p.key != "not_heard"), a.expect,
                            a.lang) if isinstance(a, Ask) and not text.strip() else a
                        for a in turn.actions)
        turn = Turn(turn.state, (Say("attachment_unseen"), *actions), turn.event,
                    turn.recognition, turn.query, turn.private)
    # A date written while the identity is being checked (or after it failed) is a date
    # of birth, whatever step it was written at: never kept, and emptied at Twilio.
    checking = before in IDENTITY_STEPS or _identity_pending(state)
    private = turn.private or before == "id_dob" or (checking and dated)
    store.add_message(db, conversation.id, store.PERSON, store.MASK if private else text, now,
                      event="identity" if before in IDENTITY_STEPS or private else None,
                      message_sid=message_sid)
    if private and message_sid and "check_identity" not in asked \
            and conversation.channel == "sms":
        redaction.due_now(db, [message_sid], now)
    answer = _finish(db, setup, conversation, turn, now, said=said)
    if "check_identity" in asked and conversation.channel == "sms":
        # The customer number and date of birth were checked: Twilio keeps no copy.
        redaction.due_now(db, store.identity_message_sids(db, conversation.id), now)
    return answer


# "hallo??", "?", "und?" after a question: the person is still there and waits, or did
# not see what was asked. The question again (with "Ja, ich bin da." after a greeting),
# and no failed turn counted: nothing was answered wrongly.
_HELLO = r"(?:hallo+|hello+|hi|hey|huhu|merhaba|алло|привіт|привет|مرحبا)"
_GREETING = re.compile(_HELLO + r"\b", re.IGNORECASE)
_STILL_THERE = re.compile(rf"(?:(?:{_HELLO}|und|and)\s*)?[?？؟¿!.]*[?？؟¿][?？؟¿!.\s]*"
                          r"|(?:hallo+|hello+|huhu)[!.\s]*", re.IGNORECASE)
# Emojis that answer a yes-or-no question, as the keys 1 and 2 do.
_THUMBS = {"👍": "1", "👌": "1", "✅": "1", "👍👍": "1", "👎": "2", "❌": "2"}
# A photo or a letter "attached" that a written conversation cannot show anyone.
_ATTACHED = re.compile(
    r"(?i)\b(?:anhang|anhänge|anbei|angehängt|im anhang|foto\w*|bild|bilder|screenshot\w*|"
    r"attach\w*|photo\w*|picture\w*|fotoğraf\w*|resim\w*|фото\w*|скрин\w*|"
    r"вкладен\w*|вложен\w*|صور\w*|مرفق\w*)\b")


# Requests answered at once, with nothing to ask first: two questions in one message
# ("wann habt ihr offen und was muss ich mitbringen") get this one answered, not "A or B?".
ANSWERED_AT_ONCE = ("opening_hours", "online_services", "documents")


def _both_answered(db, setup: Setup, conversation: store.Conversation, turn: Turn,
                   now: datetime) -> Turn:
    """"Geht es um A oder um B?" asked of a message that asks both, where one of them is
    answered at once: that answer, then the other as if it had been chosen. On the
    telephone a caller says one thing at a time; someone writing reads both answers."""
    candidates = list(turn.state.candidates or [])
    if len(candidates) != 2 or not any(c in ANSWERED_AT_ONCE for c in candidates):
        return turn
    order = candidates if candidates[0] in ANSWERED_AT_ONCE else candidates[::-1]
    keys = [str(candidates.index(c) + 1) for c in order]
    answered, _ = _settle(db, setup, conversation, setup.dialogue.step(
        turn.state.copy(), Heard(digits=keys[0], now=now)), now)
    if not answered.event.startswith("answered:"):
        return turn
    said = [say for say in _sentences(answered) if say.key not in ("anything_else", "what_else")]
    then = setup.dialogue.step(turn.state.copy(), Heard(digits=keys[1], now=now))
    return Turn(then.state, (*said, *then.actions), then.event, then.recognition, then.query,
                then.private)


def _asked_again(state: CallState, greeted: bool) -> Turn:
    """The last question again, after "Ja, ich bin da." if the person greeted."""
    before = [Say("still_here")] if greeted else []
    last_ask = state.last_ask
    turn = replies.ask(state, [*before, *replies.asked_before(state)], state.last_expect,
                       "repeat")
    state.last_ask = last_ask
    return turn


# A date as people write one: "03.05.1980", "3/5/80", "1980-05-03", "3. Mai 1980".
_DATE = re.compile(r"\b\d{1,4}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{2,4}\b|\b(?:19|20)\d\d\b")


def _holds_a_date(text: str) -> bool:
    return _DATE.search(text) is not None


def _identity_pending(state: CallState) -> bool:
    """An identity check started and not passed (asked for, failing, or locked out)."""
    identity = state.identity or {}
    return bool(identity) and not identity.get("verified")


def _for_a_person(db, setup: Setup, conversation: store.Conversation, text: str,
                  now: datetime, message_sid: str | None) -> Answer:
    """Waiting for (or talking to) a person: the message is theirs to read. A crisis
    still gets the crisis numbers at once."""
    lang = conversation.lang or setup.dialogue.languages[0]
    state = _state(conversation)
    # The message the hotline asked for ("Bitte schreiben Sie uns Ihre Nachricht"): it is
    # acknowledged, as the voicemail is on the telephone, so that nobody wonders whether
    # it arrived (by SMS nothing else would come back until a person answers).
    asked_for = store.last_said(db, conversation.id) == (store.HOTLINE, "voicemail")
    if state is not None and _identity_pending(state) and _holds_a_date(text):
        # Most likely the date of birth the check asked for: not kept for the person
        # either (they check an identity themselves, by telephone).
        store.add_message(db, conversation.id, store.PERSON, store.MASK, now,
                          event="identity", message_sid=message_sid)
        if message_sid and conversation.channel == "sms":
            redaction.due_now(db, [message_sid], now)
    else:
        store.add_message(db, conversation.id, store.PERSON, text, now,
                          message_sid=message_sid)
    # Read whole (a chat message may be twice what a spoken turn is): a crisis gets the
    # numbers at once, words of worry mark the conversation for the person who reads it.
    concern = message_concern(text, lang)
    store.mark_concern(db, conversation.id, concern)
    crisis = None if concern in (None, store.WORRY) else concern
    if crisis is None and asked_for:
        thanks = prompts.written(lang, "voicemail_thanks")
        id_ = store.add_message(db, conversation.id, store.HOTLINE, thanks, now,
                                event="voicemail:thanks")
        return Answer(conversation, [thanks], waiting_for_person=True, ids=[id_])
    if crisis is None:
        return Answer(conversation, [], waiting_for_person=True)
    store.hand_over(db, conversation.id, now, emergency=True)
    keys = {"self_harm": "crisis_self_harm", "violence": "crisis_violence"}
    sentence = prompts.written(lang, keys.get(crisis, "closed_emergency"))
    id_ = store.add_message(db, conversation.id, store.HOTLINE, sentence, now, event="crisis")
    return Answer(conversation, [sentence], waiting_for_person=True, ids=[id_])


def _state(conversation: store.Conversation) -> CallState | None:
    if not conversation.state:
        return None
    return CallState.from_dict(conversation.state)


def _start(setup: Setup, conversation: store.Conversation, guess: str = "",
           home: str | None = None) -> Turn:
    """The dialogue's greeting turn, in the language chosen on the page or written in;
    where that cannot be told, in `home` if it is offered, else in the first language."""
    dialogue = setup.dialogue
    turn = dialogue.start(caller_id=conversation.phone is not None, mobile=False,
                          answered_here=True,
                          caller_tail=", ".join(re.sub(r"\D", "", conversation.phone or "")[-3:])
                          if conversation.phone else "")
    lang = conversation.lang
    if lang not in dialogue.languages:
        offered = list(dialogue.languages)
        if home in offered:
            offered.remove(home)
            offered.insert(0, home)
        lang = guess_language(guess, offered) if guess else offered[0]
    if lang != turn.state.lang:
        state = turn.state.copy()
        state.lang = lang
        turn = Turn(state, (Ask((Say("greeting"),), expect="request", lang=lang),), turn.event)
    return turn


def _settle(db, setup: Setup, conversation: store.Conversation, turn: Turn,
            now: datetime) -> tuple[Turn, list[str]]:
    """Run the queries the dialogue asks for, as a call's webhook does."""
    asked: list[str] = []
    context = effects.Context(db=db, schedule=setup.schedule, call_sid=conversation.sid,
                              phone=conversation.phone, now=now, public_url=setup.public_url,
                              site_numbers=setup.site_numbers, channel=conversation.channel)
    for _ in range(MAX_QUERIES):
        if turn.query is None:
            return turn, asked
        asked.append(turn.query.kind)
        turn = setup.dialogue.resume(turn, effects.run(turn.query, context))
    raise RuntimeError(f"dialogue asked more than {MAX_QUERIES} queries in one turn")


def _finish(db, setup: Setup, conversation: store.Conversation, turn: Turn, now: datetime,
            said: Heard | None) -> Answer:
    """Render the turn for reading, act on a hand-over or an end, store it all."""
    if turn.event == "crisis:closed":
        turn = _crisis_kept_for_a_person(turn)
    state = turn.state
    lines: list[str] = []
    waiting = ended = False
    for action in turn.actions:
        if isinstance(action, Say):
            lines.append(_write(setup, action, state.lang))
        elif isinstance(action, Ask):
            lines.extend(_write(setup, say, action.lang) for say in action.prompts)
        elif isinstance(action, PutThrough):
            lines.append(prompts.written(state.lang, "call_number", phone_number=action.number))
        elif isinstance(action, (Transfer, Record)):
            emergency = isinstance(action, Transfer) and action.queue == "emergency"
            store.hand_over(db, conversation.id, now, emergency=emergency or state.emergency)
            store.mark_concern(db, conversation.id, state.crisis)
            waiting = True
        elif isinstance(action, Hangup):
            ended = True
    link = _calendar_link(db, setup, conversation, turn)
    if link is not None:
        # Right after the booking's details (its code), before any further question.
        keys = [say.key for say in _sentences(turn)]
        anchor = next((k for k in ("booking_code", "rescheduled", "booked", "booked_with")
                       if k in keys), None)
        lines.insert(keys.index(anchor) + 1 if anchor else len(lines),
                     prompts.written(state.lang, "calendar_link", link=link))
    text = _joined(line for line in lines if line)
    store.save_state(db, conversation.id, state.to_dict(), now)
    ids = [store.add_message(db, conversation.id, store.HOTLINE, text, now,
                             event=turn.event)] if text else []
    if ended:
        store.end(db, conversation.id, now)
    log.info("Written turn on %s: %s", conversation.sid, turn.event)  # never the words
    return Answer(store.by_id(db, conversation.id), [text] if text else [],
                  waiting_for_person=waiting, ended=ended, ids=ids)


def _joined(lines) -> str:
    """The turn's sentences as one message; a sentence that ends in a link ends its line,
    so that the next sentence is not read as part of the address."""
    text = ""
    for line in lines:
        text += line if not text else ("\n" if URL_AT_END.search(text) else " ") + line
    return text


URL_AT_END = re.compile(r"https?://\S+$")


def _crisis_kept_for_a_person(turn: Turn) -> Turn:
    """A crisis written while nobody is reachable: the numbers once, and the conversation
    waits for a person as an emergency, answered first when the job centre opens.

    On the telephone the hotline offers to say the number again and then says goodbye;
    in writing the number stays on the screen, and a goodbye (and the greeting for the
    next message) would leave someone in crisis alone with a machine."""
    kept = tuple(say for say in _sentences(turn)
                 if say.key not in ("crisis_call_now", "crisis_again"))
    return Turn(turn.state, (*kept, Say("crisis_waiting"),
                             Transfer(reason="emergency", queue="emergency")), turn.event)


def _calendar_link(db, setup: Setup, conversation: store.Conversation,
                   turn: Turn) -> str | None:
    """The .ics link of a booking made or moved in this turn, if one was."""
    if not any(say.key in ("booked", "booked_with", "rescheduled") for say in _sentences(turn)):
        return None
    booking = bookings.booking_for_call(db, conversation.sid)
    if booking is None:
        return None
    return f"{setup.public_url.rstrip('/')}/appointments/{booking.token}.ics"


def _sentences(turn: Turn):
    for action in turn.actions:
        if isinstance(action, Say):
            yield action
        elif isinstance(action, Ask):
            yield from action.prompts


def _write(setup: Setup, say: Say, lang: str) -> str:
    return prompts.written(say.lang or lang, say.key, schedule=setup.schedule, **say.params)
