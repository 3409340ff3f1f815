from django.core.management import call_command
from django.core.management.base import BaseCommand

from nongan.core.workdays import load_calendar
from nongan.credit.rules import load_credit_rules
from nongan.enforcement.legal import load_legal_bases
from nongan.enforcement.matters import load_matters
from nongan.inspections.defaults import load_defaults
from nongan.monitoring.standards import load_demo_standards
from nongan.regions.models import Region
from nongan.regions.services import SHIPPED_DIVISIONS, apply_divisions, ensure_village_grids


class Command(BaseCommand):
    help = "Create or migrate the database and load reference data; safe to run again."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not Region.objects.exists():
            summary = apply_divisions(SHIPPED_DIVISIONS, actor=None)
            self.stdout.write(
                f"行政区划已载入：{summary['added']} 条；网格 {summary['grids_created']} 个")
        else:
            created = ensure_village_grids()
            self.stdout.write(f"数据库已是最新；新建网格 {created} 个")
        summary = load_defaults()
        self.stdout.write(f"检查表模板与安全间隔期：{summary}")
        self.stdout.write(f"信用评价规则：新增 {len(load_credit_rules()['added'])} 条")
        summary = load_calendar()
        self.stdout.write(f"节假日安排：新增 {summary['added']} 天")
        matters, bases = load_matters(), load_legal_bases()
        self.stdout.write(f"随机抽查事项：新增 {len(matters['added'])} 项；"
                          f"处罚依据：新增 {len(bases['added'])} 条")
        for edition in load_demo_standards()["loaded"]:
            self.stdout.write(f"{edition['standard']} 演示限量（非标准原文）：限量 "
                              f"{edition['limits']} 条，食品分类 {edition['foods']} 项")
