"""What mailbot writes and sends: replies, the reply limit, delivery with retries, bounces."""
