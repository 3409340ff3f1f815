"""Where each figure drills down to: an existing list page when it filters the same records,
else this app's record list (`/analysis/records/<figure>/`), always with the scope's query."""

from urllib.parse import urlencode

from django.urls import reverse


def page(name: str, *args, anchor: str = "", **params) -> str:
    """A page of another app with a query string (empty values left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name, args=args) + (f"?{query}" if query else "") + (
        f"#{anchor}" if anchor else "")


def records(figure: str, scope, **extra) -> str:
    """This app's list of the records behind a figure, in the scope (region and period)."""
    return (reverse("analysis_records", kwargs={"figure": figure}) + "?"
            + urlencode(scope.query(**extra)))
