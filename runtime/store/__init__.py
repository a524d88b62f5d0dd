"""Chat persistence behind one interface: sqlite (default) and dynamodb."""
