from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflow.calendar_years import recount_deadlines


class Command(BaseCommand):
    help = (
        "Recount every open provisional deadline with the calendar as it is now. Run it after "
        "upgrading chinesecalendar to a release that has a new year (entering a year does it itself)."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        result = recount_deadlines(why=_("新版节假日数据"))
        self.stdout.write(
            _("重新计算 %(recounted)d 项期限，其中 %(moved)d 项日期有变。")
            % {"recounted": result.recounted, "moved": result.moved}
        )
