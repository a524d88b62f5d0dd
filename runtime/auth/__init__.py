"""Identity behind one interface: local (default) and cognito."""
