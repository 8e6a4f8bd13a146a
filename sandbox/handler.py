"""The HTTP/1.1 request handler: sockets in, `Request` to the sandbox, `Response` out."""

import contextlib
import socket
import ssl
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sandbox.faults import PageFault, error_response
from sandbox.wire import Request, Response, status_info


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, sandbox, *, log_requests: bool = False) -> None:
        self.sandbox = sandbox
        self.log_requests = log_requests
        super().__init__(address, SandboxHandler)

    def handle_error(self, request, client_address) -> None:
        # Clients that hang up (timeouts, cut bodies) or refuse our certificate are part
        # of the game, not errors.
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


def malformed(body: bytes) -> bytes:
    # Cut the JSON in the middle of a record and splice in garbage: a parser must fail.
    return body[: max(1, len(body) // 2)] + b'",,{"\x00broken'


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            # In this connection's thread, not in the accepting one (a slow or failed
            # handshake must not hold up other clients).
            self.request.do_handshake()
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:
        if self.server.log_requests:
            super().log_message(format, *args)

    def serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sandbox = self.server.sandbox
        request = Request.parse(
            method=self.command,
            target=self.path,
            base=sandbox.base_path,
            headers=dict(self.headers.items()),
            body=body,
            scheme=sandbox.scheme,
        )
        try:
            response = sandbox.dispatch(request)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = status_info(500, "An error has occurred.", "internal_server_error")
        fault = None
        if response.page_key is not None and response.status == 200:
            fault = sandbox.faults.page_fault(*response.page_key)
        if fault is not None:
            response = self.apply(fault, response, native=request.path.startswith("api/"))
            if response is None:
                return
        self.send(response)

    def apply(self, fault: PageFault, response: Response, *, native: bool) -> Response | None:
        if fault.kind == "timeout":
            time.sleep(fault.seconds)
        elif fault.kind == "status":
            return error_response(
                fault.status,
                "An error has occurred.",
                native=native,
                code_minor="internal_server_error",
            )
        elif fault.kind == "malformed":
            response.body = malformed(response.body)
        elif fault.kind == "truncate":
            self.send(response, cut=True)
            return None
        return response

    def send(self, response: Response, *, cut: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if not cut:
            self.wfile.write(response.body)
            return
        # Promise the whole body, send half, then hang up.
        self.wfile.write(response.body[: len(response.body) // 2])
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = serve
