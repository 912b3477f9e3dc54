"""manage.py demo_logins: print the demo accounts (bin/run-all shows them at start-up)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from org.demo import write_logins


class Command(BaseCommand):
    help = _("列出演示账号；未生成演示数据时只给出提示。")

    def handle(self, *args: Any, **options: Any) -> None:
        write_logins(self.stdout)
