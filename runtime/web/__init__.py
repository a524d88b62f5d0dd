"""The Litestar application: WebSocket, REST, auth routes and the static web UI."""
