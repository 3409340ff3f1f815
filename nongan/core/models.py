from django.conf import settings
from django.db import models

from nongan.core.scoping import register


class AuditEntry(models.Model):
    """审计留痕: one write, who made it, when, from where, and what changed.

    Entries form a hash chain: each hash covers the entry and the previous hash, so an
    entry altered or removed directly in the database breaks `nongan audit verify`.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    client_address = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    region_code = models.CharField(max_length=12, blank=True, db_index=True)
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's tip, locked by every writer so entries are appended one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    count = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"

    def __str__(self):
        return f"audit head #{self.count}"


class CalendarDay(models.Model):
    """法定节假日与调休: a day that differs from the Monday–Friday week — a public holiday
    on a weekday (working False) or a weekend day worked in exchange (working True)."""

    date = models.DateField(primary_key=True)
    working = models.BooleanField("上班")
    name = models.CharField("名称", max_length=40)

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.working else '休息'} {self.name}"


class Notification(models.Model):
    """站内通知: a message to one person, with a link to what it is about."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField("类型", max_length=32)
    text = models.TextField("内容")
    link = models.CharField("链接", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.recipient_id} {self.kind}"


register(CalendarDay, region=None)
register(Notification, personal="recipient_id")


class ScheduledRun(models.Model):
    """定时任务记录: a daily job the worker has queued for a day. The unique (job, day)
    pair makes sure two workers never queue the same day's job twice."""

    job = models.CharField("任务", max_length=40)
    day = models.DateField("日期")
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "定时任务记录"
        verbose_name_plural = "定时任务记录"
        ordering = ["-day", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="one_run_per_day")]

    def __str__(self):
        return f"{self.job} {self.day}"


class WorkerBeat(models.Model):
    """工作进程心跳: a running `nongan worker` writes the database's time here every few
    seconds; a task left running by a worker that stopped writing goes back in the queue
    (core.workers)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = "工作进程心跳"
        verbose_name_plural = "工作进程心跳"

    def __str__(self):
        return f"{self.worker_id} {self.seen_at}"
