"""The Lex V2 code hook: Lex V2 event in, Lex V2 response out."""
