"""The domain's English sentences are gettext message ids: `N_` marks them so `pybabel extract -k N_` finds them.

Each sentence is written once, with gettext's named placeholders (`%(name)s`): `str()` of a domain
error or note fills it in with English facts (`sentence % facts`), and the web layer translates the
same sentence and fills it in with facts in the page's language (web/presenters/messages.py). The
domain imports no gettext: `N_` only marks (the gettext_noop convention).
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark an English sentence for translation and return it unchanged."""
    return message
