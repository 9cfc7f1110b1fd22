"""The tracking page (issue 17): `GET /t/{token}` renders an order's `OrderView` as a
private, script-free, mobile-first page in the order's language, with a journey map drawn
offline; `GET /t/{token}.json` the same view as JSON.

- `service`: token → order → view → HTML/JSON; `routes`: the Starlette glue.
- `model`: the view in the page's words; `render`: Jinja2 (autoescape) and the stylesheet.
- `gazetteer`, `map`: scan places to coordinates, and the inline SVG.
- `headers`, `limits`: security headers, token-free logs, the per-address limit.
"""
