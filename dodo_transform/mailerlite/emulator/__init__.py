"""A local MailerLite that behaves as the recorded traffic shows (see ``app``)."""

from .app import MailerLiteEmulator, create_app, load_seed

__all__ = ["MailerLiteEmulator", "create_app", "load_seed"]
