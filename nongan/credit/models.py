"""Credit file (信用档案, 实施方案 四.(二)): the events that count for a producer's credit.

Every source (inspections, samples, penalty cases, commitments) appends an event here with
its date and a link to the record it comes from; grades are computed from these events.
"""

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.producers.models import Producer


class CreditEvent(models.Model):
    """信用事件: one fact in a producer's credit file, appended and never edited."""

    KINDS = [
        ("penalty", "行政处罚"),
        ("penalty_revoked", "行政处罚撤销"),
    ]
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT,
                                 related_name="credit_events", verbose_name="生产主体")
    kind = models.CharField("事件类型", max_length=24, choices=KINDS)
    occurred_on = models.DateField("发生日期")
    summary = models.CharField("摘要", max_length=300)
    serious = models.BooleanField("严重失信", default=False)
    source = models.CharField("来源记录", max_length=60)
    link = models.CharField("来源链接", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信用事件"
        verbose_name_plural = "信用事件"
        ordering = ["-occurred_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["source", "kind"],
                                               name="one_credit_event_per_source")]

    def __str__(self):
        return f"{self.producer_id} {self.kind} {self.occurred_on}"


register(CreditEvent, region="producer__", owner="producer_id")
