"""A case's name on the public list becomes the resident's opt-in (`show_name`, off), and a
case itself is on the public list only when `public` says so.

Existing cases: no resident has opted in yet (the old form asked residents to opt out), so no
name is shown; a resident's request stays public, a proactive task the system side opened does
not (it holds an instruction to a unit, not a resident's words)."""

from django.db import migrations, models


def residents_requests_public(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.exclude(channel="proactive").update(public=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_service_synonyms'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='public',
            field=models.BooleanField(default=False, verbose_name='shown to the public'),
        ),
        migrations.AddField(
            model_name='case',
            name='show_name',
            field=models.BooleanField(default=False, verbose_name='show my name publicly'),
        ),
        migrations.RunPython(residents_requests_public, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='case',
            name='hide_name',
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='kind',
            field=models.CharField(choices=[('submitted', 'submitted'), ('routed', 'routed automatically'), ('dispatched', 'dispatched'), ('returned', 'returned'), ('accepted', 'accepted'), ('started', 'work started'), ('transferred', 'transferred'), ('assisted', 'assisting unit added'), ('whistled', 'departments called in'), ('responded', 'called-in unit responded'), ('note', 'note'), ('resolved', 'resolved'), ('callback', 'callback'), ('reopened', 'reopened'), ('closed', 'closed'), ('rejected', 'rejected'), ('merged', 'merged'), ('repeated', 'raised again'), ('urged', 'urged'), ('supervised', 'supervised'), ('colour', 'deadline colour changed'), ('hidden', 'personal details hidden'), ('reclassified', 'service corrected'), ('followed', 'followed by another resident'), ('published', 'put on the public list'), ('unpublished', 'taken off the public list')], max_length=20, verbose_name='kind'),
        ),
    ]
