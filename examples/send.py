"""Send .eml files to a running mailbot over SMTP: python examples/send.py FILE.eml... [--port N]"""

import argparse
import smtplib
from email import message_from_bytes
from email.policy import SMTP
from email.utils import getaddresses
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("files", nargs="+", type=Path)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=2525)
args = parser.parse_args()

with smtplib.SMTP(args.host, args.port) as smtp:
    for path in args.files:
        raw = path.read_bytes()
        headers = message_from_bytes(raw, policy=SMTP)
        sender = getaddresses([str(headers["From"])])[0][1]
        recipients = [address for _, address in getaddresses([str(headers["To"])])]
        smtp.sendmail(sender, recipients, raw)
        print(f"{path}: accepted")
