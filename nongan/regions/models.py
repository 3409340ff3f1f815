from django.conf import settings
from django.db import models

from nongan.core.scoping import register

LEVELS = [("city", "市"), ("district", "区"), ("town", "镇（街道）"), ("village", "村（居）")]
LEVEL_DEPTH = {"city": 0, "district": 1, "town": 2, "village": 3}


class Region(models.Model):
    """行政区划: a division by its 12-digit statistical code (统计用区划代码).

    `district`, `town` and `village` point at the row itself or its ancestors at those
    levels, so "everything under X" is one indexed equality for every scoped table.
    Retired divisions stay, so records that point at them keep their meaning.
    """

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("级别", max_length=8, choices=LEVELS)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    district = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField("现行", default=True)
    retired_on = models.DateField("撤销日期", null=True, blank=True)
    former_names = models.JSONField("曾用名", default=list, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[self.level]

    def ancestors(self) -> list["Region"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


class RegionScoped(models.Model):
    """A record that lies in a village; the district and town are kept for scoping."""

    district = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="区"
    )
    town = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="镇（街道）"
    )
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="村（居）"
    )

    class Meta:
        abstract = True

    def place_in(self, village: Region) -> None:
        self.village, self.town, self.district = village, village.town, village.district


class Grid(RegionScoped):
    """监管网格: the smallest unit of supervision — a village, or one large producer."""

    KINDS = [("village", "村级网格"), ("producer", "主体网格")]
    code = models.CharField("网格编码", max_length=16, unique=True)
    name = models.CharField("网格名称", max_length=120)
    kind = models.CharField("类型", max_length=8, choices=KINDS, default="village")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "监管网格"
        verbose_name_plural = "监管网格"
        ordering = ["code"]

    def __str__(self):
        return self.name


class GridMember(models.Model):
    """网格人员: a person responsible for a grid, with the duty they carry (人员定责)."""

    ROLES = [("supervisor", "网格监管员"), ("assistant", "协管员/信息员")]
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="grid_duties",
    )
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("电话", max_length=20, blank=True)
    role = models.CharField("角色", max_length=12, choices=ROLES, default="supervisor")
    duty = models.CharField("职责", max_length=200)
    since = models.DateField("起始日期", null=True, blank=True)

    class Meta:
        verbose_name = "网格人员"
        verbose_name_plural = "网格人员"
        ordering = ["grid", "role", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


register(Region)
register(Grid)
register(GridMember, region="grid__")
