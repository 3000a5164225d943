"""`mailbot run` as a process: a part that cannot start is one line naming its address or key
and exit code 3, never a traceback; "running" comes only once every part is up."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import Service, run_mailbot
from tests.servers import free_port


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database and outbox folder in the test's folder, a free port."""
    return {
        "MAILBOT_STORAGE__URL": f"sqlite:///{tmp_path / 'mailbot.db'}",
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(tmp_path / "outbox"),
        "MAILBOT_SMTP_INGRESS__PORT": str(free_port()),
        "MAILBOT_SCHEDULER__ENABLED": "false",
    }


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def refused(env: dict[str, str], cwd: Path) -> str:
    """Run `mailbot run`, which must stop at start: exit 3, one line, nothing else said."""
    result = run_mailbot("run", env=env, cwd=cwd)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "running" not in result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("mailbot: ")
    return line


def test_a_taken_port_is_one_line_naming_the_address(
    env: dict[str, str], tmp_path: Path, held_port: int
) -> None:
    """A second program on the listener's port: exit 3 with host:port and the key, no traceback."""
    env["MAILBOT_SMTP_INGRESS__PORT"] = str(held_port)
    line = refused(env, tmp_path)
    assert line == (
        f"mailbot: cannot listen on 127.0.0.1:{held_port} (smtp_ingress.port): "
        "address already in use"
    )


def test_an_address_not_of_this_machine_names_the_host_key(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A listening address this machine does not have names smtp_ingress.host."""
    env["MAILBOT_SMTP_INGRESS__HOST"] = "192.0.2.1"  # TEST-NET-1: never a local address
    line = refused(env, tmp_path)
    assert f"cannot listen on 192.0.2.1:{env['MAILBOT_SMTP_INGRESS__PORT']}" in line
    assert "(smtp_ingress.host)" in line


def test_an_unreadable_certificate_is_one_line_naming_the_key(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A STARTTLS certificate that cannot be read: exit 3 naming the key and the file."""
    missing = tmp_path / "missing.pem"
    env["MAILBOT_SMTP_INGRESS__TLS_CERT_FILE"] = str(missing)
    env["MAILBOT_SMTP_INGRESS__TLS_KEY_FILE"] = str(missing)
    line = refused(env, tmp_path)
    assert f"smtp_ingress.tls_cert_file: cannot read {missing}" in line


def test_an_outbox_folder_that_cannot_be_written_is_one_line_naming_the_key(
    env: dict[str, str], tmp_path: Path
) -> None:
    """An outbox folder that cannot be created (a file stands in its path): exit 3, key named.

    The tests run as root, who may write anywhere permissions are concerned, so the folder is
    made impossible by a file in its way."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env["MAILBOT_SMTP_OUTGOING__FOLDER"] = str(blocker / "outbox")
    line = refused(env, tmp_path)
    assert line == (
        f"mailbot: cannot write outgoing mail to {blocker / 'outbox'}/ (smtp_outgoing.folder): "
        "not a directory"
    )


def test_a_template_that_does_not_compile_is_one_line_naming_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    """An override template with a syntax error stops mailbot at start, before it takes any
    mail: exit 3, the template, its line and the key named."""
    (tmp_path / "templates" / "mail").mkdir(parents=True)
    (tmp_path / "templates" / "mail" / "quote.txt.j2").write_text("Hello\n{% if %}\n")
    env["MAILBOT_TEMPLATES__FOLDER"] = str(tmp_path / "templates")
    line = refused(env, tmp_path)
    assert line.startswith(
        "mailbot: cannot compile the template mail/quote.txt.j2, line 2 (templates.folder): "
    )


def test_an_imap_poller_without_a_password_is_one_line_naming_the_key(
    env: dict[str, str], tmp_path: Path
) -> None:
    """IMAP enabled without a password could never log in: exit 3 naming imap.password."""
    env["MAILBOT_IMAP__ENABLED"] = "true"
    line = refused(env, tmp_path)
    assert "imap.password is empty" in line


def test_an_unreachable_database_is_one_line_and_exit_4(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A database server that does not answer: exit 4 (the database is not ready), one line
    with the URL, its password masked."""
    port = free_port()
    env["MAILBOT_STORAGE__URL"] = f"postgresql+psycopg://mailbot:secret@127.0.0.1:{port}/x"
    result = run_mailbot("run", env=env, cwd=tmp_path)
    assert result.returncode == 4, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"mailbot: cannot use the database postgresql+psycopg://mailbot:***@127.0.0.1:{port}/x "
        "(storage.url): "
    )
    assert "secret" not in result.stderr


def test_running_is_said_once_the_port_accepts_connections(
    env: dict[str, str], tmp_path: Path
) -> None:
    """When "mailbot running" is printed the listener already accepts connections; SIGTERM
    then stops mailbot cleanly with exit 0."""
    port = int(env["MAILBOT_SMTP_INGRESS__PORT"])
    service = Service("run", env=env, cwd=tmp_path)
    try:
        line = service.wait_for_line("mailbot running")
        # No retry: the port must be open at the moment the line is read.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            assert client.recv(100).startswith(b"220 ")
    finally:
        code = service.stop()
    assert line == f"mailbot running; replies go to {tmp_path / 'outbox'}/; Ctrl-C stops"
    assert code == 0
    lines = service.output()
    assert lines.index(line) > next(
        i for i, text in enumerate(lines) if f"SMTP listener on 127.0.0.1:{port}" in text
    )
    assert not any("Traceback" in text for text in lines)
