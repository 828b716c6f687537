"""The `herald` command-line client against a real server, as the README's *From the terminal* shows it.

`token` mints a user token the server takes; `send` and `counts` print their one-line summaries (and
a refused call its error, exit 1); `tail` prints each event as it comes (colored on a terminal only,
never as JSON); `revoke` revokes the user's tokens and ends the stream one of them opened, and `tail`,
refused from then on, gives up with exit 1.
"""

import json
import os
import pty
import queue
import re
import select
import subprocess
import threading
import time
import unittest

from chaos_test import API_KEY, HERALD_BIN, TOKEN_SECRET, end_scratch, scratch_with_server


class LineReader:
    """The lines a process writes to `stream`, read on a thread so that a test can wait for one."""

    def __init__(self, stream):
        self.stream = stream
        self.lines = queue.Queue()
        self.seen = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def close(self):
        """Once the process has exited: the thread has read the end, and the pipe is closed."""
        self.thread.join(timeout=10)
        self.stream.close()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern, timeout=15):
        """The first line from here on that matches `pattern`; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = None
            if line is not None:
                self.seen.append(line)
            if line is not None and re.search(pattern, line):
                return line
            if line is None or remaining <= 0:
                raise AssertionError(f"no line matching {pattern!r}; lines so far: {self.seen}")


class CommandLineTest(unittest.TestCase):
    def setUp(self):
        self.directory, memcached, self.server = scratch_with_server(self, "command-line")
        self.addCleanup(lambda: end_scratch(self.directory, self.server.process, memcached.process))
        self.server.start()
        # The server's own secret, for `herald token`.
        self.environment = dict(os.environ, HERALD_URL=f"http://127.0.0.1:{self.server.port}",
                                HERALD_API_KEY=API_KEY, HERALD_TOKEN_SECRET=TOKEN_SECRET, NO_COLOR="1")

    def herald(self, *arguments, credential=None):
        environment = dict(self.environment, HERALD_API_KEY=credential or API_KEY)
        return subprocess.run([HERALD_BIN, *arguments], env=environment, capture_output=True, text=True,
                              timeout=30)

    @staticmethod
    def stop(process, *readers):
        if process.poll() is None:
            process.kill()
        process.wait(timeout=15)
        for reader in readers:
            reader.close()

    def test_tokenSendCountsTailAndRevokeWorkAsTheReadmeShows(self):
        minted = self.herald("token", "--user", "cli-1", "--ttl", "600")
        self.assertEqual(minted.returncode, 0, minted.stderr)
        token = minted.stdout.strip()
        self.assertEqual(token.count("."), 2, token)

        sent = self.herald("send", "--user", "cli-1", "--type", "order.shipped", "--title", "Your order shipped",
                           "--tag", "orders", "--data", '{"order_id":1234}')
        self.assertEqual(sent.returncode, 0, sent.stderr)
        self.assertRegex(sent.stdout.strip(), r"^sent \S+ to cli-1: unread 1, unseen 1, seq 1$")
        # The user's own token reads the user's counts, and no other user's.
        counts = self.herald("counts", "--user", "cli-1", credential=token)
        self.assertEqual((counts.returncode, counts.stdout.strip()), (0, "cli-1: unread 1, unseen 1, seq 1"),
                         counts.stderr)
        other = self.herald("counts", "--user", "cli-2", credential=token)
        self.assertEqual(other.returncode, 1, other.stdout)
        self.assertIn("forbidden", other.stderr)

        tail = subprocess.Popen([HERALD_BIN, "tail", "--user", "cli-1", "--no-color"],
                                env=dict(self.environment, HERALD_API_KEY=token), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        printed, noted = LineReader(tail.stdout), LineReader(tail.stderr)
        self.addCleanup(self.stop, tail, printed, noted)
        self.assertRegex(printed.wait_for(r"#1 +counts"), r"unread 1 +unseen 1 +user cli-1")
        noted.wait_for(r"^herald tail: following cli-1$")
        again = self.herald("send", "--user", "cli-1", "--type", "comment", "--title", "A reply")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertRegex(printed.wait_for(r"#2 +notification\.created"), r"unread 2 +unseen 2 +\[comment\] A reply")

        # A stolen token: revoked, its stream ends, and tail, refused when it reconnects, gives up.
        revoked = self.herald("revoke", "--user", "cli-1")
        self.assertEqual(revoked.returncode, 0, revoked.stderr)
        self.assertRegex(revoked.stdout.strip(),
                         r"^cli-1: tokens issued before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z revoked, 1 stream ended$")
        noted.wait_for(r"giving up$")
        self.assertEqual(tail.wait(timeout=15), 1)
        refused = self.herald("counts", "--user", "cli-1", credential=token)
        self.assertEqual(refused.returncode, 1, refused.stdout)
        self.assertIn("unauthorized", refused.stderr)
        # A second revocation finds no stream left to end.
        self.assertRegex(self.herald("revoke", "--user", "cli-1").stdout.strip(), r"revoked, 0 streams ended$")

    def test_jsonOutputAndMistakesInTheFlags(self):
        sent = self.herald("send", "--user", "cli-3", "--type", "t", "--json")
        self.assertEqual(json.loads(sent.stdout)["counts"], {"user": "cli-3", "unread": 1, "unseen": 1, "seq": 1})
        # `tail --json`: one JSON object a line, the event's id, name and data as the stream sent them.
        tail = subprocess.Popen([HERALD_BIN, "tail", "--user", "cli-3", "--last-event-id", "0", "--json"],
                                env=self.environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        printed, noted = LineReader(tail.stdout), LineReader(tail.stderr)
        self.addCleanup(self.stop, tail, printed, noted)
        line = json.loads(printed.wait_for(r"notification\.created"))
        self.assertEqual((line["id"], line["event"]), ("1", "notification.created"))
        self.assertEqual(json.loads(line["data"])["notification"]["user"], "cli-3")
        # A mistake in the flags is the usage's exit status, 64, with what to write instead.
        bad = self.herald("send", "--user", "cli-3", "--type", "t", "--data", "{bad")
        self.assertEqual(bad.returncode, 64, bad.stdout)
        self.assertIn("--data is not valid JSON: write a JSON object", bad.stderr)

    def tail_on_a_terminal(self, *flags, **environment):
        """What `herald tail --user cli-4 …` writes to a terminal until its first event's line."""
        controller, terminal = pty.openpty()
        self.addCleanup(os.close, controller)
        tail = subprocess.Popen([HERALD_BIN, "tail", "--user", "cli-4", "--last-event-id", "0", *flags],
                                env=dict(self.environment, **environment), stdout=terminal,
                                stderr=subprocess.DEVNULL)
        os.close(terminal)
        written = b""
        deadline = time.monotonic() + 15
        try:
            while not re.search(rb"notification\.created[^\n]*\n", written) and time.monotonic() < deadline:
                if select.select([controller], [], [], 0.2)[0]:
                    try:
                        written += os.read(controller, 4096)
                    except OSError:  # EIO: the terminal's only writer is gone (tail exited)
                        break
        finally:
            self.stop(tail)
        self.assertIn(b"notification.created", written, written)
        return written.decode()

    def test_tailColorsOnlyItsLinesOnATerminal(self):
        self.assertEqual(self.herald("send", "--user", "cli-4", "--type", "t").returncode, 0)
        del self.environment["NO_COLOR"]  # set for the other tests
        self.assertIn("\x1b[", self.tail_on_a_terminal())
        # Not asked to, or when the output is JSON: no color codes, even on a terminal.
        self.assertNotIn("\x1b[", self.tail_on_a_terminal("--no-color"))
        self.assertNotIn("\x1b[", self.tail_on_a_terminal(NO_COLOR="1"))
        printed = self.tail_on_a_terminal("--json")
        self.assertNotIn("\x1b[", printed)
        self.assertEqual(json.loads(printed.strip().splitlines()[-1])["event"], "notification.created")


if __name__ == "__main__":
    unittest.main()
