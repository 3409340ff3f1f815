"""ID and phone numbers reach no log unmasked: the handlers configured by settings.LOGGING
write request lines, server lines, our own lines and tracebacks with the numbers masked."""

import io
import logging

import pytest

from nongan.core.logmask import MaskPersonalNumbers
from nongan.testing import id_number

ID = id_number(7, area="310115")  # 18 characters, a real check character
OLD_ID = "310115800101123"  # the 15-digit form
MOBILE = "13912345678"
LANDLINE = "021-64371234"
FULL = (ID, OLD_ID, MOBILE, "64371234")


def configured_handlers():
    """Every handler that writes, on every logger, as settings.LOGGING and the libraries left
    them (a library's NullHandler writes nothing; pytest's capture handlers are the test
    runner's, not the application's)."""
    loggers = [logging.getLogger()] + [logging.getLogger(name)
                                      for name in logging.root.manager.loggerDict]
    return [(logger.name, handler) for logger in loggers for handler in logger.handlers
            if not isinstance(handler, logging.NullHandler)
            and not type(handler).__module__.startswith("_pytest")]


@pytest.fixture
def written():
    """The text the configured handlers write, each handler's stream swapped for a buffer."""
    buffer = io.StringIO()
    swapped = [(h, h.setStream(buffer)) for _, h in configured_handlers()
               if isinstance(h, logging.StreamHandler)]
    yield buffer
    for handler, stream in swapped:
        handler.setStream(stream)


def assert_masked(text: str):
    assert text.strip(), "nothing was written"
    for number in FULL:
        assert number not in text, text
    assert "310115***********" in text or "310115********" in text, text


def test_every_handler_of_every_logger_masks():
    handlers = configured_handlers()
    names = {name for name, _ in handlers}
    assert {"root", "django.server"} <= names
    bare = [f"{name}: {h!r}" for name, h in handlers
            if not any(isinstance(f, MaskPersonalNumbers) for f in h.filters)]
    assert not bare, bare
    # django.request and waitress have no handler of their own: they reach the root's.
    for name in ("django.request", "django.security", "waitress", "django_tasks"):
        logger = logging.getLogger(name)
        assert not logger.handlers and logger.propagate


def test_a_request_line_with_numbers_in_the_path_is_written_masked(client, written):
    client.get(f"/producers/{ID}/{MOBILE}/")  # no such page: django.request logs a warning
    text = written.getvalue()
    assert "Not Found" in text
    assert_masked(text)
    assert "139****5678" in text


def test_our_lines_mask_the_message_the_arguments_and_the_traceback(written):
    log = logging.getLogger("nongan.producers.import_services")
    try:
        raise ValueError(f"第3行身份证号码 {ID} 与电话 {LANDLINE} 重复")
    except ValueError:
        log.exception("import of %s failed for %r (old card %s)", MOBILE,
                      {"phone": MOBILE, "tel": LANDLINE}, OLD_ID)
    text = written.getvalue()
    assert "Traceback (most recent call last)" in text and "ValueError" in text
    assert "import of 139****5678 failed" in text
    assert "021-********" in text
    assert_masked(text)


def test_a_stack_and_a_broken_format_string_are_masked_too(written):
    log = logging.getLogger("nongan.core.notifications")
    log.warning("SMS to %s", MOBILE, stack_info=True)
    log.warning("sent %d messages", ID)  # %d of a str: the record cannot be formatted
    text = written.getvalue()
    assert "Stack (most recent call last)" in text
    assert_masked(text)


def test_server_and_waitress_lines_are_masked(written):
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /public/producers/?q={MOBILE}&id={ID} HTTP/1.1", "404", "179",
        extra={"status_code": 404})
    try:
        raise RuntimeError(f"client sent {OLD_ID}")
    except RuntimeError:
        logging.getLogger("waitress").exception("Exception while serving /producers/%s", ID)
    text = written.getvalue()
    assert "GET /public/producers/?q=139****5678" in text
    assert "Exception while serving" in text and "RuntimeError" in text
    assert_masked(text)
