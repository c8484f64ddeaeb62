"""Consultations: a case's question to another department by e-mail (S1-11)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Consultation(models.Model):
    """One question of a case to a department, sent through the outbox.

    ``message_id`` is the consultation mail's: the department's answer quotes it and
    threads back onto the case. Reminders go past ``due_at``, one per the department's
    interval, up to its maximum.
    """

    case = models.ForeignKey(
        "correspondence.CasePage",
        on_delete=models.CASCADE,
        related_name="consultations",
        verbose_name=_("case"),
    )
    department = models.ForeignKey(
        "correspondence.Department",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("department"),
    )
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, db_index=True)
    sent_at = models.DateTimeField(_("sent at"))
    due_at = models.DateTimeField(_("answer due at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.ForeignKey(
        "correspondence.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answer"),
    )
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateTimeField(_("last reminder at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["sent_at", "pk"]
        indexes = [
            # The reminder sweep: open consultations by due time.
            models.Index(
                fields=["due_at"],
                name="consultation_open_due",
                condition=models.Q(answered_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id}"

    @property
    def on_time(self) -> bool | None:
        """Answered by the due time; None while unanswered."""
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at


class ColleagueQuestion(models.Model):
    """A question on a case to up to five colleagues of any pool, answered in the intranet."""

    case = models.ForeignKey(
        "correspondence.CasePage", on_delete=models.CASCADE, related_name="colleague_questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"))

    class Meta:
        verbose_name = _("question to colleagues")
        verbose_name_plural = _("questions to colleagues")
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return self.question[:60]


class ColleagueAnswer(models.Model):
    """One consulted colleague's place for an answer; blank until they answer."""

    question = models.ForeignKey(
        ColleagueQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="colleague_answers"
    )
    text = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("colleague's answer")
        verbose_name_plural = _("colleagues' answers")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "colleague"], name="unique_colleague_answer"
            )
        ]
        indexes = [models.Index(fields=["colleague", "answered_at"], name="colleague_answer_open")]

    def __str__(self) -> str:
        return f"{self.colleague}: {self.text[:40]}"
