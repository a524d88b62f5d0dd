"""The Lex V2 runtime API: the local engine (in process and over HTTP) and a boto3-backed client.

Import names from their modules (``runtime.lex.engine``, ``runtime.lex.client``, ``runtime.lex.errors``...);
this package module is empty so importing one of them loads nothing else.
"""
