"""The chat-lex command line."""
