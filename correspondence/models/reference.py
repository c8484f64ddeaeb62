"""Reference data editors manage: departments, categories and questions, resolution types."""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.models import Orderable

from correspondence.models.mail_texts import placeholders_validate


def _in_language(obj: models.Model, stem: str) -> str:
    """``obj``'s ``<stem>_<language>`` in the active language, else its ``<stem>``."""
    language = (get_language() or "")[:2]
    return str(getattr(obj, f"{stem}_{language}", "") or getattr(obj, stem))


class NamedInLanguages(models.Model):
    """A name staff read in their own language: ``label`` picks it, ``name`` the fallback."""

    name_it = models.CharField(_("name in Italian"), max_length=255, blank=True)
    name_pl = models.CharField(_("name in Polish"), max_length=255, blank=True)
    name_ro = models.CharField(_("name in Romanian"), max_length=255, blank=True)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)

    name_panels = [
        FieldRowPanel([FieldPanel("name_it"), FieldPanel("name_pl")]),
        FieldRowPanel([FieldPanel("name_ro"), FieldPanel("name_en")]),
    ]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self, "name")


class Department(models.Model):
    """Another department a case can be sent to for consultation, and how it is reminded."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("hours")
        DAYS = "days", _("working days")

    name = models.CharField(_("name"), max_length=255, unique=True)
    emails = models.TextField(_("e-mail addresses"), help_text=_("One per line."))
    response_time = models.PositiveSmallIntegerField(_("response time"), default=3)
    response_unit = models.CharField(
        _("response time in"), max_length=5, choices=Unit, default=Unit.DAYS
    )
    reminder_text = models.TextField(
        _("reminder text"),
        blank=True,
        default=_(
            "Good morning,\n\nwe are still waiting for your answer to our consultation on "
            "case {number}. Please answer this e-mail.\n\nThank you"
        ),
        help_text=_(
            "The placeholders of the reminder mail texts are replaced: {case_number}, "
            "{subject}, {department}, {question}, {sent_at}, … Empty: the published reminder "
            "text of the mail texts."
        ),
    )
    reminder_interval_hours = models.PositiveSmallIntegerField(
        _("hours between reminders"), default=24
    )
    reminder_max = models.PositiveSmallIntegerField(
        _("maximum number of reminders"), default=3, help_text=_("0: never remind.")
    )
    calendar = models.ForeignKey(
        "correspondence.WorkingCalendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("working calendar"),
        help_text=_(
            "The response time and the reminders count on this calendar's open time. Empty: "
            "the calendar of the case's service-level policy."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the mails to this department. Empty: the pool's."),
    )
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("emails"),
        FieldPanel("language"),
        FieldPanel("response_time"),
        FieldPanel("response_unit"),
        FieldPanel("calendar"),
        FieldPanel("reminder_text"),
        FieldPanel("reminder_interval_hours"),
        FieldPanel("reminder_max"),
        FieldPanel("active"),
    ]

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def email_list(self) -> list[str]:
        return [e.strip() for e in self.emails.splitlines() if e.strip()]

    def clean(self) -> None:
        super().clean()
        placeholders_validate(kind="reminder", reminder_text=self.reminder_text)


class Category(NamedInLanguages, ClusterableModel):
    """A kind of request, with its own questions; optional pool restricts where it is offered."""

    name = models.CharField(_("name"), max_length=255)
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("pool"),
        help_text=_("Empty: offered in every pool."),
    )
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name"),
        *NamedInLanguages.name_panels,
        FieldPanel("pool", widget=forms.Select),
        FieldPanel("active"),
        InlinePanel("questions", label=_("Questions")),
    ]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "name"], name="unique_category_name")
        ]


class Question(Orderable):
    """A custom question answered by the operator; a required one blocks closing.

    It belongs to a category (edited with it), or to a pool or a mailbox (edited as a
    snippet): a case is asked its category's, its pool's and its mailbox's questions.
    """

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice from a list")
        YES_NO = "yes_no", _("Yes / no")

    class Asked(models.TextChoices):
        AFTER_ANSWERING = "answer", _("After answering")
        AT_CLOSING = "close", _("At closing")

    category = ParentalKey(
        Category, on_delete=models.CASCADE, related_name="questions", null=True, blank=True
    )
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("pool"),
    )
    mailbox = models.ForeignKey(
        "correspondence.Mailbox",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("mailbox"),
    )
    asked = models.CharField(_("asked"), max_length=6, choices=Asked, default=Asked.AT_CLOSING)
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("question"), max_length=255)
    label_it = models.CharField(_("question in Italian"), max_length=255, blank=True)
    label_pl = models.CharField(_("question in Polish"), max_length=255, blank=True)
    label_ro = models.CharField(_("question in Romanian"), max_length=255, blank=True)
    label_en = models.CharField(_("question in English"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.TEXT)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One per line."))
    required = models.BooleanField(_("required to close"), default=False)

    panels = [
        FieldPanel("key"),
        FieldPanel("label"),
        FieldRowPanel([FieldPanel("label_it"), FieldPanel("label_pl")]),
        FieldRowPanel([FieldPanel("label_ro"), FieldPanel("label_en")]),
        FieldPanel("kind"),
        FieldPanel("choices"),
        FieldPanel("required"),
        FieldPanel("asked"),
    ]
    snippet_panels = [FieldPanel("pool"), FieldPanel("mailbox"), *panels]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.shown

    @property
    def shown(self) -> str:
        """The question in the active language, else as first written."""
        return _in_language(self, "label")

    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]


class ResolutionType(NamedInLanguages, models.Model):
    """How a case ended ("answered", "refused", "duplicate"…), chosen when closing."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    panels = [FieldPanel("name"), *NamedInLanguages.name_panels, FieldPanel("active")]

    class Meta:
        verbose_name = _("resolution type")
        verbose_name_plural = _("resolution types")
        ordering = ["name"]
