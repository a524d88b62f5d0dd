"""The SQLite store's parts: the shared database (connections, group commit) and one class per aggregate."""
