#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.production import UnsafeConfiguration

    try:
        execute_from_command_line(sys.argv)
    except UnsafeConfiguration as exc:
        sys.exit(str(exc))  # the settings to fix, without a traceback


if __name__ == "__main__":
    main()
