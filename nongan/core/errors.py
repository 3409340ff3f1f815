"""Invalid input, named field by field (CONTRACT.md: 422 with `detail`)."""


class FieldErrors(Exception):
    """Raised by services; the API answers 422, forms show each message beside its field."""

    def __init__(self, errors: dict[str, str] | list[tuple[tuple, str]], prefix=("body",)):
        if isinstance(errors, dict):
            errors = [((field,), msg) for field, msg in errors.items()]
        self.errors = errors
        self.prefix = prefix
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))

    def as_detail(self) -> list[dict]:
        return [{"loc": [*self.prefix, *loc], "msg": msg} for loc, msg in self.errors]

    def by_field(self) -> dict[str, str]:
        return {str(loc[0]) if loc else "__all__": msg for loc, msg in self.errors}

    def attach_to(self, form) -> None:
        """Each message beside the form field its location names (the first part of it that
        is a field of `form`: `("rows", 3, "value")` names `value`), the rest above the form."""
        for loc, msg in self.errors:
            form.add_error(next((str(p) for p in loc if str(p) in form.fields), None), msg)


class Conflict(Exception):
    """The request contradicts the current state (409)."""


class Unavailable(Exception):
    """A store the request needs is out of service for now — the database restarting, the
    media folder not writable (503 with Retry-After): the same request later will do."""
