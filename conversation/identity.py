"""Application and payment status by phone, told only after customer number and birth date match.

The checks themselves, the lockout and what is said about a case are queries (run by
the phone side, `ivr.effects`), so that nothing about a case is known to the conversation
before the database has confirmed the caller:

    step             caller does                          hotline does                   next step
    ---------------  -----------------------------------  -----------------------------  -----------
    (status asked)   "Wie ist der Stand meines Antrags?"  locked? asks customer number   id_number
    id_number        "1 2 3 D wie Dora ..." / 9 or 12 keys reads it back             id_number_check
    id_number        wrong length or pattern              says so, asks again            id_number
    id_number        "12 3" (a number's start: a pause)   "den Rest der Nummer", joins   id_number
    id_number        "Moment" after such a start          the same again, keeps it       id_number
    id_number        "habe ich nicht"                     no information without, agent  agent
    id_number,id_dob a bare "ja" (once)                   the question again, short      (same)
    id_number_check  yes / no / another number            locked? asks birth date / ..   id_dob / ..
    id_number_check  "(ja,) 3. Mai 1980": the birth date  checks both (query, private)   (result)
    id_dob           "dritter Mai 1980" / 03051980#       checks both (query)            (result)
    id_dob           no such day (31.02.), in the future  says so, asks again            id_dob
    (check)          both match                           status, offers what fits       status_*
    (check)          no match                             says so, asks birth date       id_dob
    (check)          3rd failure in an hour (number or    no more checks, agent          agent
                     caller id or call)
    status_sms       yes / no                             SMS with missing documents   anything_else
    status_next      Termin, 1 / no                       books (topic Geldleistungen)   book_site

The same check finds "mein Arbeitsvermittler" for a booking (purpose "book_appointment",
started by booking.own): once verified, the booking goes on with the case's team and the
customer number (booking.after_identity); no customer number, or no case data, books
with anyone (booking.with_anyone).

Three failed turns in a row (bad numbers, impossible dates) go to an agent as anywhere.

A verified caller stays verified for the rest of the call (the other status question
needs no second check) and arrives at the agent as verified: the check marks the call.
A caller id alone never identifies anyone; it only counts failed checks.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from cases.model import (
    UNKNOWN_LETTER,
    InvalidCustomerNumberError,
    customer_number,
    from_keypad,
)
from speech import short_answers
from speech.corrections import corrected_code, meant_tokens
from speech.normalise import fold
from speech.numbers import LETTER_WORDS
from speech.numbers import bg_number as spoken_bg_number
from speech.numbers import customer_number as spoken_customer_number
from speech.understanding import Understanding

from . import booking
from .actions import say
from .replies import Failed, Reply, Switch, Talk, anything_else, ask, query, transfer
from .state import CallState, Turn, achieve

IDENTITY_STEPS = {"id_number", "id_number_check", "id_dob", "status_sms", "status_next"}
STATUS_INTENTS = {"application_status", "payment_status"}
STATUS_TOPIC = "geldleistungen"  # an appointment after a status answer is about money
BOOKING = "book_appointment"  # the check that finds "mein Arbeitsvermittler" for a booking

MONTHS = {
    "januar": 1, "jaenner": 1, "january": 1, "februar": 2, "feber": 2, "february": 2,
    "maerz": 3, "march": 3, "april": 4, "mai": 5, "may": 5, "juni": 6, "june": 6,
    "juli": 7, "july": 7, "august": 8, "september": 9, "oktober": 10, "october": 10,
    "november": 11, "dezember": 12, "december": 12,
}
ORDINAL = re.compile(r"(\d{1,2})(?:\.|st|nd|rd|th)")
FULL_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})")
# A letter said or glued where the number has none ("1 2 3 4 D 5 ..."): a wrong pattern.
LETTERS = re.compile(r"[a-z]|\d+[a-z]{1,2}\d*|[a-z]{1,2}\d+")
EARLIEST_YEAR = 1900
# The start of a customer number, a BG number or the digits typed for one, as digits and
# letters run together ("123d", "12345bg"): what a caller who pauses has said so far.
UNFINISHED = re.compile(r"\d{1,11}|\d{3}[a-z]\d{0,5}|\d{5}bg?\d{0,6}")
# "Moment", "Augenblick" between two pieces of the number: she is still at it.
HOLD = re.compile(r"\b(?:moment\w*|augenblick|sekunde|warten sie|wait|hold on|one second)\b")


# ----------------------------------------------------------------------------- reading input


def number_from(tokens: list[str], digits: str, entities: dict) -> tuple[str | None, bool]:
    """The customer number the caller gave, and whether they gave something that is none.

    Keys: 9 digits are a BA number with its letter left open, 12 a BG number. Speech:
    speech's customer and BG numbers, or bare digits read like keys.
    """
    try:
        if digits:
            return from_keypad(digits), False
        for found in (entities.get("customer_number"), entities.get("bg_number")):
            if found:
                return customer_number(found), False
    except InvalidCustomerNumberError:
        return None, True
    said_digits = "".join(t for t in tokens if t.isdigit())
    if not said_digits:
        return None, False
    if any(LETTERS.fullmatch(t) for t in tokens):
        return None, True  # letters, but not where a customer or BG number has them
    try:
        return from_keypad(said_digits), False
    except InvalidCustomerNumberError:
        return None, True


def number_in_answer(read_back: str, tokens: list[str], entities: dict,
                     lang: str) -> str | None:
    """The customer number the caller gives in answer to `read_back` read to them: a
    whole number ("Nein, 1 2 3 D ..."), or the group they put right laid over the one
    read back ("nein, 780"), as for the callback number; else None."""
    number, _ = number_from(tokens, "", entities)
    if number or not read_back:
        return number
    typed = UNKNOWN_LETTER in read_back  # "123?456789": typed, its letter left open
    base = read_back.replace(UNKNOWN_LETTER, "") if typed else read_back
    put_right = corrected_code(base, tokens, lang)
    if not put_right:
        return None
    try:
        return from_keypad(put_right) if typed else customer_number(put_right)
    except InvalidCustomerNumberError:
        return None


def birth_date(speech_text: str, digits: str, lang: str,
               today: date) -> tuple[str | None, str | None]:
    """`birth_date_from` for words not yet split into tokens."""
    return birth_date_from(meant_tokens(speech_text, lang), digits, lang, today)


def birth_date_from(tokens: list[str], digits: str, lang: str,
                    today: date) -> tuple[str | None, str | None]:
    """(ISO date, None), or (None, why): "invalid" (no such day, not a birth date), "unclear".

    Parsed here rather than with speech's `date`: that one rolls dates forward for
    appointments, and a birth date must never be moved.
    """
    parts = _keypad_date(digits) if digits else _spoken_date(tokens, lang)
    if parts is None:
        return None, "unclear"
    day, month, year = parts
    if year < 100:
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        born = date(year, month, day)
    except ValueError:
        return None, "invalid"
    if born > today or born.year < EARLIEST_YEAR:
        return None, "invalid"
    return born.isoformat(), None


def _keypad_date(digits: str) -> tuple[int, int, int] | None:
    digits = re.sub(r"\D", "", digits)
    if len(digits) in (6, 8):
        return int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return None


def _spoken_date(said: list[str], lang: str) -> tuple[int, int, int] | None:
    tokens = [t if re.fullmatch(r"[\d.:]+|\d+(st|nd|rd|th)", t) else fold(t) for t in said]
    for token in tokens:
        m = FULL_DATE.fullmatch(token)
        if m:
            return int(m.group(1)), int(m.group(2)), int(m.group(3))
    # Numbers (as said, "03" keeps its zero) and month names; fillers ("am", "der",
    # "of", "geboren") are skipped.
    items: list[tuple[str, str]] = []
    for at, token in enumerate(tokens):
        ordinal = ORDINAL.fullmatch(token)
        month = _month(tokens[at:at + 2], lang)
        if month:
            items.append(("month", str(month)))
        elif ordinal:
            items.append(("number", ordinal.group(1)))
        elif token.isdigit():
            items.append(("number", token))
    month_at = next((i for i, (kind, _) in enumerate(items) if kind == "month"), None)
    if month_at is not None:
        before, after = items[:month_at], items[month_at + 1:]
        if before and before[-1][0] == "number":
            day, rest = before[-1][1], after  # "dritter Mai 1980", "3rd of May 1980"
        elif lang == "en" and len(after) > 1:
            day, rest = after[0][1], after[1:]  # "May 3rd 1980"
        else:
            return None
        year = "".join(value for _, value in rest)  # "1980", or "19 80" said in two parts
        if len(day) > 2 or len(year) not in (2, 4):
            return None
        return int(day), int(items[month_at][1]), int(year)
    values = [value for _, value in items]
    if len(values) >= 3 and len(values[0]) <= 2 and len(values[1]) <= 2:
        year = "".join(values[2:])
        if len(year) in (2, 4):
            return int(values[0]), int(values[1]), int(year)
    joined = "".join(values)
    if len(joined) == 8:  # "null drei null fünf neunzehnhundertachtzig" digit by digit
        return int(joined[:2]), int(joined[2:4]), int(joined[4:])
    return None


def _month(two: list[str], lang: str) -> int | None:
    """The month a token names, read with the next where a month takes two words
    ("كانون الثاني"); the second word alone names none, so it is skipped as a filler."""
    if two[0] in MONTHS:
        return MONTHS[two[0]]
    if lang not in short_answers.languages():
        return None
    both = short_answers.month(" ".join(two), lang) if len(two) == 2 else None
    return both or short_answers.month(two[0], lang)


# ----------------------------------------------------------------------------- the steps


def start(t: Talk, intent: str, words: Understanding | None) -> Turn:
    """A status question: straight to the answer if verified already, else the check."""
    state = t.state
    identity = state.identity or {}
    identity["purpose"] = intent
    state.identity = identity
    if identity.get("verified"):
        return _status_query(state)
    entities = words.entities if words is not None else {}
    number, _ = number_from([], "", entities)
    identity.update(number=number, confirmed=False)
    return query(state, "identity_open", {"number": None}, "identity_open")


def _ask_number(state: CallState, before=()) -> Turn:
    return ask(state, [*before, say("ask_customer_number")], "phone", "identity:ask_number",
               step="id_number")


def _read_back(state: CallState) -> Turn:
    return ask(state, [say("customer_number_check", groups_number=state.identity["number"])],
               "yes_no", "identity:check_number", step="id_number_check")


def _ask_birth_date(state: CallState, before=()) -> Turn:
    return ask(state, [*before, say("ask_birth_date")], "phone", "identity:ask_birth_date",
               step="id_dob")


def _locked(state: CallState) -> Turn:
    return transfer(state, "agent:identity_locked", "handover",
                    before=[say("identity_locked")])


def _status_query(state: CallState, before=()) -> Turn:
    identity = state.identity
    return query(state, "case_status", {
        "number": identity["number"], "purpose": identity["purpose"], "lang": state.lang,
    }, "case_status", before=before)


def _symbols(tokens: list[str], started: str = "") -> str:
    """Digits and spelled letters said, run together ("d wie dora" is one d), after what
    was `started` in an earlier turn; fillers, and a letter before any digit ("äh"), are
    left out."""
    out: list[str] = [started] if started else []
    spelling = False  # after "D wie" / "D as in": the word that spells the letter
    for word in tokens:
        if spelling and word == "in":
            continue
        if spelling and word in LETTER_WORDS:
            spelling = False
            continue
        spelling = False
        if word.isdigit() or re.fullmatch(r"\d+[a-z]{1,2}\d*", word):
            out.append(word)
        elif not out:
            continue
        elif word in ("wie", "for", "as", "like") and out[-1][-1].isalpha():
            spelling = True
        elif word in LETTER_WORDS or word == "bg":
            out.append(LETTER_WORDS.get(word, word))
    return "".join(out)


def _pieced(before: str, tokens: list[str]) -> tuple[str | None, str]:
    """The customer number said in pieces, a pause between them ("12 3" - "D 45" - "67
    89"): (the whole number, "") once the pieces make one; (None, the pieces so far)
    while they are the start of one; (None, "") when they are neither."""
    joined = _symbols(tokens, before)
    if before:
        number, _ = number_from([joined], "", {
            "customer_number": spoken_customer_number([joined]),
            "bg_number": spoken_bg_number([joined])})
        if number:
            return number, ""
    return None, joined if joined != before and UNFINISHED.fullmatch(joined) else ""


def customer_number_said(t: Talk) -> Reply:
    words, identity = t.words, t.state.identity or {}
    number, wrong = number_from(words.tokens, words.digits, words.entities)
    before = identity.pop("pieces", "")
    if not number and not words.digits and (wrong or before):
        # Said slowly, a pause after each pair, each pause ending the turn: the pieces
        # are kept and joined, rather than each called "keine gültige Kundennummer".
        number, pieces = _pieced(before, words.tokens)
        if not pieces and before and _symbols(words.tokens, before) == before \
                and HOLD.search(words.folded) and words.answer != "no":
            pieces = before  # nothing added: the pieces so far wait for the rest
        if pieces:
            identity["pieces"] = pieces
            whole = t.state.last_ask  # what a failed turn asks again: the whole question
            turn = ask(t.state, [say("customer_number_go_on")], "phone",
                       "identity:number_pieces", step="id_number")
            t.state.last_ask = whole
            return turn
        wrong = wrong or (not number and _symbols(words.tokens, before) != before)
    if number:
        identity.update(number=number, confirmed=False)
        return _read_back(t.state)
    if wrong:
        return Failed("customer_number_invalid")
    if words.answer == "yes" and "ask_customer_number" not in identity.get("yes", ()):
        return _again_after_yes(t.state, "ask_customer_number")
    if words.answer == "no" or words.dont_know:
        if identity.get("purpose") == BOOKING:
            return booking.with_anyone(t.state, t.heard.now)
        return transfer(t.state, "agent:no_customer_number", "handover",
                        before=[say("identity_no_number")])
    return Failed("not_understood")


def customer_number_checked(t: Talk) -> Reply:
    words, identity = t.words, t.state.identity or {}
    number = number_in_answer(identity.get("number") or "", words.tokens, words.entities,
                              t.state.lang)
    born = _birth_date_at_read_back(t)
    if born:
        # Asked for "Kundennummer und Geburtsdatum", she goes on to the date ("Ja, und
        # geboren bin ich am 3. Mai 1980"): the number is confirmed, and the date is not
        # a corrected group of it (it was read as "451 – 980"). Never kept: private.
        identity["confirmed"] = True
        turn = query(t.state, "check_identity", {
            "number": identity["number"], "birth_date": born,
        }, "check_identity")
        return dataclasses.replace(turn, private=True)
    if words.answer == "yes" or words.key == "1":
        identity["confirmed"] = True
        return query(t.state, "identity_open", {"number": identity["number"]}, "identity_open")
    if number and number != identity.get("number"):
        identity.update(number=number, confirmed=False)  # "Nein, 1 2 3 ..."
        return _read_back(t.state)
    if words.answer == "no" or words.key == "2":
        identity.update(number=None, confirmed=False)
        return _ask_number(t.state)
    return Failed("not_understood")


def _birth_date_at_read_back(t: Talk) -> str | None:
    """The birth date said in answer to the customer number read back, if one was: a
    day said as a date ("3. Mai", "dritter fünfter", "03.05.1980"), not after "nein"
    ("nein, 451 980" puts a group right), and no whole other number beside it."""
    words = t.words
    if words.answer == "no" or words.digits or not (t.state.identity or {}).get("number"):
        return None
    said_as_date = any(ORDINAL.fullmatch(token) or FULL_DATE.fullmatch(token)
                       or _month([token], t.state.lang) for token in words.tokens)
    if not said_as_date or number_from(words.tokens, "", words.entities)[0]:
        return None
    born, _ = birth_date_from(words.tokens, "", t.state.lang, t.heard.now.date())
    return born


def birth_date_said(t: Talk) -> Reply:
    words, identity = t.words, t.state.identity or {}
    born, why = birth_date_from(words.tokens, words.digits, t.state.lang, t.heard.now.date())
    if born:
        # The birth date goes to the check and nowhere else: not into the state.
        return query(t.state, "check_identity", {
            "number": identity["number"], "birth_date": born,
        }, "check_identity")
    number, _ = number_from(words.tokens, "", words.entities)
    if number and why == "unclear":
        identity.update(number=number, confirmed=False)  # a corrected number
        return _read_back(t.state)
    if words.answer == "yes" and "ask_birth_date" not in identity.get("yes", ()):
        return _again_after_yes(t.state, "ask_birth_date")
    return Failed("birth_date_invalid" if why == "invalid" else "birth_date_not_understood")


def _again_after_yes(state: CallState, asked: str) -> Turn:
    """A bare "ja" to "Bitte sagen Sie Ihre Kundennummer": ready to say it, no wrong
    answer. The question once more, short, without "nicht verstanden" (once a question: a
    second "ja" counts as a failed turn); "Wie bitte?" still gets the whole question."""
    state.identity["yes"] = [*state.identity.get("yes", ()), asked]
    whole = state.last_ask
    turn = ask(state, [say(f"{asked}_again")], "phone", f"identity:{asked}:yes")
    state.last_ask = whole
    return turn


def status_sms(t: Talk) -> Reply:
    state, words = t.state, t.words
    if words.answer == "yes" or words.key == "1":
        return query(state, "send_case_sms", {"number": state.identity["number"],
                                              "lang": state.lang}, "send_case_sms")
    if words.answer == "no" or words.key == "2":
        return anything_else(state, "status:sms_declined")
    return Failed("not_understood")


def status_next(t: Talk) -> Reply:
    words, recognition = t.words, t.recognition
    wants_booking = recognition is not None and recognition.intent == "book_appointment"
    if words.answer == "yes" or words.key == "1" or wants_booking:
        return _book_after_status(t)
    if words.answer == "no" or words.key == "2":
        return anything_else(t.state, "status:no_follow_up")
    if (recognition is not None and recognition.confident
            and recognition.intent not in ("out_of_scope", "agent")):
        return Switch(recognition.intent, words, recognition)
    return Failed("not_understood")


def _book_after_status(t: Talk) -> Turn:
    """Into the booking conversation, the topic already known (money matters)."""
    state, words = t.state, t.words
    number = (state.identity or {}).get("number") or ""
    state.intent = "book_appointment"
    state.failures = 0
    state.booking = {
        "mode": "book", "topic": STATUS_TOPIC, "site": words.get("site"),
        "wish": words.wish or None,
        "declined": [],
        # A typed BA number has no letter: the booking keeps only a whole number.
        "customer_number": number if "?" not in number else None,
    }
    booking.note_whom(t, words)  # "ja, einen Termin bei meiner Sachbearbeiterin"
    return booking.next_question(state, t.heard.now)


# ----------------------------------------------------------------------------- results


def identity_open(state: CallState, result) -> Turn:
    identity = state.identity or {}
    if result.get("unavailable") and identity.get("purpose") == BOOKING:
        # No case data to find the caseworker in: the appointment is made all the same.
        return booking.with_anyone(state)
    if result.get("unavailable"):
        return transfer(state, f"agent:{identity.get('purpose')}", "handover",
                        before=[say("not_yet")])
    if result.get("locked"):
        return _locked(state)
    if identity.get("confirmed"):
        return _ask_birth_date(state)
    if identity.get("number"):
        return _read_back(state)
    if identity.get("purpose") == BOOKING:
        return _ask_number(state)  # the caller has just agreed to give it
    return _ask_number(state, before=[say("identity_intro")])


def identity_checked(state: CallState, result) -> Turn:
    identity = state.identity or {}
    if result.get("ok"):
        identity.update(number=result["number"], verified=True, team=result.get("team"))
        state.failures = 0
        if identity.get("purpose") == BOOKING:
            return booking.after_identity(state, before=[say("identity_verified")])
        return _status_query(state, before=[say("identity_verified")])
    if result.get("locked"):
        return _locked(state)
    state.failures = 0  # counted in the database, across calls
    return ask(state, [say("identity_mismatch"), say("identity_retry")], "phone",
               "identity:mismatch", step="id_dob")


def case_told(state: CallState, result) -> Turn:
    identity = state.identity or {}
    if result.get("refused"):
        # Not verified after all (the record changed): never say anything.
        return transfer(state, "agent:identity_refused", "handover",
                        before=[say("identity_locked")])
    achieve(state, "answered")
    said = [say("verbatim", text=sentence) for sentence in result["sentences"]]
    event = f"answered:{identity.get('purpose')}"
    if result.get("documents") and state.mobile:
        return ask(state, [*said, say("offer_documents_sms")], "yes_no", event,
                   step="status_sms")
    if result.get("follow_up"):
        return ask(state, [*said, say("status_next")], "menu", event, step="status_next")
    return anything_else(state, event, before=said)


def case_sms_sent(state: CallState, result) -> Turn:
    key = "documents_sms_sent" if result.get("sent") else "documents_sms_failed"
    return anything_else(state, f"status:{key}", before=[say(key)])
