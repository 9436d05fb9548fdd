"""Errors a user can cause and fix: the CLI prints them as one line and exits with 2."""


class UserError(Exception):
    """A problem with the user's input; the message names the problem and the fix."""


class MissingReference(UserError):
    """A required reference file is absent or unusable; the message says which and how."""
