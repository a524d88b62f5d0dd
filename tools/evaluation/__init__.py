"""NLU evaluation (``chat-lex evaluate``): labelled data, recognition through any Lex target, metrics, reports."""
