"""A loopback TCP proxy the browser talks through, so a test can make the network fail under an open WebSocket.

`blackhole()` keeps every connection open but forwards nothing (a dead Wi-Fi or NAT: no close ever
arrives, only a heartbeat can tell); `restore()` drops the black-holed connections and forwards again.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class _Pair:
    def __init__(self, client: socket.socket, upstream: socket.socket, blackholed: bool) -> None:
        self.client = client
        self.upstream = upstream
        self.blackholed = blackholed

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump threads blocked in recv
            with contextlib.suppress(OSError):
                sock.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target_port>, one pair of threads per connection."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._pairs: list[_Pair] = []
        self._lock = threading.Lock()
        self._blackholing = False
        self._closed = False
        threading.Thread(target=self._accept, name="tcp-proxy-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                pair = _Pair(client, upstream, self._blackholing)
                self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, upstream, client), daemon=True).start()

    def _pump(self, pair: _Pair, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if not pair.blackholed:
                    target.sendall(data)
        except OSError:
            pass
        finally:
            pair.close()
            with self._lock:
                if pair in self._pairs:
                    self._pairs.remove(pair)

    def blackhole(self) -> None:
        """From now on nothing gets through, on open connections and new ones; nobody is told."""
        with self._lock:
            self._blackholing = True
            for pair in self._pairs:
                pair.blackholed = True

    def restore(self) -> None:
        """Drop the black-holed connections (as a router would, eventually) and forward new ones again."""
        with self._lock:
            self._blackholing = False
            dead = [p for p in self._pairs if p.blackholed]
        for pair in dead:
            pair.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            pair.close()
