"""Topics agents are skilled for, and how the recogniser's intents map onto them.

Agents are skilled by topic, using the same topic ids as the caseworker calendars in
schedules (``geldleistungen``, ``arbeitsvermittlung``, ...), so that one word means one
thing everywhere. ``allgemein`` is special on both sides: an agent skilled for it takes
any topic (a generalist), and a caller whose topic is ``allgemein`` can be taken by any
agent who speaks the language and serves the site.
"""

GENERAL = "allgemein"

# German labels, for the console and the whisper.
TOPIC_LABELS = {
    "geldleistungen": "Geldleistungen",
    "arbeitsvermittlung": "Arbeitsvermittlung",
    "berufsberatung": "Berufsberatung",
    "arbeitslosmeldung": "Arbeitslosmeldung",
    GENERAL: "Allgemeine Fragen",
}

# Recognised intent -> topic. Intents not listed (agent, out_of_scope, opening hours,
# appointments, unknown) are general questions any agent can take.
INTENT_TOPICS = {
    "payment_status": "geldleistungen",
    "application_status": "geldleistungen",
    "report_change": "geldleistungen",
    # An emergency is mostly "no money" or an eviction: benefits staff can act on it.
    # Its priority (emergency first) comes from the queue entry, not from the topic.
    "emergency": "geldleistungen",
    "job_search": "arbeitsvermittlung",
    "register_unemployed": "arbeitslosmeldung",
    "letter": "geldleistungen",
    "report_sick": "geldleistungen",
    "payment_cut": "geldleistungen",
}

INTENT_LABELS = {
    "opening_hours": "Öffnungszeiten",
    "application_status": "Stand des Antrags",
    "payment_status": "Zahlung / Geldeingang",
    "documents": "Unterlagen",
    "online_services": "Online-Dienste",
    "book_appointment": "Termin vereinbaren",
    "cancel_appointment": "Termin absagen",
    "reschedule_appointment": "Termin verschieben",
    "booking_lookup": "Termin nachfragen",
    "report_change": "Änderung mitteilen",
    "register_unemployed": "Arbeitslos melden",
    "job_search": "Arbeitssuche",
    "emergency": "Notlage",
    "agent": "Wunsch: Mitarbeiter",
    "out_of_scope": "Nicht zuständig / unklar",
    "letter": "Brief / Bescheid",
    "report_sick": "Krank / verhindert",
    "payment_cut": "Weniger Geld: warum?",
}

# What the agent hears after the topic in the whisper, for the requests whose reason the
# topic does not say: the caller wants to know why there is less money.
WHISPER_REASONS = {
    "payment_cut": "weniger Geld, Frage nach dem Grund",
}

# German names of the callers' languages, for the console and the whisper ("Sprache
# Türkisch"); a code not listed is shown as it is.
LANGUAGE_LABELS = {"de": "Deutsch", "en": "Englisch", "uk": "Ukrainisch", "ru": "Russisch",
                   "tr": "Türkisch", "ar": "Arabisch", "de-simple": "einfaches Deutsch",
                   "fa": "Persisch", "ku": "Kurdisch", "pl": "Polnisch", "ro": "Rumänisch",
                   "bg": "Bulgarisch", "sq": "Albanisch"}

SITE_LABELS = {"waiblingen": "Waiblingen", "backnang": "Backnang", "schorndorf": "Schorndorf"}


def topic_for_intent(intent: str | None) -> str:
    """The topic whose agents take a caller with this recognised intent."""
    return INTENT_TOPICS.get(intent or "", GENERAL)


def topic_label(topic: str | None) -> str:
    return TOPIC_LABELS.get(topic or GENERAL, topic or "")


def intent_label(intent: str | None) -> str:
    if not intent:
        return "nicht erkannt"
    return INTENT_LABELS.get(intent, intent)


def language_label(language: str | None) -> str:
    return LANGUAGE_LABELS.get(language or "", language or "unbekannt")


def site_label(site: str | None) -> str:
    if not site:
        return "alle Standorte"
    return SITE_LABELS.get(site, site)
