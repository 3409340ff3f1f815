"""makemessages that also extracts `_lazy("…")`.

Several modules import `gettext_lazy as _lazy` (they already use `_` for `gettext`);
xgettext knows only Django's own keywords, so those strings never reached the catalogue
and showed in Chinese in English mode. This command is Django's, with `_lazy` added as a
keyword; being a project command, it replaces Django's for `nongan makemessages`."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
