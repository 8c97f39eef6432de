"""Supervisors teach the hotline: phrases they accept, kept as a versioned live catalogue layer.

- `store`: the versions in the database (who, when, what, why), accepting and rolling back.
- `checks`: what is refused (personal data, emergency phrases) and what a change would
  alter in the recognition of the evaluation sets and of earlier accepted phrases.
- `live`: the current version, compiled per language and handed to `speech.recognise`;
  every process looks for a newer version at most every HOTLINE_CATALOGUE_REFRESH_S.
- `cli`: `flask --app app catalogue export|import|accept|rollback|history`.
- `views`: the same for the dashboard, as JSON (supervisors only, CSRF-protected).

`speech` never reads the database: this package reads it and hands `speech` a catalogue.
"""
