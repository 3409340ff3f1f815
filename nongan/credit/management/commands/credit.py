import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nongan.core.errors import Conflict, FieldErrors
from nongan.credit.services import backfill, generate_publication, refresh


class Command(BaseCommand):
    help = ("credit refresh: the daily update (run it from cron) — rectifications past their "
            "deadline become credit events, completed ones settle theirs, every grade follows "
            "decay and repair; running it again the same day changes nothing. "
            "credit backfill: the credit file from the records already kept (after an upgrade). "
            "credit publish [--day D]: the file for 信用中国 / the city's public credit "
            "platform of day D (default yesterday); a day already generated is not rewritten.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "backfill", "publish"])
        parser.add_argument("--today", type=dt.date.fromisoformat,
                            help="the day to grade as of (YYYY-MM-DD; default today)")
        parser.add_argument("--day", type=dt.date.fromisoformat,
                            help="publish: the day of the file (YYYY-MM-DD; default yesterday)")

    def handle(self, *args, action, today, day, **options):
        if action == "publish":
            return self._publish(day or timezone.localdate() - dt.timedelta(days=1))
        summary = {"refresh": refresh, "backfill": backfill}[action](today=today)
        grades = "、".join(f"{g} {n}" for g, n in summary["grades"].items())
        self.stdout.write(
            f"信用{'每日更新' if action == 'refresh' else '档案生成'}：新增信用事件 "
            f"{summary['events_added']} 条，整改完成 {summary['events_settled']} 条；"
            f"{summary['producers']} 个主体中等级变化 {summary['changed']} 个（{grades}），"
            f"用时 {summary['seconds']} 秒。")

    def _publish(self, day):
        try:
            done, created = generate_publication(day)
        except (Conflict, FieldErrors) as exc:
            raise CommandError(str(exc)) from None
        when = timezone.localtime(done.generated_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(
            f"信用信息报送 {day}：{'已生成' if created else f'已于 {when} 生成，未重写'}；"
            f"行政处罚 新公示 {done.penalties} 条、撤销 {done.withdrawals} 条、"
            f"更正 {done.corrections} 条，信用等级变更 {done.grade_changes} 条。")
        for name, f in done.files.items():
            self.stdout.write(f"  {name}  sha256 {f['sha256']}  {f['size']} 字节")
