from .context import client_address


def _address(request) -> str:
    # Behind nginx the peer is the proxy; trust X-Forwarded-For only when told to.
    from django.conf import settings

    if getattr(settings, "NONGAN_TRUST_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)


class ChosenLanguageMiddleware:
    """Chinese unless the user picked another language with the switcher: officers' browsers
    often announce English, and that is not a choice the user made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


class NoNulMiddleware:
    """A NUL character means nothing in any of our fields and PostgreSQL text cannot hold
    one: strip it from the query string's values, so a stray %00 in a search is a no-op
    rather than a server error on every list that filters by text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", ""):
            cleaned = request.GET.copy()
            for key, values in list(cleaned.lists()):
                cleaned.setlist(key, [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


# Permissions-Policy: the field app takes the phone's position and photos (camera=(self) for
# <input capture>); every other powerful feature is off for this site and anything it embeds.
# Only features Chromium knows: an unknown name is a console error on every page.
PERMISSIONS_POLICY = ", ".join([
    "geolocation=(self)", "camera=(self)",
    *(f"{feature}=()" for feature in (
        "accelerometer", "autoplay", "bluetooth", "display-capture", "encrypted-media",
        "fullscreen", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone",
        "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )),
])


def tile_source(template: str) -> str:
    """The CSP source for a Leaflet tile URL template (settings.NONGAN_MAP_TILES): its origin,
    with a {s} subdomain placeholder as a wildcard; '' for none or a same-origin path."""
    from urllib.parse import urlsplit

    if not template or template.startswith("/") and not template.startswith("//"):
        return ""
    parts = urlsplit(template.replace("{s}", "__sub__"))
    if not parts.netloc:
        return ""
    host = parts.netloc.replace("__sub__", "*")
    if "{" in host:  # another placeholder in the host: allow the host's parent domain
        host = "*." + host.split(".", 1)[1] if "." in host else ""
    return f"{parts.scheme or 'https'}://{host}" if host else ""


def content_security_policy(path: str = "") -> str:
    """The site's Content-Security-Policy (docs9-headers.md: what each directive is for)."""
    from django.conf import settings

    tiles = tile_source(getattr(settings, "NONGAN_MAP_TILES", ""))
    directives = {
        "default-src": ["'self'"],
        # No 'unsafe-inline', no 'unsafe-eval': every script is a static file; data for a
        # script travels in data- attributes or json_script tags (not executable).
        "script-src": ["'self'"],
        # Style ATTRIBUTES only: ECharts writes its tooltips and Leaflet.draw its hints as
        # markup with style="..." (innerHTML), and a few templates size bars with
        # style="width:N%". Browsers that know style-src-elem still refuse inline <style>
        # elements (style-src-elem below); an attribute cannot load anything or select.
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *([tiles] if tiles else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],  # the field app's service worker, /field/sw.js
        "manifest-src": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class SecurityHeadersMiddleware:
    """Security headers on every response — pages, API JSON, static files, errors: a strict
    Content-Security-Policy (Report-Only when NONGAN_CSP_REPORT_ONLY=1), Referrer-Policy,
    Permissions-Policy, Cross-Origin-Opener-Policy. HSTS comes from Django's
    SecurityMiddleware when NONGAN_HTTPS=1 (settings.py, "# Security headers")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        header = ("Content-Security-Policy-Report-Only"
                  if getattr(settings, "NONGAN_CSP_REPORT_ONLY", False)
                  else "Content-Security-Policy")
        response.headers.setdefault(header, content_security_policy(request.path))
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
