"""A local push service, as the browsers' ones (FCM, Mozilla's, Apple's) answer: it checks the
VAPID signature (RFC 8292) and decrypts each push with the subscriber's keys (RFC 8291), so a
test reads what the device would show. A subscription made with `subscribe()` points here."""

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Device:
    """A browser's side of one subscription: its key pair and auth secret."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self) -> dict:
        public = self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}


class StubPushService:
    def __init__(self):
        self.devices: dict[str, Device] = {}
        self.received: list[dict] = []  # decrypted pushes: {"device", "payload", "ttl", "urgency", "vapid"}
        self.rejected: list[str] = []  # why a push was refused (bad signature, cannot decrypt)
        self.answers: dict[str, int] = {}  # path -> status to answer (410: gone, 500: failing)
        self.arrived = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = service.answers.get(self.path) or service.accept(self.path, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscribe(self, name: str) -> Device:
        device = Device(f"{self.base}/push/{name}")
        self.devices[f"/push/{name}"] = device
        return device

    def accept(self, path: str, headers, body: bytes) -> int:
        device = self.devices.get(path)
        if device is None:
            return 404
        scheme, _, params = headers.get("Authorization", "").partition(" ")
        fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        try:
            assert scheme == "vapid", "not a VAPID authorization"
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
            claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=self.base)
            assert claims["exp"] > time.time() and claims["sub"].startswith(("mailto:", "https:"))
            assert headers.get("Content-Encoding") == "aes128gcm"
            payload = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
            )
        except Exception as exc:  # what a real push service refuses
            self.rejected.append(repr(exc))
            return 403
        with self.arrived:
            self.received.append(
                {
                    "device": path,
                    "payload": json.loads(payload),
                    "ttl": int(headers.get("TTL", "0")),
                    "urgency": headers.get("Urgency"),
                    "vapid_key": fields["k"],
                }
            )
            self.arrived.notify_all()
        return 201

    def wait_for(self, count: int, timeout: float = 5) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
