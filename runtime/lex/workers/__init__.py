"""Worker processes that serve code hooks over JSON Lines (see docs/fulfillment.md)."""
