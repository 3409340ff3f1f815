import datetime as dt

from django.core.management.base import BaseCommand

from nongan.credit.services import backfill, refresh


class Command(BaseCommand):
    help = ("credit refresh: the daily update (run it from cron) — rectifications past their "
            "deadline become credit events, completed ones settle theirs, every grade follows "
            "decay and repair; running it again the same day changes nothing. "
            "credit backfill: the credit file from the records already kept (after an upgrade).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "backfill"])
        parser.add_argument("--today", type=dt.date.fromisoformat,
                            help="the day to grade as of (YYYY-MM-DD; default today)")

    def handle(self, *args, action, today, **options):
        summary = {"refresh": refresh, "backfill": backfill}[action](today=today)
        grades = "、".join(f"{g} {n}" for g, n in summary["grades"].items())
        self.stdout.write(
            f"信用{'每日更新' if action == 'refresh' else '档案生成'}：新增信用事件 "
            f"{summary['events_added']} 条，整改完成 {summary['events_settled']} 条；"
            f"{summary['producers']} 个主体中等级变化 {summary['changed']} 个（{grades}），"
            f"用时 {summary['seconds']} 秒。")
