"""The shipped assessment table (data/indicators.csv), stored once for its first year; a
table the city administrator already stored is left as it is."""

from django.db import migrations


def store(apps, schema_editor):
    from nongan.assessment.tables import store_shipped

    store_shipped(apps.get_model("assessment", "AssessmentTable"),
                  apps.get_model("assessment", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(store, migrations.RunPython.noop)]
