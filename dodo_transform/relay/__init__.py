"""The relay service (``dodo-transform serve``): receive → verify → store → transform →
deliver → record.

``server`` receives Dodo's signed webhooks and serves the admin API; ``signing`` verifies
them; ``store`` (the interface) and ``sqlite_store`` keep events, deliveries and attempts;
``handlers`` owns the loaded handler of each endpoint; ``dispatcher`` transforms and delivers
with ``retry``, ``ratelimit`` and ``egress``; ``config`` reads the TOML; ``clock`` is
injectable time.
"""
