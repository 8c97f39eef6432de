"""`flask --app app prompts review LANG`: what a native speaker still has to check."""

import click

from . import languages, prompts


@click.group("prompts")
def prompts_command():
    """The prompt catalogues (ivr/prompts/<lang>.toml)."""


@prompts_command.command("review")
@click.argument("lang")
def review_command(lang: str):
    """List the sentences of LANG not yet checked by a native speaker.

    A checked sentence goes into the catalogue's [reviewed] table as
    key = "who, when"; German and English were written by native speakers.
    """
    if lang not in prompts.available_languages():
        raise click.ClickException(
            f"No catalogue for {lang!r}; there are: {', '.join(prompts.available_languages())}")
    open_ = prompts.unreviewed(lang)
    total = len(open_) + len(prompts.reviewed(lang))
    name = languages.language(lang).name if lang in languages.known() else lang
    if not open_:
        click.echo(f"{name} ({lang}): all {total} sentences checked.")
        return
    click.echo(f"{name} ({lang}): {len(open_)} of {total} sentences to check "
               f"(ivr/prompts/{lang}.toml):")
    for key, sentence in open_:
        click.echo(f"  {key}: {sentence}")
