from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand
from py_vapid import Vapid
from py_vapid.utils import b64urlencode


class Command(BaseCommand):
    help = "Make a VAPID key pair for web push: put the private key in WEBPUSH_VAPID_PRIVATE_KEY."

    def handle(self, *args, **options):
        key = Vapid()
        key.generate_keys()
        private = b64urlencode(key.private_key.private_numbers().private_value.to_bytes(32, "big"))
        public = b64urlencode(key.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}\n")
        self.stdout.write(f"# its public key (GET /api/v1/push/ answers it): {public}\n")
