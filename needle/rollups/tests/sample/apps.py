from django.apps import AppConfig


class SampleConfig(AppConfig):
    """A test app with one tiny model, declared to the rollup engine as a source by the tests
    that need it: the proof that the next app only declares."""

    name = "needle.rollups.tests.sample"
    label = "rollups_sample"
