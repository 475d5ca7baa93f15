"""`needle router train|classify|evaluate`: the CSV contract and its error messages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

DATA = Path(__file__).parent / "data"
NYC = DATA / "nyc311_sample.csv"


def router(*args: str | Path) -> str:
    out = io.StringIO()
    # The messages are asserted in English; the default language translates them.
    with translation.override("en"):
        call_command("router", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("router") / "nyc.joblib"
    out = router(
        "train", "--csv", NYC, "--text-column", "description", "--label-column", "Agency", "--model", path
    )
    assert "200 messages, 5 labels" in out
    assert "threshold" in out
    assert f"wrote {path}" in out
    return path


def test_classify_keeps_every_column_and_the_row_order(model: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    out = router(
        "classify", "--model", model, "--csv", NYC, "--text-column", "description", "--output", output
    )
    assert "classified 200 rows" in out
    source, written = rows_of(NYC), rows_of(output)
    assert written[0] == [*source[0], "predicted_label", "confidence"]
    assert [row[:3] for row in written[1:]] == source[1:]
    assert {row[3] for row in written[1:]} <= {"DEP", "DOT", "DSNY", "HPD", "NYPD"}
    assert all(0.0 <= float(row[4]) <= 1.0 for row in written[1:])


def test_classify_a_file_with_only_a_text_column_bom_and_newlines(model: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(
        '\ufefftext\n"Noise - Residential:\nLoud Music/Party"\nHEAT/HOT WATER: ENTIRE BUILDING\n'.encode()
    )
    output = tmp_path / "out.csv"
    router("classify", "--model", model, "--csv", source, "--text-column", "text", "--output", output)
    written = rows_of(output)
    assert written[0] == ["text", "predicted_label", "confidence"]
    assert written[1][0] == "Noise - Residential:\nLoud Music/Party"
    assert [row[1] for row in written[1:]] == ["NYPD", "HPD"]


def test_classify_reads_big_fields(model: Path, tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    source.write_text("text\n" + "Street Condition: Pothole " * 10_000 + "\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    router("classify", "--model", model, "--csv", source, "--text-column", "text", "--output", output)
    assert rows_of(output)[1][1] == "DOT"


def test_evaluate_a_model_prints_the_figures(model: Path) -> None:
    out = router(
        "evaluate", "--model", model, "--csv", NYC, "--text-column", "description", "--label-column", "Agency"
    )
    assert "accuracy 0." in out or "accuracy 1." in out
    assert "macro-F1" in out
    assert "precision" in out and "recall" in out
    assert "confusion matrix" in out
    assert "HPD" in out


def test_evaluate_by_cross_validation() -> None:
    out = router(
        "evaluate", "--folds", "2", "--csv", NYC, "--text-column", "description", "--label-column", "Agency"
    )
    assert "2-fold stratified cross-validation" in out
    assert "macro-F1" in out and "confusion matrix" in out


@pytest.mark.parametrize(
    ("content", "column", "message"),
    [
        (None, "description", "no such file"),
        ("a,b\n1,2\n", "description", "no column 'description'; the columns are: a, b"),
        ("", "description", "empty CSV file"),
        ("description,Agency\n", "description", "header but no rows"),
        (
            "description,Agency\nPothole,DOT\n ,DOT\n",
            "description",
            "1 rows have an empty 'description' (data rows 2)",
        ),
        (b"description\n\xff\xfe\n", "description", "not UTF-8"),
    ],
)
def test_bad_input_is_a_clear_error(
    model: Path, tmp_path: Path, content: str | bytes | None, column: str, message: str
) -> None:
    source = tmp_path / "in.csv"
    if isinstance(content, bytes):
        source.write_bytes(content)
    elif content is not None:
        source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        router(
            "classify",
            "--model",
            model,
            "--csv",
            source,
            "--text-column",
            column,
            "--output",
            tmp_path / "o.csv",
        )
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        router(
            "train",
            "--csv",
            source,
            "--text-column",
            column,
            "--label-column",
            "Agency",
            "--model",
            tmp_path / "m",
        )


def test_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a text model file"):
        router(
            "classify",
            "--model",
            NYC,
            "--csv",
            NYC,
            "--text-column",
            "description",
            "--output",
            tmp_path / "o.csv",
        )
    with pytest.raises(CommandError, match="no such file"):
        router(
            "evaluate",
            "--model",
            tmp_path / "none",
            "--csv",
            NYC,
            "--text-column",
            "description",
            "--label-column",
            "Agency",
        )


def test_evaluate_needs_a_model_or_folds() -> None:
    with pytest.raises(CommandError, match="either --model"):
        router("evaluate", "--csv", NYC, "--text-column", "description", "--label-column", "Agency")


def test_train_needs_labels_with_examples(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("text,label\na,x\nb,x\nc,y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="at least two examples"):
        router(
            "train",
            "--csv",
            source,
            "--text-column",
            "text",
            "--label-column",
            "label",
            "--model",
            tmp_path / "m",
        )


def test_classify_writes_messages_starting_like_formulas_as_text(model: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        'text\n"=HYPERLINK(""http://evil.example/"",""x"") noise"\n@SUM(1) pothole\n', encoding="utf-8"
    )
    output = tmp_path / "out.csv"
    router("classify", "--model", model, "--csv", source, "--text-column", "text", "--output", output)
    written = rows_of(output)
    assert [row[0] for row in written[1:]] == [
        '\'=HYPERLINK("http://evil.example/","x") noise',
        "'@SUM(1) pothole",
    ]
