"""Which text a mail says and in which language, and the plain values it is filled with.

Only published (live) texts are used. The language is the customer's (told from their
message, else from their earlier cases), then the pool's; the most specific text wins:
the mailbox's own auto-reply, then the pool's, then the one for every pool. Without any
text the built-in default auto-reply is used, translated into that language.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from correspondence.models import CasePage, Department, Mailbox, MailText, PoolPage, QuickReply
from correspondence.outbox.placeholders import placeholders_fill


def customer_languages(*, case: CasePage) -> list[str]:
    """The languages to answer ``case`` in, best first: the customer's, then the pool's."""
    found: list[str] = []
    if case.language:
        found.append(case.language)
    elif case.customer_email:
        earlier = (
            CasePage.objects.filter(customer_email__iexact=case.customer_email)
            .exclude(language="")
            .exclude(pk=case.pk)
            .order_by("-received_at")
            .values_list("language", flat=True)
            .first()
        )
        if earlier:
            found.append(earlier)
    pool_language = case.pool.language
    if pool_language not in found:
        found.append(pool_language)
    return found


def case_values(*, case: CasePage, operator: Any = None, language: str = "") -> dict[str, str]:
    """The whitelisted plain values a text may show of ``case``, dates in ``language``."""
    name = (operator.get_full_name() or operator.get_username()) if operator else ""
    with translation.override(language or None):
        deadline = formats.date_format(timezone.localtime(case.due_at)) if case.due_at else ""
        received = formats.date_format(timezone.localtime(case.received_at), "DATETIME_FORMAT")
    return {
        "case_number": case.number,
        "subject": case.subject,
        "customer_name": case.customer_name,
        "customer_email": case.customer_email,
        "operator_name": name,
        "pool": case.pool.title,
        "deadline": deadline,
        "received_at": received,
    }


def mail_texts_live(*, kind: str) -> list[MailText]:
    """Every published text of ``kind``: few, loaded once for a whole batch."""
    return list(MailText.objects.filter(kind=kind, live=True))


def mail_text_choose(
    *,
    kind: str,
    pool: PoolPage,
    languages: Sequence[str],
    mailbox: Mailbox | None = None,
    live: Sequence[MailText] | None = None,
) -> MailText | None:
    """The live text of ``kind`` for the first of ``languages`` that has one, the
    mailbox's before the pool's before the one for every pool; None when there is none.
    ``live`` is ``mail_texts_live(kind=kind)`` when the caller has it already."""
    texts = mail_texts_live(kind=kind) if live is None else live
    candidates = [
        t
        for t in texts
        if t.kind == kind
        and t.pool_id in (pool.pk, None)
        and t.mailbox_id in ((mailbox.pk if mailbox else None), None)
    ]
    for language in languages:
        ranked = sorted(
            (t for t in candidates if t.language == language),
            key=lambda t: (t.mailbox_id is None, t.pool_id is None),
        )
        if ranked:
            return ranked[0]
    return None


def auto_reply_text(
    *, mailbox: Mailbox, case: CasePage, live: Sequence[MailText] | None = None
) -> tuple[str, str] | None:
    """The filled (subject, body) of the auto-reply to ``case``, or None when auto-replies
    are off for the mailbox, or for the pool and the mailbox follows it. ``live``: the
    published auto-replies, when the caller loaded them for a batch."""
    if mailbox.auto_reply == Mailbox.AutoReply.OFF:
        return None
    if mailbox.auto_reply == Mailbox.AutoReply.POOL and not case.pool.auto_reply_enabled:
        return None
    languages = customer_languages(case=case)
    text = mail_text_choose(
        kind=MailText.Kind.AUTO_REPLY,
        pool=case.pool,
        languages=languages,
        mailbox=mailbox,
        live=live,
    )
    language = text.language if text else languages[0]
    subject, body = (text.subject, text.body) if text else _default_auto_reply(language)
    values = case_values(case=case, language=language)
    return placeholders_fill(subject, values), placeholders_fill(body, values)


def _default_auto_reply(language: str) -> tuple[str, str]:
    with translation.override(language):
        return (
            gettext("We have received your message [{number}]"),
            gettext(
                "Good morning,\n\nwe have received your message and registered it as case "
                "{number}. Please quote this number in any further correspondence.\n\n"
                "Kind regards"
            ),
        )


def quick_replies_for(*, case: CasePage, operator: Any) -> list[dict[str, str]]:
    """The live quick replies offered on ``case``, filled for it: those in the customer's
    language first, then the others, each as ``{"title", "text", "language"}``."""
    languages = customer_languages(case=case)
    values = case_values(case=case, operator=operator, language=languages[0])
    replies = QuickReply.objects.filter(
        Q(pool=case.pool) | Q(pool__isnull=True), active=True, live=True
    )

    def rank(reply: QuickReply) -> tuple[int, str]:
        order = languages.index(reply.language) if reply.language in languages else 9
        return (order, reply.title.lower())

    return [
        {"title": r.title, "text": placeholders_fill(r.text, values), "language": r.language}
        for r in sorted(replies, key=rank)
    ]


def staff_language(user: Any) -> str:
    """The interface language a member of staff chose, else the site's."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def _filled(
    kind: str,
    *,
    case: CasePage,
    languages: Sequence[str],
    values: dict[str, str],
    default: Callable[[], tuple[str, str]],
) -> tuple[str, str]:
    """The live text of ``kind`` for ``case``'s pool in the first of ``languages`` that has
    one, else ``default()`` in the first language, filled: (subject, body)."""
    text = mail_text_choose(kind=kind, pool=case.pool, languages=languages)
    language = text.language if text else languages[0]
    if text is not None:
        subject, body = text.subject, text.body
    else:
        with translation.override(language):
            subject, body = default()
    return placeholders_fill(subject, values, kind), placeholders_fill(body, values, kind)


def department_languages(*, case: CasePage, department: Department) -> list[str]:
    """The languages to write to ``department`` in, best first: its own, then the pool's."""
    found = [department.language] if department.language else []
    return [*found, case.pool.language] if case.pool.language not in found else found


def consultation_text(
    *, case: CasePage, department: Department, question: str, operator: Any
) -> tuple[str, str]:
    """The filled (subject, body) of the mail asking ``department`` about ``case``: the
    published consultation text in the department's (else the pool's) language, else
    the built-in one in that language."""
    languages = department_languages(case=case, department=department)
    values = case_values(case=case, operator=operator, language=languages[0])
    values.update(department=department.name, question=question)
    subject, body = _filled(
        MailText.Kind.CONSULTATION,
        case=case,
        languages=languages,
        values=values,
        default=lambda: (
            gettext("Consultation: {subject}"),
            gettext("Good morning,\n\n{question}\n\nPlease answer this e-mail.\n\n{operator_name}"),
        ),
    )
    return subject, body


def reminder_text(
    *, case: CasePage, department: Department, question: str, sent_at: datetime
) -> tuple[str, str]:
    """The filled (subject, body) of a reminder to ``department``: its own reminder text
    when it has one, else the published reminder text, else the built-in one, in the
    department's (else the pool's) language."""
    languages = department_languages(case=case, department=department)
    values = case_values(case=case, language=languages[0])
    with translation.override(languages[0]):
        sent = formats.date_format(timezone.localtime(sent_at), "DATETIME_FORMAT")
    values.update(department=department.name, question=question, sent_at=sent)
    subject, body = _filled(
        MailText.Kind.REMINDER,
        case=case,
        languages=languages,
        values=values,
        default=lambda: (
            gettext("Reminder: consultation on {subject}"),
            gettext(
                "Good morning,\n\nwe are still waiting for your answer to our consultation on "
                "case {case_number}, sent on {sent_at}:\n\n{question}\n\nPlease answer this "
                "e-mail.\n\nThank you"
            ),
        ),
    )
    own = department.reminder_text.strip()
    if own and own not in _stock_reminders():
        body = placeholders_fill(own, values, MailText.Kind.REMINDER) + f"\n\n{question}"
    return subject, body


def _stock_reminders() -> set[str]:
    """A new department's reminder text in every language: a department that kept it has
    no text of its own, and the editors' published reminder text speaks for it."""
    stock = Department._meta.get_field("reminder_text").default
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(str(stock).strip())
    return found


def notification_text(*, case: CasePage, recipient: Any, event: str, link: str) -> tuple[str, str]:
    """The filled (subject, body) of a notice to ``recipient`` about ``case``: the published
    notification text in their interface language, else the built-in one. ``event`` is the
    sentence saying what happened, already in that language."""
    language = staff_language(recipient)
    values = case_values(case=case, operator=recipient, language=language)
    values.update(event=event, link=link)
    subject, body = _filled(
        MailText.Kind.NOTIFICATION,
        case=case,
        languages=[language],
        values=values,
        default=lambda: (
            "{event}",
            gettext(
                "Hello {operator_name},\n\n{event}\n\nCase {case_number}: {subject}\n"
                "Pool: {pool}\nOpen it: {link}\n"
            ),
        ),
    )
    return subject, body
