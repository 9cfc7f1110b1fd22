"""Every sentence smsbot says, per language, and the SMS length rules."""
