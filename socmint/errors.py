"""One exception hierarchy: the CLI shows a SocmintError as one line and exit code 2."""


class SocmintError(Exception):
    """A problem the user can act on (bad input, missing case, ...)."""


class CaseError(SocmintError):
    pass


class EvidenceError(SocmintError):
    pass


class RejectedItem(SocmintError):
    """A mapper cannot read a raw item; the reason is kept with the evidence."""
