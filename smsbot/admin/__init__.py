"""The merchant's view: the KPI report (`report`, shared by `smsbot report` and the console's
dashboard, so both show the same figures), the console at /admin (`app`, `auth`, `pages`),
server-rendered SVG charts (`charts`)."""
