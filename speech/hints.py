"""Speech hints for Twilio's <Gather hints>: the words the recogniser should expect."""

from __future__ import annotations

from functools import lru_cache

from speech.catalogue import LANGUAGES, load

# Twilio accepts up to 500 hint entries of up to 100 characters; fewer, shorter hints
# bias recognition more and keep the TwiML small.
MAX_HINTS = 100
_ALWAYS = {
    "de": ["Waiblingen", "Backnang", "Schorndorf", "ja", "nein", "Mitarbeiter", "Termin",
           "Kundennummer", "zurück", "nochmal", "Englisch"],
    "en": ["Waiblingen", "Backnang", "Schorndorf", "yes", "no", "agent", "appointment",
           "customer number", "back", "repeat", "German"],
    "uk": ["Вайблінген", "Бакнанг", "Шорндорф", "так", "ні", "оператор", "прийом", "термін"],
    "ru": ["Вайблинген", "Бакнанг", "Шорндорф", "да", "нет", "оператор", "приём", "термин"],
    "tr": ["Waiblingen", "Backnang", "Schorndorf", "evet", "hayır", "görevli", "randevu"],
    "ar": ["فايبلينغن", "باكنانغ", "شورندورف", "نعم", "لا", "موظف", "موعد"],
}


@lru_cache(maxsize=4)
def _hints(lang: str) -> tuple[str, ...]:
    catalogue = load(lang)
    hints = list(_ALWAYS.get(catalogue.lang, []))
    hints.extend(catalogue.hints)
    unique = list(dict.fromkeys(h.strip() for h in hints if h.strip() and len(h) <= 100))
    return tuple(unique[:MAX_HINTS])


def speech_hints(lang: str = "de") -> list[str]:
    """Up to 100 short words and phrases from the catalogue, most useful first."""
    base = lang.split("-")[0]  # plain German ("de-simple") hears German
    return list(_hints(base if base in LANGUAGES else "de"))
