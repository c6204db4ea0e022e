"""`manage.py check --deploy`: the test payment provider never goes live by accident."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from billing import gateway


@register(Tags.security, deploy=True)
def test_provider_not_in_production(app_configs, **kwargs):
    if settings.DEBUG or not gateway.test_mode():
        return []
    return [
        Error(
            "The built-in test payment provider is on with DEBUG off: anyone can 'pay' for any course "
            "or subscription without money changing hands.",
            hint="Set STRIPE_SECRET_KEY, or unset BILLING_TEST_PROVIDER_IN_PRODUCTION_I_UNDERSTAND "
            "(only a staging site should ever set it).",
            id="billing.E001",
        )
    ]
