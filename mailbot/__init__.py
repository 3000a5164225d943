"""mailbot: an email-driven order and voucher desk for a B2B distributor."""
