"""The Lex V2 runtime side: the local engine, the chat domain, stores, auth and the web app."""
