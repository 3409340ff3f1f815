"""Schemathesis over /api/v1/openapi.json as a city admin, a district officer and a producer.

Every operation of the published schema gets a few generated requests (GET two, writes one,
derandomized so a CI run repeats the last one) with the role's bearer token, and an operation
with path parameters gets them again with the parameters naming real records of the role's
district (the access matrix's records; writes two), so the generated queries and bodies reach past the
404; each answer must not be a 5xx and must match the schema's documented responses. A failure names the operation,
the generated request and the server's traceback. Operations known to fail are listed in
KNOWN_FAILURES with the reason; each is expected to fail (strictly: once fixed, remove it).
"""

import re
import traceback
from contextlib import contextmanager

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.signals import got_request_exception, request_finished, request_started  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, Phase, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from nongan.core.tests.test_access_matrix import targets  # noqa: E402
from nongan.people.services import issue_token  # noqa: E402

# Examples per operation: (GET, any write) without and with real path parameters. The module
# takes about a minute; raise them locally for a deeper run.
EXAMPLES = {"random": (2, 1), "real": (2, 2)}

# (role, "METHOD /api/v1/path"): why it fails. Empty when the API is clean.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}

ROLES = {
    "city_admin": lambda world: world.city_admin,
    "district_officer": lambda world: world.pudong.district_officer,
    "producer": lambda world: world.pudong.producer,
}


@contextmanager
def _one_connection_and_tracebacks():
    """Call the WSGI app inside the test's transaction, as Django's test client does (the
    request signals would otherwise close the connection), and keep each 500's traceback."""
    seen: list[str] = []

    def keep(sender, request=None, **kwargs):
        seen.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}")

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(keep)
    try:
        yield seen
    finally:
        got_request_exception.disconnect(keep)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(operation, token: str, path_parameters=None) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    @hypothesis_settings(
        max_examples=EXAMPLES["real" if path_parameters else "random"][
            operation.method.upper() != "GET"], deadline=None,
        database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(path_parameters=path_parameters))
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=[not_a_server_error,
                                                 response_schema_conformance])

    run()


def _real_parameters(operation, records) -> dict | None:
    """The operation's path parameters filled with records of the district, or None."""
    from nongan.core.tests.test_access_matrix import OBJECTS

    names = re.findall(r"\{(\w+)\}", operation.path)
    if not names:
        return None
    filled = {}
    for name in names:
        before = operation.path.split("{" + name + "}")[0].rstrip("/").split("/")[-1]
        kind = OBJECTS.get(before)
        if kind not in records:
            return None
        filled[name] = records[kind]
    return filled


def _summary(exc: BaseException, tracebacks: list[str]) -> str:
    text = str(exc).strip()
    if tracebacks:
        text += "\n  server traceback (last lines):\n    " + "\n    ".join(
            tracebacks[-1].strip().splitlines()[-6:])
    return text


@pytest.mark.once
@pytest.mark.parametrize("role", list(ROLES))
def test_every_api_operation_answers_generated_requests_without_5xx_or_schema_violation(
        world, role):
    user = ROLES[role](world)
    token, _ = issue_token(user)
    records = targets(world, "pudong")
    failures: dict[str, str] = {}
    with _one_connection_and_tracebacks() as tracebacks:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json",
                                                 _application())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 100
        for operation in operations:
            label = f"{operation.method.upper()} {operation.path}"
            tracebacks.clear()
            try:
                _fuzz(operation, token)
                real = _real_parameters(operation, records)
                if real:
                    label = f"{label} {real}"
                    _fuzz(operation, token, path_parameters=real)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
                failures[label] = _summary(exc, tracebacks)

    expected = {label for (who, label) in KNOWN_FAILURES if who == role}
    unexpected = {label: why for label, why in failures.items() if label not in expected}
    fixed = expected - set(failures)
    report = "\n\n".join(f"{label}:\n{why}" for label, why in sorted(unexpected.items()))
    assert not unexpected, f"{len(unexpected)} operation(s) failed as {role}:\n\n{report}"
    assert not fixed, f"fixed, remove from KNOWN_FAILURES: {sorted(fixed)}"


def _application():
    from nongan.wsgi import application

    return application
