"""Re-authentication for admin changes (重新验证身份, "sudo mode", 等保 2.0 level 3).

A POST that changes what the whole city works with (checklists, credit rules, standards,
partner agencies, assessment tables, risk settings, accounts) needs the password or an
authenticator code confirmed within settings.NONGAN_REAUTH_MINUTES. A login counts as a
confirmation, and so does a new API bearer token (it is a login) for its first minutes.

    @login_required
    @require_http_methods(["GET", "POST"])
    @reauth_required("template.edit")
    def template_list(request): ...

Reading (GET, HEAD) stays free. A role the action is not for passes through to the view,
which answers its own 403. Otherwise a page goes to the confirm page and back; the API
answers 403 {"detail": "需要重新验证身份", "reauth": true} (ask for a new token).
Works on Django views and, under the route decorator, on ninja operations.
"""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .permissions import allowed

SESSION_KEY = "reauth_at"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
REFUSAL = {"detail": "需要重新验证身份", "reauth": True}


def window_seconds() -> int:
    return settings.NONGAN_REAUTH_MINUTES * 60


def stamp(request) -> None:
    """The user just proved who they are (a login, the confirm page)."""
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = time.time()


def on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver (connected in people.apps): a login is a confirmation."""
    if request is not None:
        stamp(request)


def is_fresh(request, user) -> bool:
    token_created = getattr(user, "token_created_at", None)
    if token_created is not None:  # a bearer token: its age
        return (timezone.now() - token_created).total_seconds() < window_seconds()
    session = getattr(request, "session", None)
    confirmed = session.get(SESSION_KEY) if session is not None else None
    return confirmed is not None and time.time() - confirmed < window_seconds()


def _back(request) -> str:
    """Where the confirm page returns to: the page the form was on, else the URL."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}):
        return referer
    return request.get_full_path()


def reauth_required(action: str):
    """Demand a recent confirmation for unsafe requests by a role allowed `action`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = getattr(request, "auth", None) or request.user
            if (request.method not in SAFE_METHODS and allowed(user, action)
                    and not is_fresh(request, user)):
                if request.path.startswith("/api/"):
                    return JsonResponse(REFUSAL, status=403)
                return redirect(f"{reverse('reauth')}?{urlencode({'next': _back(request)})}")
            return view(request, *args, **kwargs)

        wrapped.reauth_action = action
        return wrapped

    return decorate
