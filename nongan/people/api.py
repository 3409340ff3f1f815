from django.utils import timezone
from ninja import Router, Schema, Status

from .services import issue_token, login

router = Router(tags=["accounts"])


class Credentials(Schema):
    username: str
    password: str


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


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: dict})
def token(request, body: Credentials):
    user = login(request, body.username, body.password)
    if user is None:
        return Status(401, {"detail": "用户名或密码错误"})
    key, expires = issue_token(user)
    return {"token": key, "expires_at": timezone.localtime(expires).isoformat()}


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    return {"username": user.username, "role": user.role,
            "region": {"code": user.region_id, "name": user.region.name},
            "org": user.org.name if user.org else None, "full_name": user.full_name,
            "producer": user.producer_id}
