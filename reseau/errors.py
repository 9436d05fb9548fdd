"""Errors a user can cause and fix: the CLI prints them as one line and exits with 2."""


class UserError(Exception):
    """A problem with the user's input; the message names the problem and the fix."""


class HomeError(UserError):
    """A problem the user can fix with the home folder or its settings."""


class UnusableReference(UserError):
    """A reference file a run needs is missing, unreadable or malformed; the message says
    which file, what is wrong and how to fix it."""
