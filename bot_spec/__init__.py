"""The bot as YAML, and everything that reads or writes Lex V2 bot definitions."""
