"""manage.py import_roster FILE [--dry-run]: the command-line twin of the roster upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from org.roster import RosterError, RosterResult, RowAction, roster_import


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands load after translations are ready.
    help = _("从 Excel（.xlsx）或 CSV 名册导入人员、单位和角色。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("名册文件路径（.xlsx 或 .csv）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查并预览变化，不写入数据库"))

    def handle(self, *args: Any, file: str, dry_run: bool, **options: Any) -> None:
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件 %(path)s：%(error)s") % {"path": path, "error": exc.strerror}) from exc
        try:
            result = roster_import(file_name=path.name, data=data, dry_run=dry_run)
        except RosterError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(_("名册有 %(count)d 处错误，未导入任何数据。") % {"count": len(exc.errors)}) from exc
        if options["verbosity"] >= 2:
            self._write_rows(result)
        self._write_summary(result)

    def _write_rows(self, result: RosterResult) -> None:
        for row in result.rows:
            if row.action == RowAction.UNCHANGED:
                continue
            fields = "；".join(f"{c.field}: {c.old or '—'} → {c.new or '—'}" for c in row.changes)
            line = _("第%(row)d行 %(username)s %(name)s：%(action)s") % {
                "row": row.row,
                "username": row.username,
                "name": row.full_name,
                "action": row.action.label,
            }
            self.stdout.write(f"{line}  {fields}" if fields else line)

    def _write_summary(self, result: RosterResult) -> None:
        if result.departments_created:
            self.stdout.write(_("新建单位：%(names)s") % {"names": "、".join(result.departments_created)})
        if result.delegations_created:
            self.stdout.write(_("新建代表团：%(names)s") % {"names": "、".join(result.delegations_created)})
        summary = _("新增 %(created)d 人，更新 %(updated)d 人，未变 %(unchanged)d 人") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.dry_run:
            summary = _("试运行（未写入）：%(summary)s") % {"summary": summary}
        self.stdout.write(self.style.SUCCESS(summary))
