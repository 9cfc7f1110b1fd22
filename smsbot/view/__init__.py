"""The read model of an order that every surface renders: replies, notices, page, API."""
