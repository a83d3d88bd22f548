"""Errors a user can fix. The CLI prints their message as one line, never a traceback."""


class UserError(Exception):
    """A mistake in the user's command, config or files; the message says what to do."""
