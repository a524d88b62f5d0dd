"""Other tools' tests as Gherkin features (``chat-lex import-tests``) and ours as theirs (``chat-lex export-tests``)."""
