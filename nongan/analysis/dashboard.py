"""The figures of one dashboard, gathered for the page and the API from `figures.*`."""

from .figures import cases, commitments, inspections, register, samples, warnings


def region_dict(region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level}


def _headline(scope, census, sample_totals) -> dict:
    return {
        "region": region_dict(scope.region), "from": scope.start, "to": scope.end,
        "register": register.register(census),
        "coverage": register.coverage(census),
        "commitments": commitments.signing(scope),
        "inspections": inspections.inspections(scope),
        "samples": sample_totals,
        "warnings": warnings.warnings(scope),
        "cases": cases.cases(scope),
    }


def overview(scope) -> dict:
    """Every headline figure (GET /api/v1/stats/overview)."""
    return _headline(scope, register.census(scope), samples.totals(scope))


def everything(scope) -> dict:
    """The headline figures and every series the dashboard page draws."""
    census, sampled = register.census(scope), samples.breakdown(scope)
    return _headline(scope, census, sampled["totals"]) | {
        "areas": register.areas(census),
        "sample_months": sampled["months"],
        "sample_products": sampled["products"],
        "sample_pesticides": samples.by_pesticide(scope),
        "sample_areas": sampled["areas"],
    }
