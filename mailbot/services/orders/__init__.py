"""An order after the mail that placed it: quote, agreement, supplier orders, ledger, mail."""
