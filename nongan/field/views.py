"""The offline field app (现场巡查, 现场采样): one shell page, its service worker and its manifest.

The shell holds nothing personal: the service worker caches it and serves it with the
network off, and app.js fetches the user's data from the API into IndexedDB.
"""

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

# What the service worker precaches: the shell page and every file it loads.
SHELL_STATIC = [
    "field/app.js",
    "field/sampling.js",
    "field/field.css",
    "nongan/site.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
]


@require_GET
@login_required
@ensure_csrf_cookie  # app.js sends the csrftoken cookie back as X-CSRFToken
def shell(request):
    response = HttpResponse(render_to_string("field/shell.html", request=request))
    # The service worker decides about caching; browsers must not keep a stale copy.
    response["Cache-Control"] = "no-cache"
    return response


def _version() -> str:
    """Changes whenever a precached file changes, so the browser installs a new worker."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        found = finders.find(name)
        if found:
            with open(found, "rb") as f:
                digest.update(f.read())
    for name in ("field/shell.html", "field/sw.js"):
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    context = {
        "version": _version(),
        "shell_url": reverse("field"),
        "shell_static": json.dumps([static(name) for name in SHELL_STATIC]),
        "api_prefix": "/api/v1/",
    }
    response = HttpResponse(render_to_string("field/sw.js", context),
                            content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    body = {
        "name": "农安 · 现场巡查与采样",
        "short_name": "农安巡查",
        "lang": "zh-CN",
        "start_url": reverse("field"),
        "scope": reverse("field"),
        "display": "standalone",
        "background_color": "#f5f7f8",
        "theme_color": "#1f6f43",
        "icons": [{"src": static("field/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False),
                        content_type="application/manifest+json; charset=utf-8")
