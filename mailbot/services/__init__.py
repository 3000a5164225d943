"""Use cases, grouped by what they serve.

- `inbox/`: what happens to a received message: storing it, the processor (claims, attempts,
  quarantine), sender authentication, the route table that picks a handler, the handlers.
- `outbox/`: what mailbot writes and sends: replies, the per-sender reply limits (hourly and
  daily), the sender with its retries, bounces and suppressed addresses.
- `orders/`: an order's life after the mail that placed it: taking and pricing it, AGREE and
  CANCEL, supplier order files and answers, the client's ledger, the mail about an order, and
  what proves that an act by mail comes from the partner.
- `vouchers/`: campaigns and codes, and the codes of an order reserved, redeemed, released.
- `pricelists/`: importing a supplier's list, by mail or command; versions held, released,
  compared; a client's price list export; the catalogue the order reader searches.
- `schedule/`: deadlines and their mail, the managers' digest, and `Jobs`, what a tick runs.
- `partners/`: the partner registry, terms of business, and cutting a partner off.
- `work.py`: `Desk` and `Work`, what every step inside one transaction needs.

Who commits, visible in every signature:

- A use case opens and commits its own transaction(s). Its first parameter is a unit-of-work
  factory, `uow: Callable[[], UnitOfWork]`, or it is a method of a service object built with one
  (`Processor`, `Sender`, `Jobs`). Channels (commands, the processor, the
  scheduler) call use cases.
- A step runs inside its caller's transaction and never commits. Its first parameter is the
  open unit of work, `uow: UnitOfWork`, or a `Work` (the open unit of work with the moment and
  the desk's replies, deadline windows and VAT), or an `inbox.handling.Handling` (a `Work` with
  the message being handled). A step may flush or take a savepoint; the commit is the caller's.
- A channel that only reads (a cabinet page, a GET of the API, the key check) opens
  `App.reading()`: a unit of work that refuses to flush a change and ends its transaction
  with a COMMIT, not the ROLLBACK at which psycopg forgets the connection's prepared
  statements.

SQL lives in `mailbot.storage`: steps ask repositories (`uow.orders`, `uow.partners`, ...) and
never touch the session.
"""
