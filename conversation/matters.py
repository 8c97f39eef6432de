"""Matters the hotline answers by showing the way: other offices, letters, not coming.

Each step's handler returns None when the answer is not one to its question: the
caller's words are then taken as a new request.

    step            caller does                       hotline does                   next step
    --------------  --------------------------------  -----------------------------  --------------
    (a request)     another office's matter           who decides, number, hours     referral_sms
                    (referrals.toml)                  (no mobile: anything else?)    anything_else
                                                      (transfer allowed: connect?) referral_connect
    referral_connect yes / no                         puts through / the SMS offer   ended / ...
    referral_sms    yes / no                          sends the number by SMS / -    anything_else
    referral_sms    yes and a request ("ja, und was   sends it, then takes up the    (as listen)
                    muss ich mitbringen?")             request
    (a request)     a letter: Bescheid, Anhörung      the deadline, how to object    letter_next
    (a request)     a letter not understood (and no   a person explains it, by       letter_next
                    disagreement)                     phone or at an appointment
    (a request)     documents to send ("da steht, ich how to send them (online,      anything_else
                    soll Unterlagen schicken")        post, in person), the deadline
    (a request)     less money, and why ("gekürzt,    a person explains it (the      agent /
                    warum?", "paramı kestiniz,        objection in one sentence)     unstaffed
                    neden?"), a sanction; disagrees
    letter_next     yes, "Termin", 1                  books an appointment           book_...
    letter_next     no                                -                              anything_else
    (a request)     ill, a sick child, an interview   what to send, and by when      absence_choice
    absence_choice  "absagen", 1 / "verschieben", 2   cancels / moves a booking      find_code ...
    absence_choice  yes (booked here)                 "absagen oder verschieben?"    absence_choice
    absence_choice  "Brief", 3, no                    asks the day of that           absence_day
                                                      appointment
    absence_day     a day                             notes it for the team (a       anything_else
                                                      callback in the agent console)

The hotline never says that a sick note excuses an absence: the job centre decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from speech.understanding import Understanding

from . import booking
from .actions import Hangup, PutThrough, Say
from .referrals import Office
from .replies import Failed, Reply, Talk, anything_else, ask, query, said_with_yes, transfer
from .state import CallState, Turn, achieve

# A job interview, on the folded words (ö -> oe, й -> и) of every caller's language.
INTERVIEW_WORDS = re.compile(r"\b(vorstellungsgespraech|bewerbungsgespraech|interview|"
                             r"is goeruesme\w*|muelakat\w*|співбесід\w*|собеседовани\w*|"
                             r"مقابلة عمل|مقابلة شغل)")
HEARING_WORDS = re.compile(r"\banhoerung\w*")
REPAYMENT_WORDS = re.compile(r"\b(rueckforderung\w*|zurueck ?zahlen|zurueckfordern|geld zurueck|"
                             r"erstattung\w*|ueberzahlung|raten\w*|pay back|money back)\b")
VAGUE_WORDS = re.compile(r"\b(weiss (ich )?(es )?nicht|irgendwann|keine ahnung|vergessen|"
                        r"don ?t know|not sure)\b")
# A child, likewise (Turkish "çocuğum, kızım, oğlum", Ukrainian and Russian "дитина,
# донька, син, ребёнок, дочь, сын", Arabic "ابني، بنتي، طفلي").
CHILD_WORDS = re.compile(r"\b(kind|kinder|sohn|tochter|kleine|kleiner|baby|child|"
                         r"cocug\w*|cocuk\w*|k[iı]z[iı]m|oglum|bebe[gk]\w*|"
                         r"дитин\w*|діт\w*|донь\w*|доньк\w*|син|сина|синок|малюк\w*|"
                         r"ребен\w*|дет(и|еи|ям|ьми)|доч\w*|сын\w*|малыш\w*|"
                         r"ابني|ابنتي|بنتي|طفلي|طفلتي|ولدي|اولادي)\b")
# "Da steht, ich soll Unterlagen schicken", "wie kann ich Nachweise einreichen": how to
# send documents (asked for in a letter), not which an application needs ("welche
# Unterlagen muss ich einreichen?", "was muss ich mitbringen?").
SEND_WORDS = re.compile(r"\b(?:schick\w*|zuschick\w*|send\w*|einreich\w*|nachreich\w*|"
                        r"abgeben|abgebe|einwerf\w*|briefkasten|submit\w*|hand in)\b")
WHICH_WORDS = re.compile(r"\b(?:welche\w*|was (?:fuer|muss|brauch\w*|soll)|mitbring\w*|"
                         r"what|which)\b")
CANCEL_WORDS = re.compile(r"\b(absag\w*|sag\w* \w*ab|stornier\w*|cancel\w*)\b")
MOVE_WORDS = re.compile(r"\b(verschieb\w*|verleg\w*|anderen termin|neuen termin|move|"
                        r"reschedul\w*)\b")
# Less money than before: a cut (Minderung, Sanktion), money kept back (Aufrechnung), or
# a change for income. The payment status cannot say why; the benefits team can.
# The German words count in every language (callers name the letter's words:
# "Sanktion", "gekürzt"), on the folded words; each other language's own words only in
# calls in that language ("cut" in German words is another word), on its canonical
# words (speech.normalise.words), so that Cyrillic and Arabic words match in either
# script: зменшили and "zmenshili" are both "zmenshili", المبلغ is مبلغ.


@dataclass(frozen=True)
class CutWords:
    """One language's words about less money, and about what the caller wants to know."""

    cut: re.Pattern  # less money: cut, reduced, deducted, less
    sanction: re.Pattern  # a sanction named: a cut, even without "why"
    why: re.Pattern
    disagree: re.Pattern  # "ungerecht": the objection is named in one sentence
    when: re.Pattern  # "Wann kommt mein Geld, es kam zu wenig": the date is asked
    objection: re.Pattern  # an objection or a repayment: the letter's own answers


def _words(*expressions: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{e})" for e in expressions))


# Arabic words take و (and), ف (so), ب (with), ل (for) in front.
_AR = r"\b[وفبل]?"
CUT_WORDS_DE = CutWords(
    cut=_words(r"\b(?:gekuerzt|kuerz\w*|gemindert|minderung\w*|leistungsminderung|"
               r"sanktion\w*|gestrichen|aufrechnung|einbehalten|abgezogen|"
               r"weniger (?:\w+ ){0,2}(?:geld|buergergeld|bekomm\w*|ueberwiesen|gezahlt)|"
               r"(?:geld|buergergeld|bekomm\w*|ueberwiesen) (?:\w+ ){0,3}weniger|"
               r"zu wenig)\b"),
    sanction=_words(r"\b(?:sanktion\w*|leistungsminderung\w*|minderung\w*)"),
    why=_words(r"\b(?:warum|wieso|weshalb|grund)\b"),
    disagree=_words(r"\b(?:nicht einverstanden|ungerecht|frechheit|unverschaemt|falsch|"
                    r"stimmt nicht|nicht richtig|unfair|was soll das)\b"),
    when=_words(r"\bwann\b"),
    objection=_words(r"\b(?:widerspruch|widersprech\w*|einspruch|anhoerung\w*|"
                     r"rueckforderung\w*|zurueck ?zahlen|zurueckfordern|geld zurueck|"
                     r"erstattung\w*|ueberzahlung|raten\w*)\b"),
)
CUT_WORDS_IN: dict[str, CutWords] = {
    "en": CutWords(
        cut=_words(r"\b(?:cut|reduc\w*|less|lower|deduct\w*|withheld|docked|sanction\w*)\b"),
        sanction=_words(r"\bsanction\w*"),
        why=_words(r"\b(?:why|reason|how come)\b"),
        disagree=_words(r"\b(?:disagree|wrong|not right|unfair|not fair|mistake)\b"),
        when=_words(r"\bwhen\b"),
        objection=_words(r"\b(?:objection|object|appeal|pay back|money back)\b")),
    # Turkish: kestiniz, kesinti, kesildi, düşürdünüz, azalttınız, eksik / az para;
    # yaptırım. "kesildi" and "kestiler" said of the electricity, gas or water are the
    # catalogue's emergency words, heard before this; said of the money ("param
    # kesildi"), they are a cut.
    "tr": CutWords(
        cut=_words(r"\b(?:kes(?:ti\w*|mis\w*|inti\w*|il\w*)|dusur\w*|azalt\w*|azald\w*|yaptirim\w*|"
                   r"eksik\w*|(?:daha|cok|bu kadar) az|"
                   r"az (?:para\w*|geld|yatt\w*|geldi|gelmis\w*|yatir\w*|ode\w*)|"
                   r"(?:para\w*|geld|burgergeld\w*|yardim\w*) (?:\w+ ){0,2}az)\b"),
        sanction=_words(r"\b(?:yaptirim\w*|ceza\w*)"),
        why=_words(r"\b(?:neden\w*|niye|nicin|sebe[bp]\w*)\b"),
        disagree=_words(r"\b(?:haksiz\w*|adaletsiz\w*|kabul etmiyorum|katilmiyorum|yanlis\w*)"),
        when=_words(r"\bne zaman\b"),
        objection=_words(r"\b(?:itiraz\w*|geri ode\w*|geri iste\w*)")),
    # Ukrainian (in the canonical Latin letters): зменшили, менше, урізали, зняли,
    # скоротили, відрахували, утримали; санкція.
    "uk": CutWords(
        cut=_words(r"\b(?:zmensh\w*|mensh\w*|uriza\w*|uriz\w*|znali|znal|skorotil\w*|"
                   r"vidrahuv\w*|utrimal\w*|utrimu\w*|sankc\w*)\b"),
        sanction=_words(r"\bsankc\w*"),
        why=_words(r"\b(?:chomu|prichin\w*|za sho)\b"),
        disagree=_words(r"\b(?:nespravedliv\w*|ne zhod\w*|nepravil\w*|pomilk\w*)"),
        when=_words(r"\bkoli\b"),
        objection=_words(r"\b(?:oskarzh\w*|zaperech\w*|povernuti|vimahau\w*)")),
    # Russian: урезали, уменьшили, меньше, снизили, сократили, вычли, удержали, сняли,
    # порезали; санкция.
    "ru": CutWords(
        cut=_words(r"\b(?:urez\w*|umenshi\w*|mensh\w*|snizi\w*|sokratil\w*|vichl\w*|vichit\w*|"
                   r"vichet\w*|uderzh\w*|snali|porez\w*|srez\w*|sankc\w*)\b"),
        sanction=_words(r"\bsankc\w*"),
        why=_words(r"\b(?:pochemu|zachem|prichin\w*|za chto)\b"),
        disagree=_words(r"\b(?:nespravedliv\w*|ne soglas\w*|nepravil\w*|oshibk\w*)"),
        when=_words(r"\bkogda\b"),
        objection=_words(r"\b(?:obzhal\w*|vozrazh\w*|apelac\w*|vernut)\b")),
    # Arabic: خفضتم / تخفيض, نقص / ناقص, خصم, قطع, قلل, أقل; عقوبة.
    "ar": CutWords(
        cut=_words(_AR + r"(?:خفض\w*|تخفيض\w*|نقص\w*|ناقص\w*|خصم\w*|قطع\w*|قلل\w*|اقل|عقوب\w*)"),
        sanction=_words(_AR + r"عقوب\w*"),
        why=_words(_AR + r"(?:لماذا|ليش|ليه|سبب\w*|lesh|leish|lish)\b"),
        disagree=_words(_AR + r"(?:ظلم\w*|غلط|مو عدل|مش عدل|غير عادل)",
                        r"\b(?:مش|مو|غير|ما|لست) موافق\w*"),
        when=_words(_AR + r"(?:متي|امتي|ايمتي|وقتيش)\b"),
        objection=_words(_AR + r"(?:اعتراض\w*|اعترض\w*|طعن)",
                          _AR + r"(?:رجع|يرجع\w*|ارجاع|استرجاع) (?:مصاري|فلوس|مبلغ)")),
}
CUT_INTENTS = ("payment_status", "letter")
# "Ich versteh den Brief nicht", "können Sie mir den Bescheid erklären?", "I don't
# understand the letter", "mektubu anlamadım", "не понимаю письмо", "не розумію листа",
# "ما فهمت الرسالة": the caller needs the letter explained (on the folded words, in every
# caller's language; "nicht einverstanden" is no "nicht verstanden").
NOT_UNDERSTOOD_WORDS = re.compile(
    r"\b(?:(?:versteh|verstand|kapier|blick)\w*(?: \w+){0,4} (?:nicht|net|nich)\b|"
    r"(?:nicht|net|nich) (?:\w+ )?(?:versteh|verstand|kapier)\w*|unverstaendlich|erklaer\w*|"
    r"nicht schlau|was (?:bedeutet|heisst) (?:das|der|die|dieser|dieses|diese)\b|"
    r"(?:don ?t|do not|didn ?t|did not|can ?t|cannot) (?:\w+ )?understand|explain\w*|"
    r"what (?:does|do) (?:it|this|that|they) mean|"
    r"anla(?:ma|mı|mi)\w*|a[cç][iı]kla\w*|"
    r"не (?:\w+ )?(?:понима|поня|розумі|зрозумі)\w*|незрозумі\w*|непонятн\w*|"
    r"(?:объясн|поясн)\w*|"
    r"(?:لم|ما|مش|مو|لا) (?:ا|ن)?فهم\w*|[اتي]?شرح\w*)")
LETTER_WORDS = re.compile(r"\b(brief|einladung|schreiben|post|letter)\b")
BOOK_WORDS = re.compile(r"\b(termin\w*|appointment)\b")



def refer(state: CallState, office: Office) -> Turn:
    """Another office decides this: say which, and how to reach it."""
    achieve(state, "answered")
    state.intent = state.intent or "out_of_scope"
    state.failures = 0
    state.candidates = []
    state.request_text = ""
    facts = office.says(state.lang)
    said = [Say("referral", facts)]
    said.append(Say("referral_number", facts) if office.number else Say("referral_hours", facts))
    if facts["office_still"]:
        said.append(Say("referral_still", facts))
    if office.number:
        state.referral = {"number": office.number, **facts}
    if office.transfer:
        return ask(state, [*said, Say("referral_connect_offer")], "yes_no",
                   f"referral:{office.key}", step="referral_connect")
    return _offer_referral_sms(state, office.key, said)


def _offer_referral_sms(state: CallState, key: str, said) -> Turn:
    if state.referral and state.mobile:
        return ask(state, [*said, Say("referral_sms_offer")], "yes_no", f"referral:{key}",
                   step="referral_sms")
    state.referral = None
    return anything_else(state, f"referral:{key}", before=said)


def letter(t: Talk, words: Understanding | None) -> Turn:
    """A hearing asks for the caller's view by its own deadline; a letter the caller does
    not understand is explained by a person; a decision can be objected to; money asked
    back can often be paid in instalments."""
    achieve(t.state, "answered")
    folded = words.folded if words is not None else ""
    if HEARING_WORDS.search(folded):
        said = [Say("letter_hearing")]
    elif NOT_UNDERSTOOD_WORDS.search(folded) and not any(
            map(_said(words, t.state.lang), ("disagree", "objection"))):
        # "Ich versteh den Brief nicht": what it says comes first; the objection only
        # when the caller says they disagree (german 35).
        said = [Say("letter_explain")]
    else:
        said = [Say("letter_help")]
        if REPAYMENT_WORDS.search(folded):
            said.append(Say("letter_repayment"))
    return ask(t.state, [*said, Say("letter_next")], "yes_no", "answered:letter",
               step="letter_next")


def is_cut(intent: str, words: Understanding | None, lang: str = "de") -> bool:
    """Less money, and the caller wants to know why: "Ihr habt mir das Geld gekürzt, ich
    will wissen warum", "paramı kestiniz, neden?". A payment question with such words is
    one; a letter when the caller asks why, disagrees or names a sanction without the
    letter ("Ich habe eine Sanktion bekommen"). Naming an objection, a hearing or a
    repayment is none: those are the letter's own answers; asking when (and not why) is
    the payment status's."""
    if intent not in CUT_INTENTS or words is None:
        return False
    said = _said(words, lang)
    if not said("cut") and not said("sanction"):
        return False
    if said("objection"):
        return False
    if said("when") and not said("why"):
        return False
    return intent == "payment_status" or said("why") or said("disagree") or (
        said("sanction") and not LETTER_WORDS.search(words.folded))


def cut(t: Talk, words: Understanding | None) -> Turn:
    """Why there is less money is for the benefits team to explain: put through (the
    agent hears the topic first), or outside staffed hours a callback, a message or an
    appointment. A caller who disagrees hears in one sentence that an objection is
    possible."""
    state = t.state
    state.intent = "payment_cut"
    said = [Say("cut_reason")]
    if words is not None and _said(words, state.lang)("disagree"):
        said.append(Say("cut_objection"))
    return transfer(state, "agent:payment_cut", "handover", before=said)


def _said(words: Understanding, lang: str):
    """Whether the caller's words have a kind of CutWords: the German ones on the folded
    words, the call's own language's on its canonical words."""
    own = CUT_WORDS_IN.get(lang.split("-")[0])
    canonical = " ".join(words.canonical) if own is not None else ""

    def said(kind: str) -> bool:
        return bool(getattr(CUT_WORDS_DE, kind).search(words.folded)
                    or own is not None and getattr(own, kind).search(canonical))
    return said


ABSENCE_HELP = {"sick": "absence_help", "child": "absence_help_child",
                "interview": "absence_help_interview"}


def absence(t: Talk, folded: str) -> Turn:
    # Only the kind of reason is kept, never the caller's words (health data).
    reason = ("interview" if INTERVIEW_WORDS.search(folded) else
              "child" if CHILD_WORDS.search(folded) else "sick")
    t.state.absence = {"reason": reason}
    achieve(t.state, "answered")
    # The proof named is the one this caller can send: a sick child's is the child's
    # doctor's note, not the parent's own sick note.
    return ask(t.state, [Say(ABSENCE_HELP[reason]), Say("absence_choice")], "menu",
               "answered:report_sick", step="absence_choice")


# ----------------------------------------------------------------------------- the steps


def referral_connect(t: Talk) -> Reply | None:
    state, words = t.state, t.words
    if words.answer == "yes" or words.key == "1":
        number = (state.referral or {}).get("number")
        state.referral = None
        state.step = "ended"
        return Turn(state, (Say("referral_connecting"), PutThrough(number), Say("goodbye"),
                            Hangup()), "referral:put_through")
    if words.answer == "no" or words.key == "2":
        return _offer_referral_sms(state, "no_transfer", [])
    return None


def referral_sms(t: Talk) -> Reply | None:
    state, words = t.state, t.words
    office = state.referral or {}
    state.referral = None
    if words.answer == "yes" or words.key == "1":
        state.later = said_with_yes(t) or state.later
        return query(state, "send_referral_sms", {**office, "lang": state.lang},
                     "referral_sms")
    if words.answer == "no" or words.key == "2":
        return anything_else(state, "referral:no_sms")
    return None  # something else: taken as a new request


def documents_answer(intent: str, folded: str) -> str:
    """The sentence that answers a documents question: how to send them when that is what
    is asked ("documents_send"), else which documents (the intent's own sentence)."""
    if (intent == "documents" and SEND_WORDS.search(folded)
            and not WHICH_WORDS.search(folded)):
        return "documents_send"
    return intent


def letter_next(t: Talk) -> Reply | None:
    words = t.words
    if words.answer == "yes" or words.key == "1" or BOOK_WORDS.search(words.folded):
        return booking.start(t, "book_appointment", None)
    if words.answer == "no" or words.key == "2":
        return anything_else(t.state, "letter:no_booking")
    return None


def absence_choice(t: Talk) -> Reply | None:
    words, absence = t.words, t.state.absence or {}
    if words.key == "1" or CANCEL_WORDS.search(words.folded):
        return booking.start(t, "cancel_appointment", words)
    if words.key == "2" or MOVE_WORDS.search(words.folded):
        return booking.start(t, "reschedule_appointment", words)
    if words.answer == "yes" and not absence.get("booked_here"):
        # "Haben Sie den Termin hier am Telefon gebucht?" - "Ja": which of the two, then.
        t.state.absence = {**absence, "booked_here": True}
        return ask(t.state, [Say("absence_cancel_or_move")], "menu", "absence:booked_here",
                   step="absence_choice")
    if words.key == "3" or (words.answer == "no" and not absence.get("booked_here")) \
            or LETTER_WORDS.search(words.folded):
        return ask(t.state, [Say("absence_day")], "request", "absence:ask_day",
                   step="absence_day")
    return None


def absence_day(t: Talk) -> Reply | None:
    state, words = t.state, t.words
    if VAGUE_WORDS.search(words.folded):
        day = None  # "weiß ich nicht mehr": noted without a day, never a guessed one
    elif words.get("date"):
        day = _recent(date.fromisoformat(words.get("date")), t.heard.now.date()).isoformat()
    else:
        return Failed("when_not_understood")
    return query(state, "absence_note", {
        "day": day, "lang": state.lang, "reason": (state.absence or {}).get("reason", "sick"),
        "customer_number": words.get("customer_number")}, "absence_note")


# ----------------------------------------------------------------------------- results


def absence_noted(state: CallState, result) -> Turn:
    state.absence = None
    if result and result.get("recorded"):
        first = (Say("absence_recorded", {"day_text": result["day"]}) if result.get("day")
                 else Say("absence_recorded_undated"))
        return anything_else(state, "absence:recorded", before=[first, Say("absence_proof")])
    return anything_else(state, "absence:not_recorded", before=[Say("absence_letter")])


def referral_sms_sent(state: CallState, result) -> Turn:
    key = "referral_sms_sent" if result and result.get("sent") else "referral_sms_failed"
    return anything_else(state, f"referral:{key}", before=[Say(key)])


def _recent(day: date, today: date) -> date:
    """An appointment someone cannot come to is near: "am siebten Dezember", said on the
    9th, is two days ago (the date reader, made for bookings, moved it a year ahead)."""
    if (day - today).days > 180:
        return day.replace(year=day.year - 1)
    return day
