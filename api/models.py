"""Personal access tokens: what an integration (a script, a school's other system) signs in
with. Apps sign in with allauth's access and refresh tokens instead (api/tokens.py)."""

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalAccessToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="personal_access_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    # The token is shown once, when made; what is kept is its SHA-256 (the token is 256 random
    # bits, so a fast hash is as safe as a slow one) and its first characters, to recognise it.
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or timezone.now() < self.expires_at)

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class IdempotentRequest(models.Model):
    """A POST sent with an `Idempotency-Key`: the first answer, replayed to every retry with the
    same key for 24 hours, so a retried booking or payment is made once (api/idempotency.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # None: still being answered
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_answer_per_idempotency_key")]

    def __str__(self):
        return self.key


class WebhookEndpoint(models.Model):
    """Where staff asked Lyceum to send events (outgoing webhooks, api/webhooks.py)."""

    url = models.URLField(_("URL"), max_length=500, help_text=_("An HTTPS address that accepts POSTed JSON."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list, help_text=_("The events to send here."))
    secret = models.CharField(
        _("signing secret"), max_length=80, editable=False, help_text=_("Verifies the Lyceum-Signature header.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    failures_in_a_row = models.PositiveIntegerField(_("failed deliveries in a row"), default=0)
    disabled_reason = models.CharField(_("why it was turned off"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url

    def save(self, *args, **kwargs):
        if not self.secret:  # made once, when the endpoint is created; shown to staff to verify signatures
            self.secret = "whsec_" + secrets.token_urlsafe(32)
        super().save(*args, **kwargs)


class WebhookDelivery(models.Model):
    """One event for one endpoint: tried until it is answered 2xx, a few times, with backoff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Gave up")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event_id = models.UUIDField(_("event ID"))
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_response = models.CharField(_("last response"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        # One delivery per event per endpoint, however often the event is handed over.
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event")]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
