"""Russian, Ukrainian, Turkish and Arabic words brought to one matchable form per language.

A caller's words reach us in the language's own letters when Twilio listens in that
language, and in Latin letters when a recogniser set to German or English hears them
("zapisatsya na priyom", "maw3ed"). Catalogue keywords are written once, in the
language's own letters; both sides go through the same function here, so one keyword
matches either spelling:

- Russian and Ukrainian: Cyrillic is written in Latin letters, then Latin digraphs that
  recognisers spell in several ways are merged ("shch"/"sch" -> "sh", "kh" -> "h",
  "ts" -> "c", "ya"/"ja"/"ia" -> "a", doubled letters once). Lossy on purpose: only the
  matching sees it.
- Turkish: dotless ı as i, and the German umlaut folding undone (ü -> u, not ue), so
  "çalışma", "calisma" and "calışma" agree.
- Arabic: the letter variants spelling leaves to the writer (alef with hamza or madda,
  ta marbuta, alef maqsura, tatweel) as one letter each, the article "al-" taken off
  long words, and the numbers that Latin-letter Arabic uses for letters ("3" for ain)
  dropped or spelled.
"""

from __future__ import annotations

import re

# Cyrillic letter -> Latin, per language (after speech.normalise.fold, which already
# turned й into и, ё into е and ї into і by dropping their marks).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "u", "я": "a", "і": "i",
    "є": "e", "ґ": "g",
}
CYRILLIC_LETTERS = tuple(_CYRILLIC)
_LATIN_OF = {
    "ru": str.maketrans(_CYRILLIC),
    # Ukrainian г is an h (гроші, hroshi); ґ is the g.
    "uk": str.maketrans({**_CYRILLIC, "г": "h"}),
}
# Each rule with two strings one of which is in every word it changes ("" is in every
# word): a rule whose letters are not in the word is skipped, and looking for them costs
# a tenth of a substitution (most German words heard in a Russian check have a "w" or a
# doubled letter, and nothing else).
_DIGRAPHS = [
    ("sch", "shch", re.compile(r"shch|sch"), "sh"),
    ("kh", "kh", re.compile(r"kh"), "h"),
    ("ts", "tz", re.compile(r"t[sz]"), "c"),
    ("x", "x", re.compile(r"x"), "ks"),
    ("w", "w", re.compile(r"w"), "v"),
    ("y", "j", re.compile(r"[yj]o"), "e"),  # ё, which folding already made an е
    ("y", "j", re.compile(r"[yj]"), "i"),
    # "i" before a vowel is the glide of я, ю, є, ё, й: "zayavlenie", "zaiavlenie" and
    # заявление meet at "zaavlene".
    ("i", "i", re.compile(r"i(?=[aeou])"), ""),
    ("", "", re.compile(r"([a-z])\1+"), r"\1"),
]

# Whether any rule above can apply: a word with none of these is its own key (each rule
# only fires on one of them, so none can create work for a later one). Most German
# words heard in a Russian or Ukrainian check have none, and skip nine substitutions.
_ANY_DIGRAPH = re.compile(r"shch|sch|kh|t[sz]|[xwyj]|i[aeou]|([a-z])\1")


def cyrillic_key(token: str, lang: str) -> str:
    """A Russian or Ukrainian word in Cyrillic or Latin letters, as one Latin form."""
    # Only Cyrillic letters are written anew: a word in Latin letters is its own start.
    latin = token if token.isascii() else token.translate(_LATIN_OF.get(lang, _LATIN_OF["ru"]))
    if not latin.isascii() or not latin.isalpha() or not _ANY_DIGRAPH.search(latin):
        return latin
    for one, other, pattern, replacement in _DIGRAPHS:
        if one in latin or other in latin:
            latin = pattern.sub(replacement, latin)
    return latin


def turkish_key(token: str) -> str:
    """A Turkish word with or without its own letters: "çalışma" and "calisma" agree."""
    return token.replace("ı", "i").replace("ue", "u").replace("oe", "o")


_ARABIC_LETTERS = str.maketrans({"ة": "ه", "ى": "ي", "ـ": "", "گ": "غ", "ڤ": "ف",
                                 "پ": "ب", "ک": "ك", "ی": "ي"})
# The article, alone or after و (and), ب (with), ف (so), ك (like), or لل (for the).
_ARTICLE = re.compile(r"^(?:[وبفك]?ال|لل)(?=\w{3,})")
_ARABIZI = str.maketrans({"3": "", "2": "", "7": "h", "5": "kh", "9": "q", "8": "gh"})
_ARABIZI_VOWELS = [(re.compile(r"ou|oo"), "u"), (re.compile(r"ee"), "i"),
                   (re.compile(r"([a-z])\1+"), r"\1")]
_ANY_ARABIZI_VOWEL = re.compile(r"ou|oo|ee|([a-z])\1")  # whether any rule above applies


def arabic_key(token: str) -> str:
    """An Arabic word in Arabic or Latin letters ("Arabizi"), as one form."""
    if token.isascii():
        if token.isdigit():
            return token
        token = token.translate(_ARABIZI)
        if not _ANY_ARABIZI_VOWEL.search(token):
            return token
        for pattern, replacement in _ARABIZI_VOWELS:
            token = pattern.sub(replacement, token)
        return token
    return _ARTICLE.sub("", token.translate(_ARABIC_LETTERS))


def keyed_words(tokens: list[str], lang: str) -> str:
    """The tokens' keys (`key`), joined by single spaces: a turn's words as a language's
    expressions read them. Words in Latin letters alone are keyed all at once, which
    gives the same (no rule reaches across a space, and each only changes letters) for a
    tenth of the calls: every German turn is keyed for four other languages."""
    text = " ".join(tokens)
    if not (text.isascii() and text.replace(" ", "").isalpha()):
        return " ".join(key(token, lang) for token in tokens)
    if lang in ("ru", "uk"):
        if not _ANY_DIGRAPH.search(text):
            return text
        for one, other, pattern, replacement in _DIGRAPHS:
            if one in text or other in text:
                text = pattern.sub(replacement, text)
        return text
    if lang == "tr":
        return turkish_key(text)
    if lang == "ar":
        if not _ANY_ARABIZI_VOWEL.search(text):
            return text
        for pattern, replacement in _ARABIZI_VOWELS:
            text = pattern.sub(replacement, text)
        return text
    return text


def key(token: str, lang: str) -> str:
    """The matchable form of one folded word in `lang` (unchanged for other languages)."""
    if lang in ("ru", "uk"):
        return cyrillic_key(token, lang)
    if lang == "tr":
        return turkish_key(token)
    if lang == "ar":
        return arabic_key(token)
    return token


# Letters only a recogniser listening in that language writes: Cyrillic, Arabic, and
# Turkish's dotless ı, ş and ğ (ç, ö and ü are French and German letters too).
_OWN_LETTERS = {
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "uk": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "tr": re.compile(r"[ıİşŞğĞ]"),
}


# Letters only Russian or only Ukrainian writes: both catalogues know "выплат" and "виплат"
# as the same keyed word, and "запис" as a word of both.
_ONLY_RU = frozenset("ыэъё")
_ONLY_UK = frozenset("іїєґ")
# Short everyday words that only one of them says, for a text whose letters both write
# ("мне надо записаться": мені, треба in Ukrainian).
_RU_WORDS = frozenset({"мне", "меня", "надо", "нужно", "нужна", "нужен", "что", "это", "как",
                       "когда", "где", "сегодня", "почему", "или", "нет", "спасибо", "пожалуйста"})
_UK_WORDS = frozenset({"мені", "мене", "треба", "потрібно", "потрібна", "потрібен", "що", "це",
                       "як", "коли", "де", "сьогодні", "чому", "або", "ні", "дякую", "будь"})
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")


def russian_or_ukrainian(text: str, guess: str, offered) -> str:
    """Russian for a Ukrainian guess written with ы, э, ъ or ё (and none of і, ї, є, ґ),
    and the other way round, where both are offered; with neither kind of letter, the
    one more of whose everyday words are in the text. Any other guess unchanged."""
    if guess not in ("ru", "uk") or not ("ru" in offered and "uk" in offered):
        return guess
    letters = set(text.lower())
    ru_letters, uk_letters = bool(letters & _ONLY_RU), bool(letters & _ONLY_UK)
    if ru_letters != uk_letters:
        return "ru" if ru_letters else "uk"
    if ru_letters:
        return guess
    said = _CYRILLIC_WORD.findall(text.lower())
    ru, uk = sum(w in _RU_WORDS for w in said), sum(w in _UK_WORDS for w in said)
    if ru != uk:
        return "ru" if ru > uk else "uk"
    return guess


_CYRILLIC_TEXT = re.compile(r"[\u0400-\u04ff]")
_ARABIC_TEXT = re.compile(r"[\u0600-\u06ff]")


def may_be_in(text: str, lang: str) -> bool:
    """Whether `text`'s letters allow it to be in `lang`: Cyrillic only Russian or
    Ukrainian, Arabic letters only Arabic, Latin letters any language (Russian and Arabic
    callers are heard in Latin letters too)."""
    lang = lang.split("-")[0]
    if _CYRILLIC_TEXT.search(text):
        return lang in ("ru", "uk")
    if _ARABIC_TEXT.search(text):
        return lang == "ar"
    return True


def in_own_letters(text: str, lang: str) -> bool:
    """Whether `text` has letters that only a recogniser listening in `lang` writes: then
    it was heard in that language. Russian or Ukrainian in Latin letters ("ya ne khochu
    zhyty") may be either, Turkish without its own letters German; English and German
    need no letters of their own."""
    own = _OWN_LETTERS.get(lang.split("-")[0])
    return own is None or own.search(text) is not None
