from django.core.management import call_command
from django.db import connection

from nongan.core.audit import verify
from nongan.core.models import AuditEntry
from nongan.testing import PLACES


def run_verify():
    try:
        call_command("audit", "verify")
    except SystemExit as exc:
        return exc.code
    return 0


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_write_records_who_when_where_and_what(world, api):
    officer = world.pudong.district_officer
    response = api(officer).patch(f"/producers/{world.pudong.the_producer.pk}",
                                  {"phone": "13912345678"})
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(action="producer.update").latest("seq")
    assert entry.actor == officer
    assert entry.client_address == "127.0.0.1"
    assert entry.region_code == PLACES["pudong"][2]
    assert entry.changes == {"before": {"phone": "13800000000"}, "after": {"phone": "13912345678"}}


def test_the_chain_of_a_busy_day_is_intact(world):
    assert verify()[0]
    assert run_verify() == 0


def test_an_entry_altered_in_the_database_is_detected(world):
    victim = AuditEntry.objects.filter(action="producer.register").order_by("seq").first()
    raw("UPDATE core_auditentry SET actor_name = %s WHERE id = %s", ["someone-else", victim.pk])
    intact, message = verify()
    assert not intact
    assert f"#{victim.seq}" in message and "altered" in message
    assert run_verify() == 1


def test_a_change_to_what_was_recorded_is_detected(world):
    victim = AuditEntry.objects.filter(action="plot.add").order_by("seq").first()
    victim_changes = dict(victim.changes)
    victim_changes["after"]["area_mu"] = "1.00"
    AuditEntry.objects.filter(pk=victim.pk).update(changes=victim_changes)
    assert not verify()[0]


def test_a_removed_entry_is_detected(world):
    middle = AuditEntry.objects.order_by("seq")[3]
    raw("DELETE FROM core_auditentry WHERE id = %s", [middle.pk])
    intact, message = verify()
    assert not intact and f"#{middle.seq}" in message


def test_removing_the_newest_entries_is_detected(world):
    newest = AuditEntry.objects.order_by("-seq").first()
    raw("DELETE FROM core_auditentry WHERE id = %s", [newest.pk])
    intact, message = verify()
    assert not intact and "removed" in message

