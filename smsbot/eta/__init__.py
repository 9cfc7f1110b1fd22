"""Honest ETAs (issue 19): delivery windows learned from the merchant's own deliveries.

`window` holds the value types and the `Estimator` contract every other part uses. The
learning side: `calendar` (business days: carrier weekends, public holidays), `quantiles`
(day histograms), `history` (a stored delivery -> a sample, or excluded with a reason),
`model` (groups and the fallback ladder), `learned` (`LearnedEta`, the bot's Estimator,
refreshed from the store), `calibration` (windows told vs deliveries, for the report) and
`simulate` (a seeded history with known distributions: tests, demo, bench).
"""
