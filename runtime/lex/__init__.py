"""The Lex V2 runtime API: a boto3-backed client and the local engine."""
