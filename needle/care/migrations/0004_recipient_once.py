# A person is in the care registry once: the rule of services.registry, held by the database too.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0004_area_outlined_index'),
        ('care', '0003_area_path_statistics'),
        ('orgs', '0006_person_record_family'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='recipient',
            constraint=models.UniqueConstraint(condition=models.Q(('person__isnull', False)), fields=('person',), name='care_recipient_one_per_account'),
        ),
        migrations.AddConstraint(
            model_name='recipient',
            constraint=models.UniqueConstraint(condition=models.Q(('record__isnull', False)), fields=('record',), name='care_recipient_one_per_record'),
        ),
    ]
