"""What one caller turn means: the intent ranking and every entity, worked out once.

The conversation used to hand the same words to `speech` several times per turn (a
command? an answer? a date? a topic?) and hid the repetition behind caches. Now each
turn gets one `Understanding`; each part is worked out the first time a step asks for it
and kept for the rest of the turn, so nothing is parsed twice and nothing is parsed that
no step needs (a date of birth is never run through the appointment-wish reader).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import cached_property

from speech import short_answers
from speech.answers import find_refusal
from speech.corrections import meant_tokens
from speech.crisis import crisis_and_language
from speech.entities import asks_phone, asks_way, extract_entities, extract_reply
from speech.intents import Recognition
from speech.languages import detect_language_request, language_names
from speech.names import (
    about_appointment,
    asks_to_speak,
    caller_name,
    find_caseworker,
    own_caseworker,
)
from speech.normalise import fold, mended
from speech.normalise import words as canonical_words
from speech.scripts import in_own_letters
from speech.wishes import appointment_wish, rules_out_days
from speech.worry import detect_worry

# What callers say about an appointment's subject; the first topic whose word appears
# wins, so the more specific words come first.
TOPIC_WORDS = {
    "arbeitslosmeldung": ("arbeitslos", "gekuendigt", "kuendigung", "unemployed"),
    "berufsberatung": ("berufsberat", "ausbildung", "studium", "beruf", "schule", "career"),
    "arbeitsvermittlung": ("vermittl", "arbeitssuche", "stelle", "bewerb", "job", "arbeit",
                           "work"),
    "geldleistungen": ("geld", "leistung", "buergergeld", "antrag", "miete", "sachbearbeit",
                       "zahlung", "benefit", "money"),
}
SACHBEARBEITER = re.compile(r"sachbearbeit\w*")
# "Ein Termin beim Jobcenter", "beim Arbeitsamt": the office named, not a job looked for.
OFFICE = re.compile(r"\w*(?:jobcent\w*|job cent\w*|arbeitsamt\w*|arbeitsagentur\w*|"
                    r"agentur fuer arbeit|geschaeftsstelle\w*)")
# "Einen Antrag stellen", "mich vorstellen", "bestellen": the verb, no post ("Stelle")
# looked for.
NO_POST = re.compile(r"\b((?:antrag|antraege|antraegen|frage|fragen)(?: \w+)?) stell\w*|"
                     r"\w*(?:vor|be|fest|dar|her|zu|ab|aus)stell\w*")
# "Ob mein Antrag bearbeitet ist": being dealt with, no work to look for.
BEARBEITET = re.compile(r"\w*bearbeit\w*")
# "That doesn't work either": "work" as a verb about the offer, not the job search.
WORKS = re.compile(r"\b(?:does ?n ?t|does not|do ?n ?t|do not|won ?t|will not|would ?n ?t|"
                   r"would not|that|this|it|might|may) works?\b")
# "I don't have it": a booking code, a customer number.
DONT_KNOW = re.compile(
    r"\b(weiss (ich )?nicht|keine ahnung|(hab|habe) (ich )?(sie |die |keine )?(nicht|keine)|"
    r"finde (ich )?(sie |die )?nicht|nicht (da|dabei|zur hand)|keine (buchungs)?nummer|"
    r"vergessen|verloren|don ?t (know|have)|no idea|lost)\b")

# "Wann ist mein Termin?", "Ich hab meinen Termin vergessen, wann war der nochmal?": when
# the appointment the caller has is, not a new one ("wann ist der nächste freie Termin?").
# Read in the folded words, beside the word "termin" (or "appointment").
WHEN_BOOKED = re.compile(r"\b(wann|um wie ?viel uhr|an welchem tag) (ist|war|hab|habe|hatte)\b"
                         r"|\bwhen (is|was) my appointment\b")
WHEN_BOOKED_NOT = re.compile(r"\b(frei\w*|naechst\w*|bekomm\w*|krieg\w*|neu\w*|moeglich|"
                             r"next|free|new)\b")

# "Wann haben Sie offen und wo ist das Jobcenter Backnang?": the hours asked with the way
# (read on the folded words, only when the way is asked).
HOURS_TOO = re.compile(
    r"\b(?:offen|geoeffnet|oeffnungszeit\w*|auf ?haben|hat \w+ ?auf|haben sie auf|"
    r"aufmachen|macht \w+ ?auf|machen sie auf|zu ?machen|geschlossen|sprechzeit\w*|"
    r"bis wann|ab wann|wann (?:kann ich )?(?:vorbei\w*|hin\w*|kommen)|open|opening hours|"
    r"closed?)\b")

# "Hallo? Hören Sie mich?", "hallo, ist da jemand?": a caller on a bad line checking it
# works, and nothing else (read on the whole folded turn; "Hallo, ich brauche einen
# Termin" is a request).
_LINE_QUESTION = (r"(?:hoeren|verstehen|hoert|versteht) (?:sie|ihr|du) mich(?: noch)?(?: gut)?|"
                  r"hoert mich (?:jemand|wer|einer)|ist da (?:jemand|wer|einer)|"
                  r"sind sie (?:noch )?(?:da|dran)|can you hear me|are you (?:still )?there|"
                  r"is (?:anyone|anybody|someone) there")
CHECKS_LINE = re.compile(rf"(?:(?:hallo|hello|halo|ja) )*(?:hallo|hello|halo|{_LINE_QUESTION})"
                         rf"(?: (?:hallo|hello|halo|{_LINE_QUESTION}))*")

# "Bin ich hier richtig beim Arbeitsamt?", "Is this the job centre?": whether the caller
# reached the right office (on the folded words).
RIGHT_PLACE = re.compile(
    r"\b(bin ich (hier |da |bei ihnen )?(richtig|korrekt)|richtig verbunden|"
    r"(ist|sind) (das|hier|sie) (hier )?(das |die |der )?(jobcenter|arbeitsamt|amt|agentur|"
    r"arbeitsagentur)( rems murr| hier| in \w+)?$|am i (in the right place|right here)|"
    r"is this the job ?cent(er|re))\b")

# "Wo steht die?", "Where do I find it?": the caller asks where something asked for (a
# booking code) is written. Read in the folded words and in the words as said (folding
# takes the marks off Cyrillic and Arabic letters: "його" is "иого" folded).
WHERE_WRITTEN = re.compile(
    r"\b(wo (steht|stehen|find\w*|ist|sehe|seh|soll|kriege|krieg|bekomme|hab|habe)|"
    r"woher (hab|habe|soll|kriege|bekomme)|"
    r"where (is|are|do|can|would|should|will)|"
    r"nerede|nerde|nereden|nereye|"
    r"де (вона|він|його|її|це|знайти|шукати|подивитися|написан\w*|вказан\w*)|"
    r"где (она|он|его|её|ее|это|найти|искать|посмотреть|написан\w*|указан\w*))\b"
    r"|(?:^|\s)(أين|اين|وين|فين)(?:\s|$)")


# A caller giving up the appointment being booked: "vergessen Sie den Termin", "lassen
# wir das mit dem Termin", "forget the appointment" (on the caller's own words).
DROP_BOOKING = {
    "de": re.compile(r"\b(?:vergessen sie|vergiss|vergesst|lassen sie|lassen wir|lass)"
                     r"(?: das mit)? (?:dem|den|diesen|das) termin\w*|"
                     r"\b(?:doch|gar) keinen termin(?: mehr)?|\bkeinen termin mehr",
                     re.IGNORECASE),
    "en": re.compile(r"\b(?:forget|never mind|skip)(?: about)? (?:the|that|this) appointment|"
                     r"\bno appointment after all|"
                     r"\bdon'?t need (?:an|the) appointment(?: after all)?",
                     re.IGNORECASE),
}

# "Ich brauche keinen Termin, nur eine Auskunft", "I don't need an appointment": the
# appointment named is the one not wanted, so its words are no evidence of a booking.
# Matched on the folded words ("koin" is Swabian for "keinen").
NO_APPOINTMENT = {
    "de": re.compile(r"\bk(?:ei|oi)n\w* (?:neu\w* )?termin\w*"),
    "en": re.compile(r"\b(?:(?:do ?n ?t|do not) (?:need|want) (?:an?|the) appointment\w*|"
                     r"no appointment\w*|not (?:for )?an appointment\w*)"),
}
# ... except where it is one the caller did not get or has not yet: "ich habe noch
# keinen Termin", "ich bekomme keinen Termin", "kein Termin frei".
NO_APPOINTMENT_YET = {
    "de": re.compile(r"\b(?:hab\w*|hat|hatte\w*|hend|bekomm\w*|bekam\w*|krieg\w*|"
                     r"erhalt\w*|find\w*|gibt|gab|noch|immer) (?:\w+ ){0,3}?k(?:ei|oi)n\w* "
                     r"(?:neu\w* )?termin|\bk(?:ei|oi)n\w* (?:neu\w* )?termin\w* "
                     r"(?:\w+ ){0,2}?(?:frei|bekommen|gekriegt|erhalten|gefunden|gekriegt|mehr)\b"),
    "en": re.compile(r"\b(?:have|got|get|had|find|found) (?:\w+ ){0,2}?no appointment|"
                     r"\bno appointment\w* (?:available|free|left)\b"),
}

# Words that say a request is urgent without saying why ("ist dringend", "sofort"):
# with a booking they ask for the nearest slot, not for the emergency queue.
URGENCY = re.compile(r"\b(?:ist |es isch |es ist |sehr |ganz )?"
                     r"(?:dringend|eilig|sofort|urgent|asap)\b", re.IGNORECASE)

# An upset caller's complaint about getting through ("ich versuch seit Wochen jemanden zu
# erreichen", "nobody ever picks up"), or an apology for their German ("mein Deutsch
# nicht so gut", whose "nicht" is no cancelling): said beside the request, not the
# request itself.
COMPLAINT = re.compile(
    r"\b(?:seit (?:tagen|wochen|monaten|stunden)|nicht durch|niemand geht|keiner geht|"
    r"deutsch (?:ist )?nicht (?:so |sehr )?gut|nicht (?:so |sehr )?gut deutsch|"
    r"zumutung|frechheit|\w*mal angerufen|nobody|no one|trying to reach|get through|"
    r"(?:called|rung|phoned|tried) [\w' ]*(?:times|days|weeks|months|ages)|"
    r"for (?:days|weeks|months|ages))\b", re.IGNORECASE)
CLAUSE = re.compile(r"[,.!?;]+")

# "Kann ich da einen Termin bekommen?", "there": the place just talked about.
THERE = re.compile(r"\b(?:da|dort|dorthin|there)\b")

# A question of the caller's own ("wann kommt mein Geld?"), by its question word.
QUESTION_WORDS = re.compile(r"\b(?:wann|wo|wie|warum|wieso|weshalb|when|where|how|why)\b")
# "Was für Themen gibt es denn?", "Was kann ich da sagen?": the choices of a question asked
# back (folded words; German and English).
CHOICES = re.compile(
    r"\b(?:was fuer|welche)\b(?:\s+\w+){0,3}\s+(?:gibt es|gibts|haben sie|habt ihr|kann ich)\b"
    r"|\bwas (?:kann|soll|muss) ich (?:\w+ ){0,2}(?:sagen|waehlen|nehmen)\b"
    r"|\b(?:welche|was) (?:gibt es|gibts) (?:da|denn|alles)\b|\bwelche sind das\b"
    r"|\b(?:auswahl|moeglichkeiten|optionen)\b"
    r"|\bwhat (?:are|is) (?:the|my) (?:options|choices)\b|\bwhich ones\b"
    r"|\bwhat can i (?:say|choose)\b")

# "das Erste", "die zweite", "the second one": a choice among the options just offered.
ORDINALS = {
    "erste": 1, "ersten": 1, "erstes": 1, "erster": 1, "first": 1,
    "zweite": 2, "zweiten": 2, "zweites": 2, "zweiter": 2, "second": 2,
    "dritte": 3, "dritten": 3, "drittes": 3, "dritter": 3, "third": 3,
    "vierte": 4, "vierten": 4, "viertes": 4, "vierter": 4, "fourth": 4,
    # "die letzte", "the last one": counted from the end, whatever the list's length.
    "letzte": -1, "letzten": -1, "letztes": -1, "letzter": -1, "last": -1,
    # The callers' other languages, folded ("третий" is "третии", "üçüncü" "uecuencue"):
    # "the third one" for a site or a topic offered as a list. Ukrainian "другий" is also
    # "another" ("на другий день"): only the neuter "друге" (відділення) counts.
    "первое": 1, "первыи": 1, "первая": 1, "первую": 1, "второе": 2, "второи": 2,
    "вторая": 2, "вторую": 2, "третье": 3, "третии": 3, "третья": 3, "третью": 3,
    "четвертое": 4, "четвертыи": 4, "четвертая": 4, "последнее": -1, "последнии": -1,
    "перше": 1, "першии": 1, "перша": 1, "першу": 1, "друге": 2, "третє": 3, "третіи": 3,
    "третя": 3, "третю": 3, "четверте": 4, "четвертии": 4, "останнє": -1, "останніи": -1,
    "birinci": 1, "birincisi": 1, "ilki": 1, "ikinci": 2, "ikincisi": 2, "uecuencue": 3,
    "uecuencuesue": 3, "doerduencue": 4, "doerduencuesue": 4, "sonuncu": -1, "sonuncusu": -1,
    "الاول": 1, "اول": 1, "الثاني": 2, "التاني": 2, "ثاني": 2, "تاني": 2, "الثالث": 3,
    "التالت": 3, "ثالث": 3, "تالت": 3, "الرابع": 4, "رابع": 4, "الاخير": -1,
}
# A number said as a word, alone (or with one more word: "три, пожалуйста"), for the
# keys the question offers ("oder drücken Sie die Eins, die Zwei oder die Drei"). Not
# Turkish "bir", which is "a" as often, nor Arabic واحد, which is "someone".
NUMBER_WORDS = {
    "два": 2, "три": 3, "четыре": 4, "чотири": 4, "iki": 2, "uec": 3, "doert": 4,
    "اثنين": 2, "اتنين": 2, "ثلاثة": 3, "تلاتة": 3, "ثلاثه": 3, "تلاته": 3, "اربعة": 4,
    "اربعه": 4,
}
# A caller correcting themselves in one breath: what follows the last of these counts
# ("am Montag, ach nein, lieber Dienstag").
# In the other languages only words that always correct ("точнее", "pardon", "أقصد"):
# "лучше" or "краще" as often ask for a part of the day ("во вторник, лучше утром").
CORRECTION = re.compile(r"\b(lieber|doch|eher|besser|sondern|ach nein|rather|instead|"
                        r"actually|better|точнее|вернее|то есть|точніше|вірніше|тобто|"
                        r"pardon|daha doğrusu|أقصد|اقصد|عفوا|بل)\b")
# "Dienstag, nein, Mittwoch": a bare no corrects only between two wishes; on its own
# ("nein, Montag geht nicht") it answers the question. Russian and Ukrainian "не" is
# no bare no ("в среду, не утром" keeps Wednesday).
BARE_NO = re.compile(r"\b(nein|nee|no|нет|ні|hayır|hayir|yok|olmaz|لا|لأ)\b", re.IGNORECASE)
# What names the day in an appointment wish (speech.wishes.appointment_wish).
DAY_KEYS = {"on", "or_on", "earliest", "latest", "not_weekdays"}
# What names the time of that day.
TIME_KEYS = {"time", "after", "part_of_day"}
# "auf Donnerstag verschieben", "move it to Thursday": the day an appointment is to go
# to follows "auf" or "to" at once (after an article at most); "to" before a verb is
# no day ("I want to move my appointment on Tuesday": the Tuesday is the old one).
MOVED_TO = re.compile(r"\b(?:auf|to)\s+(?:(?:den|die|das|the)\s+)?", re.IGNORECASE)


def topic_from(text: str, folded: str | None = None) -> str | None:
    """The appointment topic a caller's words name, if any (``folded``: `fold(text)`,
    when known)."""
    # A "Sachbearbeiterin" sees customers about money; the "arbeit" in the word is no
    # job search.
    folded = WORKS.sub(" ", SACHBEARBEITER.sub("geld", fold(text) if folded is None else folded))
    folded = OFFICE.sub(" ", BEARBEITET.sub(" ", folded))
    if "stell" in folded:
        folded = NO_POST.sub(lambda found: f" {found.group(1) or ''} ", folded)
    for topic, words in TOPIC_WORDS.items():
        if any(word in folded for word in words):
            return topic
    return None


class Understanding:
    """One turn's words (and keys) in one language, at one moment."""

    def __init__(self, text: str, lang: str, now: datetime, digits: str = "",
                 recognise: Callable[[str, str], Recognition] | None = None,
                 caseworkers: tuple[str, ...] = ()):
        self.text = text or ""
        self.lang = lang
        self.now = now
        self.digits = digits or ""
        self._recognise = recognise
        # The caseworkers' names as said to callers ("Frau Keller"), handed in by the
        # conversation's rules: speech reads no schedule of its own.
        self._caseworkers = caseworkers

    @property
    def key(self) -> str:
        """The first key pressed, or ""."""
        return self.digits[:1]

    @cached_property
    def recognition(self) -> Recognition | None:
        """The intent ranking; None when nothing was said. Beside a complaint about
        getting through, clear booking words are the request and are ranked alone."""
        if not self.text or self._recognise is None:
            return None
        words = self.request_words
        # Only "keinen Termin" said: nothing asked for yet, rather than the booking.
        return self._recognise(self.text if words is None else words, self.lang)

    @cached_property
    def request_words(self) -> str | None:
        """The words the request is read in, when not all of them: without the
        appointment the caller does not want ("ich brauche keinen Termin, nur ..."), and
        without the clauses complaining about getting through when those were said
        beside clear booking words ("seit Wochen erreiche ich niemanden, ich brauche
        einen Termin"); else None."""
        text = self.without_appointment
        if not COMPLAINT.search(text or self.text):
            return text
        clauses = [part.strip() for part in CLAUSE.split(text or self.text) if part.strip()]
        rest = " ".join(part for part in clauses if not COMPLAINT.search(part))
        return rest if rest and about_appointment(rest) else text

    @cached_property
    def without_appointment(self) -> str | None:
        """The folded words without the appointment the caller says they do not want
        ("keinen Termin", "no appointment"), when they say so; else None."""
        pattern = NO_APPOINTMENT.get(self.lang)
        if not self.text or pattern is None:
            return None
        folded = self.folded
        if not pattern.search(folded) or NO_APPOINTMENT_YET[self.lang].search(folded):
            return None
        return re.sub(r"\s+", " ", pattern.sub(" ", folded)).strip()

    @property
    def declines_appointment(self) -> bool:
        """Whether the caller says they want no appointment ("nur eine Auskunft")."""
        return self.without_appointment is not None

    @cached_property
    def calm(self) -> Recognition | None:
        """The intent ranking of the words without those of urgency ("Geht heute noch was
        in Waiblingen? Ist dringend" is a booking); None when there were none."""
        if not self.text or self._recognise is None or not URGENCY.search(self.text):
            return None
        rest = re.sub(r"\s+", " ", URGENCY.sub(" ", self.text)).strip(" ,.!?;")
        return self._recognise(rest, self.lang) if rest else None

    @cached_property
    def prepared(self) -> str:
        """The words folded and mended once, for every language they are checked in."""
        return mended(self.folded)

    @cached_property
    def canonical(self) -> list[str]:
        """The canonical words in the turn's language (`speech.normalise.words`): what
        the crisis phrases, the other offices' matters and the way there are read in."""
        return canonical_words(self.text, self.lang, folded=self.prepared)

    @cached_property
    def crisis_heard(self) -> tuple[str, str] | None:
        """(self_harm | violence | emergency, the language whose expressions heard it),
        or None."""
        if not self.text:
            return None
        return crisis_and_language(self.text, self.lang, self.prepared,
                                   own_words=self.canonical)

    @cached_property
    def crisis(self) -> str | None:
        """self_harm | violence | emergency, or None."""
        heard = self.crisis_heard
        return heard[0] if heard else None

    @cached_property
    def worry(self) -> str | None:
        """The kind of crisis the words give cause to ask about (`speech.worry`), when
        the crisis expressions heard none; None otherwise."""
        if not self.text or self.crisis is not None:
            return None
        return detect_worry(self.text, self.lang, self.prepared, own_words=self.canonical)

    @property
    def crisis_language(self) -> str | None:
        """The language a crisis was said in, if its words are in that language's own
        letters: Cyrillic in a German call was said in Russian or Ukrainian, Russian in
        Latin letters may have been either, and Turkish without its letters German."""
        heard = self.crisis_heard
        if heard is None or not in_own_letters(self.text, heard[1]):
            return None
        return heard[1]

    @cached_property
    def language_request(self) -> str | None:
        """The language the caller asks for ("auf Türkisch", "по-русски"), by its code,
        whether the hotline offers it or not; "interpreter", "choose" or None."""
        if not self.text:
            return None
        return detect_language_request(self.text, language_names(), folded=self.folded)

    @cached_property
    def reply(self) -> dict:
        """Only the answer (yes/no) and the command: cheaper than `entities`."""
        if "entities" in self.__dict__:
            return self.entities
        return extract_reply(self.text, self.lang, folded=self.prepared) if self.text else {}

    @property
    def answer(self) -> str | None:
        """"yes" or "no", if the caller said one."""
        return self.reply.get("answer")

    @cached_property
    def refuses(self) -> bool:
        """"Das passt mir leider nicht", "I'm afraid I can't make that": what was offered
        is refused, wherever in the turn it is said (a "no" counts only near the start)."""
        if not self.text or self.lang in short_answers.languages():
            return False
        lang = "en" if self.lang == "en" else "de"
        return find_refusal(canonical_words(self.text, lang, folded=self.prepared), lang)

    @property
    def command(self) -> str | None:
        """agent | repeat | goodbye | english | german, if the caller said one."""
        command = self.reply.get("command")
        if command == "agent" and self.own_caseworker and about_appointment(self.text):
            # "Einen Termin bei meiner Sachbearbeiterin": an appointment, not a person now.
            return None
        if command == "agent" and self.request_words is not None:
            # "I've been trying to reach someone for weeks! I need an appointment": the
            # someone is the complaint; the request is the booking.
            return extract_reply(self.request_words, self.lang).get("command")
        return command

    @cached_property
    def entities(self) -> dict:
        """Numbers, customer and BG numbers, date, time, part of day, site, yes/no."""
        if not self.text:
            return {}
        return extract_entities(self.text, self.lang, self.now, folded=self.prepared,
                                canonical=self.canonical)

    def get(self, name: str):
        """One entity (speech.extract_entities's keys), or None."""
        return self.entities.get(name)

    @cached_property
    def asks_way(self) -> bool:
        """"Wo ist das?", "Adresse": the way there, not the hours. Cheaper than `entities`
        when they are not needed otherwise."""
        if "entities" in self.__dict__:
            return self.entities.get("asks") == "way"
        if not self.text:
            return False
        return asks_way(self.canonical, self.lang)

    @cached_property
    def asks_when_booked(self) -> bool:
        """"Wann war mein Termin nochmal?": when the caller's own appointment is."""
        folded = self.folded
        return (("termin" in folded or "appointment" in folded)
                and WHEN_BOOKED.search(folded) is not None
                and WHEN_BOOKED_NOT.search(folded) is None)

    @property
    def asks_hours_too(self) -> bool:
        """"Wann haben Sie offen und wo ist ...?": the hours as well as the way."""
        return self.asks_way and HOURS_TOO.search(self.folded) is not None

    @property
    def checks_line(self) -> bool:
        """"Hallo? Hören Sie mich?" and nothing more: whether the line works."""
        return bool(self.text) and CHECKS_LINE.fullmatch(self.folded.strip()) is not None

    @cached_property
    def asks_right_place(self) -> bool:
        """"Bin ich hier richtig?": whether this is the office the caller meant to call."""
        return bool(self.text) and RIGHT_PLACE.search(self.folded) is not None

    @cached_property
    def asks_phone(self) -> bool:
        """"Telefonnummer vom Jobcenter Backnang?": the job centre's own number."""
        return bool(self.text) and asks_phone(self.canonical, self.lang)

    @cached_property
    def wish(self) -> dict:
        """When the caller would like an appointment; empty when they said nothing of it.

        Corrected in the same breath ("Montag, ach nein, lieber Dienstag"), it is the
        wish after the last correction word, if that part names one.
        """
        if not self.text:
            return {}
        corrections = list(CORRECTION.finditer(self.text.lower()))
        if corrections:
            after = self.text[corrections[-1].end():]
            wish = appointment_wish(after, self.lang, self.now) if after.strip() else {}
            if wish:
                return self._same_day(self.text[:corrections[-1].start()], wish)
        for no in reversed(list(BARE_NO.finditer(self.text))):
            before, after = self.text[:no.start()], self.text[no.end():]
            if after.strip() and not rules_out_days(after, self.lang):
                earlier = appointment_wish(before, self.lang, self.now)
                wish = appointment_wish(after, self.lang, self.now) if earlier else {}
                if wish:
                    return self._same_day(before, wish, earlier)
        # The wish reader reads the words without the days ruled out ("nicht Montag"):
        # where there are none, those are this turn's entities.
        same = not rules_out_days(self.text, self.lang)
        return appointment_wish(self.text, self.lang, self.now,
                                entities=self.entities if same else None)

    def _same_day(self, before: str, wish: dict, earlier: dict | None = None) -> dict:
        """A correction of the time alone keeps the day said before it: "am Donnerstag
        um zehn, nein, lieber um elf" is Thursday at eleven; a correction of the day
        alone keeps the time: "Dienstag um zehn, ach nein, lieber Donnerstag" is
        Thursday at ten."""
        time, day = TIME_KEYS & set(wish), DAY_KEYS & set(wish)
        if bool(time) == bool(day):
            return wish
        earlier = appointment_wish(before, self.lang, self.now) if earlier is None else earlier
        kept = DAY_KEYS if time else TIME_KEYS
        return {**{key: earlier[key] for key in kept if key in earlier}, **wish}

    @cached_property
    def moved_to(self) -> dict:
        """The wish for the day an appointment is to be moved to ("auf Donnerstag
        verschieben"); empty when the words name none (the day named may be the old one's)."""
        for match in reversed(list(MOVED_TO.finditer(self.text))):
            after = self.text[match.end():]
            first_words = " ".join(after.split()[:2])
            if first_words and appointment_wish(first_words, self.lang, self.now):
                return appointment_wish(after, self.lang, self.now)
        return {}

    @cached_property
    def without_booking(self) -> str | None:
        """The words besides "vergessen Sie den Termin" (perhaps none) when the caller gives
        up the appointment being booked; None when they do not."""
        pattern = DROP_BOOKING.get(self.lang)
        if not self.text or pattern is None or not pattern.search(self.text):
            return None
        return re.sub(r"\s+", " ", pattern.sub(" ", self.text)).strip(" ,.!?;")

    @cached_property
    def means_there(self) -> bool:
        """Whether the caller points back to a place ("da", "dort", "there")."""
        return bool(self.text) and THERE.search(self.folded) is not None

    @cached_property
    def asks(self) -> bool:
        """Whether the caller asks a question ("wann kommt mein Geld?"), rather than
        answers one."""
        return bool(self.text) and (self.text.rstrip().endswith("?")
                                    or QUESTION_WORDS.search(self.folded) is not None)

    @cached_property
    def asks_choices(self) -> bool:
        """"Was für Themen gibt es denn?": the caller asks back what they may choose."""
        return bool(self.text) and CHOICES.search(self.folded) is not None

    @cached_property
    def ordinal(self) -> int | None:
        """1 for "das Erste" (or "eins" said alone), 2 for "die zweite", ..., -1 for "die
        letzte"; else None."""
        words = self.folded.split()
        for word in words:
            if word in ORDINALS:
                return ORDINALS[word]
        digits = [token for token in self.tokens if token.isdigit()]
        if len(words) <= 3 and len(digits) == 1 and digits[0] in ("1", "2", "3", "4"):
            return int(digits[0])
        numbers = [NUMBER_WORDS[word] for word in words if word in NUMBER_WORDS]
        if len(words) <= 2 and len(numbers) == 1:
            return numbers[0]
        return None

    @cached_property
    def topic(self) -> str | None:
        if not self.text:
            return None
        if self.lang in short_answers.languages():
            return (short_answers.topic(self.text, self.lang)
                    or topic_from(self.text, self.folded))
        return topic_from(self.text, self.folded)

    @cached_property
    def caseworker(self) -> str | None:
        """The caseworker the caller asks for ("bei Frau Keller"), as the name is written
        in the list handed in; None when they name none of them."""
        if not self.text or not self._caseworkers:
            return None
        return find_caseworker(self.text, self._caseworkers, self.lang)

    @cached_property
    def asks_to_speak(self) -> bool:
        """"Mit Frau Keller sprechen", "Bayan Keller ile görüşmek": to speak with someone,
        with no appointment named."""
        return bool(self.text) and asks_to_speak(self.text, self.lang)

    @cached_property
    def own_caseworker(self) -> bool:
        """"Meine Sachbearbeiterin", "mein Arbeitsvermittler": the caller's own caseworker."""
        return bool(self.text) and own_caseworker(self.text, self.lang)

    @cached_property
    def caller_name(self) -> str | None:
        """The name the caller gives for themselves ("auf den Namen Schmid")."""
        return caller_name(self.text, self.lang) if self.text else None

    @cached_property
    def name_answer(self) -> str | None:
        """The answer to "Auf welchen Namen?": a name alone ("Schmid") counts too; a yes
        or no before it is none ("ja klar", "jo", "evet", "так, Бондаренко")."""
        words = self.text.split()
        # One word at a time: a yes or no is read in the caller's language, where
        # speech.names knows only German and English lead-ins.
        while words and extract_reply(words[0].strip(",.;!?"), self.lang).get("answer"):
            words = words[1:]
        return caller_name(" ".join(words), self.lang, asked=True) if words else None

    @cached_property
    def folded(self) -> str:
        """The words lower-cased, umlauts spelled out, punctuation gone."""
        return fold(self.text)

    @cached_property
    def tokens(self) -> list[str]:
        """The words with number words as digits ("eins zwei" -> "1", "2"), a number the
        caller corrected as corrected ("0176, nein, 0171" -> "0171")."""
        return meant_tokens(self.text, self.lang) if self.text else []

    @property
    def asks_where_written(self) -> bool:
        """"Wo steht die?": where what was asked for (a booking code) can be found."""
        return bool(self.text) and any(WHERE_WRITTEN.search(words) is not None
                                       for words in (self.folded, self.text.lower()))

    @property
    def dont_know(self) -> bool:
        """"Habe ich nicht", "weiß ich nicht" (Swabian "woiß i net", read in the
        canonical words): the caller does not have what was asked."""
        return bool(self.text) and (DONT_KNOW.search(self.folded) is not None
                                    or DONT_KNOW.search(" ".join(self.canonical)) is not None)
