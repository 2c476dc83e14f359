"""`flask --app server reminders`: the day-before reminders, run by cron (docs/deployment.md)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("reminders")
@click.option("--not-before", default=8, show_default=True, type=click.IntRange(0, 23),
              help="China's hour before which nothing is sent (no reminders in the night).")
@with_appcontext
def reminders_command(not_before: int):
    """Remind members of tomorrow's events (China's date), once per member and event; tell the
    contacts and the organizer of an activist's assessment coming due, once per due date."""
    from server.core.db import db
    from server.notifications import push
    from server.notifications.operations import send_reminders
    from server.recruitment.operations import send_assessment_reminders
    from sync import clock

    if clock.now().astimezone(clock.CHINA).hour < not_before:
        click.echo(f"Before {not_before}:00 in China: no reminders sent now.")
        return
    try:
        events, made = send_reminders(clock.today())
        # Activists' half-yearly assessments coming due: their contacts and the organizer are told.
        activists, told = send_assessment_reminders(clock.today())
        db.session.commit()
    except Exception:
        db.session.rollback()
        push.discard_queued()
        raise
    sent = push.deliver_queued()
    click.echo(f"Reminders: {made} for {events} event(s) tomorrow; {sent} push message(s) sent.")
    click.echo(f"Assessment reminders: {told} for {activists} activist(s).")
