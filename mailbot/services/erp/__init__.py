"""What the ERP decides, applied as it arrives over RabbitMQ: payments, order statuses,
partners' terms (see inbound.py)."""
