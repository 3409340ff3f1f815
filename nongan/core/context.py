"""Where a write comes from (监管留痕: who, when, where), without threading it through calls."""

import contextvars

client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")
