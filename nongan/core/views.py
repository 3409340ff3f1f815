from django.contrib import auth
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from nongan.people.services import LockedOut, login


@require_http_methods(["GET", "POST"])
def login_view(request):
    error = ""
    if request.method == "POST":
        try:
            user = login(request, request.POST.get("username", ""),
                         request.POST.get("password", ""))
        except LockedOut as exc:
            user, error = None, f"登录失败次数过多，账号已锁定至 {exc.until:%H:%M}"
        if user is not None:
            auth.login(request, user)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "home"
            return redirect(target)
        error = error or "用户名或密码错误"
    return render(request, "core/login.html", {"error": error}, status=401 if error else 200)


def logout_view(request):
    auth.logout(request)
    return redirect("login")
