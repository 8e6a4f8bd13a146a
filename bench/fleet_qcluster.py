"""`manage.py qcluster` as the fleet benchmark starts it: the development settings the
sandbox's plain http needs (DEBUG=true at start-up), then DEBUG off before the cluster
forks its workers, as bench.run's scenario processes do: DEBUG's query log would swell
the workers' memory (the figure measured)."""

import os

from bench.settings import django_setup


def main() -> None:
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django_setup()
    call_command("qcluster")


if __name__ == "__main__":
    main()
