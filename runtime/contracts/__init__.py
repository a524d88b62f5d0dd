"""Contracts several rooms check: one JSON Schema validator (and, on it, the Lex V2 code-hook response rules).

A leaf: it imports nothing of the project and only the standard library, so the fulfillment Lambda zip can carry it.
"""
