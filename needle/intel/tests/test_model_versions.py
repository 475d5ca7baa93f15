"""Classifier versions never share a name, and the process's model cache never hands one
version's model to another."""

from __future__ import annotations

import pytest

from needle.intel import textmodel
from needle.intel.classifier import load_model, model_file
from needle.intel.models import ModelVersion
from needle.intel.services import model_register
from needle.testing import texts_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_files(tmp_path, settings):
    """The same texts labelled in Chinese and in English, each saved to its own file."""
    settings.INTEL_MODEL_DIR = tmp_path / "models"
    texts = texts_of("noise", 12) + texts_of("light", 12)
    files = {}
    for name, labels in {"zh": ("噪音", "照明"), "en": ("Noise", "Light")}.items():
        model = textmodel.train(texts, [labels[0]] * 12 + [labels[1]] * 12)
        files[name] = tmp_path / f"{name}.joblib"
        textmodel.save(model, files[name])
    return files


def test_a_version_registered_after_a_rollback_gets_its_own_name_file_and_model(world, two_files):
    first = model_register(actor=None, file=two_files["zh"])
    assert sorted(load_model(first).labels) == ["噪音", "照明"]
    # What a rolled-back transaction (each test's) or a restored database leaves behind: the
    # row is gone, the process and the model directory remember it.
    ModelVersion.objects.all().delete()
    second = model_register(actor=None, file=two_files["en"])
    assert second.version != first.version and second.path != first.path
    assert sorted(load_model(second).labels) == ["Light", "Noise"]


def test_a_replaced_model_file_is_read_again(world, two_files):
    version = model_register(actor=None, file=two_files["zh"])
    assert sorted(load_model(version).labels) == ["噪音", "照明"]
    model_file(version).write_bytes(two_files["en"].read_bytes())
    assert sorted(load_model(version).labels) == ["Light", "Noise"]


def test_a_missing_model_file_is_a_model_error(world, two_files):
    version = model_register(actor=None, file=two_files["zh"])
    model_file(version).unlink()
    with pytest.raises(textmodel.TextModelError, match="no such file"):
        load_model(version)
