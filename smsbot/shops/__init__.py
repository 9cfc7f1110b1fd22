"""Shops: webhooks turned into orders through the durable inbox, and backfills.

`signatures` checks the platforms' HMACs, `inbox` processes stored webhooks, `shopify` and
`woocommerce` apply their events to the store; `shopify_sync` and `woocommerce_sync` pull
orders through the platforms' APIs. Routes live in `smsbot.web.shop`.
"""
