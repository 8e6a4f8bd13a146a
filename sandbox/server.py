"""`SandboxServer`: the generated district served over HTTP by a background thread."""

import dataclasses
import ssl
import threading

from sandbox.aeries_api import API_ROOT as NATIVE_ROOT
from sandbox.aeries_api import AeriesApi
from sandbox.auth import Credentials, TokenIssuer
from sandbox.control import CONTROL_ROOT, control_handle
from sandbox.data import generate_district
from sandbox.faults import Faults, PageFault
from sandbox.handler import SandboxHTTPServer
from sandbox.model import District
from sandbox.mutate import district_mutate
from sandbox.oneroster import OneRosterApi
from sandbox.renumber import district_renumber, renumber_candidates
from sandbox.rollover import district_rollover
from sandbox.store import Store
from sandbox.switches import Switches
from sandbox.wire import Request, Response, html_not_found, json_response, login_page
from sandbox.years import YearDatabases

LEAVER_MODES = ("drop", "tobedeleted")


class SandboxServer:
    """A stand-in Aeries SIS: OneRoster 1.1 and the v5 API over one generated district."""

    def __init__(
        self,
        students: int = 200,
        seed: int = 1,
        clean: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        token_lifetime: int = 3600,
        max_limit: int = 1000,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        rate_limit: int | None = None,
        leavers: str = "drop",
        base_path: str = "/aeries/",
        log_requests: bool = False,
        district: District | None = None,
        behaviours: dict | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
    ) -> None:
        if leavers not in LEAVER_MODES:
            raise ValueError(f"leavers must be one of {', '.join(LEAVER_MODES)}")
        self.district = district or generate_district(students, seed, clean)
        self.seed, self.host, self.port = seed, host, port
        self.base_path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
        self.log_requests = log_requests
        # https with this certificate chain and key (PEM files), else plain http.
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.credentials = Credentials.for_seed(seed)
        self.switches = Switches(max_limit=max_limit)
        self.switches.behaviours.update(behaviours or {})
        self.store = Store(self.district, leavers=leavers, behaviours=self.switches.behaviours)
        self.tokens = TokenIssuer(self.credentials, token_lifetime, self.switches.behaviours)
        self.faults = Faults(
            seed=seed, latency_ms=latency_ms, fail_rate=fail_rate, rate_limit=rate_limit
        )
        self.oneroster = OneRosterApi(
            store=self.store, tokens=self.tokens, switches=self.switches, base_path=self.base_path
        )
        self.native = self._native_api(self.store)
        # Aeries' one database per school year: the live district is the current year.
        self.years = YearDatabases(current=self.district, make_api=self._native_api)
        self.behaviours = self.switches.behaviours
        self.httpd: SandboxHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def _native_api(self, store) -> AeriesApi:
        return AeriesApi(
            store=store, certificate=self.credentials.certificate, switches=self.switches
        )

    # lifecycle -----------------------------------------------------------------------
    def start(self) -> "SandboxServer":
        self.httpd = SandboxHTTPServer((self.host, self.port), self, log_requests=self.log_requests)
        self.port = self.httpd.server_address[1]
        if self.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2  # as Aeries requires
            context.load_cert_chain(self.tls_cert, self.tls_key)
            self.httpd.socket = context.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.store.href_base = self.base_url
        if self.behaviours.strict_spec:  # absolute hrefs need the port just picked
            with self.store.lock:
                self.store.build()
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            name="sandbox-sis",
            kwargs={"poll_interval": 0.1},
            daemon=True,
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)
            self.httpd = self.thread = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # identity ------------------------------------------------------------------------
    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.base_path}"

    @property
    def client_id(self) -> str:
        return self.credentials.client_id

    @property
    def client_secret(self) -> str:
        return self.credentials.client_secret

    @property
    def certificate(self) -> str:
        return self.credentials.certificate

    # requests ------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        if request.outside:
            return html_not_found()
        path = request.path
        if path in ("", "Login.aspx") and request.method == "GET":
            return login_page()
        if path.startswith(CONTROL_ROOT):
            return control_handle(self, request)
        redirect = self.behaviours.redirect_for(path)
        if redirect is not None:
            return Response(
                int(redirect.get("status", 302)), b"", headers=[("Location", redirect["location"])]
            )
        if path == self.behaviours.token_path:
            if not self.switches.oneroster_enabled:
                return html_not_found()
            if request.method != "POST":
                return json_response(
                    405, {"error": "invalid_request", "error_description": "use POST"}
                )
            return self.tokens.token(request)
        native = path.startswith(NATIVE_ROOT)
        if not native and not path.startswith(self.behaviours.oneroster_root):
            return html_not_found()
        if request.method != "GET":
            return json_response(
                405,
                {
                    "Message": f"The requested resource does not support "
                    f"http method '{request.method}'."
                },
            )
        if path != NATIVE_ROOT + "systeminfo":
            failure = self.faults.before(native=native)
            if failure is not None:
                return failure
        if not native:
            return self.oneroster.handle(request)
        if path == NATIVE_ROOT + "systeminfo":
            return self.years.systeminfo(request)
        return self.years.api_for(request, self.native).handle(request)

    # control (the same operations as the `_sandbox/` endpoint) -----------------------
    def mutate(self, n: int, now: str | None = None) -> dict:
        """Change `n` people (rename, grade change, leaver, newcomer, in turn)."""
        with self.store.lock:
            summary, changes = district_mutate(self.district, n=n, now=now)
            self.store.people_put(changes.people)
            self.store.enrollments_put(changes.enrollments)
            self.store.bump()
        return summary

    def renumber(
        self, students: list[str] | None = None, n: int = 0, now: str | None = None
    ) -> dict:
        """Give students new Student IDs (sandbox/renumber.py): those listed, else the
        first `n` active ones."""
        with self.store.lock:
            chosen = list(students or renumber_candidates(self.district, n))
            summary = district_renumber(self.district, students=chosen, now=now)
            self.store.build()
        return summary

    def rollover(self, now: str | None = None) -> dict:
        """Move the district to its next school year (see sandbox/rollover.py)."""
        with self.store.lock:
            self.years.keep(self.district)  # last year's database stays readable
            summary = district_rollover(self.district, now=now)
            self.store.build()
            self.store.bump()
        return summary

    def set_faults(
        self,
        *,
        latency_ms: int | None = None,
        fail_rate: float | None = None,
        rate_limit: int | None = None,
        page_faults: list[dict | PageFault] | None = None,
    ) -> None:
        self.faults.configure(
            latency_ms=latency_ms,
            fail_rate=fail_rate,
            rate_limit=rate_limit,
            page_faults=page_faults,
        )

    def reset_faults(self) -> None:
        self.faults.reset()

    def set_permission(self, name: str, on: bool) -> None:
        self.switches.set(name, on)

    def configure(
        self,
        *,
        token_lifetime: int | None = None,
        max_limit: int | None = None,
        leavers: str | None = None,
    ) -> None:
        if token_lifetime is not None:
            self.tokens.lifetime = int(token_lifetime)
        if max_limit is not None:
            self.switches.max_limit = int(max_limit)
        if leavers is not None and leavers != self.store.leavers:
            if leavers not in LEAVER_MODES:
                raise ValueError(f"leavers must be one of {', '.join(LEAVER_MODES)}")
            with self.store.lock:
                self.store.leavers = leavers
                self.store.build()

    def set_behaviours(self, **values) -> None:
        """Switch behaviours on or off (sandbox.switches.Behaviours names)."""
        with self.store.lock:
            if self.behaviours.update(values):
                self.store.build()
            else:
                self.store.bump()  # the native API's rows are rebuilt per data version

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def settings(self) -> dict:
        return {
            "token_lifetime": self.tokens.lifetime,
            "max_limit": self.switches.max_limit,
            "leavers": self.store.leavers,
        }

    def info(self) -> dict:
        d = self.district
        with self.store.lock:
            served = {name: len(c) for name, c in self.store.collections.items()}
        return {
            "district": d.name,
            "seed": d.seed,
            "clean": d.clean,
            "base_url": self.base_url,
            "credentials": {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "certificate": self.certificate,
            },
            "counts": d.counts(),
            "served": served,
            "clock": d.clock,
            "mutations": d.mutations,
            "bad_rows": [dataclasses.asdict(row) for row in d.bad_rows],
            "affinity": {
                "with_cookie": self.tokens.with_cookie,
                "without_cookie": self.tokens.without_cookie,
            },
            "tokens_issued": self.tokens.issued,
            "permissions": self.switches.describe(),
            "settings": self.settings(),
            "behaviours": self.behaviours.describe(),
            "faults": self.faults.describe(),
            "database_years": self.years.describe(),
        }
