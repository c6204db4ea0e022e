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
        self.fee = 50
        self.refund_status = "succeeded"
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

    def calls(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"].startswith(path)]

    def handle(self, method, path, params, headers):
        with self._lock:
            key = headers.get("Idempotency-Key") or headers.get("idempotency-key")
            self.requests.append({"method": method, "path": path, "params": params, "idempotency_key": key})
            if self.fail_next:
                self.fail_next -= 1
                return 500, {"error": {"type": "api_error", "message": "Stub failure"}}
            if key and key in self.idempotent:
                return self.idempotent[key]
            answer = self._route(method, path, params)
            if key and method == "POST":
                self.idempotent[key] = answer
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
        return 404, {"error": {"type": "invalid_request_error", "message": f"No stub for {method} {path}"}}
