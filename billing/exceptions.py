"""The billing domain's one exception family; views turn these into messages."""


class BillingError(Exception):
    """Something billing refuses to do; the message is fit to show the person asking."""


class AlreadyOwned(BillingError):
    """The student already has access to the course."""


class EventRejected(BillingError):
    """A provider event that contradicts our records (amount, currency, customer)."""


class EventParked(BillingError):
    """An event that refers to something not recorded yet; retried after later events."""


class GatewayError(BillingError):
    """The payment provider failed or refused the call."""


class PaymentsNotConfigured(GatewayError):
    """No payment provider: no Stripe key, and the test provider is not allowed (DEBUG off)."""
