"""The case: one request of one customer, a Wagtail page under its pool's month."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page

from intranet.pages import StaffOnlyPageMixin, WorkedOutsideAdminMixin
from workflow import transitions


class State(models.TextChoices):
    """The lifecycle's states, as the transition table spells them, with their labels."""

    NEW = transitions.NEW, _("New")
    TAKEN = transitions.TAKEN, _("Taken")
    CONSULTATION = transitions.CONSULTATION, _("In consultation")
    AWAITING_APPROVAL = transitions.AWAITING_APPROVAL, _("Awaiting approval")
    CLOSED = transitions.CLOSED, _("Closed")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PEC = "pec", _("PEC")
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    POST = "post", _("Post")
    COUNTER = "counter", _("Counter")


class Urgency(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class CasePage(WorkedOutsideAdminMixin, StaffOnlyPageMixin, Page):
    """A case. Its state changes only through workflow services and the transition table.

    Listings query the indexed columns below, never tree paths; the pool is denormalised
    for that reason.
    """

    number = models.CharField(_("number"), max_length=24, unique=True)
    pool = models.ForeignKey(
        "correspondence.PoolPage", on_delete=models.PROTECT, related_name="cases"
    )
    mailbox = models.ForeignKey(
        "correspondence.Mailbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.NEW)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    category = models.ForeignKey(
        "correspondence.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("category"),
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency, default=Urgency.NORMAL
    )
    customer_name = models.CharField(_("customer name"), max_length=255, blank=True)
    customer_email = models.EmailField(_("customer e-mail"), max_length=320, blank=True)
    customer_address = models.TextField(_("customer address"), blank=True)
    language = models.CharField(
        _("customer's language"),
        max_length=5,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language the customer wrote in, as told from their first message."),
    )
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    received_at = models.DateTimeField(
        _("received at"), help_text=_("For PEC, the certified time.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)  # to close
    # Service level (correspondence.services.deadlines): the policy, each deadline, and the
    # next one pending with its warning (what lists mark and escalation reads); null while
    # the clock stops.
    sla_policy = models.ForeignKey(
        "correspondence.ServiceLevelPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service-level policy"),
    )
    take_due_at = models.DateTimeField(_("to be taken by"), null=True, blank=True)
    reply_due_at = models.DateTimeField(_("first answer due"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    warning_at = models.DateTimeField(_("about to be late from"), null=True, blank=True)
    clock_paused_at = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)
    worked_at = models.DateTimeField(_("worked at"), null=True, blank=True)
    # A mark, not a state: the case stays with its operator, who keeps working it
    # (workflow.colleagues says why); set while a question to colleagues has no answer.
    colleagues_asked_at = models.DateTimeField(
        _("waiting for colleagues since"), null=True, blank=True, editable=False
    )
    worked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("worked by"),
    )
    touched_at = models.DateTimeField(
        _("last worked on"),
        null=True,
        blank=True,
        help_text=_("A taken case untouched for too long returns to its pool."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution_type = models.ForeignKey(
        "correspondence.ResolutionType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("resolution type"),
    )
    resolution_text = models.TextField(_("resolution"), blank=True)
    had_consultation = models.BooleanField(_("had a consultation"), default=False)
    writes_after_close = models.PositiveIntegerField(_("customer wrote after closing"), default=0)
    answers = models.JSONField(_("answers to questions"), default=dict, blank=True)
    # PostgreSQL full-text search over subject, customer and message texts; its GIN
    # index and the trigram indexes for partial matches are made by migration 0005.
    search_vector = SearchVectorField(null=True, editable=False)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("number", read_only=True), FieldPanel("state", read_only=True)],
            heading=_("Case"),
        ),
        FieldPanel("category"),
        FieldPanel("urgency"),
        FieldPanel("customer_name"),
        FieldPanel("customer_email"),
        FieldPanel("customer_address"),
        FieldPanel("subject"),
    ]
    parent_page_types = ["correspondence.MonthPage"]
    subpage_types: list[str] = []
    # Cases are searched with their own columns, never with Wagtail's search index,
    # whose per-save cost grows with the whole index; the reference index is useless here.
    search_fields: list = []
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["pool", "state", "received_at"], name="case_pool_state_received"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
            # "Assigned to me", due soonest first, read in order and stopped at a page.
            models.Index(
                fields=["assignee", "due_at"],
                name="case_assignee_open_due",
                condition=models.Q(state__in=[transitions.NEW, *transitions.OPEN_STATES]),
            ),
            models.Index(fields=["customer_email"], name="case_customer_email"),
            # The board's overdue and about-to-be-late cases of a pool: only open cases
            # with a running clock are in it.
            models.Index(
                fields=["pool", "deadline_at"],
                name="case_pool_deadline",
                condition=models.Q(deadline_at__isnull=False),
            ),
            # "About to be late" (warning passed, deadline not) reads the deadline off
            # the index too: without it the planner walked the pool's whole history
            # (EXPLAIN ANALYZE at 100,000 cases: 55 ms a pool; with it 0.3 ms).
            models.Index(
                fields=["pool", "warning_at"],
                name="case_pool_warning",
                include=["deadline_at"],
                condition=models.Q(warning_at__isnull=False),
            ),
            # The board's and the lists' cases waiting for colleagues: a few at a time.
            models.Index(
                fields=["pool", "colleagues_asked_at"],
                name="case_pool_colleagues_asked",
                condition=models.Q(colleagues_asked_at__isnull=False),
            ),
            # Today's closed cases on the board.
            models.Index(
                fields=["pool", "closed_at"],
                name="case_pool_closed",
                condition=models.Q(closed_at__isnull=False),
            ),
            models.Index(fields=["received_at"], name="case_received"),
            # Reports count cases by their last closing in a period.
            models.Index(
                fields=["closed_at"],
                name="case_closed_at",
                condition=models.Q(closed_at__isnull=False),
            ),
            # A pool's list of open work, oldest first (its default order): the scan starts
            # at the oldest open case instead of stepping over every closed one before it
            # (EXPLAIN ANALYZE at 200,000 cases, 97% closed: 0.2 ms instead of 367 ms).
            models.Index(
                fields=["pool", "received_at"],
                name="case_pool_open_received",
                condition=models.Q(state__in=["new", "taken", "consultation", "awaiting_approval"]),
            ),
            # Lists sorted "due soonest": without it the pool's open cases are all sorted.
            models.Index(fields=["due_at"], name="case_due"),
            # Take-next's order (oldest first, ties by id) straight off the index: no sort
            # of the pool's backlog on every press, however many cases share a time.
            models.Index(
                fields=["pool", "received_at", "page_ptr"],
                name="case_untaken",
                condition=models.Q(state=transitions.NEW, assignee__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}".strip()


class CaseCounter(models.Model):
    """The last number given in a pool and year; advanced by one atomic upsert."""

    pool = models.ForeignKey("correspondence.PoolPage", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pool", "year"], name="unique_case_counter")]

    def __str__(self) -> str:
        return f"{self.pool_id}/{self.year}: {self.last}"


class CaseViewer(models.Model):
    """Who has a case open right now, refreshed by the page while it is open."""

    case = models.ForeignKey(CasePage, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="unique_case_viewer")]

    def __str__(self) -> str:
        return f"{self.user} on {self.case_id}"


class CaseGuest(models.Model):
    """A colleague of another pool invited to read one case (a colleague consultation).

    ``correspondence.permissions.may_see_case`` lets an active guest open the case's page;
    nothing else of the pool becomes visible to them.
    """

    case = models.ForeignKey(CasePage, on_delete=models.CASCADE, related_name="guests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("case guest")
        verbose_name_plural = _("case guests")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="unique_case_guest")]

    def __str__(self) -> str:
        return f"{self.user} on {self.case_id}"
