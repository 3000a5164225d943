"""Any stored mail opened for a person (the cabinet's quarantine and outbox pages): headers
decoded, text, HTML kept as written, files with their bytes; a hostile one never raises."""

from __future__ import annotations

from mailbot.parsers.mail_summary import open_mail
from tests.mail import mail

SENDER = "Fleet Parts <buying@fleetparts.example>"


def test_a_mail_opens_with_its_headers_text_html_and_files() -> None:
    raw = mail(
        sender=SENDER,
        subject="=?utf-8?b?0JfQsNC60LDQtw==?=",
        body="BPW-0310 x 2",
        html="<p onclick='x()'>BPW-0310 x 2</p>",
        attachments=[("order.csv", "text/csv", b"sku;qty\n")],
        headers={"Authentication-Results": "mx.example; dkim=fail"},
    )
    opened = open_mail(raw)
    names = [name for name, _ in opened.headers]
    assert names == ["From", "To", "Subject", "Date", "Message-ID", "Authentication-Results"]
    assert dict(opened.headers)["Subject"] == "Заказ"
    assert opened.text.strip() == "BPW-0310 x 2"
    assert opened.html.strip() == "<p onclick='x()'>BPW-0310 x 2</p>"
    assert [(f.name, f.content_type, f.payload) for f in opened.files] == [
        ("order.csv", "text/csv", b"sku;qty\n")
    ]
    assert opened.problem == ""


def test_a_body_nested_too_deep_leaves_the_headers() -> None:
    """Multiparts nested thousands deep: the headers are shown, the body is not, and why."""
    head = f"From: {SENDER}\r\nSubject: deep\r\n".encode()
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=d%d\r\n\r\n--d%d\r\n" % (n, n)
        for n in range(3000)
    )
    opened = open_mail(head + opening + b"Content-Type: text/plain\r\n\r\nhi\r\n")
    assert dict(opened.headers)["Subject"] == "deep"
    assert opened.problem.startswith("its body could not be read")
    assert (opened.text, opened.files) == ("", ())


def test_bytes_that_are_no_mail_open_without_a_failure() -> None:
    opened = open_mail(b"\x00\xff not a mail")
    assert opened.headers == ()
    assert opened.problem == ""
