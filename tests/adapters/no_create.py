"""An adapter module without create()."""
