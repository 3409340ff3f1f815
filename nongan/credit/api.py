"""The credit file over HTTP: a producer's grade, score, reasons, events and history
(another district's producer, or another producer for a producer's account, answers 404),
and the rule table the city administrator reads and replaces."""

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible
from nongan.producers.models import Producer

from . import services
from .queries import change_dict, credit_file, event_dict
from .rules import table_dict

router = Router(tags=["credit"])


class RulesIn(Schema):
    """Raw values: the service checks them and answers 422 naming each row and field."""

    version: Any = None
    thresholds: Any = None
    rules: Any = None


@router.get("/producers/{pk}/credit", response=dict)
def producer_credit(request, pk: int):
    producer = get_object_or_404(visible(Producer, request.auth), pk=pk)
    found = credit_file(request.auth, producer)
    return {"producer": producer.pk, "grade": found["grade"], "score": found["score"],
            "reasons": found["reasons"], "rules_version": found["rules_version"],
            "events": [event_dict(e) for e in found["events"]],
            "history": [change_dict(c) for c in found["history"]]}


@router.get("/credit-rules", response=dict)
def credit_rules(request):
    """The rule table in force (every account may read how grades are computed)."""
    return table_dict()


@router.put("/credit-rules", response=dict)
@reauth_required("credit.rules.edit")
def replace_credit_rules(request, payload: RulesIn):
    """修改信用评价规则: the whole table (`thresholds` and one row per event kind); all or
    nothing; every grade is recomputed at once (`recomputed` says how many changed)."""
    return services.update_rules(payload.dict(), actor=request.auth)
