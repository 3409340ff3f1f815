"""The one door every read goes through: what a user may see, by role and region.

A record outside the caller's scope is answered 404 everywhere (CONTRACT.md), so callers
look objects up in `visible(...)` and never in the bare manager.
"""

from django.db.models import Model, Q, QuerySet

# Per model: the path from the model to its region columns and to its owning producer.
# Region columns are `district`, `town`, `village` (see regions.models.RegionScoped).
SCOPES: dict[str, dict] = {}
LEVEL_FIELD = {"district": "district", "town": "town", "village": "village"}


def register(model: type[Model], *, region: str | None = "", owner: str | None = None,
             personal: str | None = None, upward: bool = False, org: str | None = None,
             hidden_from: tuple = ()):
    """Declare how a model is scoped: `region` is the prefix to its region columns
    ("" when the model carries them; None for reference data every officer reads), `owner`
    the path to its producer id (None when a producer account never sees it), `personal`
    the path to a user id that always sees it. `upward`: the record belongs to a city or
    district office and every officer under it reads it (a city plan is worked on in every
    district). `org`: the path to the testing institution whose staff see it — a lab sees
    its own tasks and nothing else (CONTRACT.md roles). `hidden_from`: roles that see none
    of it whatever their region (a lab has no business with penalty cases)."""
    SCOPES[model._meta.label_lower] = {"region": region, "owner": owner, "personal": personal,
                                       "upward": upward, "org": org, "hidden_from": hidden_from}
    return model


def visible(qs, user) -> QuerySet:
    """The records of `qs` (a queryset or model) that `user` may see."""
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    spec = SCOPES[qs.model._meta.label_lower]
    if user.role in spec["hidden_from"]:
        return qs.none()
    if spec["personal"]:
        return qs.filter(**{spec["personal"]: user.pk})
    if user.role == "producer":
        if spec["owner"] is None or not user.producer_id:
            return qs.none()
        return qs.filter(**{spec["owner"]: user.producer_id})
    if user.role == "lab_staff" and spec["org"]:
        return qs.filter(**{spec["org"]: user.org_id}) if user.org_id else qs.none()
    level = user.region.level
    if spec["region"] is None or level == "city":
        return qs
    if spec["upward"]:
        district = spec["region"] + "district"
        return qs.filter(Q(**{district: None}) | Q(**{district: user.region.district_id}))
    return qs.filter(**{spec["region"] + LEVEL_FIELD[level]: user.region_id})


def in_scope(user, region) -> bool:
    """Whether a region lies inside the user's region (for writes that name a region)."""
    if user.role == "producer":
        return False
    mine = user.region
    if mine.level == "city":
        return True
    return getattr(region, LEVEL_FIELD[mine.level] + "_id") == mine.code


def within(qs, region):
    """Records of a region-scoped queryset that lie inside `region` (a filter, not a scope:
    callers narrow a `visible(...)` queryset with it); None or the city keeps them all."""
    if region is None or region.level == "city":
        return qs
    return qs.filter(**{LEVEL_FIELD[region.level]: region})
