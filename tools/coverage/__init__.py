"""Conversation-test coverage: the report file and its HTML page (``chat-lex coverage``)."""
