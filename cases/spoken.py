"""Case data as the hotline says it: euro amounts, days and application kinds, per language.

Written for the ear: "563 Euro", "1234 Euro und 56 Cent", "am 30. Dezember" (the year
only when it is not this year's). Ukrainian, Russian, Turkish and Arabic are said in
words by `spoken_words` ("пятьсот шестьдесят три евро", "тридцатого декабря").
"""

from __future__ import annotations

from datetime import date

import spoken_words

MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
KIND_NAMES = {
    "de": {"erstantrag": "Erstantrag auf Bürgergeld",
           "weiterbewilligung": "Weiterbewilligungsantrag",
           "arbeitslosengeld": "Antrag auf Arbeitslosengeld"},
    "en": {"erstantrag": "first application for Bürgergeld",
           "weiterbewilligung": "application for continued Bürgergeld",
           "arbeitslosengeld": "application for unemployment benefit"},
    # Named as the subject of "Ваше {kind} поступило", "Ваша {kind} надійшла".
    "ru": {"erstantrag": "первичное заявление на бюргергельд",
           "weiterbewilligung": "заявление на продление бюргергельда",
           "arbeitslosengeld": "заявление на пособие по безработице"},
    "uk": {"erstantrag": "первинна заява на бюргергельд",
           "weiterbewilligung": "заява на продовження бюргергельду",
           "arbeitslosengeld": "заява на допомогу з безробіття"},
    "tr": {"erstantrag": "ilk Bürgergeld başvurusu",
           "weiterbewilligung": "Bürgergeld devam başvurusu",
           "arbeitslosengeld": "işsizlik parası başvurusu"},
    "ar": {"erstantrag": "طلب البورغرغيلد الأول",
           "weiterbewilligung": "طلب تمديد البورغرغيلد",
           "arbeitslosengeld": "طلب إعانة البطالة"},
}


def _lang(lang: str) -> str:
    if lang in spoken_words.LANGUAGES:
        return lang
    return "en" if lang == "en" else "de"


def euros(cents: int, lang: str = "de") -> str:
    """ "563 Euro", "1234 Euro und 56 Cent" / "563 euros", "1234 euros and 56 cents"."""
    if lang in spoken_words.LANGUAGES:
        return spoken_words.euros(cents, lang)
    whole, rest = divmod(int(cents), 100)
    if _lang(lang) == "en":
        said = f"{whole} euro" if whole == 1 else f"{whole} euros"
        return f"{said} and {rest} cents" if rest else said
    return f"{whole} Euro und {rest} Cent" if rest else f"{whole} Euro"


def day(iso: str, lang: str = "de", today: date | None = None) -> str:
    """ "30. Dezember" / "30 December", with the year if it is not `today`'s."""
    when = date.fromisoformat(iso)
    if lang in spoken_words.LANGUAGES:
        # Said after "on" and "from": the genitive in Russian and Ukrainian.
        return spoken_words.date_words(when, lang, weekday=False, genitive=True,
                                       year=today is not None and when.year != today.year)
    month = MONTHS[_lang(lang)][when.month - 1]
    year = f" {when.year}" if today is not None and when.year != today.year else ""
    if _lang(lang) == "en":
        return f"{when.day} {month}{year}"
    return f"{when.day}. {month}{year}"


def kind(code: str, lang: str = "de") -> str:
    """How an application kind is named: "Weiterbewilligungsantrag"."""
    return KIND_NAMES[_lang(lang)][code]


def listing(items: list[str] | tuple[str, ...], lang: str = "de") -> str:
    """ "A, B und C" / "A, B and C"."""
    items = list(items)
    if lang in spoken_words.LANGUAGES:
        return spoken_words.join(items, lang)
    if len(items) <= 1:
        return "".join(items)
    word = "and" if _lang(lang) == "en" else "und"
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def spelled(number: str) -> str:
    """A customer number symbol by symbol: "1, 2, 3, D, 4, ..."; an open letter is left out."""
    return ", ".join(ch for ch in number if ch.isalnum())
