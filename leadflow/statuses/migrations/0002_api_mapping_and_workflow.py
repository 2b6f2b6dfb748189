import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

# The default workflow as it was when this migration was written (frozen here on
# purpose: later changes to statuses/defaults.py must not rewrite history). Campaigns
# created before the workflow existed get it, matched by status name; campaigns that
# already have a grid are left alone.
_OPEN = ["New", "No Answer", "Busy", "Voicemail", "Call Again - Personal",
         "Call Again - General", "Personal Meeting"]
_CHOICES = ["No Answer", "Busy", "Voicemail", "Call Again - Personal", "Call Again - General",
            "Personal Meeting", "Not Interested", "Wrong Number", "Do Not Call", "Converted"]
_WORKFLOW = {
    **{name: _CHOICES for name in _OPEN},
    "Not Interested": ["Converted", "Do Not Call"],
    "Wrong Number": ["Do Not Call"],
    "Do Not Call": [],
    "Converted": ["Do Not Call"],
}
_EXCLUSIONS = {"Call Again - Personal": {"exclude_from_day": 30, "exclude_to_day": 3650,
                                         "exclude_mode": "when_permanent"}}


def add_default_workflows(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    LeadStatus = apps.get_model("statuses", "LeadStatus")
    StatusTransition = apps.get_model("statuses", "StatusTransition")
    for campaign in Campaign.objects.all().iterator():
        if StatusTransition.objects.filter(campaign=campaign).exists():
            continue
        by_name = {s.name: s for s in LeadStatus.objects.filter(campaign=campaign)}
        StatusTransition.objects.bulk_create([
            StatusTransition(tenant_id=campaign.tenant_id, campaign=campaign,
                             from_status=by_name[src], to_status=by_name[dst],
                             **_EXCLUSIONS.get(dst, {}))
            for src, targets in _WORKFLOW.items() if src in by_name
            for dst in targets if dst in by_name
        ])


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0001_initial'),
        ('statuses', '0001_initial'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='StatusApiMapping',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=64)),
                ('description', models.CharField(blank=True, max_length=255)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
            ],
            options={
                'ordering': ['code', 'id'],
                'constraints': [models.UniqueConstraint(models.F('tenant'), django.db.models.functions.text.Lower('code'), name='status_api_mapping_code_ci')],
            },
        ),
        migrations.AddField(
            model_name='leadstatus',
            name='api_mapping',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='statuses', to='statuses.statusapimapping'),
        ),
        migrations.AddConstraint(
            model_name='leadstatus',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default_for_new_leads', True)), fields=('campaign',), name='status_one_default_per_campaign'),
        ),
        migrations.CreateModel(
            name='StatusTransition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('exclude_from_day', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(36500)])),
                ('exclude_to_day', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(36500)])),
                ('exclude_mode', models.CharField(choices=[('ignore', 'Ignore'), ('when_permanent', 'When Permanent'), ('when_non_permanent', 'When Non Permanent')], default='ignore', max_length=20)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='status_transitions', to='campaigns.campaign')),
                ('from_status', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions_out', to='statuses.leadstatus')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
                ('to_status', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions_in', to='statuses.leadstatus')),
            ],
            options={
                'ordering': ['from_status__position', 'from_status_id', 'to_status__position', 'to_status_id'],
                'indexes': [models.Index(fields=['campaign', 'from_status'], name='status_transition_from')],
                'constraints': [models.UniqueConstraint(fields=('from_status', 'to_status'), name='status_transition_unique'), models.CheckConstraint(condition=models.Q(models.Q(('exclude_from_day__isnull', True), ('exclude_to_day__isnull', True)), models.Q(('exclude_from_day__isnull', False), ('exclude_from_day__lte', models.F('exclude_to_day')), ('exclude_to_day__isnull', False)), _connector='OR'), name='status_transition_range_valid'), models.CheckConstraint(condition=models.Q(('exclude_mode__in', ['ignore', 'when_permanent', 'when_non_permanent'])), name='status_transition_mode_valid')],
            },
        ),
        migrations.RunPython(add_default_workflows, migrations.RunPython.noop),
    ]
