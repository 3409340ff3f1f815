from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nongan.core.errors import FieldErrors
from nongan.monitoring.standards import import_limits, load_demo_standards


class Command(BaseCommand):
    help = ("standards import --limits F [--foods F] [--effective-from DATE]: load a GB 2763 "
            "edition; standards demo: load the demo editions into an empty table.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("import", help="load one edition's limit table")
        load.add_argument("--limits", type=Path, required=True)
        load.add_argument("--foods", type=Path)
        load.add_argument("--effective-from", dest="effective_from")
        actions.add_parser("demo", help="load the demo editions when none is loaded")

    def handle(self, *args, action, **options):
        if action == "demo":
            loaded = load_demo_standards()["loaded"]
            for edition in loaded:
                self.stdout.write(f"{edition['standard']}（演示数据）：限量 {edition['limits']} 条，"
                                  f"食品分类 {edition['foods']} 个")
            if not loaded:
                self.stdout.write("已有限量标准，未载入演示数据")
            return
        for path in (options["limits"], options["foods"]):
            if path is not None and not path.exists():
                raise CommandError(f"{path}: no such file")
        try:
            summary = import_limits(options["limits"], options["foods"], actor=None,
                                    effective_from=options["effective_from"])
        except FieldErrors as exc:
            for _, msg in exc.errors:
                self.stderr.write(msg)
            raise CommandError("未导入任何数据") from None
        for warning in summary["warnings"]:
            self.stderr.write("提示 " + warning["message"])
        copied = (f"，沿用 {summary['foods_copied_from']} 的食品分类"
                  if summary["foods_copied_from"] else "")
        self.stdout.write(
            f"{summary['standard']}（{'新建' if summary['created'] else '替换'}，实施日期 "
            f"{summary['effective_from']}）：限量 {summary['limits']} 条，农药 "
            f"{summary['pesticides']} 种，食品分类 {summary['foods']} 个{copied}；"
            f"提示 {summary['warning_count']} 条")
