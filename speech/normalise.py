"""Turn a telephone transcript into the canonical word list the recogniser matches on."""

from __future__ import annotations

import re
import unicodedata

from speech.scripts import key

# Longest input we look at. A caller's turn is a sentence or two; anything longer is
# noise or abuse, and cutting it keeps every call bounded in time.
MAX_CHARS = 500

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})

# Hesitations and fillers a recogniser writes out; they carry no meaning.
_HESITATION = re.compile(
    r"^(?:ae+h*m*|oe+h*m*|a+h+m*|o+h+m*|e+h+m*|e+m+|h+m+|m+h+m+|m{2,})$"
)
# English hesitations that are real words in German ("um halb zehn", "er kommt").
_HESITATION_EN = {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "err"}
# Swabian and colloquial spoken forms common around Waiblingen, Backnang and
# Schorndorf, mapped to standard German so that one catalogue keyword covers them.
_DIALECT_DE = {
    "isch": "ist", "ischt": "ist", "isses": "ist es", "ischs": "ist es", "ischn": "ist denn",
    "net": "nicht", "ned": "nicht", "nit": "nicht", "nich": "nicht", "nimmer": "nicht mehr",
    "woiß": "weiß", "woiss": "weiss", "waiß": "weiß", "waiss": "weiss",
    "mei": "mein", "meim": "meinem", "meiner": "meiner", "dei": "dein",
    "hätt": "hätte", "haett": "haette", "hätte": "hätte", "i": "ich", "ih": "ich",
    "en": "ein", "e": "ein", "a": "ein", "oi": "ein", "oin": "einen", "oine": "eine",
    "hab": "habe", "han": "habe", "hen": "haben", "hend": "haben", "hosch": "hast",
    "hot": "hat", "bisch": "bist", "sin": "sind", "sen": "sind", "send": "sind",
    "koi": "kein", "koin": "keinen", "koine": "keine", "kei": "kein", "keen": "kein",
    "nix": "nichts", "nüt": "nichts", "nuex": "nichts", "des": "das", "do": "da",
    "no": "noch", "au": "auch", "scho": "schon", "ebbes": "etwas", "ebbas": "etwas",
    "etz": "jetzt", "etzt": "jetzt", "jetz": "jetzt", "gschwind": "schnell",
    "brauch": "brauche", "bräucht": "bräuchte", "möcht": "möchte", "moecht": "moechte",
    "will": "will", "wött": "will", "wett": "will", "kann": "kann", "konn": "kann",
    "schaffen": "arbeiten", "gschafft": "gearbeitet", "abgsagt": "abgesagt",
    "gmeldet": "gemeldet", "agmeldet": "angemeldet", "verschobe": "verschoben",
    "hochglade": "hochgeladen", "griegt": "gekriegt", "rausgschmissa": "rausgeschmissen",
    "rausgschmisse": "rausgeschmissen", "rausgschmissen": "rausgeschmissen",
    "gschmissa": "geschmissen",
    "gibts": "gibt es", "gibt's": "gibt es", "wos": "was", "wo": "wo", "gell": "gell",
    "zwo": "zwei", "zwoi": "zwei", "ois": "eins", "oins": "eins", "drui": "drei",
    "kumm": "komme", "komm": "komme", "ka": "kann", "kaa": "kann", "vo": "von", "vom": "vom",
    "mim": "mit dem", "uff": "auf", "fei": "", "em": "dem", "ben": "bin", "mer": "man",
    "umzoge": "umgezogen", "zoge": "gezogen", "kriegt": "gekriegt", "gmacht": "gemacht",
    "gsagt": "gesagt", "gschickt": "geschickt", "kündigt": "gekündigt", "entlasse": "entlassen",
    "abgebe": "abgegeben", "gschriebe": "geschrieben", "komme": "komme", "meh": "mehr",
    "gwesa": "gewesen", "gwese": "gewesen", "gholt": "geholt", "frog": "frage",
    "offa": "offen", "wega": "wegen", "wäga": "wegen", "heit": "heute", "heid": "heute",
    "heut": "heute", "goht": "geht", "silveschter": "silvester", "geschtern": "gestern",
}

# Swabian infinitives and plurals end in "-a" where standard German has "-en".
_SWABIAN_INFINITIVE = re.compile(r"^[a-z]{3,}[^aiu]a$")

# Spoken English contractions lose their apostrophe in transcripts.
_CONTRACTIONS_EN = {
    "dont": "do not", "cant": "can not", "cannot": "can not", "wont": "will not",
    "im": "i am", "ive": "i have", "id": "i would", "ill": "i will", "isnt": "is not",
    "arent": "are not", "wasnt": "was not", "didnt": "did not", "doesnt": "does not",
    "havent": "have not", "hasnt": "has not", "couldnt": "could not", "wanna": "want to",
    "gonna": "going to", "gotta": "have to", "whats": "what is", "wheres": "where is",
    "hows": "how is", "its": "it is", "thats": "that is", "theres": "there is",
}

# Frequent recogniser slips for job-centre vocabulary, applied to the spaced text.
_MISHEARINGS = [
    (re.compile(r"\bjob ?center (?:punkt|dot) ?digital\b"), "jobcenterdigital"),
    (re.compile(r"\bjob center\b"), "jobcenter"),
    (re.compile(r"\bjobs? zenter\b"), "jobcenter"),
    (re.compile(r"\bharz (?:vier|4|iv)\b"), "hartz vier"),
    (re.compile(r"\be ?mail\b"), "email"),
    (re.compile(r"\be services?\b"), "eservices"),
    (re.compile(r"\bbuerger ?gelt\b"), "buergergeld"),
]


def fold(text: str) -> str:
    """Case-fold, fold umlauts and ß, and drop punctuation and control characters."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    if not text.isascii():  # (the umlauts and ß are not)
        text = text.translate(_UMLAUTS)
    # An apostrophe inside a word is elided speech ("can't", "gibt's"), not a gap. Most
    # turns have none: looking costs a twentieth of the substitution (measured).
    if "'" in text or "’" in text or "´" in text or "`" in text:
        text = _APOSTROPHE.sub("", text)
    if text.isascii():
        # Most turns: ASCII's separators replaced by a table of bytes, which gives what
        # _NON_WORD gives at a quarter of its cost (measured: 5.4 against 22.5 thousand
        # instructions for a sentence of six words).
        return " ".join(text.encode().translate(_ASCII_SEPARATORS).decode().split())
    # Strip accents from other Latin letters (é -> e) so "café" and "cafe" agree.
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    # Keep letters and digits of any script; everything else separates words.
    return " ".join(_NON_WORD.sub(" ", text).split())


_NON_WORD = re.compile(r"[^\w]+|_")
# What _NON_WORD finds in ASCII text, for bytes.translate: everything but letters and
# digits (the underscore too) becomes a space.
_ASCII_SEPARATORS = bytes(code if code < 128 and chr(code).isalnum() else 32
                          for code in range(256))
_APOSTROPHE = re.compile(r"(?<=\w)['’´`](?=\w)")



# The words of a regular expression (escapes such as "\b" left alone).
_PATTERN_WORDS = re.compile(r"\\.|[^\W\d_]+")


def fold_pattern(pattern: str) -> str:
    """A regular expression whose words are folded like a caller's ("Türkçe" -> "tuerkce"),
    for word lists that are matched on folded text."""
    def convert(match: re.Match) -> str:
        part = match.group(0)
        return part if part.startswith("\\") else fold(part)
    return _PATTERN_WORDS.sub(convert, pattern)

# One search tells whether any of the slips is there at all; most turns have none.
_ANY_MISHEARING = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _MISHEARINGS))


def prepared(text: str) -> str:
    """The turn's words folded and with the recogniser's frequent slips mended: the part
    of `words` that is the same in every language. A turn checked in several languages
    (crisis phrases) prepares its words once and hands them to `words(folded=...)`."""
    return mended(fold(text))


def mended(folded: str) -> str:
    """`fold`ed words with the recogniser's frequent slips mended: `prepared` for a turn
    whose words are folded already."""
    if _ANY_MISHEARING.search(folded):
        for pattern, replacement in _MISHEARINGS:
            folded = pattern.sub(replacement, folded)
    return folded


def words(text: str, lang: str = "de", dialect: bool = True, *,
          folded: str | None = None) -> list[str]:
    """Canonical words: folded, hesitations removed, and (with ``dialect``) Swabian and
    colloquial forms or English contractions mapped to standard words. Russian,
    Ukrainian, Turkish and Arabic words come in one form whatever letters they were
    written in (speech.scripts). ``folded`` is `prepared(text)`, when already known."""
    lang = lang.split("-")[0]  # plain German ("de-simple") is heard as German
    if folded is None:
        folded = prepared(text)
    if lang == "de":
        mapping = _DIALECT_FOLDED if dialect else {}
    elif lang == "en":
        mapping = _CONTRACTIONS_FOLDED
    else:
        return [key(token, lang) for token in unmapped(folded)]
    swabian = lang == "de" and dialect
    english = lang == "en"
    out: list[str] = []
    for token in folded.split():
        if _HESITATION.match(token) or (english and token in _HESITATION_EN):
            continue
        mapped = mapping.get(token)
        if mapped is None:
            mapped = token  # most words: as they are, one word
        if swabian and mapped == token and token[-1] == "a" and _SWABIAN_INFINITIVE.match(token):
            mapped = token[:-1] + "en"  # Swabian "verschieba", "schwätza" -> "-en"
        if mapped is token:
            out.append(token)
        elif mapped:
            out.extend(mapped.split())
    if swabian and not _SCHAFFE.isdisjoint(out):
        out = _schaffe(out)
    return out


def unmapped(folded: str) -> list[str]:
    """The words of `prepared` text without hesitations: what every language without a
    word mapping of its own (all but German and English) starts from."""
    return [token for token in folded.split() if not _HESITATION.match(token)]


# Swabian "schaffen" is "to work", but "ich schaffe es nicht" is "I can't make it".
_SCHAFFE = {"schaff", "schaffe", "schaffs"}
_MANAGE_NEXT = {"es", "das", "den", "die", "ihn", "nicht", "heute", "morgen"}


def _schaffe(tokens: list[str]) -> list[str]:
    out = []
    for i, token in enumerate(tokens):
        if token in _SCHAFFE:
            after = tokens[i + 1 : i + 5]
            manage = "mehr" not in after[:3] and (
                token == "schaffs"  # noqa: S105 - a word token, not a password
                or bool(after and after[0] in _MANAGE_NEXT)
                or "nicht" in after + tokens[max(0, i - 2) : i])
            out.extend(["schaffe", "es"] if token == "schaffs" else  # noqa: S105 - a word
                       ["schaffe"] if manage else ["arbeite"])
        else:
            out.append(token)
    return out


# Separable verbs: "ich sage den Termin morgen ab" means "absagen". A finite verb form
# (stem + ending) and its particle later in the same clause become one infinitive, so
# one catalogue keyword covers both word orders. Stem -> {particle: infinitive}.
_SEPARABLE_DE: dict[str, dict[str, str]] = {
    "sag": {"ab": "absagen", "zu": "zusagen"},
    "meld": {"ab": "abmelden", "an": "anmelden", "um": "ummelden"},
    "leg": {"um": "umlegen", "vor": "vorlegen", "ab": "ablegen"},
    "schieb": {"auf": "verschieben", "raus": "verschieben", "vor": "vorziehen",
               "nach": "verschieben", "weg": "verschieben"},
    "ruf": {"zurueck": "zurueckrufen", "an": "anrufen"},
    "zieh": {"um": "umziehen", "aus": "ausziehen", "ein": "einziehen", "vor": "vorziehen",
             "zusammen": "zusammenziehen"},
    "lad": {"hoch": "hochladen", "rauf": "hochladen"},
    "reich": {"ein": "einreichen", "nach": "nachreichen"},
    "fang": {"an": "anfangen"}, "fing": {"an": "angefangen"},
    "stell": {"durch": "durchstellen", "ab": "abstellen", "ein": "einstellen"},
    "dreh": {"ab": "abdrehen"},
    "fuell": {"aus": "ausfuellen"},
    "bring": {"mit": "mitbringen", "vorbei": "vorbeibringen"},
    "nehm": {"mit": "mitnehmen"}, "nimm": {"mit": "mitnehmen"},
    "geb": {"ab": "abgeben"}, "gib": {"ab": "abgeben"},
    "zahl": {"aus": "auszahlen", "zurueck": "zurueckzahlen"},
    "mach": {"auf": "aufmachen", "zu": "zumachen", "aus": "ausmachen"},
    "werf": {"ein": "einwerfen", "raus": "rauswerfen"},
    "wirf": {"ein": "einwerfen", "raus": "rauswerfen"},
    "schmeiss": {"raus": "rausschmeissen"}, "schmeis": {"raus": "rausschmeissen"},
    "komm": {"vorbei": "vorbeikommen"}, "schau": {"vorbei": "vorbeischauen"},
    "log": {"ein": "einloggen"}, "schick": {"zu": "zuschicken"},
}
_VERB_ENDINGS = ("", "e", "t", "st", "en", "et", "te", "ten", "st")
_PARTICLES = {p for table in _SEPARABLE_DE.values() for p in table}
# Words that end a clause: a particle right before one (or at the end) closes the verb.
_CLAUSE_END = {"und", "aber", "oder", "weil", "dass", "denn", "wenn", "sondern", "ob",
               "obwohl", "damit", "ich", "wir", "du", "er", "sie", "es", "man", "ihr",
               "bitte", "danke", "gell", "ja", "nein", "mein", "meine", "meiner", "leider"}
_SEPARABLE_WINDOW = 8


def _separable_stem(token: str) -> str | None:
    for size in (len(token), len(token) - 1, len(token) - 2, len(token) - 3):
        if size >= 3 and token[:size] in _SEPARABLE_DE and token[size:] in _VERB_ENDINGS:
            return token[:size]
    return None


def join_separable(tokens: list[str]) -> list[str]:
    """Rejoin German separable verbs split across a clause: "sage ... ab" -> "absagen"."""
    if not _PARTICLES.intersection(tokens):
        return tokens
    out = list(tokens)
    drop: set[int] = set()
    for i, token in enumerate(tokens):
        verb = _separable_stem(token)
        if verb is None:
            continue
        table = _SEPARABLE_DE[verb]
        found = None
        for j in range(i + 1, min(len(tokens), i + 1 + _SEPARABLE_WINDOW)):
            word = tokens[j]
            if word in table and j not in drop and (
                    j + 1 == len(tokens) or tokens[j + 1] in _CLAUSE_END):
                found = j
            if word in _CLAUSE_END and word not in ("ich", "wir", "du", "er", "sie", "es",
                                                    "man", "ihr", "mein", "meine", "meiner",
                                                    "leider", "bitte"):
                break
        if found is not None:
            out[i] = table[tokens[found]]
            drop.add(found)
    return [t for k, t in enumerate(out) if k not in drop]


def canonical(text: str, lang: str = "de") -> str:
    """The canonical words joined by single spaces."""
    return " ".join(words(text, lang))


def _fold_keys(mapping: dict[str, str]) -> dict[str, str]:
    return {fold(k): fold(v) for k, v in mapping.items()}


_DIALECT_FOLDED = _fold_keys(_DIALECT_DE)
_CONTRACTIONS_FOLDED = _fold_keys(_CONTRACTIONS_EN)
