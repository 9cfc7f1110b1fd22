"""The inbound spool: texts the store could not take, kept on local disk and replayed."""
