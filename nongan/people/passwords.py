"""Password rules (口令策略) beyond Django's own, listed in settings.AUTH_PASSWORD_VALIDATORS:
three character classes of four, not the username, not one of the last few passwords."""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

CLASSES = [
    ("大写字母", lambda c: c in string.ascii_uppercase),
    ("小写字母", lambda c: c in string.ascii_lowercase),
    ("数字", lambda c: c.isdigit()),
    ("符号", lambda c: not c.isalnum()),
]


class CharacterClassesValidator:
    """At least `min_classes` of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(any(test(c) for c in password) for _, test in CLASSES)
        if found < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return (f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类")


class NotUsernameValidator:
    """Not the username, and not containing it (case ignored; usernames of 3+ characters)."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError(self.get_help_text(), code="password_has_username")

    def get_help_text(self):
        return "密码不得为用户名或包含用户名"


class HistoryValidator:
    """Not one of the account's last `count` passwords (their hashes are kept in
    PasswordHistory each time a password is set)."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.count <= 0:
            return
        from .models import PasswordHistory

        recent = PasswordHistory.objects.filter(user=user).values_list(
            "password", flat=True)[:self.count]
        if any(check_password(password, old) for old in recent):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        """Called by Django when a user saves with a new password: keep its hash."""
        if user is None or user.pk is None or self.count <= 0:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
            self.count:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return f"新密码不得与最近 {self.count} 次使用过的密码相同"
