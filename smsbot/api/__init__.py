"""The orders API under /api/: JSON, bearer tokens with read/write scopes, RFC 9457 problems.

`tokens` checks tokens, `problems` writes problem+json, `schema` validates bodies (pydantic),
`orders` holds the routes, `openapi` the document at /api/openapi.json.
"""
