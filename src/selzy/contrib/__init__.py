"""Framework modules built on the integration engine (Django today)."""
