from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "SIS connections"

    def ready(self) -> None:
        from connections import checks  # noqa: F401  (registers the system checks)
