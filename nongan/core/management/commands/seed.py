import resource
import time

from django.core.management.base import BaseCommand, CommandError

from nongan.seeding import SCALES, SeedRefused, print_logins, seed


class Command(BaseCommand):
    help = ("Synthetic but realistic demo data on the real Shanghai divisions (run `nongan "
            "init` first): producers, plots, 二品一标 certificates, organisations, demo "
            "accounts and a grid worker for every grid. The same --random-seed gives the "
            "same data. Writes only into an empty producer register.")

    def add_arguments(self, parser):
        parser.add_argument("--producers", type=int, default=600,
                            help="how many producers (default 600)")
        parser.add_argument("--years", type=int, default=3,
                            help="years of history for the inspection and sampling modules "
                                 "(recorded with the run; used once those modules exist)")
        parser.add_argument("--random-seed", type=int, default=1, help="default 1")
        parser.add_argument("--scale", choices=sorted(SCALES),
                            help="a whole city instead of --producers/--years: shanghai = "
                                 "30,000 producers, 1,000,000 plots, five years of inspections "
                                 "and sampling")
        parser.add_argument("--no-logins", dest="logins", action="store_false",
                            help="do not print the demo logins afterwards")

    def handle(self, *args, producers, years, random_seed, logins, scale, **options):
        if years < 0:
            raise CommandError("--years 不能为负数")
        started = time.monotonic()
        try:
            counts = seed(producers, years=years, random_seed=random_seed,
                          progress=options["verbosity"] > 0,
                          scale=SCALES[scale] if scale else None)
        except SeedRefused as exc:
            raise CommandError(str(exc)) from None
        # ru_maxrss is in KiB on Linux: the peak of this process, the seed's own footprint.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"演示数据已生成（随机种子 {random_seed}，用时 {time.monotonic() - started:.1f} 秒，"
            f"内存峰值 {peak:.0f} MB）："
            f"生产主体 {counts['producers']} 个（规模主体 {counts['scale_producers']} 个），"
            f"地块 {counts['plots']} 块，二品一标证书 {counts['certifications']} 张，"
            f"账号 {counts['accounts']} 个，网格人员 {counts['grid_members']} 名，"
            f"巡查记录 {counts.get('inspections', 0)} 条。")
        if counts.get("samples"):
            self.stdout.write(
                f"抽样监测：监测任务 {counts['monitoring_plans']} 项，样品 {counts['samples']} 个"
                f"（其中快检 {counts['rapid_tests']} 个），检测结果 {counts['results']} 条，"
                f"不合格 {counts['non_compliant_samples']} 个（均有处置记录），"
                f"月度汇总表 {counts['monthly_summaries']} 份。")
        if counts.get("spot_checks"):
            grades = counts["credit_grades"]
            self.stdout.write(
                f"执法监管：双随机抽查计划 {counts['spot_checks']} 项（抽查对象 {counts['targets']} 个），"
                f"行政处罚案件 {counts['cases']} 件（已公示 {counts['published_penalties']} 件）；"
                "信用等级 " + "、".join(f"{g} {grades.get(g, 0)}" for g in "ABCD")
                + f" 个（由历史记录生成信用事件 {counts['credit_events']} 条）。")
        if counts.get("risk_warnings") is not None:
            levels = counts["risk_warnings_by_level"]
            self.stdout.write(
                f"风险预警：{counts['risk_warnings']} 条（"
                + "、".join(f"{name} {levels.get(level, 0)}" for level, name in
                           (("red", "红"), ("orange", "橙"), ("yellow", "黄"), ("blue", "蓝")))
                + f"），评估序列 {counts['risk_series_evaluated']} 条。")
        if counts["accounts_kept"]:
            self.stdout.write(f"已存在的 {counts['accounts_kept']} 个同名账号保持不变（密码未改）。")
        if logins:
            print_logins(self.stdout)
