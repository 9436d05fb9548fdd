"""A real SMTP server for the tests: ``python -m aiosmtpd -c tests.notify.smtp_sink.Sink DIR``
saves each message it accepts in DIR as ``<n>.eml``, with ``<n>.json`` (envelope sender and
recipients) beside it, both complete before the ``.eml`` appears."""

import json
import os
from pathlib import Path


class Sink:
    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Sink takes one argument: the folder to save messages in")
        return cls(Path(args[0]))

    async def handle_DATA(self, server, session, envelope):
        number = len(list(self.folder.glob("*.eml"))) + 1
        stem = self.folder / f"{number}"
        stem.with_suffix(".json").write_text(json.dumps(
            {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}), encoding="utf-8")
        partial = stem.with_suffix(".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        os.replace(partial, stem.with_suffix(".eml"))
        return "250 Message accepted for delivery"
