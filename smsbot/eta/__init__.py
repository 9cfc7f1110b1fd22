"""Honest ETAs (issue 19): delivery windows learned from the merchant's own deliveries.

`window` holds the value types and the `Estimator` contract every other part uses; the
learning side (history, business-day calendar, quantiles, fallback ladder) lives beside it.
"""
