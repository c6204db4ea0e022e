"""Lyceum settings: one module, configured from the environment only.

Every variable is listed and explained in `.env.example`. An integration turns on only
when its variable is set (Redis, S3, Google, OpenID Connect, Stripe, Zoom...).
"""

from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local `.env` (made by `make run` from `.env.example`) fills in what the real
# environment leaves unset; the real environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    try:
        SECRET_KEY = env("SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.") from exc

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Lyceum — before django.contrib.admin so our templates override its own.
    "lms.apps.LmsConfig",
    "courses",
    "coursework",
    "discussions",
    "live",
    "billing",
    "chat",
    "tutors",
    "board",
    "reviews",
    "api",
    "push",
    # Realtime
    "channels",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.headless",  # the app sign-in behind the API's access and refresh tokens (api/)
    # The public API (api/)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    # Front end and jobs
    "csp",
    "django_htmx",
    "template_partials",
    "tailwind",
    "django_q",
    "solo",
    # Django
    "lms.apps.LmsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.infra.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lms.infra.middleware.MalformedInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lms.infra.middleware.UserTimezoneMiddleware",
    "lms.infra.middleware.UserLanguageMiddleware",
    "lms.infra.middleware.StaffAreaGuardMiddleware",
    # Visitors' shared pages (lms/infra/pagecache.py): keyed by the time zone the middleware above set.
    "lms.infra.pagecache.VisitorPageCacheMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "api.middleware.ApiResponseHeadersMiddleware",
]

ROOT_URLCONF = "lms.config.urls"
WSGI_APPLICATION = "lms.config.wsgi.application"
ASGI_APPLICATION = "lms.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.context_processors.site_shell",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: wait for the lock instead of failing, and take the write
    # lock at BEGIN so read-then-write transactions cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # Each process keeps a pool of connections (psycopg_pool, built into Django): a request,
    # task or socket call borrows one and gives it back when it ends. Persistent connections
    # (CONN_MAX_AGE) are per thread, and under ASGI every request runs in a thread of its
    # own, so they piled up, one per concurrent request, until PostgreSQL ran out.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=8),
        # Seconds a request waits for a free connection before it fails.
        "timeout": env.float("DB_POOL_TIMEOUT", default=10),
        # Connections above min_size unused this long are closed, one per period.
        "max_idle": env.float("DB_POOL_MAX_IDLE", default=60),
    }
    # Nothing here streams a query with .iterator(); plain cursors keep a transaction-mode
    # PgBouncer in front of PostgreSQL working (Django already prepares no statements).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # While Redis is unreachable every cache call is a logged miss instead of an error
    # (django-redis' IGNORE_EXCEPTIONS; docs/deploy.md, "When Redis is down").
    _redis_cache = {
        "BACKEND": "lms.infra.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
    CACHES = {"default": _redis_cache, "renditions": {**_redis_cache, "KEY_PREFIX": "renditions"}}
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Redis pub/sub ignores the db number: the prefix keeps two deployments (or test
            # runs) that share one Redis server from hearing each other's groups.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CHANNEL_LAYER_PREFIX", default="lyceum")},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lyceum"},
        "renditions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "renditions"},
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# One-row settings staff edit in the admin (chat moderation, meeting provider; django-solo):
# read from the shared cache, replaced there when staff save them.
SOLO_CACHE = "default"

# django-q2 with the database as its broker, Redis or not: a task is a row, queued by the
# same PostgreSQL that holds the write it follows, so a Redis outage loses no email. A task
# that raises is not acknowledged, so the broker presents it again after `retry` seconds, up
# to `max_attempts` times — that is how a failed email send is retried.
Q_CLUSTER = {
    "name": "lyceum",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 60,
    "retry": 90,
    "max_attempts": 5,
    "ack_failures": False,
    "catch_up": False,
    "poll": 0.5,
    "label": gettext_lazy("Background tasks"),
    "orm": "default",
}
if env.bool("Q_SYNC", default=False):
    Q_CLUSTER["sync"] = True

# --- Users and accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions in the database only (one primary-key read a request): they survive a Redis
# outage, and no cached copy can outlive a sign-out made while Redis was unreachable.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "lms.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "lms.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "lms.forms.SignupExtraForm"
ACCOUNT_FORMS = {"login": "lms.account_forms.LoginForm"}  # "Remember me", the site's words
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lyceum] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# allauth's defaults, spelled out so they are visible and tunable from one place.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# Behind reverse proxies every request comes from the nearest proxy's address. Each proxy of
# ours appends the address it was reached from to X-Forwarded-For, so with N proxies the
# client is the Nth entry from the right; anything a client wrote into the header itself
# sits further left and is ignored. 0 (no proxy, `make run`): REMOTE_ADDR is the client.
# allauth's rate limits and our audit log (lms.admin_site.client_ip) both read it this way.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Lyceum"

SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_PROVIDERS = {}
if env("GOOGLE_CLIENT_ID", default="") and env("GOOGLE_CLIENT_SECRET", default=""):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env("GOOGLE_CLIENT_ID"), "secret": env("GOOGLE_CLIENT_SECRET")}],
        "SCOPE": ["profile", "email"],
        "EMAIL_AUTHENTICATION": True,
    }
if env("OIDC_CLIENT_ID", default="") and env("OIDC_SERVER_URL", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env("OIDC_PROVIDER_ID", default="sso"),
                "name": env("OIDC_NAME", default="Single sign-on"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            }
        ]
    }
# A provider's app (and so its login URLs) exists only when it is configured: unconfigured,
# /accounts/google/login/ would be a 500 (no app to sign in with), not a 404.
INSTALLED_APPS += [f"allauth.socialaccount.providers.{provider}" for provider in SOCIALACCOUNT_PROVIDERS]

# --- Public API (api/, docs/api.md) -------------------------------------------------------
REST_FRAMEWORK = {
    # Personal access tokens (integrations), the app's access tokens (allauth's headless JWTs),
    # and the site's own session for its scripts (with CSRF, as every POST on the site).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.PersonalAccessTokenAuthentication",
        "allauth.headless.contrib.rest_framework.authentication.JWTTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientAddressRate", "api.throttling.TokenRate"],
    "DEFAULT_THROTTLE_RATES": {
        # Anonymous requests per client address, and signed-in requests per token (or person), e.g. "100/15m".
        "anon": env("API_RATE_PER_ADDRESS", default="100/15m"),
        "token": env("API_RATE_PER_TOKEN", default="1000/15m"),
    },
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lyceum API",
    "DESCRIPTION": "The public API of Lyceum, version 1. See docs/api.md.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's script and styles from this server (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["api.schema.only_the_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
        "api.schema.text_not_blank",
    ],
}
# Apps sign in through allauth's headless API (/_allauth/app/v1/…: password, then the second
# factor when the person has one) and get a short-lived access token and a refresh token
# that turns into a new pair once: api/tokens.py.
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "api.tokens.RotatingTokenStrategy"
HEADLESS_JWT_ALGORITHM = "RS256" if env("API_JWT_PRIVATE_KEY", default="") else "HS256"
HEADLESS_JWT_PRIVATE_KEY = env("API_JWT_PRIVATE_KEY", default="")  # PEM; HS256 with SECRET_KEY without it
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = env.int("API_ACCESS_TOKEN_SECONDS", default=300)
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = env.int("API_REFRESH_TOKEN_SECONDS", default=30 * 86400)
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
# An access token dies with its session (sign-out, password change, deactivation) at once.
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
HEADLESS_FRONTEND_URLS = {}
# Other sites' scripts may call the API only from origins named here (none by default).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|_allauth)/.*$"
CORS_ALLOW_HEADERS = ["authorization", "content-type", "if-none-match", "idempotency-key", "x-session-token"]
CORS_EXPOSE_HEADERS = ["etag", "deprecation", "sunset", "link", "retry-after", "idempotent-replayed"]
# Where errors the middleware answers itself (a NUL in the query, an impossible id) come as
# RFC 9457 problem JSON rather than the site's error page.
PROBLEM_JSON_PATHS = ["/api/"]
# Set when v2 ships: v1 responses then say so (RFC 9745 Deprecation, RFC 8594 Sunset).
API_V1_DEPRECATED_AT = env("API_V1_DEPRECATED_AT", default="")  # e.g. 2027-06-01
API_V1_SUNSET_AT = env("API_V1_SUNSET_AT", default="")

# --- Web push (push/) -------------------------------------------------------------------
# The VAPID key, base64url (`manage.py webpush_key` makes one; keep it, or every device must subscribe again).
# Without one push is off, except under DEBUG, which makes a key of the checkout's own.
WEBPUSH_VAPID_PRIVATE_KEY = env("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_CONTACT = env("WEBPUSH_CONTACT", default="")  # mailto: or https:; default DEFAULT_FROM_EMAIL
WEBPUSH_TTL = env.int("WEBPUSH_TTL", default=24 * 3600)  # how long a push service keeps one for an offline device
# The push services browsers subscribe with; the worker posts to no other host.
WEBPUSH_SERVICES = env.list(
    "WEBPUSH_SERVICES",
    default=[
        "https://fcm.googleapis.com",
        "https://*.push.services.mozilla.com",
        "https://web.push.apple.com",
        "https://*.notify.windows.com",
    ],
)

# --- Email ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Lyceum <no-reply@lyceum.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation and time ------------------------------------------------------
# The interface's languages. A signed-in user's profile setting wins, then the switcher's
# cookie, then the browser's Accept-Language (lms.infra.middleware.UserLanguageMiddleware).
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("es", "Español"),
    ("hi", "हिन्दी"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lyceum_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)
    # Private objects, served through short-lived signed URLs.
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
    AWS_S3_FILE_OVERWRITE = False
    default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MAX_UPLOAD_IMAGE_BYTES = env.int("MAX_UPLOAD_IMAGE_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Tailwind (npm mode; the built CSS is committed, so running needs no Node) ----------
TAILWIND_APP_NAME = "lms"
NPM_BIN_PATH = env("NPM_BIN_PATH", default="npm")

# --- Wagtail ----------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Lyceum"
# Course content in several languages: each page has a locale; teachers translate a course
# with Wagtail's "Translate" action (wagtail.contrib.simple_translation), which copies the
# page (and its lessons) into the other locale as drafts to be translated and published.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = MAX_UPLOAD_IMAGE_BYTES
# The admin calls no outside host: no gravatar avatars, no release check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it: the token is in hx-headers
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # The `/healthz` probe comes from the load balancer over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Content-Security-Policy (django-csp; lms.infra.middleware.ContentSecurityPolicyMiddleware) ---
# The site's own pages run only our static scripts: no inline script, no eval, no outside
# host. Inline <script> must carry the request's nonce ({% load csp %}{% script %}).
# Pages cached whole must not carry a nonce, so none uses one today.
_media_origins = env.list("CSP_MEDIA_ORIGINS", default=[])  # where private media URLs point (S3)
if AWS_STORAGE_BUCKET_NAME and not _media_origins:
    if AWS_S3_CUSTOM_DOMAIN:
        _media_origins = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:
        _endpoint = AWS_S3_ENDPOINT_URL.rstrip("/")
        _scheme, _, _host = _endpoint.partition("://")
        _media_origins = [_endpoint, f"{_scheme}://{AWS_STORAGE_BUCKET_NAME}.{_host}"]
    else:
        _media_origins = [
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME or 'us-east-1'}.amazonaws.com",
        ]
_VIDEO_PLAYERS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]  # courses/embeds.py
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *_media_origins],
        "media-src": [SELF, *_media_origins],
        "font-src": [SELF],
        # htmx and the WebSockets (same origin); the service worker fetches lessons' images to
        # keep them for offline reading (templates/pwa/sw.js), and a worker's fetches obey this.
        "connect-src": [SELF, *_media_origins],
        "frame-src": _VIDEO_PLAYERS,
        "object-src": [NONE],
        "base-uri": [SELF],
        # Forms post here; some then redirect out (Stripe checkout, sign-in providers, the
        # meeting host of a live class, which staff configure), so any https: target.
        "form-action": [SELF, "https:"],
        "frame-ancestors": [NONE],
    }
}
# The staff areas render third-party templates: Wagtail's widgets and panels write inline
# scripts and styles (wagtail/wagtail#1288), Django admin and our reports inline styles.
# Still no outside host, no eval, no plugins, and only the CMS may frame itself (previews).
CSP_AREA_POLICIES = {
    "/cms/": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_media_origins],
        "frame-src": [SELF, *_VIDEO_PLAYERS],
        "frame-ancestors": [SELF],
    },
    "/admin/": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
    },
    # The API's docs (Swagger UI, drf-spectacular's page): its scripts are files of this server,
    # its page carries one inline <style>.
    "/api/v1/docs/": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django-q": {"level": env("Q_LOG_LEVEL", default="WARNING")},  # django-q2's logger name
        "django_tasks": {"level": "WARNING"},
    },
}

# --- billing ---
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
# No STRIPE_SECRET_KEY: the built-in test payment provider (a local checkout page whose Pay
# button grants the course) — with DEBUG on only, unless this loud switch turns it on for a
# staging site. Otherwise checkout says payments are not configured. `check --deploy` fails
# while it is on with DEBUG off (billing/checks.py).
BILLING_TEST_PROVIDER_ALLOWED = DEBUG or env.bool("BILLING_TEST_PROVIDER_IN_PRODUCTION_I_UNDERSTAND", default=False)
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
# The webhook refuses every request while this is unset.
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Stripe signs events from connected accounts (teachers' payout accounts) with the secret of
# their own endpoint, /billing/stripe/connect-webhook/.
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
# Only tests point this at a local Stripe-compatible stub server.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
PLATFORM_FEE_PERCENT = Decimal(env("PLATFORM_FEE_PERCENT", default="20"))
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
BILLING_SELLER_NAME = env("BILLING_SELLER_NAME", default="Lyceum Learning Ltd")
BILLING_SELLER_ADDRESS = env("BILLING_SELLER_ADDRESS", default="1 Example Street, London, EC1A 1AA, United Kingdom")
BILLING_SELLER_TAX_ID = env("BILLING_SELLER_TAX_ID", default="")
# e.g. BILLING_TAX_NAME=VAT and BILLING_TAX_PERCENT=20: prices include the tax; the receipt shows it.
BILLING_TAX_NAME = env("BILLING_TAX_NAME", default="")
BILLING_TAX_PERCENT = Decimal(env("BILLING_TAX_PERCENT", default="0"))
BILLING_RECEIPT_PREFIX = env("BILLING_RECEIPT_PREFIX", default="LY-")
# The least payable balance (minor units, in each currency) the daily payout run transfers.
BILLING_PAYOUT_MINIMUM = env.int("BILLING_PAYOUT_MINIMUM", default=1000)

# --- live ---
# Video meetings: Jitsi by default; a signed JWT when the app id/secret are set. Zoom
# (server-to-server OAuth) when its three credentials are set. Staff pick the provider
# and the Jitsi domain in Django admin (live › Meeting settings).
JITSI_DOMAIN = env("JITSI_DOMAIN", default="meet.jit.si")
JITSI_APP_ID = env("JITSI_APP_ID", default="")
JITSI_APP_SECRET = env("JITSI_APP_SECRET", default="")
ZOOM_ACCOUNT_ID = env("ZOOM_ACCOUNT_ID", default="")
ZOOM_CLIENT_ID = env("ZOOM_CLIENT_ID", default="")
ZOOM_CLIENT_SECRET = env("ZOOM_CLIENT_SECRET", default="")
ZOOM_API_BASE = env("ZOOM_API_BASE", default="https://api.zoom.us/v2").rstrip("/")
ZOOM_OAUTH_URL = env("ZOOM_OAUTH_URL", default="https://zoom.us/oauth/token")
# Every confirmation/change email with its .ics is also copied here (blank: nobody).
BOOKING_CC_EMAIL = env("BOOKING_CC_EMAIL", default="")
# The tutor directory's "Recommended" order (tutors.ranking.score): each factor's weight,
# the Bayesian prior for ratings, and how many reasons each result shows.
TUTOR_RANKING = {
    "subject": 3.0,
    "level": 1.0,
    "time": 2.0,
    "language": 1.0,
    "budget": 1.0,
    "rating": 2.0,
    "response": 0.5,
    "reliability": 1.0,
    "prior_mean": 4.0,
    "prior_reviews": 10,
    "reasons_shown": 3,
}
# The largest credential (ID, diploma) a teacher may upload for verification.
TUTOR_CREDENTIAL_MAX_BYTES = env.int("TUTOR_CREDENTIAL_MAX_BYTES", default=10 * 1024 * 1024)

# The tutoring board: how long a post stays open, and how many best-matched tutors hear
# of a new request.
BOARD_POST_DAYS = env.int("BOARD_POST_DAYS", default=30)
BOARD_MATCH_NOTIFY = env.int("BOARD_MATCH_NOTIFY", default=5)

LIVE_JOIN_OPENS_MINUTES = env.int("LIVE_JOIN_OPENS_MINUTES", default=10)
LIVE_CANCEL_CUTOFF_HOURS = env.int("LIVE_CANCEL_CUTOFF_HOURS", default=2)
# A request nobody answered expires this long before its start, freeing the slot.
LIVE_PENDING_EXPIRES_MINUTES = env.int("LIVE_PENDING_EXPIRES_MINUTES", default=60)

# --- chat ---
CHAT_MESSAGE_MAX_LENGTH = env.int("CHAT_MESSAGE_MAX_LENGTH", default=4000)
CHAT_ATTACHMENT_MAX_BYTES = env.int("CHAT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# (messages, seconds) per user, counted over the sender's stored messages.
CHAT_RATE_LIMIT = (env.int("CHAT_RATE_LIMIT_COUNT", default=20), env.int("CHAT_RATE_LIMIT_SECONDS", default=10))
# (catch-up requests, seconds) per socket: what a reconnecting tab needs, not a flood.
CHAT_SYNC_RATE_LIMIT = (
    env.int("CHAT_SYNC_RATE_LIMIT_COUNT", default=10),
    env.int("CHAT_SYNC_RATE_LIMIT_SECONDS", default=10),
)
# Open chat tabs beat this often; a user is online until two beats are missed.
CHAT_HEARTBEAT_SECONDS = env.int("CHAT_HEARTBEAT_SECONDS", default=10)

# --- courses ---
# YouTube/Vimeo players are built from the URL (courses/embeds.py): no oEmbed network call.
WAGTAILEMBEDS_FINDERS = [{"class": "courses.embeds.LocalVideoFinder"}]
# Every document goes through Wagtail's serve view, where `before_serve_document`
# (courses/wagtail_hooks.py) checks the viewer may open the lesson that uses it — also on S3,
# where the view streams the private object instead of redirecting to a public URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Every document is a download (Content-Disposition: attachment), PDFs included: a browser's
# PDF viewer would run a script hidden in one. Wagtail adds nosniff and a `default-src 'none'`
# policy to each. Videos still play in <video>, which ignores the disposition.
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILDOCS_EXTENSIONS = [*WAGTAILDOCS_EXTENSIONS, "mp4", "webm"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024
