"""What the detectors found in the records (发现), before it becomes a warning: one
`Finding` per risk, with its dedup key, level, area, the numbers behind it and the samples.
`services.issue_or_update` turns findings into warnings; nothing here writes."""

from dataclasses import dataclass, field

from nongan.regions.models import Region


@dataclass
class Finding:
    key: str  # the same risk found again has the same key (one open warning per key)
    kind: str  # temporal | spatial | systemic | producer
    level: str  # red | orange | yellow | blue
    region: str  # code of the area it concerns
    district: str | None  # None: city-wide
    town: str | None
    explanation: str
    figures: dict
    samples: list[int] = field(default_factory=list)  # sample pks
    category: str = ""
    product: str = ""
    pesticide: str = ""
    producer: int | None = None
    districts: tuple[str, ...] = ()  # districts involved (their officers are assigned)
    towns: tuple[str, ...] = ()  # towns involved (their officers are assigned)


def region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def rounded(value, digits=3):
    """A JSON number that compares equal after a round trip (None for NaN)."""
    if value is None or value != value:
        return None
    return round(float(value), digits)


def significant(value, digits=3):
    """A small probability kept to `digits` significant digits (None for NaN)."""
    if value is None or value != value:
        return None
    return float(f"{float(value):.{digits}g}")
