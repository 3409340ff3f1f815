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
