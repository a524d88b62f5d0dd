"""The serverless transport: API Gateway WebSocket Lambda handlers and a local gateway that runs them in process."""
