"""`python -m smsbot` runs the command line."""

from smsbot.cli import main

main()
