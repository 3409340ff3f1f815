"""Demo partners for `nongan seed`: the city's market-regulation bureau, the public-security
bureau's food, drug and environmental crime unit (食药环侦) and the ecology and environment
bureau, registered by the city administrator through the services; the market regulators
get one API key for the three datasets of the whole city. Its plain text is printed nowhere
and kept nowhere (only its hash is stored): a demo user issues a key of their own on the
agency page to try the API."""

from nongan.people.models import User

from . import services

CITY = "310000000000"
AGENCIES = [
    ("上海市市场监督管理局", "market_regulation", "市场监管执法总队", "021-64220000"),
    ("上海市公安局食品药品与环境犯罪侦查总队", "public_security", "食药环侦值班室", "021-22020000"),
    ("上海市生态环境局", "ecology_environment", "执法总队", "021-23110000"),
]


def seed_exchange() -> dict:
    admin = User.objects.filter(role="city_admin", is_active=True).order_by("pk").first()
    if admin is None:
        return {"exchange_agencies": 0, "exchange_api_keys": 0}
    agencies = [services.create_agency({"name": name, "kind": kind, "region": CITY,
                                        "contact_name": contact, "contact_phone": phone},
                                       actor=admin)
                for name, kind, contact, phone in AGENCIES]
    services.issue_key(agencies[0], {"name": "不合格产品与处罚信息比对",
                                     "datasets": ["samples", "penalties", "grades"],
                                     "regions": [CITY]}, actor=admin)
    return {"exchange_agencies": len(agencies), "exchange_api_keys": 1}
