"""The `nongan` console script: Django's management commands under the project's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongan.settings")
    if sys.argv[1:2] == ["demo"]:
        # The demo's admin has no phone to bind an authenticator to; a deployment keeps the
        # rule (NONGAN_ADMIN_TOTP_ROLES, default city_admin) unless it says otherwise.
        os.environ.setdefault("NONGAN_ADMIN_TOTP_ROLES", "")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nongan", *sys.argv[1:]])


if __name__ == "__main__":
    main()
