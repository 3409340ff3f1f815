"""A producer's ID and phone numbers show in full only where the rule allows
(nongan.core.permissions.sees_personal_data): to the producer itself and to the officers of
its district. Every page, API answer, export and printable document of the URL configuration
is fetched as each other role — the city administrator, a testing institution, another
district's officer, another producer, the public — and none of them holds the full numbers.

The paths are found by walking the URL configuration (as the access matrix does), and an
export is any of them that answers `?format=xlsx` or `?format=csv` with a file, so a new
page, endpoint or export is checked without anyone remembering to add it."""

import html
import io
import re
import zipfile
from urllib.parse import urlencode

import pytest
from django.test import Client

from nongan.core.tests.test_access_matrix import OBJECTS, PARAM, targets
from nongan.testing import ROLES_IN_DISTRICT, id_number, make_producer

# Which numbers a role sees is decided in Python, not by the engine: the first pass is enough.
pytestmark = pytest.mark.once

ID = id_number(4321, area="310115")
PHONE = "13987654321"
OTHER_ID = id_number(4322, area="310115")
LANDLINE = "021-58881234"
# Not pages of records: the static files, the API's documentation, language switching, blank
# import templates, partners' datasets (they answer API keys; exchange/tests check they are
# masked), and steps that only answer POST.
SKIP = ("static", "i18n", "docs", "openapi", "template", "datasets", "logout")


def all_routes():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry, route)
            elif isinstance(entry, URLPattern):
                yield route.lstrip("^").rstrip("$")

    return sorted({r for r in walk(get_resolver()) if not any(w in r for w in SKIP)})


# A path's parameter means the object named by the word before it (the access matrix's
# rule), and the public site's penalty notices too.
NAMED = OBJECTS | {"penalties": "penalty"}


def fill(route, found) -> str | None:
    """The path with each parameter the record it names; None for a parameter that names
    no record (a lab's summary, a template's code)."""
    values = []
    for match in PARAM.finditer(route):
        kind = NAMED.get(route[:match.start()].rstrip("/").split("/")[-1])
        if kind is None:
            return None
        values.append(str(found[kind]))
    parts = iter(values)
    return "/" + PARAM.sub(lambda _m: next(parts), route)


def text_of(response) -> str:
    """What a reader of the answer sees: a page or JSON as text, a workbook's cells, a
    PDF's text, the files of a zip."""
    body = (b"".join(response.streaming_content) if response.streaming
            else response.content)
    kind = response.get("Content-Type", "")
    if body.startswith(b"%PDF"):
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(body)
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace")
                             for name in archive.namelist())
    if kind.startswith("image/"):
        return ""
    return body.decode("utf-8", "replace")


@pytest.fixture
def exposed(world):
    """Two individual growers of Pudong: the district's producer with a record of every kind
    around it (the access matrix's targets) and a published penalty decision, and a second
    one, with a landline, registered after the commitment letters went out (so it is on the
    unsigned list). Their numbers, and the query a page that needs one is asked with."""
    import datetime as dt

    from nongan.commitments.models import Campaign
    from nongan.commitments.services import issue_letters
    from nongan.enforcement.services.cases import publish_notice
    from nongan.enforcement.tests.case_factories import decided_case
    from nongan.producers.services import update_producer

    side = world.pudong
    update_producer(side.the_producer, {"kind": "grower", "name": "王小明", "uscc": "",
                                        "legal_rep": "王小明", "id_number": ID, "phone": PHONE},
                    actor=world.city_admin)
    side.the_producer.refresh_from_db()
    records = targets(world, "pudong")
    records["penalty"] = publish_notice(decided_case(side), {}, actor=side.district_officer).pk
    make_producer(side.village2, kind="grower", name="李四", legal_rep="李四",
                  id_number=OTHER_ID, phone=LANDLINE, actor=side.district_officer)
    issue_letters(Campaign.objects.get(pk=records["campaign"]), actor=side.district_officer)
    today = dt.date.today()
    return {"records": records, "numbers": (ID, PHONE, OTHER_ID, LANDLINE),
            "query": {"town": side.town, "region": side.district, "period": today.year,
                      "month": f"{today:%Y-%m}", "q": "王小明"}}


DOWNLOAD = re.compile(r'href="([/?][^"]*(?:format=|\.pdf|\.xlsx|\.csv|/print/)[^"]*)"')


def api_exports() -> set[str]:
    """The API routes (in URL-configuration form) whose GET takes `format` (xlsx, csv)."""
    from nongan.api import api

    return {path for path, operations in api.get_openapi_schema()["paths"].items()
            if any(p["name"] == "format"
                   for p in operations.get("get", {}).get("parameters", []))}


def answers(client, found, query):
    """(path, text) for every GET path filled with `found`'s records; a path that wants
    query parameters (a town, a period) asked again with `query`. And the exports: an API
    path's `?format=xlsx` / `?format=csv` where its schema takes a format, and from each
    page every download or print link on it, and its search box asked for the name."""
    exports = api_exports()
    queue = [(path, "/" + PARAM.sub(lambda m: "{" + m.group(2) + "}", route) in exports)
             for route in all_routes() if (path := fill(route, found)) is not None]
    seen = {path for path, _ in queue}
    while queue:
        path, exported = queue.pop(0)
        response = client.get(path)
        if response.status_code == 422:
            path = f"{path}?{urlencode(query)}"
            response = client.get(path)
        if response.status_code != 200:
            continue
        text = text_of(response)
        yield path, text
        more = [f"{path}{'&' if '?' in path else '?'}format={f}" for f in ("xlsx", "csv")
                if exported]
        if response.get("Content-Type", "").startswith("text/html"):
            more += [html.unescape(link if link.startswith("/") else path.split("?")[0] + link)
                     for link in DOWNLOAD.findall(text)]
            if 'name="q"' in text and "?" not in path:
                more.append(f"{path}?q={query['q']}")
        for extra in more:
            if extra in seen:
                continue
            seen.add(extra)
            answer = client.get(extra)
            if answer.status_code == 200:
                yield extra, text_of(answer)


def full_numbers(client, exposed) -> list[str]:
    """Where the answers to `client` hold one of the exposed producers' full numbers."""
    numbers = exposed["numbers"]
    return [f"{path}: {', '.join(n for n in numbers if n in text)}"
            for path, text in answers(client, exposed["records"], exposed["query"])
            if any(n in text for n in numbers)]


MASKED_FOR = {
    "city administrator": lambda w: w.city_admin,
    "testing institution": lambda w: w.lab,
    "another district's officer": lambda w: w.chongming.district_officer,
    "another producer": lambda w: w.chongming.producer,
    "the public": lambda w: None,
}


@pytest.mark.parametrize("who", MASKED_FOR)
def test_no_page_answer_or_export_shows_the_full_numbers(world, exposed, who):
    user = MASKED_FOR[who](world)
    client = Client()
    if user is not None:
        client.force_login(user)
    leaks = full_numbers(client, exposed)
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("role", ROLES_IN_DISTRICT)
def test_the_district_and_the_producer_itself_see_them_in_full(world, exposed, role):
    """The other side of the rule, on the register entry, its API answer and the export:
    the officers of Pudong, and the producer on its own record."""
    client = Client()
    client.force_login(getattr(world.pudong, role))
    pk = exposed["records"]["producer"]
    for path in (f"/producers/{pk}/", f"/api/v1/producers/{pk}", "/api/v1/producers?format=xlsx"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = text_of(response)
        assert ID in text and PHONE in text, path


def test_numbers_kept_from_the_edit_form_stay_when_left_blank(world, login):
    """The city administrator edits the register without seeing the numbers: the form holds
    them masked, and a blank field keeps the stored number."""
    grower = make_producer(world.pudong.village, kind="grower", name="王小明", legal_rep="王小明",
                           id_number=ID, phone=PHONE, actor=world.city_admin)
    path = f"/producers/{grower.pk}/edit/"
    assert PHONE in login(world.pudong.town_officer).get(path).content.decode()
    client = login(world.city_admin)
    page = client.get(path).content.decode()
    assert ID not in page and PHONE not in page and "139****4321" in page
    response = client.post(path, {"name": "王小明", "kind": "grower", "legal_rep": "王小明",
                                  "id_number": "", "phone": "", "village": world.pudong.village,
                                  "area_mu": "12", "products": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    grower.refresh_from_db()
    assert (grower.id_number, grower.phone, grower.area_mu) == (ID, PHONE, 12)
