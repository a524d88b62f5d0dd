"""The bot as YAML, and everything that reads or writes Lex V2 bot definitions."""

from pathlib import Path

# The seed bot, found from this package rather than the working directory, so every command
# that defaults to it works wherever it is started.
SEED_BOT_DIR = Path(__file__).resolve().parent / "chatbot"
