from django.core.management.base import BaseCommand, CommandError

from connections.key_rotation import secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored SIS secret under the first key of FIELD_ENCRYPTION_KEY "
        "(put the new key first, the old ones after it). Exit 1 when a secret cannot be "
        "decrypted with any key (it is left as it is)."
    )

    def handle(self, *args, **options):
        try:
            result = secrets_reencrypt(actor=None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.message)
        if result.unreadable:
            raise SystemExit(1)
