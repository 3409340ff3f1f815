from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0002_indexes_at_city_scale'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='sample',
            index=models.Index(fields=['district', 'completed_at'], include=('lab', 'kind'), name='sample_district_completed_idx'),
        ),
        migrations.AddIndex(
            model_name='sample',
            index=models.Index(condition=models.Q(('completed_at__isnull', False), ('report', '')), fields=['results_due'], name='sample_report_missing_idx'),
        ),
        migrations.AddIndex(
            model_name='sample',
            index=models.Index(condition=models.Q(('notified_at', None), ('verdict', 'non_compliant')), fields=['completed_at'], name='sample_unnotified_idx'),
        ),
    ]
