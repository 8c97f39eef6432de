"""Entities in one utterance: numbers, customer and BG numbers, dates, times, sites,
yes/no and conversational commands, as plain JSON-friendly values."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import clock
from speech import short_answers
from speech.answers import find_answer, find_command, find_site
from speech.corrections import meant_tokens
from speech.dates import find_date, find_part_of_day, find_time, other_weekday
from speech.normalise import MAX_CHARS, words
from speech.numbers import bg_number, customer_number, phone_digits

BERLIN = ZoneInfo("Europe/Berlin")

# Asking the way rather than the hours: "Wo isch des Jobcenter", "Adresse Waiblingen",
# "Wie komme ich hin", "ich nicht finde" (matched on the canonical words).
WAY_WORDS = {
    "de": re.compile(
        r"\b(wo (ist|sind|seid|liegt|liegen|befindet|finde|findet|genau|bitte)|"
        r"adresse\w*|anschrift\w*|wegbeschreibung|anfahrt|hinkommen|hinfinden|hinfahren|"
        r"wie (komme?|kommt|fahre?|finde?) (ich|man|mer)|weg (zum|zur|zu|dahin|dorthin)|"
        r"welche strasse|haltestelle|(nicht|net) (finde|find)|"
        r"(finde|find)( \w+){1,4} (nicht|net|nie))\b"
        # ... but "ich finde das nicht gut" is an opinion, not a way that is not found.
        r"(?! (so |ganz |wirklich |echt )?(gut|ok|okay|richtig|fair|schlimm|schlecht|"
        r"in ordnung|toll|schoen|korrekt|normal|witzig|lustig|gerecht|angemessen))"),
    "en": re.compile(
        r"\b(where (is|are|s|can i find)|address|directions|how (do|can) i (get|find)|"
        r"how to get|get there|find (you|the office|it))\b"),
    # The callers' other languages, in their canonical words (speech.scripts keys Cyrillic
    # to Latin letters: "добраться" is "dobraca", "знаходиться" "znahodica").
    # Russian: адрес, где, находится, добраться, доехать, проехать, пройти, найти,
    # подъехать, попасть, автобус, остановка, вокзал, маршрут.
    "ru": re.compile(
        r"\b(adres\w*|gde|nahodi\w*|dobra\w*|dobira\w*|dober\w*|doeha\w*|doedu|proeha\w*|"
        r"proiti|podeha\w*|popast|kak (\w+ ){0,3}naiti|avtobus\w*|ostanovk\w*|vokzal\w*|"
        r"marshrut\w*)\b"),
    # Ukrainian: адреса, де, знаходиться, розташований, добратися, дістатися, доїхати,
    # проїхати, пройти, знайти, потрапити, автобус, зупинка, вокзал.
    "uk": re.compile(
        r"\b(adres\w*|de|znahodi\w*|roztashov\w*|dobrati\w*|distati\w*|doiha\w*|doidu|"
        r"proiha\w*|proiti|ak (\w+ ){0,3}znaiti|potrapiti|avtobus\w*|zupink\w*|vokzal\w*|"
        r"marshrut\w*)\b"),
    # Turkish: adres, nerede, nasıl gelirim / giderim / ulaşırım, yol tarifi, otobüs,
    # durak, istasyon.
    "tr": re.compile(
        r"\b(adres\w*|nerede\w*|nerde\w*|nasil (\w+ ){0,2}(gel|gid|git|ulas)\w*|yol tarif\w*|"
        r"otobus\w*|durak\w*|istasyon\w*)\b"),
    # Arabic (the article is off, alef forms are one): عنوان, وين / أين, يقع, موقع, مكان,
    # كيف أصل / بوصل / أذهب / بروح / أجي, الطريق, باص, محطة.
    "ar": re.compile(
        r"(?<!\w)(عنوان\w*|وين|اين|يقع|موقع\w*|مكان\w*|كيف (\w+ ){0,2}"
        r"(اصل|اوصل|بوصل|نوصل|اذهب|نذهب|بروح|اروح|نروح|اجي|بجي|نجي|وصل)\w*|طريق\w*|باص|"
        r"محطه)(?!\w)"),
}


def extract_entities(text: str, lang: str = "de", now: datetime | None = None, *,
                     folded: str | None = None, canonical: list[str] | None = None) -> dict:
    """Everything recognisable in ``text``; keys are present only when found.

    ``now`` is the reference moment for relative dates (default: the current time in
    Europe/Berlin); an aware datetime is converted to Berlin time first. ``folded`` is
    `speech.normalise.prepared(text)`, when the turn has it already; ``canonical``
    `speech.normalise.words(text, lang)` (the turn has them for the crisis check).
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_CHARS]
    if now is None:
        now = clock.berlin()
    elif now.tzinfo is not None:
        now = now.astimezone(BERLIN)
    if lang in short_answers.languages():
        # Numbers the recogniser wrote as digits are read as in German; yes/no, the day,
        # the part of the day and the site in the caller's own words.
        german = extract_entities(text, "de", now, folded=folded)
        found = {key: value for key, value in german.items()
                 if key in ("customer_number", "bg_number", "number", "site")}
        found.update(short_answers.entities(text, lang, now))
        if asks_way(canonical if canonical is not None else words(text, lang, folded=folded),
                    lang):
            found["asks"] = "way"
        return found
    lang = "en" if lang == "en" else "de"
    found: dict = {}
    tokens = meant_tokens(text, lang)
    canon = words(text, lang, folded=folded)

    customer = customer_number(tokens)
    if customer:
        found["customer_number"] = customer
    bg = bg_number(tokens)
    if bg:
        found["bg_number"] = bg
    day = find_date(tokens, now, lang)
    if day:
        found["date"] = day.isoformat()
        other = other_weekday(tokens, day, now, lang)
        if other:
            # "am Dienstag, den 14." and the 14th is a Monday: the Tuesday, to ask which.
            found["date_or"] = other.isoformat()
    part = find_part_of_day(tokens, lang)
    if part:
        found["part_of_day"] = part
    said_time = find_time(tokens, lang, part)
    if said_time:
        found["time"] = said_time
    # A bare number is what the caller keyed in by voice (a PIN, a menu choice); digits
    # that made up a date, time or identifier are not repeated as one.
    if not (customer or bg or day or said_time):
        digits = phone_digits(tokens)  # "+49 171 ...": as dialled from here
        if digits:
            found["number"] = digits
    site = find_site(canon)
    if site:
        found["site"] = site
    if asks_way(canon, lang):
        found["asks"] = "way"
    found.update(extract_reply(text, lang, folded=folded))
    return found


def asks_way(canon: list[str], lang: str = "de") -> bool:
    """Whether the caller asks the way ("Wo ist ...", "Adresse"), on the canonical words."""
    way_words = WAY_WORDS.get(lang) or WAY_WORDS["de"]  # "de-simple" is heard as German
    return way_words.search(" ".join(canon)) is not None


# "Telefonnummer vom Jobcenter Backnang?", "tel nummer jobcenter backnang", "wie erreiche
# ich Sie telefonisch": the job centre's own number is asked for. The caller's own new
# number ("ich habe eine neue Telefonnummer") is a change to report, not this.
DIGIT = re.compile(r"\d")
PHONE_WORDS = {
    "de": re.compile(r"\b(?:telefon ?nummer\w*|tel ?nummer\w*|tel|telefon|rufnummer|nummer|"
                     r"durchwahl|telefonisch)\b"),
    "en": re.compile(r"\b(?:(?:tele)?phone (?:number|no)|number|call you|ring you|phone you|"
                     r"by phone)\b"),
}
PHONE_OF_OFFICE = {
    "de": re.compile(r"\b(?:jobcenter\w*|job center|geschaeftsstelle|dienststelle|amt|"
                     r"arbeitsamt|buero|von ihnen|von euch|ihre|eure|euer|sie (?:\w+ )?"
                     r"(?:erreichen|anrufen)|waiblingen|backnang|schorndorf)\b"),
    "en": re.compile(r"\b(?:jobcent(?:er|re)|job cent(?:er|re)|office|your|waiblingen|"
                     r"backnang|schorndorf)\b"),
}
PHONE_OWN = {
    "de": re.compile(r"\b(?:neue|neuen|neu|geaendert\w*|aender\w*|meine|meiner|mein|"
                     r"handy ?nummer|kundennummer|buchungsnummer|bg ?nummer)\b"),
    "en": re.compile(r"\b(?:new|changed|change|my|mine|customer number|booking)\b"),
}


def asks_phone(canon: list[str], lang: str = "de") -> bool:
    """Whether the caller asks for the job centre's (a site's) telephone number, on the
    canonical words; never when they speak of a number of their own."""
    lang = "en" if lang == "en" else "de"
    said = " ".join(canon)
    # The word for a number first: most turns have none (this runs on every request).
    if PHONE_WORDS[lang].search(said) is None:
        return False
    if DIGIT.search(said):
        return False  # a number given ("Rückruf, Tel. 0171 ..."), not one asked for
    return (PHONE_OF_OFFICE[lang].search(said) is not None
            and PHONE_OWN[lang].search(said) is None)


def extract_reply(text: str, lang: str = "de", *, folded: str | None = None) -> dict:
    """Only the answer (yes/no) and the command ("Mitarbeiter", "Wiederholen") in ``text``.

    Most turns need no more than this: it is a fifth of the cost of `extract_entities`,
    which also looks for numbers, dates and sites. ``folded`` is
    `speech.normalise.prepared(text)`, when the turn has it already.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if lang in short_answers.languages():
        said = short_answers.answer(text, lang)
        command = short_answers.command(text, lang)
        return ({"answer": said} if said else {}) | ({"command": command} if command else {})
    lang = "en" if lang == "en" else "de"
    found: dict = {}
    # Answers and commands are short fixed words ("jo", "passt net"): match them before
    # dialect mapping turns "no" into "noch".
    plain = words(text[:MAX_CHARS], lang, dialect=False, folded=folded)
    answer = find_answer(plain, lang)
    if answer:
        found["answer"] = answer
    command = find_command(plain, lang)
    if command:
        found["command"] = command
    return found
