"""The review inbox (/supervisor/inbox): what callers said that the hotline missed, was
unsure of or guessed wrong, grouped; a supervisor assigns it (to an intent or another
office), marks it as noise or as a new topic, sees what else would change and confirms,
and sees when another supervisor got there first. The browser test of the whole loop is
tests/browser/test_review_inbox.py."""

import re
import tomllib
from datetime import timedelta

import pytest
from test_teaching import logged_in, next_refresh, worker

import clock
from conftest import NOW, Caller
from db import connect
from teaching import marks

KINDERKASSE = "wer ist für die kinderkasse zuständig"  # "Familienkasse", misheard
FAMILIENKASSE = "Familienkasse"
NOT_UNDERSTOOD = "Das habe ich leider nicht verstanden"
SLANG = "ich brauche die knete für die kleinen"  # guessed as a payment, unsure


@pytest.fixture
def workers(database_target):
    return worker(database_target), worker(database_target)


def call(app, *lines: str) -> list[str]:
    caller = Caller(app)
    caller.dial()
    return [" ".join(caller.say(line)) for line in lines]


def page(client, kind="not_understood") -> str:
    answer = client.get(f"/supervisor/inbox/?kind={kind}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def form_of(html: str, form_id: str) -> dict:
    """The fields of one form on the page, as a browser would send them (no button yet)."""
    form = html.split(f'id="form-{form_id}"', 1)[1].split("</form>", 1)[0]
    fields: dict = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form):
        fields.setdefault(name, []).append(value)
    phrase = re.search(r'name="phrase" id="[^"]+" value="([^"]*)"', form).group(1)
    return {**{k: v if len(v) > 1 else v[0] for k, v in fields.items()}, "phrase": phrase}


def decide(client, fields: dict, **changes):
    return client.post("/supervisor/inbox/decide", data={**fields, **changes})


def test_a_group_shows_count_languages_the_guess_and_the_calls_around_it(workers):
    first, second = workers
    assert NOT_UNDERSTOOD in call(first, KINDERKASSE)[0]
    assert NOT_UNDERSTOOD in call(second, KINDERKASSE)[0]
    assert NOT_UNDERSTOOD in call(first, "äh wer ist für die kinderkasse zuständig")[0]
    leitung = logged_in(first, "leitung", "supervisor")
    shown = text(page(leitung))
    assert f"„{KINDERKASSE}“ Anrufe 3 Sprachen Deutsch (3)" in shown
    assert "Die Hotline hielt es für Nicht zuständig / unklar (3)" in shown
    assert "Einzeln: 2 Varianten" in shown
    # The calls around it: what the hotline said before and after.
    assert "Hotline: Guten Tag, hier ist das Jobcenter Rems-Murr." in shown
    assert f"Anrufer: {KINDERKASSE} Hotline: {NOT_UNDERSTOOD}" in shown


def test_assigning_a_group_to_an_office_helps_the_next_caller_on_every_worker(workers):
    first, second = workers
    call(first, KINDERKASSE)
    call(second, "äh wer ist für die kinderkasse zuständig")
    leitung = logged_in(first, "leitung", "supervisor")
    fields = form_of(page(leitung), "1")
    assert len(fields["turn"]) == 2
    answer = decide(leitung, fields, action="assign", intent="referral:familienkasse",
                    why="Familienkasse, misheard")
    assert answer.status_code == 302
    shown = text(page(leitung))
    assert f"Version 1: „{KINDERKASSE}“ → Verweis: die Familienkasse." in shown
    assert "Nicht verstanden (0)" in shown and "Nichts zu prüfen" in shown  # dealt with
    next_refresh()
    assert FAMILIENKASSE in call(second, KINDERKASSE)[0]
    assert FAMILIENKASSE in call(first, KINDERKASSE)[0]
    # The mark holds no words, and the version no call.
    db = connect(first.config["HOTLINE_DATABASE"])
    rows = db.execute("SELECT * FROM review_marks").fetchall()
    phrases = db.execute("SELECT phrases FROM catalogue_versions").fetchone()[0]
    db.conn.close()
    assert len(rows) == 2 and not any("kinderkasse" in str(row) for row in rows)
    assert "CA" not in phrases and "call" not in phrases


def test_the_phrase_is_edited_before_it_is_accepted_and_one_variant_alone(workers):
    first, _ = workers
    call(first, KINDERKASSE)
    call(first, "äh also wer ist denn für die kinderkasse zuständig")
    leitung = logged_in(first, "leitung", "supervisor")
    html = page(leitung)
    fields = form_of(html, "1-2")  # the second variant alone
    assert fields["phrase"] == "äh also wer ist denn für die kinderkasse zuständig"
    assert isinstance(fields["turn"], str)
    decide(leitung, fields, action="assign", intent="referral:familienkasse",
           phrase="wer ist denn für die familienkasse zuständig")
    shown = text(page(leitung))
    assert "Version 1: „wer ist denn für die familienkasse zuständig“" in shown
    assert f"„{KINDERKASSE}“ Anrufe 1" in shown  # the other variant is still to review


def test_understood_unsure_and_denied_guesses_are_reviewed_too(workers):
    first, _ = workers
    denied = call(first, SLANG, "nein")
    assert "Es geht um Ihre Zahlung?" in denied[0] and "Worum geht es dann?" in denied[1]
    call(first, SLANG, "ja")
    leitung = logged_in(first, "leitung", "supervisor")
    assert "„Nein“ auf die Rückfrage (1)" in text(page(leitung))
    no = text(page(leitung, "denied"))
    assert f"„{SLANG}“ Anrufe 1" in no
    assert "Die Hotline hielt es für Zahlung / Geldeingang (1)" in no
    assert "Anrufer: nein Hotline: Worum geht es dann?" in no
    unsure = text(page(leitung, "unsure"))
    assert f"„{SLANG}“ Anrufe 1" in unsure and "Anrufer: ja" in unsure
    # "nein" itself was understood: it is not among the utterances not understood.
    assert "„nein“" not in text(page(leitung))


def test_a_change_that_alters_other_utterances_is_shown_and_needs_confirming(workers):
    first, _ = workers
    call(first, KINDERKASSE)
    leitung = logged_in(first, "leitung", "supervisor")
    html = page(leitung)
    fields = form_of(html, "1")
    answer = decide(leitung, fields, action="assign", intent="opening_hours", phrase="termin")
    assert answer.status_code == 409
    shown = text(answer.get_data(as_text=True))
    assert "termin Termin vereinbaren Öffnungszeiten Testsatz" in shown
    assert "Noch keine Formulierung übernommen." in text(page(leitung))
    confirm = form_of(answer.get_data(as_text=True).replace('id="confirm-form"',
                                                            'id="form-confirm"')
                      .replace('type="hidden" name="phrase" value=',
                               'type="hidden" name="phrase" id="x" value='), "confirm")
    assert confirm["confirm"] == "1"
    assert decide(leitung, confirm).status_code == 302
    assert "Version 1" in text(page(leitung))


def test_the_second_of_two_supervisors_sees_what_the_first_did(workers):
    first, second = workers
    call(first, KINDERKASSE)
    leitung = logged_in(first, "leitung", "supervisor")
    vertretung = logged_in(second, "vertretung", "supervisor")
    mine, theirs = form_of(page(leitung), "1"), form_of(page(vertretung), "1")
    assert decide(leitung, mine, action="assign",
                  intent="referral:familienkasse").status_code == 302
    clash = decide(vertretung, theirs, action="noise")
    assert clash.status_code == 409
    shown = text(clash.get_data(as_text=True))
    assert "Inzwischen geändert" in shown
    assert "leitung hat diese Äußerung um 25.11.2026 10:00 zugeordnet (Verweis: die " \
           "Familienkasse, Version 1)." in shown
    # The same phrase, from another call's words, assigned elsewhere meanwhile.
    call(first, "wer ist eigentlich für die kinderkasse zuständig")
    theirs = form_of(page(vertretung), "1")
    clash = decide(vertretung, {**theirs, "base": "0"}, action="assign", intent="agent",
                   phrase=KINDERKASSE)
    assert clash.status_code == 409
    assert (f"leitung hat „{KINDERKASSE}“ um 25.11.2026 10:00 Verweis: die Familienkasse "
            f"zugeordnet (Version 1).") in text(clash.get_data(as_text=True))


@pytest.mark.parametrize("phrase, reason", [
    ("ich möchte zu Herr Yilmaz", "Die Formulierung enthält einen Namen (Yilmaz)"),
    ("meine nummer ist null sieben eins eins vier", "gesprochene Zahl oder ein Datum"),
])
def test_personal_data_is_refused_with_the_reason_and_nothing_is_kept(workers, phrase, reason):
    first, _ = workers
    call(first, KINDERKASSE)
    leitung = logged_in(first, "leitung", "supervisor")
    fields = form_of(page(leitung), "1")
    for action in ("assign", "new_topic"):
        answer = decide(leitung, fields, action=action, intent="agent", phrase=phrase)
        assert answer.status_code == 422
        assert reason in text(answer.get_data(as_text=True))
    db = connect(first.config["HOTLINE_DATABASE"])
    kept = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("catalogue_versions", "new_topics", "review_marks")]
    db.conn.close()
    assert kept == [0, 0, 0]


def test_emergency_phrases_are_never_given_another_intent_from_the_inbox(workers):
    first, _ = workers
    homeless = "morgen stehen wir mit den kindern ohne dach da"  # missed by the crisis words
    assert "Geht es um eine Veränderung" in call(first, homeless)[0]  # unsure: A or B?
    leitung = logged_in(first, "leitung", "supervisor")
    html = page(leitung, "unsure")
    fields = form_of(html, "1")
    answer = decide(leitung, fields, action="assign", intent="emergency", confirm="1")
    assert answer.status_code == 302
    next_refresh()
    assert "Ich verbinde Sie" in call(first, homeless)[0]
    answer = decide(leitung, fields, action="assign", intent="agent", confirm="1")
    assert answer.status_code == 422
    assert "Notlage" in text(answer.get_data(as_text=True))
    leitung.post("/supervisor/inbox/rollback", data={
        "version": "0", "csrf_token": form_of(html, "1")["csrf_token"]})
    assert "Nicht zurückgesetzt: Damit würde eine Formulierung für Notlagen entfernt" in text(
        page(leitung))


def test_noise_and_new_topics_leave_the_inbox_and_new_topics_are_listed(workers):
    first, _ = workers
    call(first, "äh test test")
    call(first, "gibt es einen zuschuss für den führerschein")
    leitung = logged_in(first, "leitung", "supervisor")
    html = page(leitung)
    first_group = text(html).split("Nicht verstanden", 2)[2]
    assert "„äh test test“" in first_group
    groups = {form_of(html, str(i))["phrase"]: str(i) for i in (1, 2)}
    decide(leitung, form_of(html, groups["äh test test"]), action="noise")
    html = page(leitung)
    decide(leitung, form_of(html, "1"), action="new_topic",
           phrase="Zuschuss für den Führerschein", why="Vermittlungsbudget?")
    shown = text(page(leitung))
    assert "Nichts zu prüfen in diesem Zeitraum." in shown
    assert "Zuschuss für den Führerschein Deutsch 1 25.11.2026 10:00 leitung Vermittlungsbudget?" \
        in shown
    # Noise stays noise when said again.
    call(first, "äh test test")
    assert "Nichts zu prüfen" in text(page(leitung))
    # The marks stand for words that purging removes: they go with them.
    clock.install(first, clock.Clock.at(NOW + timedelta(days=1)))
    assert first.test_cli_runner().invoke(args=["purge", "--days", "0"]).exit_code == 0
    db = connect(first.config["HOTLINE_DATABASE"])
    left = db.execute("SELECT count(*) FROM review_marks").fetchone()[0]
    topics = db.execute("SELECT phrase FROM new_topics").fetchall()
    db.conn.close()
    assert left == 0 and topics == [("Zuschuss für den Führerschein",)]


def test_rollback_and_export_from_the_page(workers):
    first, second = workers
    call(first, KINDERKASSE)
    leitung = logged_in(first, "leitung", "supervisor")
    html = page(leitung)
    decide(leitung, form_of(html, "1"), action="assign", intent="referral:familienkasse")
    exported = leitung.get("/supervisor/inbox/export.toml?lang=de").get_data(as_text=True)
    assert '[intents."referral:familienkasse"]' in exported
    assert tomllib.loads(exported)["intents"]["referral:familienkasse"]["phrases"] == [
        KINDERKASSE]
    token = form_of(html, "1")["csrf_token"]
    assert leitung.post("/supervisor/inbox/rollback", data={
        "version": "0", "why": "wrong", "csrf_token": token}).status_code == 302
    assert "Version 2: der Katalog ist wieder wie in Version 0." in text(page(leitung))
    next_refresh()
    assert NOT_UNDERSTOOD in call(second, KINDERKASSE)[0]


def test_only_supervisors_and_only_with_the_csrf_token(workers):
    first, _ = workers
    call(first, KINDERKASSE)
    anna = logged_in(first, "anna", "agent")
    assert anna.get("/supervisor/inbox/").status_code == 403
    assert first.test_client().get("/supervisor/inbox/").status_code == 302  # to the login
    leitung = logged_in(first, "leitung", "supervisor")
    fields = form_of(page(leitung), "1")
    without = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert decide(leitung, without, action="noise").status_code == 400
    assert decide(anna, fields, action="noise").status_code in (400, 403)
    assert KINDERKASSE in page(leitung)


def test_the_dashboard_links_the_inbox_and_marks_versions_on_its_time_axis(workers):
    first, _ = workers
    call(first, KINDERKASSE)
    leitung = logged_in(first, "leitung", "supervisor")
    assert 'href="/supervisor/inbox/"' in leitung.get("/supervisor/").get_data(as_text=True)
    decide(leitung, form_of(page(leitung), "1"), action="assign",
           intent="referral:familienkasse", why="seen twice")
    next_refresh()
    assert FAMILIENKASSE in call(first, KINDERKASSE)[0]
    data = leitung.get("/supervisor/figures.json?period=7d").get_json()
    assert data["catalogue_versions"] == [{
        "version": 1, "at": "2026-11-25T10:00", "who": "leitung", "why": "seen twice",
        "change": f"accepted {KINDERKASSE!r} -> referral:familienkasse"}]
    today = data["days"][-1]
    assert today["day"] == "2026-11-25"
    assert today["recognised_rate"] == 0.5  # of the callers' turns, the greetings not counted


def test_marks_are_keyed_hashes_of_language_and_words(workers):
    first, _ = workers
    with first.app_context():
        one = marks.key("de", "wer ist für die kinderkasse zuständig")
        assert one == marks.key("de", "wer ist für die kinderkasse zuständig")
        assert one != marks.key("en", "wer ist für die kinderkasse zuständig")
        assert "kinderkasse" not in one and len(one) == 32
