"""An example smsbot carrier adapter package: Example Post, registered by entry point."""
