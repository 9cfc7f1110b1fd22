"""The standing fault suite (issue 21): crashes, kills and hostile input."""
