"""Background jobs of people and accounts: the mail that confirms an address or resets a
password. They take ids, call services, and may run twice without harm (a second mail carries
another link that works as well; a reset link stops working once it is used)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from needle.orgs.services import email_confirmation_mail_send, password_reset_mail_send


@db_task(retries=3, retry_delay=60)
def email_confirmation_mail(person_id: int, email: str) -> bool:
    return email_confirmation_mail_send(person_id=person_id, email=email)


@db_task(retries=3, retry_delay=60)
def password_reset_mail(person_id: int) -> bool:
    return password_reset_mail_send(person_id=person_id)
