"""The HTTP API under /api/v1/ (CONTRACT.md)."""

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from nongan.core.errors import Conflict, FieldErrors, Unavailable
from nongan.people.services import LockedOut, user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class Session(APIKeyCookie):
    """The browser's session cookie, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="nongan 农安 API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), Session()],
    docs_url="/docs",
)


@api.exception_handler(FieldErrors)
def field_errors(request, exc: FieldErrors):
    return api.create_response(request, {"detail": exc.as_detail()}, status=422)


@api.exception_handler(Conflict)
def conflict(request, exc: Conflict):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(Unavailable)
@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def unavailable(request, exc):
    """The field app keeps a record queued on a 5xx and sends it again: say when."""
    detail = str(exc) if isinstance(exc, Unavailable) else "数据库暂时不可用，请稍后重试"
    response = api.create_response(request, {"detail": detail}, status=503)
    response["Retry-After"] = "30"
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": "本角色无权执行此操作"}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "不存在"}, status=404)


@api.exception_handler(LockedOut)
def locked(request, exc: LockedOut):
    response = api.create_response(
        request, {"detail": f"登录失败次数过多，账号锁定至 {exc.until:%H:%M}"}, status=429)
    response["Retry-After"] = "900"
    return response


def _routers():
    from nongan.analysis.api import router as analysis
    from nongan.assessment.api import router as assessment
    from nongan.commitments.api import router as commitments
    from nongan.credit.api import router as credit
    from nongan.enforcement.api_cases import router as cases
    from nongan.enforcement.api_spot_checks import router as spot_checks
    from nongan.exchange.api import router as exchange
    from nongan.inspections.api import router as inspections
    from nongan.iot.api import router as iot
    from nongan.joint.api import router as joint
    from nongan.monitoring.api import router as monitoring
    from nongan.monitoring.api_standards import router as standards
    from nongan.people.api import router as people
    from nongan.producers.api import router as producers
    from nongan.public.api import router as public
    from nongan.regions.api import router as regions
    from nongan.risk.api import router as risk
    from nongan.traceability.api import router as traceability

    api.add_router("", people)
    api.add_router("", regions)
    api.add_router("", producers)
    api.add_router("", inspections)
    api.add_router("", monitoring)
    api.add_router("", standards)
    api.add_router("", spot_checks)
    api.add_router("", cases)
    api.add_router("", credit)
    api.add_router("", public)
    api.add_router("", commitments)
    api.add_router("", risk)
    api.add_router("", analysis)
    api.add_router("", assessment)
    api.add_router("", exchange)
    api.add_router("", joint)
    api.add_router("", traceability)
    api.add_router("", iot)


_routers()
