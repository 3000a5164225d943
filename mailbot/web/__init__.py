"""The web cabinet: server-rendered pages where managers, suppliers and clients see and steer
their orders, on the HTTP application of the API."""
