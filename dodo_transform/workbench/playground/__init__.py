"""The playground: edit a handler in the browser, run it on samples, read what it would send.

:func:`create_app` builds the page for any host (``dodo-transform playground``, or the
operator console at ``/ui/playground``), given the host's own authentication check.
"""

from .app import COOKIE, Auth, create_app, new_token, token_auth

__all__ = ["COOKIE", "Auth", "create_app", "new_token", "token_auth"]
