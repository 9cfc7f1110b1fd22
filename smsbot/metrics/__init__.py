"""What the bot does, in Prometheus' format: counters and histograms recorded where things
happen (`instruments`), and the exposition behind /metrics (`exposition`, `guard`).

The rest of smsbot records through the small functions of `instruments` only, so a hunk
elsewhere is one line. Names follow prometheus-client's rules: the `smsbot_` prefix, base
units (`_seconds`), counters end in `_total`, labels take few values (never a phone or an
order number).
"""
