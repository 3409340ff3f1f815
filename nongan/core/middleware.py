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
