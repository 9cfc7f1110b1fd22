"""Every sentence smsbot says to a customer, per language, and how it is fitted into SMS.

- `en.py`, `es.py`: one `Language` table each (pure data); `languages.py` lists them.
- `carriers.py`: the one carrier display-name table.
- `replies.py` (answers to texts) and `notices.py` (messages the watcher sends first), from
  `leg.py` (one leg of an order in words), `calendar.py` (days, times, arrivals) and
  `context.py` (`Wording`, filling a template); `segments.py`: GSM-7 and segment counts.
"""
