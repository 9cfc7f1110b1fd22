"""An adapter module that fails on import."""

raise RuntimeError("boom at import")
