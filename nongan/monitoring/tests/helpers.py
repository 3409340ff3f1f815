"""Shared set-up of the monitoring service tests: a small limit table of our own, so each
judgement below is known from the test itself (the demo table is tested on its own)."""

import datetime as dt

from nongan.testing import make_standard

LEAFY = [("蔬菜", None), ("叶菜类蔬菜", "蔬菜"), ("青菜", "叶菜类蔬菜"),
         ("茄果类蔬菜", "蔬菜"), ("番茄", "茄果类蔬菜")]
LIMITS = [("啶虫脒", "叶菜类蔬菜", 1, False), ("毒死蜱", "蔬菜", 0.02, True),
          ("吡虫啉", "青菜", 0.5, False)]


def small_standard():
    return make_standard("2021", dt.date(2021, 9, 3), foods=LEAFY, limits=LIMITS)
