"""Session rules (等保 2.0 level 3, 登录超时 and 身份鉴别), right after AuthenticationMiddleware:

- idle timeout: a session without a request for NONGAN_SESSION_IDLE_MINUTES is logged out
  (the absolute lifetime is SESSION_COOKIE_AGE; API bearer tokens keep their own TTL);
- a password the administrator made expire (must_change_password): the account can do
  nothing but change it;
- an administrator without an authenticator yet (the login marked the session): nothing
  but binding one.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

SEEN = "last_seen"
IDLE_OUT = "idle_logged_out"
MUST_ENROL = "totp_enrolment_required"
# Write the session at most this often just to move the idle clock (a write a request is
# a database write a request).
SEEN_RESOLUTION = 60
# Pages a restricted session may still open, besides the one it is sent to.
ALWAYS_OPEN = {"logout", "login", "login_code", "set_language"}


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _refuse(request, detail: str, page: str, **flag):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, **flag}, status=403)
    return redirect(page)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            answer = self._check(request, user)
            if answer is not None:
                return answer
        return self.get_response(request)

    def _check(self, request, user):
        now = time.time()
        idle = settings.NONGAN_SESSION_IDLE_MINUTES * 60
        seen = request.session.get(SEEN)
        if idle and seen is not None and now - seen > idle:
            auth.logout(request)
            if request.path.startswith("/api/"):
                return None  # anonymous from here: the API answers 401
            request.session[IDLE_OUT] = True  # the login page says why (no messages yet here)
            back = request.get_full_path() if request.method == "GET" else "/"
            return redirect(f"{reverse('login')}?{urlencode({'next': back})}")
        if seen is None or now - seen >= SEEN_RESOLUTION:
            request.session[SEEN] = now
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        name = _url_name(request)
        if user.must_change_password and name not in ALWAYS_OPEN | {"password_change"}:
            return _refuse(request, "须先修改密码", "password_change",
                           must_change_password=True)
        if request.session.get(MUST_ENROL) and name not in ALWAYS_OPEN | {"two_factor"}:
            if not user.needs_totp_enrolment:
                request.session.pop(MUST_ENROL, None)
                return None
            return _refuse(request, "须先绑定身份验证器", "two_factor", totp_enrolment=True)
        return None
