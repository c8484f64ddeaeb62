"""Creating cases: a number, a place in the page tree, a deadline, an audit entry."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.log_actions import log

from correspondence.models import (
    CaseCounter,
    CasePage,
    MonthPage,
    PoolPage,
    ServiceLevelPolicy,
    YearPage,
)
from correspondence.services.deadlines import (
    dues_compute,
    dues_fields,
    dues_log_data,
    policies_active,
    policy_for,
)
from correspondence.services.search import cases_search_init
from workflow.numbering import case_number_format


@dataclass(frozen=True)
class NewCase:
    """What a new case needs to know, whatever channel it came from."""

    channel: str
    subject: str
    received_at: datetime
    customer_name: str = ""
    customer_email: str = ""
    customer_address: str = ""
    urgency: int = 1
    category_id: int | None = None
    mailbox_id: int | None = None
    language: str = ""


def case_numbers_reserve(*, pool: PoolPage, year: int, count: int = 1) -> list[str]:
    """Advances the pool's counter for the year by `count` in one atomic upsert and
    returns the numbers reserved, in order.

    One statement, so concurrent creations never read the same value, on PostgreSQL
    and on SQLite alike.
    """
    table = CaseCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (pool_id, year, last) VALUES (%s, %s, %s) "
            f"ON CONFLICT (pool_id, year) DO UPDATE SET last = {table}.last + %s "
            "RETURNING last",
            [pool.pk, year, count, count],
        )
        (last,) = cursor.fetchone()
    return [
        case_number_format(code=pool.code, year=year, sequence=n)
        for n in range(last - count + 1, last + 1)
    ]


def _year_page(pool: PoolPage, year: int) -> YearPage:
    page = YearPage.objects.child_of(pool).filter(year=year).first()
    return page or pool.add_child(instance=YearPage(title=str(year), slug=str(year), year=year))


def _month_page(year_page: YearPage, month: int) -> MonthPage:
    page = MonthPage.objects.child_of(year_page).filter(month=month).first()
    return page or year_page.add_child(
        instance=MonthPage(
            title=f"{year_page.year}-{month:02d}",
            slug=f"{month:02d}",
            year=year_page.year,
            month=month,
        )
    )


def month_page_for(*, pool: PoolPage, moment: datetime) -> MonthPage:
    """The month page a case received at `moment` lives under, created when missing.

    The caller holds the pool's row lock, so two creations never make two year pages.
    """
    local = timezone.localtime(moment)
    return _month_page(_year_page(pool, local.year), local.month)


def case_page_new(
    *,
    pool: PoolPage,
    data: NewCase,
    number: str,
    policies: list[ServiceLevelPolicy] | None = None,
) -> CasePage:
    """The unsaved case page for `data`, with its number and due times, not yet in the
    tree; `policies` are the active service-level policies (read when not given)."""
    case = CasePage(
        title=f"{number} {data.subject}"[:255].strip(),
        slug=slugify(number),
        number=number,
        pool=pool,
        channel=data.channel,
        subject=data.subject[:998],
        received_at=data.received_at,
        customer_name=data.customer_name[:255],
        customer_email=data.customer_email[:320],
        customer_address=data.customer_address,
        urgency=data.urgency,
        category_id=data.category_id,
        mailbox_id=data.mailbox_id,
        language=data.language,
    )
    policy = policy_for(
        policies if policies is not None else policies_active(),
        pool_id=pool.pk,
        category_id=data.category_id,
        channel=data.channel,
        urgency=data.urgency,
    )
    dues = dues_compute(policy=policy, pool=pool, received_at=data.received_at)
    for name, value in dues_fields(case, dues).items():
        setattr(case, name, value)
    return case


@transaction.atomic
def case_create(*, pool: PoolPage, data: NewCase, user: AbstractBaseUser | None = None) -> CasePage:
    """Creates a case in the pool with a fresh number, under its month page, and logs it.

    Serialised per pool by a lock on the pool's row: the page tree's paths are computed
    from the parent's last child, which two concurrent creations would otherwise share.
    """
    pool = PoolPage.objects.select_for_update().get(pk=pool.pk)
    local = timezone.localtime(data.received_at)
    (number,) = case_numbers_reserve(pool=pool, year=local.year)
    parent = month_page_for(pool=pool, moment=data.received_at)
    case = case_page_new(pool=pool, data=data, number=number)
    parent.add_child(instance=case)
    cases_search_init(case_ids=[case.pk])
    log(
        instance=case,
        action="correspondence.case.create",
        user=user,
        data={"number": number, "channel": data.channel, **dues_log_data(case)},
    )
    return case
