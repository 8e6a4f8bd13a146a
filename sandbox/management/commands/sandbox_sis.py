"""`manage.py sandbox_sis`: serve a generated district until Ctrl-C."""

import signal
import time

from django.core.management.base import BaseCommand

from sandbox.server import LEAVER_MODES, SandboxServer


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the sandbox Aeries SIS (OneRoster 1.1 and Aeries v5 API) on a local port."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--students", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--clean", action="store_true", help="leave out the bad rows")
        parser.add_argument(
            "--mutate",
            type=int,
            default=0,
            metavar="N",
            help="change N people once the district is generated",
        )
        parser.add_argument(
            "--rollovers",
            type=int,
            default=0,
            metavar="N",
            help="start N school years later (each rollover promotes students, rebuilds classes)",
        )
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument(
            "--fail-rate",
            type=float,
            default=0.0,
            help="share of requests answered 500 or 503 (0..1)",
        )
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=None,
            metavar="N",
            help="answer 429 past N requests per second",
        )
        parser.add_argument("--max-limit", type=int, default=1000)
        parser.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS")
        parser.add_argument("--leavers", choices=LEAVER_MODES, default="drop")
        parser.add_argument(
            "--disable",
            action="append",
            default=[],
            metavar="PERMISSION",
            help="turn a read permission off, e.g. master_schedule",
        )
        parser.add_argument("--log-requests", action="store_true")
        parser.add_argument(
            "--tls-cert", metavar="PEM", help="serve https with this certificate (chain)"
        )
        parser.add_argument("--tls-key", metavar="PEM", help="the certificate's private key")

    def handle(self, *args, **opts) -> None:
        started = time.perf_counter()
        server = SandboxServer(
            students=opts["students"],
            seed=opts["seed"],
            clean=opts["clean"],
            host=opts["host"],
            port=opts["port"],
            token_lifetime=opts["token_lifetime"],
            max_limit=opts["max_limit"],
            latency_ms=opts["latency_ms"],
            fail_rate=opts["fail_rate"],
            rate_limit=opts["rate_limit"],
            leavers=opts["leavers"],
            log_requests=opts["log_requests"],
            tls_cert=opts["tls_cert"],
            tls_key=opts["tls_key"],
        )
        for name in opts["disable"]:
            server.set_permission(name, False)
        for _ in range(opts["rollovers"]):
            server.rollover()
        if opts["mutate"]:
            server.mutate(opts["mutate"])
        # Ctrl-C and `kill` stop it cleanly, even when started with SIGINT ignored (a
        # background job of a non-interactive shell inherits that).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        server.start()
        self.banner(server, time.perf_counter() - started)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stdout.write("Stopping the sandbox SIS.")
        finally:
            server.stop()

    def banner(self, server: SandboxServer, seconds: float) -> None:
        counts = server.district.counts()
        lines = [
            f"Sandbox Aeries SIS: {server.district.name} ({counts['role_student']} students, "
            f"{counts['classes']} classes, {counts['enrollments']} enrollments; "
            f"ready in {seconds:.1f}s)",
            f"Base URL:     {server.base_url}",
            f"Consumer ID:  {server.client_id}",
            f"Secret:       {server.client_secret}",
            f"Certificate:  {server.certificate}",
            f"Control:      {server.base_url}_sandbox/info",
            "Ctrl-C to stop.",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
