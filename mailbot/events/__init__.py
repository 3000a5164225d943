"""Events to and from the ERP over RabbitMQ: the schemas of the envelope, the publisher of the
transactional outbox, and the consumer of the ERP's messages."""
