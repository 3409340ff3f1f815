"""Personal numbers kept out of the logs (日志脱敏, 等保 2.0 个人信息保护).

`MaskPersonalNumbers` is set on every handler in settings.LOGGING. Before a handler writes a
record it masks ID, mobile and landline numbers (nongan.core.validators.scrub_numbers) in
the message with its arguments, the traceback and the stack: a request path, a value in an
error message or a local repr printed by a library reach the log masked, whoever logged them.
"""

import logging

from .validators import scrub_numbers

_traceback = logging.Formatter()


class MaskPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: still written (by handleError), but masked
            message = f"{record.msg} {record.args!r}"
        # The arguments are merged into the message: an argument's repr may hold a number too.
        record.msg, record.args = scrub_numbers(message), None
        if record.exc_info:
            # Rendered here so every formatter prints the masked text (Formatter uses
            # exc_text as given); without exc_info no handler can render the original.
            record.exc_text = record.exc_text or _traceback.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = scrub_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_numbers(record.stack_info)
        return True
