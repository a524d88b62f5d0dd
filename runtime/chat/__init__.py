"""The chat domain: conversations, messages, fan-out, the bot as a participant."""
