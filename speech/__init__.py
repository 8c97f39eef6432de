"""Understanding callers: intent recognition, entities and speech hints, with no network.

The rest of the hotline uses only what is imported here:

- ``recognise(text, lang) -> Recognition``: which intent a caller's words mean.
- ``extract_entities(text, lang, now) -> dict``: numbers, dates, times, sites, yes/no.
- ``extract_reply(text, lang) -> dict``: only yes/no and commands, for the turns that
  need no more.
- ``speech_hints(lang) -> list[str]``: words for Twilio's ``<Gather hints>``.
- ``detect_crisis(text, lang) -> str | None``: self-harm, violence or another emergency,
  checked before anything else in every turn.
- ``detect_worry(text, lang) -> str | None``: words that give cause to ask whether the
  caller is in danger (death, tablets, fear, cold), when no crisis was heard.
- ``message_concern(text, lang) -> str | None``: a message left for the job centre
  (voicemail transcript, written message) read whole: a crisis kind, "worry", or None.
- ``detect_language_request(text, offered) -> str | None``: the language a caller asks
  for in any language ("auf Türkisch", "по-русски"), or "interpreter", or "choose".
- ``may_be_in(text, lang)``, ``russian_or_ukrainian(text, guess, offered)``: which
  languages a text's letters allow, and Russian told from Ukrainian by its letters.

The intent vocabulary lives in ``speech/catalogue/<lang>.toml`` (de, en, uk, ru, tr, ar); it is
data that job-centre staff extend without touching code. This package imports nothing
from the rest of the hotline.
"""

from speech.crisis import detect_crisis
from speech.entities import extract_entities, extract_reply
from speech.hints import speech_hints
from speech.intents import INTENTS, Recognition, recognise
from speech.languages import CHOOSE, INTERPRETER, detect_language_request
from speech.messages import concern as message_concern
from speech.scripts import may_be_in, russian_or_ukrainian
from speech.worry import detect_worry

__all__ = ["CHOOSE", "INTENTS", "INTERPRETER", "Recognition", "detect_crisis",
           "detect_language_request", "detect_worry", "extract_entities", "extract_reply",
           "may_be_in", "message_concern", "recognise", "russian_or_ukrainian", "speech_hints"]
