from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from workflow.deadlines import sweep


class Command(BaseCommand):
    help = "Send every reminder and escalation due at --now (default: the current instant)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--now", help="an ISO 8601 instant with its offset, e.g. 2026-12-01T08:00:00+08:00")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        now = None
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None or now.tzinfo is None:
                raise CommandError("--now must be an ISO 8601 instant with an offset, e.g. 2026-12-01T08:00:00+08:00")
        result = sweep(now=now)
        self.stdout.write(
            _("已检查 %(deadlines)d 项期限，发出 %(reminders)d 条提醒（%(notifications)d 条通知）。")
            % {"deadlines": result.deadlines, "reminders": result.reminders, "notifications": result.notifications}
        )
