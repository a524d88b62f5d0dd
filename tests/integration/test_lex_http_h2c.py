"""The façade's cleartext HTTP/2 (prior knowledge) beside HTTP/1.1 on one port, driven frame by frame."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import httpx
import pytest

from bot_spec.formats.yaml_spec import load_spec
from runtime.lex.clock import ManualClock
from runtime.lex.endpoints import LexHttpServer
from runtime.lex.engine import LocalLexRuntime
from runtime.lex.h2_server import MAX_REQUEST_BODY

Served = tuple[LexHttpServer, str]


@pytest.fixture(scope="module")
def served(seed_bot_dir: Path) -> Iterator[Served]:
    runtime = LocalLexRuntime(clock=ManualClock(1_800_000_000.0))
    deployment = runtime.register_bot(load_spec(seed_bot_dir))
    with LexHttpServer(runtime) as server:
        yield server, deployment.bot_id


def _path(bot_id: str, session: str, suffix: str = "/text") -> str:
    return f"/bots/{bot_id}/botAliases/TSTALIASID/botLocales/en_US/sessions/{session}{suffix}"


class _Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.sock.sendall(self.conn.data_to_send())
        self.backlog: list[h2.events.Event] = []

    def request(self, method: str, path: str, body: bytes = b"", extra: list[tuple[str, str]] | None = None) -> int:
        stream_id: int = self.conn.get_next_available_stream_id()
        headers = [(":method", method), (":path", path), (":scheme", "http"), (":authority", "localhost")]
        headers += [("content-type", "application/json"), *(extra or [])]
        self.conn.send_headers(stream_id, headers, end_stream=not body)
        while body:
            chunk = body[: min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)]
            if not chunk:
                self.backlog += self._pump()
                if any(isinstance(e, h2.events.StreamReset) and e.stream_id == stream_id for e in self.backlog):
                    break  # the server answered early and asked us to stop
                continue
            body = body[len(chunk) :]
            self.conn.send_data(stream_id, chunk, end_stream=not body)
            self.sock.sendall(self.conn.data_to_send())
        self.sock.sendall(self.conn.data_to_send())
        return stream_id

    def _pump(self) -> list[h2.events.Event]:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        events = self.conn.receive_data(data)
        self.sock.sendall(self.conn.data_to_send())
        return events

    def responses(self, count: int) -> dict[int, tuple[dict[str, str], bytes]]:
        done: dict[int, tuple[dict[str, str], bytes]] = {}
        heads: dict[int, dict[str, str]] = {}
        bodies: dict[int, bytearray] = {}
        while len(done) < count:
            events, self.backlog = self.backlog or self._pump(), []
            for event in events:
                if isinstance(event, h2.events.ResponseReceived):
                    heads[event.stream_id] = dict(event.headers)  # type: ignore[arg-type]
                elif isinstance(event, h2.events.DataReceived):
                    bodies.setdefault(event.stream_id, bytearray()).extend(event.data)  # type: ignore[arg-type]
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)  # type: ignore[arg-type]
                if isinstance(event, h2.events.StreamEnded):
                    done[event.stream_id] = (heads[event.stream_id], bytes(bodies.get(event.stream_id, b"")))  # type: ignore[index]
        return done


def test_many_streams_on_one_connection(served: Served) -> None:
    server, bot_id = served
    client = _Client(server.port)
    ids = [client.request("POST", _path(bot_id, f"h2-{n}"), json.dumps({"text": "help"}).encode()) for n in range(5)]
    ids.append(client.request("GET", _path(bot_id, "h2-0", "")))
    answers = client.responses(len(ids))
    for stream_id in ids[:5]:
        head, body = answers[stream_id]
        assert head[":status"] == "200" and head["content-type"] == "application/json"
        assert json.loads(body)["sessionState"]["intent"]["name"] == "Help"
    assert json.loads(answers[ids[5]][1])["sessionId"] == "h2-0"


def test_errors_and_routing_over_h2(served: Served) -> None:
    server, bot_id = served
    client = _Client(server.port)
    bad = client.request("POST", _path(bot_id, "h2-bad"), b"{not json")
    missing = client.request("GET", "/nowhere")
    big = client.request("POST", _path(bot_id, "h2-big"), b"x" * (MAX_REQUEST_BODY + 10))
    answers = client.responses(3)
    assert answers[bad][0][":status"] == "400" and answers[bad][0]["x-amzn-errortype"] == "ValidationException"
    assert answers[missing][0][":status"] == "404"
    assert answers[big][0][":status"] == "413"
    ok = client.request("POST", _path(bot_id, "h2-after"), b'{"text": "help"}')  # the connection survives all three
    assert client.responses(1)[ok][0][":status"] == "200"


def test_garbage_after_the_preface_gets_goaway_and_close(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served[0].port), timeout=10) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x04\x00\x00\x00\x00\x00\x00abcd")  # DATA on stream 0
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        assert b"\x07" in received[:200]  # a GOAWAY frame (type 7) before the close


def test_http1_split_inside_the_preface_prefix_is_still_http1(served: Served) -> None:
    """A request whose first bytes could start the preface ('P', 'PR') is served as HTTP/1.1 once it diverges."""
    server, bot_id = served
    body = b'{"sessionState": {"dialogAction": {"type": "ElicitIntent"}}}'
    request = (
        f"POST {_path(bot_id, 'h1-split', '')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request[:1])
        sock.sendall(request[1:])
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200"), received[:200]
    assert received.lower().count(b"content-type: text/plain; charset=utf-8\r\n") == 1


def test_an_oversized_header_list_is_refused_and_the_server_lives_on(served: Served) -> None:
    server, bot_id = served
    client = _Client(server.port)
    encode = client.conn.encoder.encode
    client.conn.encoder.encode = lambda headers, huffman=True: encode(headers, huffman=False)  # type: ignore[method-assign]  # fast
    client.request("POST", _path(bot_id, "h2-huge"), b'{"text": "help"}', extra=[("x-amz-lex-session-state", "A" * 200_000)])
    refused = False
    try:
        while not refused:
            for event in client._pump():
                refused |= isinstance(event, (h2.events.ConnectionTerminated, h2.events.StreamReset))
                if isinstance(event, h2.events.ResponseReceived):
                    refused |= dict(event.headers).get(":status", "") in ("400", "413", "431")  # type: ignore[arg-type]
    except (ConnectionError, OSError):
        refused = True
    assert refused
    fresh = _Client(server.port)
    ok = fresh.request("POST", _path(bot_id, "h2-after-huge"), b'{"text": "help"}')
    assert fresh.responses(1)[ok][0][":status"] == "200"


def test_without_the_h2_package_http1_still_works(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server, bot_id = served
    monkeypatch.setitem(sys.modules, "runtime.lex.h2_server", None)  # import fails as if h2 were not installed
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        assert sock.recv(100) == b""  # closed, nothing sent
    assert "lex_http2_unavailable" in caplog.text and "h2 package" in caplog.text
    answer = httpx.post(f"{server.url}{_path(bot_id, 'no-h2')}", json={"text": "help"})
    assert answer.status_code == 200
