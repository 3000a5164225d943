"""The root of mailbot's exceptions. Specific errors live next to the code that raises them."""


class MailbotError(Exception):
    """Something mailbot cannot do; the message says what and why."""
