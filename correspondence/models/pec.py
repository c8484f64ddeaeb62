"""Certificates of certified PEC providers an administrator trusts (AgID's list)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PecTrustedCertificate(models.Model):
    """One provider certificate of the trust list; a signer it issued (or that it is) is
    a certified provider."""

    subject = models.CharField(_("subject"), max_length=1000)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    pem = models.TextField(_("certificate (PEM)"))
    not_valid_after = models.DateTimeField(_("valid until"))
    source = models.CharField(_("imported from"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted PEC provider certificate")
        verbose_name_plural = _("trusted PEC provider certificates")
        ordering = ["subject"]

    def __str__(self) -> str:
        return self.subject


class PecRevocationList(models.Model):
    """A certificate revocation list an administrator imported for a trusted provider
    (there is no network to fetch it): its signature was verified against the
    trust list at import; the newest one per issuer is kept."""

    issuer = models.CharField(_("issuer"), max_length=1000, unique=True)
    der = models.BinaryField(_("CRL (DER)"))
    last_update = models.DateTimeField(_("issued at"))
    next_update = models.DateTimeField(_("next update"), null=True, blank=True)
    revoked_count = models.PositiveIntegerField(_("revoked certificates"), default=0)
    source = models.CharField(_("imported from"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("PEC certificate revocation list")
        verbose_name_plural = _("PEC certificate revocation lists")
        ordering = ["issuer"]

    def __str__(self) -> str:
        return self.issuer
