"""Signing in (登录): username or phone number and password, then — for accounts that need
it — a one-time code from an authenticator app or by SMS; and enrolling an authenticator."""

import time
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nongan.core import reauth
from nongan.core.errors import FieldErrors
from nongan.core.validators import mask_phone

from . import services, totp
from .middleware import IDLE_OUT, MUST_ENROL
from .models import User
from .sealed import seal, unseal

# Between the password and the code the session holds the account, for this long at most.
PENDING = "login_pending"
PENDING_SECONDS = 10 * 60
ENROLLING = "totp_enrolling"


def locked_text(exc: services.LockedOut) -> str:
    return _("登录失败次数过多，账号已锁定至 %(time)s") % {
        "time": f"{timezone.localtime(exc.until):%H:%M}"}


def _landing(user, target: str, host: str) -> str:
    """Where a login goes: the page asked for, else a producer's own portal, else home."""
    if target and url_has_allowed_host_and_scheme(target, {host}):
        return target
    return "portal" if user.role == "producer" else "home"


def _enter(request, user, target: str):
    request.session.pop(PENDING, None)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # The middleware (people.middleware) keeps these sessions on the one page they need.
    if user.must_change_password:
        messages.info(request, _("管理员要求您修改密码：修改后方可继续使用"))
        return redirect("password_change")
    if user.needs_totp_enrolment:
        request.session[MUST_ENROL] = True
        messages.info(request, _("管理员账号须使用身份验证器登录：请先完成绑定"))
        return redirect("two_factor")
    return redirect(_landing(user, target, request.get_host()))


@require_http_methods(["GET", "POST"])
def login_view(request):
    error = ""
    if request.method == "POST":
        try:
            user = services.login(request, request.POST.get("username", ""),
                                  request.POST.get("password", ""))
        except services.LockedOut as exc:
            user, error = None, locked_text(exc)
        except services.SecondFactorNeeded as exc:
            request.session[PENDING] = {"user": exc.user.pk, "since": time.time(),
                                        "next": request.GET.get("next", "")}
            if exc.method == "sms":
                _send_code(request, exc.user)
            return redirect("login_code")
        if user is not None:
            return _enter(request, user, request.GET.get("next", ""))
        error = error or _("用户名（手机号）或密码错误")
    if request.session.pop(IDLE_OUT, False):
        messages.info(request, _("长时间未操作，已自动退出，请重新登录"))
    return render(request, "people/login.html", {"error": error},
                  status=401 if error else 200)


def _pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def _send_code(request, user) -> None:
    try:
        sent = services.send_login_code(user)
    except services.Throttled as exc:
        messages.error(request, _("获取验证码过于频繁，请 %(n)s 秒后再试") % {"n": exc.retry_after})
    except FieldErrors as exc:
        messages.error(request, "；".join(exc.by_field().values()))
    else:
        if sent:
            messages.success(request, _("验证码已发送至 %(phone)s，5 分钟内有效") % {
                "phone": mask_phone(user.phone)})
        else:
            messages.error(request, _("验证码未能发送（短信通道不可用），请稍后重试或联系监管部门"))


@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second step: the 6-digit code; a refused one counts toward the lock-out."""
    user = _pending_user(request)
    if user is None:
        messages.error(request, _("登录已超时，请重新输入密码"))
        return redirect("login")
    error = ""
    if request.method == "POST":
        if "resend" in request.POST and user.second_factor == "sms":
            _send_code(request, user)
            return redirect("login_code")
        try:
            services.confirm_code(user, request.POST.get("code", ""))
        except services.LockedOut as exc:
            request.session.pop(PENDING, None)
            error = locked_text(exc)
        except services.CodeRefused as exc:
            error = str(exc)
        else:
            return _enter(request, user, request.session[PENDING]["next"])
    return render(request, "people/login_code.html", {
        "method": user.second_factor, "phone": mask_phone(user.phone), "error": error,
        "expired": error and PENDING not in request.session,
    }, status=401 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """启用身份验证器: scan the QR code with an authenticator app and type its code. The
    secret shows only here, before it is confirmed; once sealed on the account it never
    shows again (a new enrolment makes a new one)."""
    user = request.user
    secret = unseal(request.session[ENROLLING]) if request.session.get(ENROLLING) else None
    if secret is None:
        secret = totp.new_secret()
        request.session[ENROLLING] = seal(secret)
    error, status = "", 200
    if request.method == "POST" and user.totp_enabled_at and not reauth.is_fresh(request, user):
        # Binding another phone replaces the second factor: the password first.
        return redirect(f"{reverse('reauth')}?{urlencode({'next': reverse('two_factor')})}")
    if request.method == "POST":
        try:
            services.enrol_totp(user, secret, request.POST.get("code", ""))
        except FieldErrors as exc:
            error, status = exc.by_field()["code"], 422
        else:
            request.session.pop(ENROLLING, None)
            request.session.pop(MUST_ENROL, None)
            messages.success(request, _("身份验证器已启用：今后登录需输入其显示的验证码"))
            return redirect(_landing(user, "", request.get_host()))
    uri = services.totp_uri(user, secret)
    return render(request, "people/two_factor.html", {
        "enabled": user.totp_enabled_at, "secret": secret, "error": error,
        "qr": segno.make(uri, error="m").svg_inline(scale=4, title=_("身份验证器二维码")),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """修改密码: the current password, then the new one twice; the rules show on the page."""
    user, errors, status = request.user, {}, 200
    if request.method == "POST":
        new = request.POST.get("new_password", "")
        if new != request.POST.get("new_password2", ""):
            errors = {"new_password2": _("两次输入的新密码不一致")}
        else:
            try:
                services.change_password(user, old=request.POST.get("old_password", ""),
                                         new=new, actor=user)
            except services.LockedOut as exc:
                auth.logout(request)
                messages.error(request, locked_text(exc))
                return redirect("login")
            except FieldErrors as exc:
                errors = exc.by_field()
            else:
                auth.update_session_auth_hash(request, user)
                reauth.stamp(request)
                messages.success(request, _("密码已修改"))
                return redirect(_landing(user, "", request.get_host()))
        status = 422
    return render(request, "people/password_change.html", {
        "errors": errors, "forced": user.must_change_password,
        "rules": password_validators_help_texts(),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reauth_confirm(request):
    """重新验证身份: the password (or the authenticator's code) before an admin change;
    good for NONGAN_REAUTH_MINUTES, then back to the page the change was made on."""
    user, errors, status = request.user, {}, 200
    target = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = ""
    if request.method == "POST":
        try:
            services.confirm_identity(user, password=request.POST.get("password", ""),
                                      code=request.POST.get("code", ""))
        except services.LockedOut as exc:
            auth.logout(request)
            messages.error(request, locked_text(exc))
            return redirect("login")
        except FieldErrors as exc:
            errors, status = exc.by_field(), 401
        else:
            reauth.stamp(request)
            messages.success(request, _("身份已确认，请重新提交刚才的操作"))
            return redirect(target or _landing(user, "", request.get_host()))
    return render(request, "people/reauth.html", {
        "errors": errors, "next": target, "totp": bool(user.totp_enabled_at),
        "minutes": settings.NONGAN_REAUTH_MINUTES,
    }, status=status)
