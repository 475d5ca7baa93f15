"""`needle router train|classify|evaluate`: the text classifier on CSV files.

A contract used by external evaluations; the options are fixed:

    needle router train --csv FILE --text-column C --label-column L --model OUT [--folds N]
    needle router classify --model M --csv IN --text-column C --output OUT
    needle router evaluate --model M --csv FILE --text-column C --label-column L
    needle router evaluate --folds 5 --csv FILE --text-column C --label-column L
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from needle.core.exports import SafeCsvWriter
from needle.intel import textmodel
from needle.intel.textmodel import TextModelError

BATCH = 1000


def _raise_field_limit() -> None:
    # Messages can be long; the csv module's default field limit is 128 KiB.
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


def read_table(path: Path, columns: list[str]) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (padded to the header) and the indexes of `columns`; CommandError on bad input."""
    _raise_field_limit()
    if not path.is_file():
        raise CommandError(_("%(path)s: no such file") % {"path": path})
    try:
        # utf-8-sig drops a byte-order mark; newline="" lets the parser keep newlines inside fields.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            table = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise CommandError(_("%(path)s: not UTF-8 text") % {"path": path}) from None
    except csv.Error as exc:
        raise CommandError(
            _("%(path)s: not a readable CSV file (%(error)s)") % {"path": path, "error": exc}
        ) from None
    if not table or not any(cell.strip() for cell in table[0]):
        raise CommandError(_("%(path)s: empty CSV file, no header row") % {"path": path})
    header = table[0]
    indexes = []
    for column in columns:
        if column not in header:
            raise CommandError(
                _("%(path)s: no column %(column)r; the columns are: %(columns)s")
                % {"path": path, "column": column, "columns": ", ".join(header)}
            )
        indexes.append(header.index(column))
    rows = [row + [""] * (len(header) - len(row)) for row in table[1:] if row]
    if not rows:
        raise CommandError(_("%(path)s: the CSV file has a header but no rows") % {"path": path})
    for column, index in zip(columns, indexes, strict=True):
        empty = [number for number, row in enumerate(rows, start=1) if not row[index].strip()]
        if empty:
            shown = ", ".join(str(n) for n in empty[:10]) + (", …" if len(empty) > 10 else "")
            raise CommandError(
                _("%(path)s: %(count)d rows have an empty %(column)r (data rows %(rows)s)")
                % {"path": path, "count": len(empty), "column": column, "rows": shown}
            )
    return header, rows, indexes


def load_model(path: Path) -> textmodel.TextModel:
    try:
        return textmodel.load(path)
    except TextModelError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = "Train, run and evaluate the text classifier (router) on CSV files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        train = sub.add_parser("train", help="train a model on a labelled CSV file and write it")
        train.add_argument("--csv", type=Path, required=True)
        train.add_argument("--text-column", required=True)
        train.add_argument("--label-column", required=True)
        train.add_argument("--model", type=Path, required=True, help="the model file to write")
        train.add_argument("--folds", type=int, help="also print k-fold cross-validation figures")
        train.add_argument("--seed", type=int, default=0)

        classify = sub.add_parser("classify", help="add predicted_label and confidence to every row")
        classify.add_argument("--model", type=Path, required=True)
        classify.add_argument("--csv", type=Path, required=True)
        classify.add_argument("--text-column", required=True)
        classify.add_argument("--output", type=Path, required=True)

        evaluate = sub.add_parser("evaluate", help="figures of a model, or of the recipe by cross-validation")
        evaluate.add_argument("--model", type=Path, help="the model to evaluate")
        evaluate.add_argument("--folds", type=int, help="cross-validate the training recipe instead")
        evaluate.add_argument("--csv", type=Path, required=True)
        evaluate.add_argument("--text-column", required=True)
        evaluate.add_argument("--label-column", required=True)
        evaluate.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        # The output is a contract that scripts read: English unless NEEDLE_CLI_LANGUAGE says otherwise.
        with translation.override(settings.NEEDLE_CLI_LANGUAGE):
            self._handle(*args, action=action, **opts)

    def _handle(self, *args: Any, action: str, **opts: Any) -> None:
        try:
            # --csv is passed on as `source`: the name `csv` is the csv module here.
            getattr(self, f"do_{action}")(source=opts.pop("csv"), **opts)
        except TextModelError as exc:
            raise CommandError(str(exc)) from None

    def do_train(
        self,
        *,
        source: Path,
        text_column: str,
        label_column: str,
        model: Path,
        folds: int | None,
        seed: int,
        **_o: Any,
    ) -> None:
        if folds is not None and folds < 2:
            raise CommandError(_("--folds must be at least 2"))
        _header, rows, (ti, li) = read_table(source, [text_column, label_column])
        texts, labels = [r[ti] for r in rows], [r[li].strip() for r in rows]
        if not model.parent.is_dir():
            raise CommandError(_("%(path)s: no such directory") % {"path": model.parent})
        counts = Counter(labels)
        self.stdout.write(_("%(n)d messages, %(k)d labels:") % {"n": len(texts), "k": len(counts)})
        for label, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            self.stdout.write(f"  {label}\t{count}")
        started = time.monotonic()
        trained = textmodel.train(texts, labels, seed=seed)
        seconds = time.monotonic() - started
        textmodel.save(trained, model)
        m = trained.metrics
        self.stdout.write(
            _("trained in %(seconds).1fs, recipe %(recipe)s, version %(version)s")
            % {"seconds": seconds, "recipe": m["recipe"], "version": trained.version}
        )
        self.stdout.write(
            _("held-out (%(how)s): accuracy %(accuracy).4f, macro-F1 %(f1).4f")
            % {"how": m["evaluation"], "accuracy": m["accuracy"], "f1": m["macro_f1"]}
        )
        self.stdout.write(
            _(
                "threshold %(threshold).4f: %(coverage).1f%% of held-out messages at or above it, precision %(precision)s"
            )
            % {
                "threshold": trained.threshold,
                "coverage": 100 * m["threshold_coverage"],
                "precision": "-" if m["threshold_precision"] is None else f"{m['threshold_precision']:.4f}",
            }
        )
        self.stdout.write(_("wrote %(path)s") % {"path": model})
        if folds:
            self._cross_validate(texts, labels, folds=folds, seed=seed)

    def do_classify(self, *, model: Path, source: Path, text_column: str, output: Path, **_o: Any) -> None:
        loaded = load_model(model)
        header, rows, (ti,) = read_table(source, [text_column])
        if not output.parent.is_dir():
            raise CommandError(_("%(path)s: no such directory") % {"path": output.parent})
        started = time.monotonic()
        auto = 0
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer = SafeCsvWriter(handle)
            writer.writerow([*header, "predicted_label", "confidence"])
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                for row, (label, confidence) in zip(
                    batch, loaded.predict([r[ti] for r in batch]), strict=True
                ):
                    writer.writerow([*row, label, f"{confidence:.4f}"])
                    auto += confidence >= loaded.threshold
        self.stdout.write(
            _(
                "classified %(n)d rows in %(seconds).1fs; %(auto)d at or above the threshold %(threshold).4f; wrote %(path)s"
            )
            % {
                "n": len(rows),
                "seconds": time.monotonic() - started,
                "auto": auto,
                "threshold": loaded.threshold,
                "path": output,
            }
        )

    def do_evaluate(
        self,
        *,
        model: Path | None,
        folds: int | None,
        source: Path,
        text_column: str,
        label_column: str,
        seed: int,
        **_o: Any,
    ) -> None:
        if (model is None) == (folds is None):
            raise CommandError(
                _("give either --model (evaluate a model) or --folds N (cross-validate the recipe)")
            )
        if folds is not None and folds < 2:
            raise CommandError(_("--folds must be at least 2"))
        loaded = load_model(model) if model is not None else None
        _header, rows, (ti, li) = read_table(source, [text_column, label_column])
        texts, labels = [r[ti] for r in rows], [r[li].strip() for r in rows]
        if loaded is not None:
            self.stdout.write(
                _("model %(path)s, version %(version)s, %(n)d messages")
                % {"path": model, "version": loaded.version, "n": len(texts)}
            )
            self.print_report(textmodel.evaluate(loaded, texts, labels))
        else:
            self._cross_validate(texts, labels, folds=folds or 5, seed=seed)

    def _cross_validate(self, texts: list[str], labels: list[str], *, folds: int, seed: int) -> None:
        started = time.monotonic()
        result = textmodel.cross_validate(texts, labels, folds=folds, seed=seed)
        self.stdout.write(
            _(
                "%(folds)d-fold stratified cross-validation (shuffled, seed %(seed)d) of %(recipe)s, %(n)d messages, %(seconds).0fs"
            )
            % {
                "folds": folds,
                "seed": seed,
                "recipe": result["recipe"],
                "n": len(texts),
                "seconds": time.monotonic() - started,
            }
        )
        self.print_report(result)
        if result["auto_precision"] is not None:
            self.stdout.write(
                _(
                    "each fold's threshold on its held-out fold: %(coverage).1f%% at or above it, precision %(precision).4f"
                )
                % {"coverage": 100 * result["auto_coverage"], "precision": result["auto_precision"]}
            )

    def print_report(self, result: dict[str, Any]) -> None:
        out = self.stdout.write
        out(_("accuracy %(accuracy).4f") % {"accuracy": result["accuracy"]})
        out(_("macro-F1 %(f1).4f") % {"f1": result["macro_f1"]})
        labels = result["confusion"]["labels"]
        width = max(len(label) for label in labels) + 2
        out("")
        out(f"{_('label'):<{width}}{_('precision'):>10}{_('recall'):>10}{'F1':>10}{_('support'):>10}")
        for label, figures in result["per_class"].items():
            out(
                f"{label:<{width}}{figures['precision']:>10.4f}{figures['recall']:>10.4f}"
                f"{figures['f1']:>10.4f}{figures['support']:>10d}"
            )
        out("")
        out(_("confusion matrix (rows: true label, columns: predicted, in this order):"))
        for i, label in enumerate(labels):
            out(f"  {i + 1}. {label}")
        cell = max(6, *(len(str(v)) + 2 for row in result["confusion"]["matrix"] for v in row))
        out(" " * 4 + "".join(f"{j + 1:>{cell}}" for j in range(len(labels))))
        for i, row in enumerate(result["confusion"]["matrix"]):
            out(f"{i + 1:>3} " + "".join(f"{v:>{cell}}" for v in row))
