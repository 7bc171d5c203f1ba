"""A real SMTP server (aiosmtpd) that accepts every message and appends one JSON line
per message to a file: the Message-ID, the recipients, the subject and the text. The load and
fault harness (loadtest/run.py) starts and kills it to play a mail server outage.

    python loadtest/smtp_sink.py PORT FILE
"""

import json
import signal
import sys
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content)
        text = next((part.get_payload(decode=True) for part in message.walk() if part.get_content_type() == "text/plain"), b"")
        record = {
            "message_id": message.get("Message-ID", ""),
            "to": envelope.rcpt_tos,
            "subject": message.get("Subject", ""),
            "text": (text or b"").decode("utf-8", "replace"),
        }
        with self.lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Recorder(path), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"SMTP sink listening on 127.0.0.1:{port}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
