"""The figures of one dashboard, gathered for the page and the API from `figures.*`."""

from .figures import cases, commitments, inspections, register, samples, warnings


def region_dict(region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level}


def overview(scope) -> dict:
    """Every headline figure (GET /api/v1/stats/overview)."""
    return {
        "region": region_dict(scope.region), "from": scope.start, "to": scope.end,
        "register": register.register(scope),
        "coverage": register.coverage(scope),
        "commitments": commitments.signing(scope),
        "inspections": inspections.inspections(scope),
        "samples": samples.totals(scope),
        "warnings": warnings.warnings(scope),
        "cases": cases.cases(scope),
    }


def everything(scope) -> dict:
    """The headline figures and every series the dashboard page draws."""
    return overview(scope) | {
        "areas": register.areas(scope),
        "sample_months": samples.by_month(scope),
        "sample_products": samples.by_product(scope),
        "sample_pesticides": samples.by_pesticide(scope),
        "sample_areas": samples.by_area(scope, scope.area_level),
    }
