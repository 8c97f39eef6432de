"""The pieces every step answers with: a question, a query, a hand-over, a goodbye; and
the two ways a step can pass a turn back to the dialogue (`Failed`, `Switch`).

A step's handler gets one `Talk` (the call's state for this turn, what was heard and
what it means) and returns a `Turn`, `Failed(why)` when the answer does not fit the
question (the dialogue then applies the step's failure rule), or `Switch(intent)` when
the caller's words start a request of their own (the dialogue then handles it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import speech
from speech.understanding import Understanding

from .actions import Ask, Hangup, Query, Record, Say
from .people import Caseworkers
from .referrals import Referrals
from .state import CallState, Heard, Turn, achieve

# Apologies are said before a question again, but never repeated on "Wie bitte?".
APOLOGIES = {"not_heard", "not_understood", "low_confidence", "key_unknown",
             "when_not_understood", "code_incomplete", "phone_incomplete",
             "customer_number_invalid", "birth_date_invalid", "birth_date_not_understood",
             "identity_mismatch"}
# Said once, before a question, and not again when the question is repeated: what the
# caller said being acknowledged ("Gern, wegen Geldleistungen."), "Ja, ich höre Sie.".
SAID_ONCE = {"noted", "hear_you"}


@dataclass(frozen=True)
class Rules:
    """How this hotline converses: its languages, how sure it must be, the other offices,
    the caseworkers callers may ask for, the telephone number of each site (site id ->
    number, where the operator gave one), and how it understands words (with the
    supervisors' live phrases, if any).

    `language_keys` maps the key that chooses a language (from the languages' data) to
    its code, for the offered languages only; `keypad_only` are offered languages nobody
    can hear (no recogniser); `repeat_once` are languages whose questions are asked once
    more, the same words, before the hotline moves on (plain German)."""

    languages: list[str]
    min_confidence: float
    referrals: Referrals
    understand: Callable[[str, str, datetime, str], Understanding]
    caseworkers: Caseworkers = Caseworkers()
    language_keys: dict[str, str] = field(default_factory=dict)
    keypad_only: frozenset[str] = frozenset()
    repeat_once: frozenset[str] = frozenset()
    site_numbers: dict[str, str] = field(default_factory=dict)

    def other_languages(self, lang: str) -> list[str]:
        """The offered languages but `lang`, in the offered order."""
        return [code for code in self.languages if code != lang]

    def offers(self, lang: str) -> list[Say]:
        """Each other language offered by its key, in its own words and voice."""
        return [Say("offer_language", lang=code) for code in self.other_languages(lang)]


@dataclass
class Talk:
    """One turn as a step sees it: the state to change (already a copy), what was heard,
    and what it means."""

    state: CallState
    heard: Heard
    words: Understanding
    rules: Rules

    @property
    def recognition(self) -> speech.Recognition | None:
        return self.words.recognition

    def about(self, text: str) -> Understanding:
        """Other words than this turn's, understood at this turn's moment."""
        return self.rules.understand(text, self.state.lang, self.heard.now, "")


@dataclass(frozen=True)
class Failed:
    """The caller's answer does not fit the question: apologise with `why`."""

    why: str


@dataclass(frozen=True)
class Switch:
    """Handle `intent` now, with the details in `words` (None: no details)."""

    intent: str
    words: Understanding | None = None
    recognition: speech.Recognition | None = None  # kept with the turn in the log
    before: tuple[Say, ...] = ()  # said first ("Gut, dann buche ich keinen Termin.")


Reply = Turn | Failed | Switch


def ask(state: CallState, prompts: list[Say], expect: str, event: str,
        step: str | None = None) -> Turn:
    """Say `prompts` and listen; `step` is where the answer will be taken."""
    if step is not None:
        state.step = step
    # Remember what was asked (the caller may say "Wie bitte?"), without the apology
    # that came before it.
    # A sentence in another language than the call's (the offer "For English, press
    # nine") keeps its language, or a repeat would say it in the caller's.
    state.last_ask = [[p.key, p.params, p.lang] if p.lang else [p.key, p.params]
                      for p in prompts if p.key not in APOLOGIES and p.key not in SAID_ONCE]
    state.last_expect = expect
    return Turn(state, (Ask(tuple(prompts), expect=expect, lang=state.lang),), event)


def query(state: CallState, kind: str, args: dict, pending: str, before=()) -> Turn:
    """Ask the phone side for something (`kind`); its result comes back to `pending`."""
    state.pending = pending
    return Turn(state, tuple(before), f"query:{kind}", query=Query(kind, args))


def transfer(state: CallState, event: str, prompt: str, queue: str = "general",
             before=None) -> Turn:
    """Hand over to a person, if the hotline is staffed now; the phone side finds whom."""
    state.transfer = {"event": event, "prompt": prompt, "queue": queue}
    # The phone side also says whether anyone on duty speaks the caller's language.
    return query(state, "agents_open", {"lang": state.lang, "interpreter": state.interpreter},
                 "transfer", before=before or [])


def anything_else(state: CallState, event: str, before=()) -> Turn:
    """Done with this request: "Kann ich sonst noch etwas für Sie tun?", or the second
    request the caller made with the first, offered now ("Sie hatten noch eine zweite
    Frage: Es geht um Ihre Zahlung. Möchten Sie das jetzt klären?")."""
    state.failures = 0
    later, state.later = state.later, None
    if later and later.get("then"):
        # Said with the yes to this offer: taken up at once instead (Dialogue.resume).
        state.later = later
    elif later and later["intent"] != state.intent:  # not when it was done on the way
        state.candidates = [later["intent"]]
        state.request_text = later["text"]
        return ask(state, [*before, Say("also_asked", {"topic_intent": later["intent"]})],
                   "yes_no", event, step="also_asked")
    return ask(state, [*before, Say("anything_else")], "yes_no", event, step="anything_else")


def said_with_yes(t: Talk) -> dict | None:
    """"Ja, und was muss ich mitbringen?" to "Soll ich Ihnen die Nummer per SMS
    schicken?": a request of its own said with the yes, as `later` marked "then", to be
    taken up as soon as the offer is done, in the same turn (`Dialogue.resume`); the
    words are never stored (the mark is gone before the turn ends). None: a yes alone."""
    recognition = t.recognition
    if (t.words.answer != "yes" or recognition is None or not recognition.confident
            or recognition.intent in ("out_of_scope", "agent", "emergency")):
        return None
    return {"intent": recognition.intent, "text": t.heard.speech,
            "at": t.heard.now.isoformat(), "then": True}


def goodbye(state: CallState, event: str) -> Turn:
    state.step = "ended"
    achieve(state, "hangup")
    return Turn(state, (Say("goodbye"), Hangup()), event)


def message_or_goodbye(state: CallState) -> Turn:
    """Nobody can take the call and we keep missing each other: a message, if it can reach
    the team (a number to call back on, or in writing, where it is answered); else the
    caller is asked to call again, after the help numbers if they spoke of a crisis. A
    message from a withheld number with none given would reach no one."""
    if state.caller_id or state.answered_here or (state.callback or {}).get("phone"):
        return voicemail(state)
    said = []
    if state.crisis == "violence":
        said.append(Say("crisis_violence"))
    elif state.crisis or state.emergency:
        said.append(Say("crisis_call_now"))
    state.step = "ended"
    achieve(state, "hangup")
    return Turn(state, (*said, Say("message_no_number"), Hangup()), "goodbye:no_number")


def voicemail(state: CallState) -> Turn:
    """Nobody can take the call now: take a message."""
    state.step = "voicemail"
    # Kept for an empty message, which achieves no callback after all.
    state.callback = {**(state.callback or {}), "outcome_before": state.outcome}
    achieve(state, "callback")
    return Turn(state, (Say("voicemail_intro"), Record()), "voicemail")


# After silence a long question is asked again short: its introduction and example are
# left out, the keypad hint stays. A caller who did not hear it is not helped by all of it
# again, and one who is thinking needs the question only. Keyed by the question's sentence.
AGAIN_SHORT = {
    "ask_customer_number": "ask_customer_number_again",
    "ask_birth_date": "ask_birth_date_again",
    # After the long answer on not coming (what proof, by when, who decides), only the
    # choice: absagen, verschieben or Brief, with their keys.
    "absence_choice": "absence_choice_again",
}
SILENCE = "not_heard"


def repeat_question(state: CallState, why: str) -> Turn:
    """The same question again, after saying what went wrong; after silence, its short
    form where it has one (a "Wie bitte?" later still gets the whole question)."""
    short = [key for key, *_ in state.last_ask if key in AGAIN_SHORT]
    if why == SILENCE and short:
        whole = state.last_ask
        turn = ask(state, [Say(why), Say(AGAIN_SHORT[short[0]])], state.last_expect,
                   f"reprompt:{why}")
        state.last_ask = whole
        return turn
    return ask(state, [Say(why), *asked_before(state)], state.last_expect, f"reprompt:{why}")


def asked_before(state: CallState) -> list[Say]:
    """The sentences of the last question, to say again ([key, params] or, for a sentence
    in another language, [key, params, lang])."""
    return [Say(item[0], dict(item[1]), *item[2:3]) for item in state.last_ask]
