from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command():
    """Fill an empty database with demo data (idempotent) and print the demo logins."""
    from server.core.db import db
    from server.demo.operations import DEMO_PASSWORD, load_demo

    created, logins = load_demo()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, who in logins:
        click.echo(f"  {username:<14} {who}")
