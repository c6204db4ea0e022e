import pytest

from billing.tests.factories import course_create
from billing.tests.stripe_stub import StripeStub

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_stub(settings):
    """Real `stripe` library calls, answered by a local stub; webhooks signed with WEBHOOK_SECRET."""
    stub = StripeStub().start()
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield stub
    stub.stop()


@pytest.fixture
def test_provider(settings):
    """No Stripe key: the local test payment provider."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    return settings


@pytest.fixture
def course(teacher):
    return course_create(teacher=teacher, price="25.00")


# Every test that touches the database ends by checking that the ledger balances: see
# `_ledger_stays_balanced` in the root conftest.py.
