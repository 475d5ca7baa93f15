"""`needle intel train|register|hotspots|status`: the deployment's own classifier and hot topics.

(`needle router ...` works on labelled CSV files; this command works on the cases stored here.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from needle.core.errors import DomainError
from needle.intel import selectors, services


class Command(BaseCommand):
    help = "Train the classifier on closed cases, register a model file, or detect hot topics."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train on the closed cases; keep it only if it does better")
        train.add_argument(
            "--force", action="store_true", help="activate the new model even if it does worse"
        )
        register = sub.add_parser("register", help="register a model file from `needle router train`")
        register.add_argument("model", help="the model file")
        register.add_argument("--inactive", action="store_true", help="record it without activating it")
        sub.add_parser("hotspots", help="detect hot topics in the last thirty days of requests")
        sub.add_parser("status", help="list the model versions")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "train":
                version = services.model_train(actor=None, force=options["force"])
                self._show(version)
            elif action == "register":
                path = Path(options["model"])
                if not path.is_file():
                    raise CommandError(f"{path}: no such file")
                try:
                    version = services.model_register(actor=None, file=path, activate=not options["inactive"])
                except (ValueError, OSError, EOFError) as exc:
                    raise CommandError(f"{path}: not a Needle model file ({exc})") from exc
                self._show(version)
            elif action == "hotspots":
                topics = services.hotspots_detect()
                for t in topics[:20]:
                    self.stdout.write(f"{t.heat:8.1f}  {t.size:4d}  {t.area.name}  {t.title}")
                self.stdout.write(f"{len(topics)} hot topics")
            else:
                for v in selectors.model_versions():
                    mark = "*" if v.active else " "
                    f1 = v.metrics.get("macro_f1")
                    self.stdout.write(
                        f"{mark} {v.version}  {v.source}  cases={v.trained_on}  threshold={v.threshold:.3f}"
                        + (f"  macro_f1={f1:.3f}" if isinstance(f1, float) else "")
                    )
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.fields or ''}".strip()) from exc

    def _show(self, version: Any) -> None:
        state = "active" if version.active else "kept inactive (did not beat the active model)"
        self.stdout.write(f"model {version.version}: {version.trained_on} cases, {state}")
        if version.comparison:
            self.stdout.write(f"held-back comparison: {version.comparison}")
