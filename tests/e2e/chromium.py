"""Which Chromium the browser tests drive, and how: Debian's (`make browser`), headless, quiet, never phoning home."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHAT_LEX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
