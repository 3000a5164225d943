"""Vouchers: campaigns and codes, and an order's codes judged, reserved, redeemed, released."""
