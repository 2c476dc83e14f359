"""Demo data for trying Zhibu out: `flask --app server demo [--if-empty]`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


def echo_logins(logins: list[tuple[str, str]]) -> None:
    from server.demo.operations import DEMO_PASSWORD

    click.echo(f"Demo logins (password for all / 统一密码: {DEMO_PASSWORD}):")
    for username, who in logins:
        click.echo(f"  {username:<15} {who}")


@click.command("demo")
@click.option("--if-empty", is_flag=True,
              help="Load only when the database has no branch at all (used by `make run`).")
@with_appcontext
def demo_command(if_empty: bool):
    """Fill the database with demo data (idempotent) and print the demo logins."""
    import sqlalchemy as sa

    from server.core.db import db
    from server.demo.operations import load_demo
    from server.org.models import Branch

    if if_empty and db.session.scalar(sa.select(Branch.id).limit(1)) is not None:
        click.echo("The database already has branches; demo data not loaded (--if-empty): skipped.")
        return
    try:
        created, logins = load_demo()
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    echo_logins(logins)
