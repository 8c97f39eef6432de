"""Opening hours and the way there: the hours of a day or a week, a site's address by voice
and by SMS.

    step            caller does                       hotline does                   next step
    --------------  --------------------------------  -----------------------------  -------------
    (a request)     "Wann haben Sie offen?", "am      the hours of that day, or the  anything_else
                    Karfreitag", "heute in Backnang"  week (.hours_words)
    (a request)     "Wo ist ...", "Adresse", "Wie     the address (no postcode) and  way_sms
                    komme ich hin" with a site        directions; SMS? (a mobile)    (anything_else)
    (a request)     both: "Wann haben Sie offen und   the hours, then the way        way_sms ...
                    wo ist das Jobcenter Backnang?"
    (a request)     the same without a site (and      "Welche Geschäftsstelle?"      way_site
                    none talked about before)
    way_site        a site, or 1 / 2 / 3              the address, as above          way_sms ...
    way_sms         yes / no                          the address by SMS / -         anything_else
    way_sms         yes and a request                 sends it, then the request     (as listen)
    way_sms         anything else                     taken as a new request         (as listen)

"Und wo genau ist das?" after the hours of one site is about that site: the call keeps
the site last talked about (`CallState.site`).
"""

from __future__ import annotations

from speech.understanding import Understanding

from .actions import Say
from .booking import SITE_KEYS, by_ordinal
from .hours_words import hours_words
from .replies import Failed, Reply, Talk, anything_else, ask, query, said_with_yes
from .state import CallState, Turn, achieve


def opening_hours(t: Talk, words: Understanding | None) -> Turn:
    """The hours of the day asked about (or the week), or the way there."""
    state = t.state
    site = words.get("site") if words is not None else None
    if site:
        state.site = site
    if words is not None and words.get("asks") == "way":
        if not words.asks_hours_too:
            return way(state, site or state.site)
        # "Wann haben Sie offen und wo ist das?": the hours first, then the way
        # (`hours_told`).
        state.way_after = True
    return query(state, "opening_hours", {
        "site": site, "day": words.get("date") if words is not None else None,
        "lang": state.lang,
    }, "opening_hours")


def phone_number(t: Talk) -> Turn:
    """"Telefonnummer vom Jobcenter Backnang?": the site's number where the operator gave
    one (HOTLINE_SITE_NUMBERS; it leads to this hotline too), said and written in groups;
    else this hotline is the number (in writing: the one on the job centre's letters)."""
    state = t.state
    site = t.words.get("site") or state.site
    if site:
        state.site = site
    state.intent = "opening_hours"  # what a site is and how to reach it
    achieve(state, "answered")
    number = t.rules.site_numbers.get(site) if site else None
    if number:
        said = Say("site_phone_number", {"town_site": site, "phone_number": number})
    else:
        said = Say("site_phone", {"town_site": site}) if site else Say("hotline_phone")
    return anything_else(state, "answered:site_phone", before=[said])


def hours_follow_up(t: Talk) -> Turn | None:
    """"Und am Samstag?" right after an hours answer: that day's hours at the same site;
    None when the words name no day or ask for something else."""
    words, state = t.words, t.state
    if state.intent != "opening_hours" or not words.text or words.get("date") is None:
        return None
    recognition = t.recognition
    if (recognition is not None and recognition.confident
            and recognition.intent not in ("opening_hours", "out_of_scope")):
        return None
    if words.get("asks") == "way":
        return None
    return query(state, "opening_hours", {
        "site": words.get("site") or state.site, "day": words.get("date"), "lang": state.lang,
    }, "opening_hours")


def way(state: CallState, site: str | None, before=()) -> Turn:
    """A site's address and directions (no postcode); the SMS offered to a mobile."""
    state.failures = 0
    if site is None:
        return ask(state, [*before, Say("way_which_site")], "choice", "way:which_site",
                   step="way_site")
    state.site = site
    achieve(state, "answered")
    said = [*before, Say("way_address", {"site_site": site, "way_site": site})]
    if state.mobile:
        return ask(state, [*said, Say("way_sms_offer")], "yes_no", "answered:opening_hours",
                   step="way_sms")
    return anything_else(state, "answered:opening_hours", before=said)


# ----------------------------------------------------------------------------- the steps


def way_site(t: Talk) -> Reply | None:
    """Which site's address: None when the caller asks something else instead."""
    site = SITE_KEYS.get(t.words.key) or t.words.get("site")
    if site is None and t.words.ordinal is not None:
        site = by_ordinal(SITE_KEYS, t.words.ordinal)
    if site is not None:
        return way(t.state, site)
    recognition = t.recognition
    if (recognition is not None and recognition.confident
            and recognition.intent not in ("opening_hours", "out_of_scope")):
        return None
    return Failed("not_understood")


def way_sms(t: Talk) -> Reply | None:
    if t.words.answer == "yes" or t.words.key == "1":
        t.state.later = said_with_yes(t) or t.state.later
        return query(t.state, "send_address_sms", {"site": t.state.site, "lang": t.state.lang},
                     "address_sms")
    if t.words.answer == "no" or t.words.key == "2":
        return anything_else(t.state, "way:no_sms")
    return None


# ----------------------------------------------------------------------------- results


def hours_told(state: CallState, facts) -> Turn:
    achieve(state, "answered")
    said = [Say(key, params) for key, params in hours_words(facts)]
    if state.way_after:
        state.way_after = False
        return way(state, state.site, before=said)
    return anything_else(state, "answered:opening_hours", before=said)


def address_sms_sent(state: CallState, result) -> Turn:
    key = "way_sms_sent" if result and result.get("sent") else "way_sms_failed"
    return anything_else(state, f"way:{key}", before=[Say(key)])
