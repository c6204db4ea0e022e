"""A local Stripe-compatible HTTP server for tests, and Stripe-style webhook signing.

The real `stripe` library talks to it (STRIPE_API_BASE points here); it answers the few
endpoints billing uses with Stripe-shaped JSON, honours Idempotency-Key like Stripe
does (same key → same response, no second effect), and records every request.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send for `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """Stripe form encoding (a[b][0][c]=x) → nested dicts (lists as index-keyed dicts)."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root


class StripeStub:
    def __init__(self):
        self.requests: list[dict] = []
        self.idempotent: dict[str, tuple[int, dict]] = {}
        self.fail_next: int = 0  # answer the next N requests with 500
        # Do the next N requests' work but answer 500, as when the answer is lost on the way
        # (a timeout): a retry with the same Idempotency-Key then gets the first answer.
        self.lose_answer_next: int = 0
        self.transfer_error: str = ""  # set: /v1/transfers answers 400 with this message
        self.accounts: dict[str, dict] = {}
        self.transfers: list[dict] = []  # the transfers made (not the requests: see `calls`)
        self.fee = 50
        self.refund_status = "succeeded"
        self.captured_intents: list[str] = []  # PaymentIntents captured (manual capture), in order
        self.cancelled_intents: list[str] = []  # authorisations released
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = urlparse(self.path)
                params = _nest(parse_qsl(body or url.query, keep_blank_values=True))
                status, data = stub.handle(method, url.path, params, dict(self.headers))
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", "req_stub")
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_stub{next(self._ids):06d}"

    def _intent(self, intent_id: str, *, status: str) -> dict:
        return {
            "id": intent_id,
            "object": "payment_intent",
            "status": status,
            "latest_charge": {
                "id": f"ch_for_{intent_id}",
                "object": "charge",
                "balance_transaction": {"id": f"txn_for_{intent_id}", "object": "balance_transaction", "fee": self.fee},
            },
        }

    def calls(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"].startswith(path)]

    def handle(self, method, path, params, headers):
        with self._lock:
            key = headers.get("Idempotency-Key") or headers.get("idempotency-key")
            self.requests.append({"method": method, "path": path, "params": params, "idempotency_key": key})
            if self.fail_next:
                self.fail_next -= 1
                return 500, {"error": {"type": "api_error", "message": "Stub failure"}}
            replay = key and self.idempotent.get(key)
            answer = replay or self._route(method, path, params)
            if key and method == "POST":
                self.idempotent[key] = answer
            if self.lose_answer_next:
                self.lose_answer_next -= 1
                return 500, {"error": {"type": "api_error", "message": "Stub lost the answer"}}
            return answer

    def _route(self, method, path, params):
        if method == "POST" and path == "/v1/customers":
            return 200, {"id": self.new_id("cus"), "object": "customer", "email": params.get("email")}
        if method == "POST" and path == "/v1/checkout/sessions":
            session_id = self.new_id("cs")
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "customer": params.get("customer"),
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "metadata": params.get("metadata", {}),
            }
        if method == "POST" and path.startswith("/v1/payment_intents/") and path.endswith("/capture"):
            intent_id = path.split("/")[3]
            if intent_id in self.cancelled_intents:
                return 400, {"error": {"type": "invalid_request_error", "message": "This PaymentIntent is canceled."}}
            self.captured_intents.append(intent_id)
            return 200, self._intent(intent_id, status="succeeded")
        if method == "POST" and path.startswith("/v1/payment_intents/") and path.endswith("/cancel"):
            intent_id = path.split("/")[3]
            if intent_id in self.cancelled_intents:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "payment_intent_unexpected_state",
                        "message": "You cannot cancel this PaymentIntent because it has a status of canceled.",
                    }
                }
            self.cancelled_intents.append(intent_id)
            return 200, {"id": intent_id, "object": "payment_intent", "status": "canceled"}
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            intent_id = path.rsplit("/", 1)[1]
            return 200, {
                "id": intent_id,
                "object": "payment_intent",
                "latest_charge": {
                    "id": f"ch_for_{intent_id}",
                    "object": "charge",
                    "balance_transaction": {
                        "id": f"txn_for_{intent_id}",
                        "object": "balance_transaction",
                        "fee": self.fee,
                    },
                },
            }
        if method == "POST" and path == "/v1/refunds":
            return 200, {
                "id": self.new_id("re"),
                "object": "refund",
                "amount": int(params.get("amount", 0)),
                "payment_intent": params.get("payment_intent"),
                "status": self.refund_status,
            }
        if method == "POST" and path == "/v1/billing_portal/sessions":
            return 200, {
                "id": self.new_id("bps"),
                "object": "billing_portal.session",
                "url": f"https://billing.stripe.test/p/session/{params.get('customer')}",
            }
        if method == "POST" and path == "/v1/accounts":
            account_id = self.new_id("acct")
            self.accounts[account_id] = {
                "id": account_id,
                "object": "account",
                "type": params.get("type"),
                "email": params.get("email"),
                "country": params.get("country") or "GB",
                "details_submitted": False,
                "payouts_enabled": False,
                "charges_enabled": False,
                "capabilities": {"transfers": "inactive"},
                "metadata": params.get("metadata", {}),
                "created": int(time.time()),
            }
            return 200, self.accounts[account_id]
        if method == "GET" and path.startswith("/v1/accounts/"):
            account = self.accounts.get(path.rsplit("/", 1)[1])
            if account is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such account"}}
            return 200, account
        if method == "POST" and path == "/v1/account_links":
            return 200, {
                "object": "account_link",
                "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
                "url": f"https://connect.stripe.test/setup/e/{params.get('account')}/{self.new_id('link')}",
            }
        if method == "POST" and path == "/v1/transfers":
            if self.transfer_error:
                return 400, {"error": {"type": "invalid_request_error", "message": self.transfer_error}}
            transfer = {
                "id": self.new_id("tr"),
                "object": "transfer",
                "amount": int(params.get("amount", 0)),
                "amount_reversed": 0,
                "currency": params.get("currency"),
                "destination": params.get("destination"),
                "description": params.get("description"),
                "metadata": params.get("metadata", {}),
                "transfer_group": params.get("transfer_group"),
                "reversed": False,
                "created": int(time.time()),
            }
            self.transfers.append(transfer)
            return 200, transfer
        return 404, {"error": {"type": "invalid_request_error", "message": f"No stub for {method} {path}"}}

    def account_complete(self, account_id: str) -> dict:
        """The teacher finished Stripe's onboarding: the account can receive payouts."""
        self.accounts[account_id].update(
            details_submitted=True, payouts_enabled=True, charges_enabled=True, capabilities={"transfers": "active"}
        )
        return self.accounts[account_id]
