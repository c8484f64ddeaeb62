"""The task queue (Redis) down: actions still commit, mail waits, and every page says so."""

import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from correspondence import context_processors
from correspondence.models import CasePage, Mailbox, OutgoingMail
from correspondence.outbox.services import outgoing_queue
from intranet.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down() -> Iterator[None]:
    """The Celery app pointed at a loopback port nothing listens on, as when Redis is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _queue(mailbox: Mailbox, case: CasePage, n: int) -> OutgoingMail:
    return outgoing_queue(
        case=case,
        mailbox=mailbox,
        to=[f"cliente{n}@example.it"],
        cc=(),
        subject="Rimborso",
        text="Gentile cliente, ...",
        in_reply_to=None,
        references=(),
        automatic=False,
    )


def test_with_the_broker_down_mail_is_queued_and_the_pages_say_sending_is_delayed(
    folder_mailbox: Mailbox,
    make_case: Callable[..., CasePage],
    make_operator: Callable[..., User],
    broker_down: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = make_case(folder_mailbox.pool, subject="Rimborso")
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = [_queue(folder_mailbox, case, n) for n in range(3)]
    assert OutgoingMail.objects.filter(state=OutgoingMail.State.QUEUED).count() == 3
    assert "the task queue is unreachable" in caplog.text
    assert caplog.text.count("wait for the sweep") == 3  # one per commit, not per retry

    client = Client()
    client.force_login(make_operator("anna", folder_mailbox.pool))
    page = client.get("/")
    assert page.status_code == 200 and b"Sending is delayed" not in page.content
    OutgoingMail.objects.filter(pk__in=[o.pk for o in outgoing]).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    cache.delete(context_processors.CACHE_KEY)  # its 30 seconds are over
    page = client.get("/")
    assert page.status_code == 200
    assert "Sending is delayed: 3 outgoing mails are waiting to leave" in page.content.decode()


def test_with_redis_down_the_pages_still_serve(
    folder_mailbox: Mailbox,
    make_operator: Callable[..., User],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Production's cache is Redis: stopped, Wagtail's per-page cache reads miss, pages serve."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "intranet.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    client = Client()
    client.force_login(make_operator("anna", folder_mailbox.pool))
    assert client.get("/").status_code == 200
    assert client.get(folder_mailbox.pool.url).status_code == 200
    assert "cache unreachable" in caplog.text
