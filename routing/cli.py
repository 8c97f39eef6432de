"""`flask --app app users ...`: create and list agent and supervisor accounts.

Passwords are asked for twice at a hidden prompt, or read from standard input with
--password-stdin (for scripts); they are never taken from the command line, where
they would end up in the shell history and the process list.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

import clock
import db as database

from .auth import MIN_PASSWORD_LENGTH, WeakPasswordError, hash_password
from .store import REACH_KINDS, ROLES, add_agent, all_agents, find_agent


def _list(value: str) -> list[str]:
    return [part.strip().lower() for part in value.split(",") if part.strip()]


@click.group("users")
def users():
    """Agent and supervisor accounts for the console at /agent."""


@users.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Full name shown in the console.")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--topics", default="allgemein", show_default=True,
              help="Comma-separated topics, e.g. geldleistungen,allgemein "
                   "(allgemein = every topic).")
@click.option("--languages", default="de", show_default=True, help="Comma-separated, e.g. de,en.")
@click.option("--sites", required=True,
              help="Comma-separated sites, e.g. waiblingen,backnang.")
@click.option("--phone", "reach_number", help="Phone number to ring, E.164 (+49...).")
@click.option("--sip", "reach_sip", help="SIP address to ring (sip:agent@pbx.example).")
@click.option("--client", "reach_client", help="Twilio Client identity to ring.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@with_appcontext
def add_user(login, name, role, topics, languages, sites, reach_number, reach_sip, reach_client,
             password_stdin):
    """Create an account LOGIN (offline until the agent logs in and switches to available)."""
    reaches = [(kind, address) for kind, address in
               zip(REACH_KINDS, (reach_number, reach_sip, reach_client), strict=True) if address]
    if len(reaches) > 1:
        raise click.UsageError("give at most one of --phone, --sip, --client")
    reach_kind, reach_address = reaches[0] if reaches else (None, None)
    if not _list(sites):
        raise click.BadParameter("at least one site", param_hint="--sites")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        hashed = hash_password(password)
    except WeakPasswordError:
        raise click.BadParameter(f"the password needs at least {MIN_PASSWORD_LENGTH} characters",
                                 param_hint="password") from None
    db = database.connect(current_app.config["HOTLINE_DATABASE"])
    try:
        if find_agent(db, login) is not None:
            raise click.ClickException(f"login {login!r} exists already")
        agent = add_agent(db, login=login, name=name, password_hash=hashed, role=role,
                          topics=_list(topics), languages=_list(languages), sites=_list(sites),
                          reach_kind=reach_kind, reach_address=reach_address, now=clock.now())
    finally:
        db.conn.close()
    click.echo(f"Created {agent.role} {agent.login} (id {agent.id}).")


@users.command("list")
@with_appcontext
def list_users():
    """Every account with role, skills and status (no passwords, no phone numbers)."""
    db = database.connect(current_app.config["HOTLINE_DATABASE"])
    try:
        agents = all_agents(db)
    finally:
        db.conn.close()
    if not agents:
        click.echo("No accounts yet: flask --app app users add LOGIN --name ... --sites ...")
    for agent in agents:
        reach = agent.reach_kind or "no phone"
        click.echo(f"{agent.login:<22} {agent.role:<10} {agent.status:<9} "
                   f"sites={','.join(agent.sites)} topics={','.join(agent.topics)} "
                   f"languages={','.join(agent.languages)} reach={reach}"
                   f"{'' if agent.active else ' (disabled)'}")
