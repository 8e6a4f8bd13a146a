from django.core.management.base import BaseCommand

from rostering.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo district, its schools and the demo logins (idempotent)."

    def handle(self, *args, **options):
        seed = demo_seed()
        self.stdout.write(f"Demo district: {seed.district}")
        for username, password, label in seed.logins:
            self.stdout.write(f"  {username} / {password}  ({label})")
