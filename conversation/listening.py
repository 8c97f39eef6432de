"""Listening for what the caller wants, and handling it: a request, the clarifying and
confirming questions, "anything else?", the keypad menu, the commands that work at any
time, and a caller in crisis.

`handle` is where every request starts, whichever step it was heard in.
"""

from __future__ import annotations

import dataclasses
import re

import speech
from speech.understanding import Understanding

from . import booking, handover, identity, matters, way
from .actions import Hangup, Say
from .referrals import INTENT_PREFIX
from .replies import (
    Failed,
    Reply,
    Talk,
    anything_else,
    ask,
    asked_before,
    goodbye,
    transfer,
)
from .state import CallState, Turn, achieve

# How a caller's turn can fail; each has its own apology.
SILENCE = "not_heard"
NO_MATCH = "not_understood"
LOW_CONFIDENCE = "low_confidence"
BAD_KEY = "key_unknown"
# A request recognised with at least this score, but not confidently, is confirmed
# with the caller instead of being asked for again from scratch.
CONFIRM_SCORE = 0.3
# The answer to "A or B?" chooses one of them by its words when they fit it at least this
# well, and this much better than the other ("Antrag": 0.39 against 0).
CHOICE_SCORE = 0.25
CHOICE_MARGIN = 0.15
# "Ja", "nein danke", "nein, das war alles": said alone, a yes or no is an answer.
YES_NO_WORDS = 4

# What a booking's next detail alone is taken for: an appointment topic ("Arbeit suchen",
# "Geld", "Arbeitslosmeldung"), or nothing (a site, a day).
DETAIL_INTENTS = {"book_appointment", "job_search", "payment_status", "register_unemployed",
                  "out_of_scope"}

# Keypad menu offered after the second failed turn.
MENU = {
    "1": "book_appointment",
    "2": "payment_status",
    "3": "application_status",
    "4": "documents",
    "5": "online_services",
}
AGENT_KEY = "0"
REPEAT_KEY = "*"
# In the language menu: stay in the hotline's first language, with the topic menu.
STAY_KEY = "1"
# Where a language's key chooses it. At the greeting and in the language menu the keys
# said are the languages' (4 is Arabic there, as announced, not the documents); in the
# topic menu and later only a language key that is no topic key does (9 for English).
LANGUAGE_MENUS = ("greeting", "languages")
LANGUAGE_KEY_STEPS = (*LANGUAGE_MENUS, "listen", "menu")
# Where asking for an interpreter or for another language is taken as the request.
OPEN_STEPS = (*LANGUAGE_MENUS, "listen", "menu", "anything_else", "clarify", "confirm")

BOOKING_INTENTS = {"book_appointment", "cancel_appointment", "reschedule_appointment"}
# Intents answered on the phone from the prompt catalogue.
ANSWERED_BY_PROMPT = {"documents", "online_services"}
# What a question about the way there ("Wo ist das?") may be recognised as.
WAY_INTENTS = {"opening_hours", "out_of_scope"}
# Where one request ends and another begins in words that ask two ("..., und wann kommt
# mein Geld?"); a part that only says what the first is about ("und zwar wegen Geld") is
# no request of its own.
BETWEEN_REQUESTS = re.compile(r"[?!.;]+|,|\s(?:und|and|außerdem|ausserdem|also|ve|і|и|та)\s",
                              re.IGNORECASE)
ABOUT_THE_FIRST = re.compile(r"(?:zwar|wegen|weil|um|about|because|for|für|mit)\b",
                             re.IGNORECASE)
# "Ich will mit einem Mitarbeiter reden, es geht um mein Geld", "..., weil mein Antrag
# nicht bearbeitet ist": the clause that says what the call asking for a person is about.
MATTER_CLAUSE = re.compile(r"(?:(?:und|and) )?(?:(?:es|das) )?geht(?: es)? (?:um|über|ueber)\b|"
                           r"(?:wegen|weil|because|about|it ?'?s about|it is about)\b",
                           re.IGNORECASE)
# Intents that can be done online: the hotline says how before handing over.
ONLINE_FIRST = {"report_change"}


# ----------------------------------------------------------------------------- requests


def is_referral(intent: str | None) -> bool:
    """A phrase supervisors assigned to another office (conversation.referrals)."""
    return bool(intent) and intent.startswith(INTENT_PREFIX)


def handle(t: Talk, intent: str, recognition: speech.Recognition | None = None,
           words: Understanding | None = None) -> Turn:
    """Start on `intent`; `words` are the caller's words whose details count (a site, a
    day), None when there are none."""
    state = t.state
    if (state.step == "clarify" and intent in state.candidates and state.later is None
            and not state.answered_here):
        # "Wann haben Sie offen und welche Unterlagen brauche ich?": the one chosen is
        # taken up, and the other, asked in words of its own, offered when it is done.
        # (In writing both are answered at once: ivr.written.)
        state.later = _other_of_two(t, intent)
    # "Mitarbeiter" during an identity check keeps the status request, so the agent
    # is chosen (and told) by it.
    keep = (intent == "agent" and state.step in identity.IDENTITY_STEPS
            and state.intent in identity.STATUS_INTENTS)
    state.intent = state.intent if keep else intent
    state.failures = 0
    state.candidates = []
    state.request_text = ""
    folded = words.folded if words is not None else ""
    if intent == "agent" and state.answered_here and handover.asks_callback(t.words):
        # "Rückruf bitte, tel 0171 ..." in writing: a call back, as asked, rather than a
        # person who answers in writing.
        turn = handover.callback_in_writing(state, t.words)
    elif intent == "agent":
        # "Ich möchte mit Frau Schäfer sprechen": the hotline puts callers through to its
        # agents, never to a caseworker; said first, so that nobody waits for her.
        named = (words or t.words).caseworker
        before = [Say("caseworker_not_here", {"person_caseworker": named})] if named else []
        _note_matter(t)
        _note_second(t, state.intent)
        turn = transfer(state, "agent:requested", "handover", before=before)
    elif intent == "emergency":
        state.emergency = True
        turn = transfer(state, "agent:emergency", "emergency", queue="emergency")
    elif intent in ANSWERED_BY_PROMPT:
        achieve(state, "answered")
        turn = anything_else(state, f"answered:{intent}",
                             before=[Say(matters.documents_answer(intent, folded))])
    elif intent in BOOKING_INTENTS or intent == booking.LOOK_UP:
        turn = booking.start(t, intent, words)
    elif matters.is_cut(intent, words, state.lang):
        # Less money, and why: the status cannot say, a person can (before the check).
        turn = matters.cut(t, words)
    elif intent in identity.STATUS_INTENTS:
        turn = identity.start(t, intent, words)
    elif intent == "letter":
        turn = matters.letter(t, words)
    elif intent == "report_sick":
        turn = matters.absence(t, folded)
    elif t.rules.referrals.for_intent(intent) is not None:
        if is_referral(intent):
            state.intent = "out_of_scope"  # as when the office's own words are heard
        turn = matters.refer(state, t.rules.referrals.for_intent(intent))
    elif intent in ONLINE_FIRST:
        # Can be done online: say so in one sentence, then a person helps all the same.
        _note_second(t, intent)
        turn = transfer(state, f"agent:{intent}", "handover", before=[Say(f"online_{intent}")])
    elif intent == "opening_hours":
        turn = way.opening_hours(t, words)
    else:
        # Not built yet: say so honestly and hand over rather than pretend.
        _note_second(t, intent)
        turn = transfer(state, f"agent:{intent}", "handover", before=[Say("not_yet")])
    return _with(turn, recognition)


# What a second request said with a hand-over is not: the hand-over itself, or nothing.
NOT_SECOND = {"agent", "out_of_scope", "emergency"}


def _note_matter(t: Talk) -> None:
    """A person asked for with what it is about ("Mitarbeiter bitte, es geht um mein
    Geld"): that is the call's matter (the agent's screen, the queue's topic), not a
    second request; a weak guess will do, for the caller named it as the matter. Only on
    a hand-over's turn."""
    if not t.words.text or t.state.intent != "agent":
        return
    for part in BETWEEN_REQUESTS.split(t.words.text):
        part = part.strip()
        if not part or not MATTER_CLAUSE.match(part):
            continue
        recognition = t.about(part).recognition
        if (recognition is not None and recognition.score >= CONFIRM_SCORE
                and not recognition.ambiguous and recognition.intent not in NOT_SECOND):
            t.state.intent = recognition.intent
            return


def _note_second(t: Talk, intent: str) -> None:
    """A person takes over: a second request in the same words ("Mitarbeiter bitte, und
    ich hab eine neue Adresse") is kept as `later`, which the agent's screen shows, so
    that it is not lost. Only on a hand-over's turn: its cost is not every turn's."""
    state = t.state
    if state.later is not None or not t.words.text:
        return
    parts = [part.strip() for part in BETWEEN_REQUESTS.split(t.words.text)]
    if len([part for part in parts if part]) < 2:
        return
    for part in parts:
        if not part or ABOUT_THE_FIRST.match(part):
            continue
        words = t.about(part)
        recognition = words.recognition
        if (recognition is not None and recognition.confident and not recognition.ambiguous
                and recognition.intent not in NOT_SECOND and recognition.intent != intent):
            state.later = {"intent": recognition.intent, "text": words.text}
            return


def request(t: Talk) -> Reply:
    """A request in the caller's words (or a key from the menu)."""
    if t.words.digits:
        return keypad(t)
    state, recognition = t.state, t.recognition
    if recognition.intent == "emergency" or _mentions_emergency(recognition):
        return handle(t, "emergency", recognition)
    if t.words.caseworker and t.words.asks_to_speak:
        # "Bayan Schäfer ile görüşmek istiyorum", "поговорити з пані Шефер": a caseworker
        # named to speak with, in any language, is a person now (who says she cannot be
        # reached here), not a new appointment or a question whether it is one.
        return handle(t, "agent", recognition, t.words)
    if t.words.asks_when_booked and not (recognition.confident
                                         and recognition.intent in booking.CHANGES):
        # "Wann war mein Termin nochmal?": the booking the caller has, found and said
        # (to cancel or move it, that is asked for: "absagen, wann war der nochmal?").
        return handle(t, booking.LOOK_UP, recognition, t.words)
    if t.words.asks_phone and not t.words.asks_way:
        # "Telefonnummer vom Jobcenter Backnang?": not a new number of the caller's.
        return way.phone_number(t)
    if recognition.intent in WAY_INTENTS and t.words.asks_way:
        # "Wo ist das?": the way there, to the site named or last talked about.
        return handle(t, "opening_hours", recognition, t.words)
    if recognition.intent == "out_of_scope":
        if (t.words.asks_right_place and state.intent is None
                and not any(key == "right_place" for key, *_ in state.last_ask)):
            # "Bin ich hier richtig beim Arbeitsamt?": yes, this is the job centre; and
            # what about (no failed turn: the caller asked something plain).
            return _with(ask(state, [Say("right_place")], "request", "request:right_place",
                             step="listen"), recognition)
        if t.words.declines_appointment:
            # "Ich brauche keinen Termin, nur eine Auskunft": understood, only not yet
            # what about; asked openly, as after a "no" to "Es geht um ..., richtig?".
            return _with(ask(state, [Say("what_then")], "request", "request:no_booking",
                             step="listen"), recognition)
        return in_other_language(t) or Failed(NO_MATCH)
    if is_referral(recognition.intent) and recognition.score >= CONFIRM_SCORE:
        # A phrase supervisors assigned to another office: saying that office's number
        # needs no confirming (and there is no topic name to confirm it by).
        return handle(t, recognition.intent, recognition, t.words)
    if recognition.ambiguous and recognition.alternatives:
        second = recognition.alternatives[0][0]
        if "book_appointment" in (recognition.intent, second) and (
                t.words.get("site") or t.words.wish):
            # "a new appointment or looking for work?" need not be asked of a caller who
            # said where and when: that is a booking (about work).
            return handle(t, "book_appointment", recognition, t.words)
        both = _two_requests(t, [recognition.intent, second])
        if both is not None:
            # "Ich brauch nen Termin und wann kommt mein Geld": two requests, not one of
            # two. The first said is taken up now, the other when it is done.
            (first, first_words), (then, then_words) = both
            details = first_words
            if first == "book_appointment" and not first_words.topic and t.words.topic:
                # "Einen Termin, und wann kommt mein Geld?": the money is what the
                # appointment is about, not asked for again (and still offered later).
                details = t.words
            turn = handle(t, first, first_words.recognition, details)
            turn.state.later = {"intent": then, "text": then_words.text}
            return turn
        if second != "out_of_scope" and not is_referral(second):
            state.request_text = recognition.text
            state.candidates = [recognition.intent, second]
            prompt = Say("clarify", {"topic_first": recognition.intent, "topic_second": second})
            return _with(ask(state, [prompt], "choice", "clarify", step="clarify"), recognition)
    if not recognition.confident and not _menu_word(t):
        if recognition.score >= CONFIRM_SCORE:
            state.request_text = recognition.text
            state.candidates = [recognition.intent]
            prompt = Say("confirm", {"topic_intent": recognition.intent})
            return _with(ask(state, [prompt], "yes_no", "confirm", step="confirm"), recognition)
        return Failed(NO_MATCH)
    return handle(t, recognition.intent, recognition, t.words)


def in_other_language(t: Talk) -> Turn | None:
    """"Merhaba, ich brauche randevu": words the first language does not understand, at
    the start of a call, that one other offered language does. The call goes on in that
    language with the request (its confirming question, usually), or with the office that
    decides it ("когда придут деньги на ребёнка": the Familienkasse), rather than "nicht
    verstanden" or the office in German. Cyrillic is Russian or Ukrainian, Arabic letters
    Arabic; Russian and Ukrainian both knowing the words are told apart by the letters
    only one of them writes (ы, э, ъ, ё; і, ї, є, ґ), then by which knows them better.
    With two other languages left nothing is guessed."""
    state = t.state
    if (state.lang != t.rules.languages[0] or state.intent is not None
            or state.step not in ("greeting", "listen") or not t.words.text):
        return None
    text = t.words.text
    found = []
    for lang in t.rules.other_languages(state.lang):
        if lang in t.rules.keypad_only or not speech.may_be_in(text, lang):
            continue
        words = t.rules.understand(text, lang, t.heard.now, "")
        recognition = words.recognition
        # Not an emergency: a crisis is heard in every language by its own expressions,
        # and "допоможіть" alone is a plea to be understood, best met by the languages.
        # Another office's matter counts when the language's own words said it (the
        # offices' expressions alone match "Kindergeld" in any language).
        if recognition is None or recognition.score < CONFIRM_SCORE:
            continue
        if recognition.intent not in ("out_of_scope", "emergency") or (
                recognition.intent == "out_of_scope"
                and recognition.evidence.startswith("out_of_scope:")):
            found.append((lang, words))
    if len(found) == 2 and {lang for lang, _ in found} == {"ru", "uk"}:
        (one, one_words), (other, other_words) = found
        guess = one if one_words.recognition.score >= other_words.recognition.score else other
        guess = speech.russian_or_ukrainian(text, guess, ("ru", "uk"))
        found = [(lang, words) for lang, words in found if lang == guess]
    if len(found) != 1:
        return None
    lang, words = found[0]
    first, state.lang = state.lang, lang
    office = t.rules.referrals.match(text, lang, words.canonical)
    if office is not None:
        return dataclasses.replace(matters.refer(state, office), recognition=words.recognition)
    if words.recognition.intent == "out_of_scope":
        state.lang = first
        return None
    reply = request(dataclasses.replace(t, words=words))
    if not isinstance(reply, Turn):
        state.lang = first
        return None
    return reply


def _menu_word(t: Talk) -> bool:
    """One word alone that names a topic of the keypad menu ("Termin", "Geld", "запис"):
    the hotline's own word for it (the menu and "Sagen Sie nur ein Stichwort" offer
    them), so it counts as that key would, without "richtig?"."""
    recognition = t.recognition
    return (len(t.words.folded.split()) == 1 and recognition.intent in MENU.values()
            and recognition.score >= CONFIRM_SCORE and not recognition.ambiguous)


def confirm(t: Talk) -> Reply:
    """The answer to "Es geht um A, richtig?"."""
    if t.words.digits:
        return keypad(t)
    recognition = t.recognition
    request_ = _with_request(t)
    if t.words.answer == "yes" and t.state.candidates:
        return handle(t, t.state.candidates[0], recognition, request_)
    if _booking_detail(t, recognition):
        return handle(t, "book_appointment", recognition, request_)
    if recognition.confident and recognition.intent != "out_of_scope":
        return handle(t, recognition.intent, recognition, request_)
    if t.words.answer == "no":
        return _not_the_guess(t, recognition)
    return Failed(NO_MATCH)


def _not_the_guess(t: Talk, recognition: speech.Recognition | None) -> Turn:
    """Not what we guessed: ask again, openly; that is no failure of the caller's."""
    t.state.candidates = []
    t.state.request_text = ""
    return _with(ask(t.state, [Say("what_then")], "request", "confirm:no", step="listen"),
                 recognition)


def clarify(t: Talk) -> Reply:
    """The answer to "Geht es um A oder um B?"."""
    if t.words.digits:
        return keypad(t)
    recognition = t.recognition
    request_ = _with_request(t)
    candidates = t.state.candidates
    if recognition.intent in candidates and recognition.confident:
        return handle(t, recognition.intent, recognition, request_)
    chosen = _chosen(t.words, recognition, candidates)
    if chosen is not None:
        return handle(t, chosen, recognition, request_)
    if t.words.answer == "yes" and candidates:
        # "Ja" to "A or B?" most often means the first, which is the better match.
        return handle(t, candidates[0], recognition, request_)
    return Failed(NO_MATCH)


def also_asked(t: Talk) -> Reply:
    """The answer to "Sie hatten noch eine zweite Frage: Es geht um B. Möchten Sie das
    jetzt klären?": yes takes it up (with the words it was asked in), no asks whether
    there is anything else ("nein, ich will nicht mehr": goodbye); another request is
    taken as at that question."""
    state, words = t.state, t.words
    if (words.answer == "yes" or words.key == "1") and state.candidates:
        return handle(t, state.candidates[0], t.recognition, _with_request(t))
    if wants_nothing_more(t):
        return goodbye(state, "goodbye")
    if words.answer == "no" or words.key == "2":
        state.candidates, state.request_text = [], ""
        return anything_else(state, "also_asked:no")
    if words.digits:
        return Failed(BAD_KEY)
    return more(t)


def _two_requests(t: Talk, candidates: list[str]):
    """The two requests of words that ask both of `candidates`, one after the other
    ("einen Termin, und wann kommt mein Geld?"): [(intent, its words), ...] in the order
    said; None unless each is asked in a part of its own and both are done here with
    questions (a booking, a status). One answered at once is asked apart on the phone and
    answered with the other in writing; one a person takes over would leave the other
    untaken ("ich suche Arbeit und habe einen Antrag gestellt" is asked which it is, and
    the other is offered after it: `_other_of_two`)."""
    if not all(c in BOOKING_INTENTS or c in identity.STATUS_INTENTS for c in candidates):
        return None
    found = _requests_in(t, t.words.text, candidates)
    return list(found.items()) if len(found) == 2 else None


def _requests_in(t: Talk, text: str, candidates: list[str]) -> dict[str, Understanding]:
    """Which of `candidates` the parts of `text` ask, each clearly in a part of its own."""
    found: dict[str, Understanding] = {}
    for part in BETWEEN_REQUESTS.split(text or ""):
        if not part.strip() or ABOUT_THE_FIRST.match(part.strip()):
            continue
        words = t.about(part.strip())
        recognition = words.recognition
        if (recognition is not None and recognition.confident and not recognition.ambiguous
                and recognition.intent in candidates):
            found.setdefault(recognition.intent, words)
    return found


def _other_of_two(t: Talk, chosen: str) -> dict | None:
    """The other of the two requests asked about ("A oder B?"), as `later`, when the
    caller asked both, each in words of its own; None when it was one or the other."""
    candidates = t.state.candidates
    if len(candidates) != 2 or not t.state.request_text:
        return None
    found = _requests_in(t, t.state.request_text, candidates)
    if len(found) != 2:
        return None
    other = next(c for c in candidates if c != chosen)
    return {"intent": other, "text": found[other].text}


# "Kann ich sonst noch etwas für Sie tun?" - "Nein, ich will nicht mehr": nothing more is
# wanted. A crisis expression hears "ich will nicht mehr" at a clause's end (round 3), so
# at that question alone, and only when the whole answer is such a no, it is a no: said
# at the greeting, alone, or with "leben" it stays a crisis. The same at "Sie hatten noch
# eine zweite Frage: ... Möchten Sie das jetzt klären?" (german 35), where it is a goodbye:
# the caller wants neither that nor anything else.
NOTHING_MORE = re.compile(
    r"(?:nein|ne|nee|noe)(?: danke)?"
    r"(?: (?:ich|wir) (?:will|wollen|moechte|moechten|brauche|brauchen)(?: (?:auch|sonst))?"
    r" (?:nicht|nichts) mehr| mehr (?:will|brauche|moechte) ich nicht)(?: danke)?")


def wants_nothing_more(t: Talk) -> bool:
    """Whether the caller, asked whether there is anything else, said no in words a crisis
    expression also hears ("nein, ich will nicht mehr")."""
    return (t.state.step in ("anything_else", "also_asked")
            and NOTHING_MORE.fullmatch(" ".join(t.words.canonical)) is not None)


def more(t: Talk) -> Reply:
    """The answer to "Kann ich sonst noch etwas für Sie tun?": yes, no, or straight away
    the next request or question ("Und wo genau ist das?"), which is taken as one."""
    if t.words.key in ("1", "2"):
        # "Sagen Sie bitte Ja oder Nein" was asked, and 1 and 2 are yes and no at every
        # yes-or-no question (2 took a caller who meant no into a payment's identity check).
        return _something_else(t.state) if t.words.key == "1" else goodbye(t.state, "goodbye")
    if t.words.digits:
        return keypad(t)
    follow_up = way.hours_follow_up(t)
    if follow_up is not None:
        return follow_up
    recognition = t.recognition
    is_request = (recognition.confident
                  and recognition.intent not in ("out_of_scope", "agent")
                  and not recognition.ambiguous)
    if is_request or (recognition.intent in WAY_INTENTS and t.words.asks_way):
        return handle(t, recognition.intent if is_request else "opening_hours", recognition,
                      t.words)
    # A yes or no said alone; with more words ("genau" in "wo genau ist das") the words
    # may be a request, and are heard as one first.
    short = len(t.words.folded.split()) <= YES_NO_WORDS
    wants_something = recognition.intent != "out_of_scope" and recognition.score >= CONFIRM_SCORE
    if t.words.answer == "no" and (short or not wants_something):
        return goodbye(t.state, "goodbye")
    if t.words.answer == "yes" and (short or not wants_something):
        return _something_else(t.state)
    if wants_something:
        return request(t)
    return Failed(NO_MATCH)


def _something_else(state: CallState) -> Turn:
    """Yes, there is something else: "Gern. Was kann ich für Sie tun?"."""
    state.step = "listen"
    state.failures = 0
    return ask(state, [Say("what_else")], "request", "more")


def _chosen(words: Understanding, recognition: speech.Recognition,
            candidates: list[str]) -> str | None:
    """Which of the two offered requests the caller chose by words: "das Erste", "die
    zweite", or words that fit one of them clearly better ("Antrag", "Arbeit")."""
    if len(candidates) != 2:
        return None
    if words.ordinal in (1, 2):
        return candidates[words.ordinal - 1]
    ranking = dict([(recognition.intent, recognition.score), *recognition.alternatives])
    first, second = (ranking.get(intent, 0.0) for intent in candidates)
    if max(first, second) >= CHOICE_SCORE and abs(first - second) >= CHOICE_MARGIN:
        return candidates[0] if first > second else candidates[1]
    return None


def keypad(t: Talk) -> Reply:
    state, key = t.state, t.words.key
    if state.step == "clarify" and key in ("1", "2") and len(state.candidates) == 2:
        return handle(t, state.candidates[int(key) - 1], None, _with_request(t, said=False))
    if state.step == "confirm" and key == "1" and state.candidates:
        return handle(t, state.candidates[0], None, _with_request(t, said=False))
    if state.step == "confirm" and key == "2":
        # "Ja oder Nein" was asked: 2 is no, as at the other yes-or-no questions.
        return _not_the_guess(t, None)
    if state.step in ("anything_else", "greeting", "listen", "menu") and key in MENU:
        return handle(t, MENU[key], None)
    return Failed(BAD_KEY)


# ----------------------------------------------------------------------------- languages


def language_menu(t: Talk, before=()) -> Turn:
    """Every other language offered by its key, each in its own words and voice, and a
    way on in this one: after two turns not understood at the start, or "kein Deutsch"."""
    state = t.state
    prompts = [*before, *t.rules.offers(state.lang), Say("language_menu_stay")]
    return ask(state, prompts, "menu", "languages", step="languages")


def keys_clash(rules) -> bool:
    """Whether an offered language's key is also a topic key (Arabic 4, plain German 5).

    Then the languages are offered in a question of their own, where each key means its
    language, and 1 leads on to the topic menu; otherwise the languages' offers follow
    the topic menu in the same question. A key never means two things in one question.
    """
    return any(key in MENU for key in rules.language_keys)


def offers_language_menu(t: Talk) -> bool:
    """Not understood twice at the start, in the greeting's language: maybe no German."""
    state = t.state
    return (state.lang == t.rules.languages[0] and state.intent is None
            and state.step in ("greeting", "listen") and bool(t.rules.other_languages(state.lang)))


def languages(t: Talk) -> Reply:
    """The answer to the language menu: a language's key (taken in `command`), 1 for the
    topic menu in this language, or a request in it."""
    if t.words.key == STAY_KEY:
        return ask(t.state, [Say("menu")], "menu", "languages:stay", step="menu")
    if t.words.digits:
        return Failed(BAD_KEY)
    return request(t)


def interpreter(t: Talk, asked: str | None = None) -> Turn:
    """A person with an interpreter: asked for, or a language the hotline does not speak.
    The agent speaks the hotline's first language and adds the interpreter in the console."""
    state = t.state
    state.interpreter = asked or state.lang
    state.intent = state.intent or "agent"
    state.failures = 0
    return _with(transfer(state, "agent:interpreter", "handover_interpreter"), t.recognition)


# ----------------------------------------------------------------------------- at any time


def command(t: Talk) -> Reply | None:
    """What works at any time: an agent, a language switch, a repeat, goodbye."""
    state, words = t.state, t.words
    if words.digits == AGENT_KEY:
        return handle(t, "agent")
    if words.digits == REPEAT_KEY:
        return repeat(state)
    chosen = t.rules.language_keys.get(words.digits)
    if chosen is not None and state.step in LANGUAGE_KEY_STEPS and (
            state.step in LANGUAGE_MENUS or words.digits not in MENU):
        return switch_language(t, chosen)
    if not words.text:
        return None
    said = words.command
    if said == "agent":
        return handle(t, "agent", t.recognition)
    asked = _language_asked(t)
    if asked is not None:
        return asked
    if said == "repeat" and not words.asks_way and not words.asks_when_booked and not (
            state.step == "message_empty" and handover.TRY_AGAIN.search(words.folded)):
        # "Wo ist das nochmal?", "where is it again?" ask the way, "wann war mein Termin
        # nochmal?" when the caller's appointment is: not for a repeat.
        return repeat(state)
    if said == "goodbye":
        return goodbye(state, "goodbye")
    if words.checks_line:
        # "Hallo? Hören Sie mich?": the line works, and the question comes again; no
        # failed turn ("nicht verstanden" tells a caller on a bad line nothing). At the
        # greeting the short question, not "Guten Tag" and six languages again.
        if state.step == "greeting":
            return ask(state, [Say("hear_you"), Say("line_what_about")], "request", "hear_you")
        return ask(state, [Say("hear_you"), *(asked_before(state) or [Say("what_else")])],
                   state.last_expect if state.last_ask else "request", "hear_you")
    return None


def _language_asked(t: Talk) -> Turn | None:
    """"Auf Türkisch bitte", "English", "Dolmetscher", "ich spreche kein Deutsch"."""
    state, asked = t.state, t.words.language_request
    if asked is None or asked == state.lang:
        return None
    if asked in t.rules.languages:
        return _switched_with_request(t, asked)
    if state.step not in OPEN_STEPS:
        return None  # an answer to a question of its own ("nein, auf Deutsch")
    if asked == speech.CHOOSE:
        return language_menu(t) if t.rules.other_languages(state.lang) else None
    return interpreter(t, None if asked == speech.INTERPRETER else asked)


def _switched_with_request(t: Talk, lang: str) -> Turn:
    """"Do you speak English? I need help with my application": the language, and the
    request said with it, taken up at once in that language (as at its question)."""
    turn = switch_language(t, lang)
    if lang in t.rules.keypad_only or t.state.intent is not None:
        return turn
    words = t.rules.understand(t.words.text, lang, t.heard.now, "")
    recognition = words.recognition
    if recognition is None or recognition.intent in ("out_of_scope", "agent"):
        return turn
    reply = request(dataclasses.replace(t, state=turn.state, words=words))
    if not isinstance(reply, Turn):
        return turn
    # The question asked is answered first ("Yes, we can speak English."): the reply to the
    # request alone would not tell the caller that the call goes on in their language.
    return dataclasses.replace(reply, actions=(Say("language_yes"), *reply.actions))


def switch_language(t: Talk, lang: str) -> Turn:
    state = t.state
    state.lang = lang
    state.step = "listen"
    state.failures = 0
    if lang in t.rules.keypad_only:
        # Nobody can hear this language: say so, and offer the keys at once.
        turn = ask(state, [Say("switched_language"), Say("keypad_only"), Say("menu")], "menu",
                   f"language:{lang}", step="menu")
    else:
        turn = ask(state, [Say("switched_language")], "request", f"language:{lang}")
    # "Wie bitte?" asks the question again, not the announcement of the language.
    state.last_ask = [["what_else", {}]] if lang not in t.rules.keypad_only else [["menu", {}]]
    return turn


def repeat(state: CallState) -> Turn:
    if not state.last_ask:
        return ask(state, [Say("what_else")], "request", "repeat")
    return ask(state, asked_before(state), state.last_expect, "repeat")


def crisis(t: Talk, kind: str, said_in: str | None = None) -> Turn:
    """A caller in crisis: the help numbers first (self-harm, violence), then a person at
    emergency priority; outside staffed hours see `handover.staffed`. Said in another
    language the hotline speaks (`said_in`) before the caller chose one, the help comes
    in that language: a caller in crisis does not first press the key for it, and numbers
    said in German may not be followed."""
    state = t.state
    if (said_in is not None and said_in != state.lang and state.lang == t.rules.languages[0]
            and said_in in t.rules.languages and said_in not in t.rules.keypad_only):
        state.lang = said_in
    state.intent = "emergency"
    state.emergency = True
    state.crisis = kind
    state.failures = 0
    state.candidates = []
    state.request_text = ""
    before = [Say(f"crisis_{kind}")] if kind in ("self_harm", "violence") else []
    turn = transfer(state, "agent:emergency", "emergency", queue="emergency", before=before)
    return _with(turn, t.recognition)


def crisis_numbers(t: Talk) -> Turn:
    """Outside staffed hours, after the crisis numbers: again on "yes", else goodbye.
    Never a menu, and never the agent: there is nobody to put the caller through to."""
    state, words = t.state, t.words
    again = (words.answer == "yes" or words.command == "repeat"
             or words.key in ("1", REPEAT_KEY))
    if again or (t.heard.silent and state.failures == 0):
        # One silence is not a goodbye: someone in crisis may need a moment.
        state.failures = 0 if again else state.failures + 1
        return ask(state, [Say("crisis_call_now"), Say("crisis_again")], "yes_no",
                   "crisis:again", step="crisis_numbers")
    state.step = "ended"
    return Turn(state, (Say("crisis_call_now"), Say("crisis_goodbye"), Hangup()),
                "crisis:goodbye")


def worry_check(t: Talk, kind: str, said: str = "") -> Turn:
    """Words that give cause for worry (death, tablets, fear, cold) but no crisis the
    expressions hear: ask once whether the caller is in danger, then go back to the
    question they were at. Veiled crises are said in words nobody wrote down. `said`
    (the words, kept until the answer) may carry a request for after "no"."""
    state = t.state
    state.worry = {"kind": kind, "step": state.step, "ask": state.last_ask,
                   "expect": state.last_expect, "said": said}
    state.failures = 0
    return _with(ask(state, [Say("worry_check")], "yes_no", f"worry:{kind}",
                     step="worry_check"), t.recognition)


# "Schon irgendwie", "weiß nicht", "maybe": to "are you in danger?" not a no. Safety first.
# ("Schon gut" alone is a no: "schon" counts only as "ja schon", "eigentlich schon".)
HEDGED_WORDS = re.compile(r"\b(ja schon|eigentlich schon|irgendwie|vielleicht|"
                          r"weiss (?:ich )?nicht|weiss nich|"
                          r"kann sein|bisschen|ein wenig|eher ja|naja|"
                          r"maybe|kind of|sort of|a bit|a little|not sure|i don ?t know|"
                          r"i do not know|perhaps)\b")


def worry_answer(t: Talk, answer: str | None = None) -> Turn:
    """"Are you in danger?": yes gets the help and a person at emergency priority, and so
    does a hedge ("schon irgendwie", "weiß nicht"); no goes back to the question before.
    `answer` overrides the words' ("no" for a request of its own instead of an answer).
    A caller who cannot answer twice is put through too: safety first."""
    state, words = t.state, t.words
    worry = state.worry or {}
    kind = worry.get("kind", "self_harm")
    answer = answer or words.answer
    if answer == "yes" or (answer is None and HEDGED_WORDS.search(words.folded)):
        state.worry = {"asked": True}
        return crisis(t, kind)
    if answer == "no":
        state.worry = {"asked": True}
        state.step = worry.get("step") or "listen"
        state.last_ask = worry.get("ask") or [["what_else", {}]]
        state.last_expect = worry.get("expect") or "request"
        if state.step == "greeting":
            # Not "Guten Tag" and the languages again in the middle of a call.
            state.step, state.last_ask = "listen", [["ask_short", {}]]
        state.failures = 0
        return ask(state, [Say("worry_back"), *asked_before(state)], state.last_expect,
                   "worry:no")
    if words.command == "repeat" or state.failures == 0:
        state.failures += 0 if words.command == "repeat" else 1
        sorry = [] if words.command == "repeat" else [
            Say(SILENCE if t.heard.silent else NO_MATCH)]
        return ask(state, [*sorry, Say("worry_check")], "yes_no", "worry:again",
                   step="worry_check")
    state.worry = {"asked": True}
    return crisis(t, kind)


def _booking_detail(t: Talk, recognition: speech.Recognition) -> bool:
    """Whether the answer to "Es geht um einen neuen Termin?" is the booking's next detail
    ("Arbeit suchen", "in Backnang", "morgen"), which says yes: callers rarely say "ja"
    first. A question of its own ("wann kommt mein Geld") is not one."""
    words = t.words
    return (t.state.candidates[:1] == ["book_appointment"] and words.answer != "no"
            and not words.asks and recognition.intent in DETAIL_INTENTS
            and bool(words.topic or words.get("site") or words.wish))


def _with_request(t: Talk, said: bool = True) -> Understanding:
    """The answer to "A or B?" with the request it answers, whose details still count."""
    text = f"{t.state.request_text} {t.words.text if said else ''}".strip()
    return t.about(text)


def _with(turn: Turn, recognition: speech.Recognition | None) -> Turn:
    return dataclasses.replace(turn, recognition=recognition)


def _mentions_emergency(recognition: speech.Recognition) -> bool:
    """An emergency close behind the top intent still counts: it must never be missed."""
    return any(intent == "emergency" and score >= 0.5
               for intent, score in recognition.alternatives[:2])
