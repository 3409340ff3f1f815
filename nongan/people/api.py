from django.utils import timezone
from ninja import Router, Schema, Status

from . import services

router = Router(tags=["accounts"])


class Credentials(Schema):
    username: str  # or the account's mobile number
    password: str
    code: str | None = None  # the one-time code, for accounts that need one


class TokenOut(Schema):
    token: str
    expires_at: str


class RegionRef(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    role: str
    region: RegionRef
    org: str | None
    full_name: str
    producer: int | None


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: dict, 403: dict, 429: dict})
def token(request, body: Credentials):
    """A bearer token. An account with a second factor answers 401 with `second_factor`
    ("totp" or "sms": a code was just sent) until the request carries `code` too.
    Repeated failures (password or code) lock the account: 429. An account whose password
    must be changed, or an administrator without an authenticator, answers 403 until that
    is done on the web page. A new token counts as re-authenticated for
    NONGAN_REAUTH_MINUTES (admin changes answer 403 `"reauth": true` after that)."""
    try:
        user = services.login(request, body.username, body.password, code=body.code)
    except services.SecondFactorNeeded as exc:
        answer = {"detail": "需要动态验证码", "second_factor": exc.method}
        if exc.method == "sms":
            try:
                answer["code_sent"] = services.send_login_code(exc.user)
            except services.Throttled as throttled:
                return Status(429, {"detail": "获取验证码过于频繁",
                                    "retry_after": throttled.retry_after})
        return Status(401, answer)
    except services.CodeRefused as exc:
        return Status(401, {"detail": str(exc)})
    if user is None:
        return Status(401, {"detail": "用户名或密码错误"})
    refusal = services.refused_login(user)
    if refusal:  # a password to change or an authenticator to bind: on the web page first
        return Status(403, refusal)
    key, expires = services.issue_token(user)
    return {"token": key, "expires_at": timezone.localtime(expires).isoformat()}


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    return {"username": user.username, "role": user.role,
            "region": {"code": user.region_id, "name": user.region.name},
            "org": user.org.name if user.org else None, "full_name": user.full_name,
            "producer": user.producer_id}
