"""The `needle` console script: every Django management command, ours and Django's.

`needle import-areas FILE` runs the `import_areas` command; hyphens and underscores are the same.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if argv[1:] == ["care", "new-key"]:
        # Before the settings load: a production server's settings refuse to start without the
        # care key this command is there to make.
        from needle.care.crypto import new_key

        sys.stdout.write(new_key() + "\n")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "needle"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
