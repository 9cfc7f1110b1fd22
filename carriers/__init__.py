"""Carrier adapters shipped with smsbot: one module per carrier.

Writing an adapter:

* Name the module after the carrier (`carriers/acme.py`); a `[carriers.acme]` table in the
  configuration enables it. Adapters that live elsewhere are enabled with
  `module = "pkg.mod"` in that table, or shipped in a package under the `smsbot.carriers`
  entry-point group.
* Import only `smsbot.tracking` (the adapter SDK) and `smsbot.errors`; a test enforces it.
* Expose `create(config: CarrierConfig, http: httpx.AsyncClient) -> CarrierAdapter`. It must
  do no I/O: read and check the configuration, build the adapter, return it.
* The adapter has `name` (the table name), `display_name` (shown in replies) and
  `async track(numbers) -> {number: TrackingResult}`, one result per number asked, batched
  where the carrier allows.
* Keep fetching apart from parsing: a pure `parse_*` function turns the carrier's JSON into
  `TrackingResult`s, and is tested offline on recorded payloads. Map carrier codes with a
  `STATUS_CODES: dict[str, Status]` table; codes it does not know become `Status.UNKNOWN`
  with the carrier's text kept.
* A parcel the carrier does not know is a result (`TrackingResult.not_found`); a call that
  fails as a whole raises a `CarrierError` subclass (`send` and `check_status` map HTTP).
"""
