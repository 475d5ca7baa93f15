from django.db import migrations, models

# As needle.areas.models.PLACEHOLDER_NAMES when this migration was written (a migration must not
# follow later edits of the model module).
PLACEHOLDER_NAMES = ["市辖区", "县", "辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"]
CITY, DISTRICT = 2, 3


def mark_placeholders(apps, schema_editor):
    Area = apps.get_model("areas", "Area")
    Area.objects.filter(level__in=[CITY, DISTRICT], name__in=PLACEHOLDER_NAMES).update(placeholder=True)


class Migration(migrations.Migration):

    dependencies = [
        ("areas", "0002_area_descendants"),
    ]

    operations = [
        migrations.AddField(
            model_name="area",
            name="placeholder",
            field=models.BooleanField(db_default=False, default=False, verbose_name="placeholder"),
        ),
        migrations.RunPython(mark_placeholders, migrations.RunPython.noop),
    ]
