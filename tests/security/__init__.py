"""Security and reliability tests: hostile clients, broken backends, gaps."""
