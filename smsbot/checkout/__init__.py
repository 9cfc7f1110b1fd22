"""The checkout ETA (issue 19): `GET /api/eta`, the `/eta.js` snippet and its demo page."""
