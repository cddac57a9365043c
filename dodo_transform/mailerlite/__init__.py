"""MailerLite: its request rules (``rules``), the request linter (``lint``), the account
reader (``account``) and the local emulator (``emulator``). The linter and the emulator share
``rules``, so a request that lints clean against an account is one the emulator accepts."""
