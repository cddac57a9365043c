"""Local emulators of the APIs handlers deliver to (currently MailerLite)."""

from .mailerlite import MailerLiteEmulator, add_commands, create_app, load_seed

__all__ = ["MailerLiteEmulator", "add_commands", "create_app", "load_seed"]
