"""SIGTERM in the middle of a write load: every answered create is kept, none is kept unanswered,
streams end cleanly, and the server exits 0.

Sixteen clients create notifications for four users as fast as they are answered, each with an id
of its own, and each user has an event stream open. `herald serve` gets SIGTERM two seconds in
(a deploy, `docker stop`). A shutdown waits for the requests it is answering but takes no new
ones: a client whose next request meets the closed connection sees a reset or a refusal, as with
any server that closes a kept-alive connection, and since its create never reached the store it
changed nothing. So, once the server is started again on the database, every create answered
201 is there and the counts hold exactly those, no create was committed whose answer was lost,
every stream ended with the chunked encoding's last chunk rather than a cut, and each stream,
resumed after the last event it read, gets the rest of its user's seqs without a gap or repeat.
"""

import http.client
import json
import socket
import threading
import time
import unittest

from chaos_test import API_KEY, Client, end_scratch, scratch_with_server

USERS = [f"stop-{i}" for i in range(4)]
WORKERS = 16


class Creator(threading.Thread):
    """Creates notifications with ids of its own until the server is gone, keeping what was answered."""

    def __init__(self, index, port):
        super().__init__(daemon=True)
        self.index = index
        self.port = port
        self.answered = []  # (user, id) of every create answered 201
        self.other_answers = []
        self.connection_errors = 0
        self.done = threading.Event()

    def run(self):
        connection, attempt = None, 0
        while not self.done.is_set():
            user, notification_id = USERS[self.index % len(USERS)], f"c{self.index}-{attempt}"
            attempt += 1
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                body = json.dumps({"user": user, "type": "t", "id": notification_id})
                connection.request("POST", "/v1/notifications", body=body,
                                   headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                if response.status == 201:
                    self.answered.append((user, notification_id))
                else:
                    self.other_answers.append(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                self.connection_errors += 1
                if connection is not None:
                    connection.close()
                    connection = None
                time.sleep(0.05)
        if connection is not None:
            connection.close()


class StreamReader(threading.Thread):
    """One user's stream, read raw to its end: the seqs of its events, and how it ended."""

    def __init__(self, user, port):
        super().__init__(daemon=True)
        self.user = user
        self.seqs = []
        self.ending = None  # "last chunk", "cut" or the error
        self.opened = threading.Event()  # set once the stream's first event (its `counts`) is read
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.connection.sendall(f"GET /v1/users/{user}/stream HTTP/1.1\r\nHost: t\r\n"
                                f"Authorization: Bearer {API_KEY}\r\n\r\n".encode())

    def run(self):
        try:
            with self.connection, self.connection.makefile("rb") as reader:
                if b" 200 " not in reader.readline():
                    self.ending = "not 200"
                    return
                while reader.readline() not in (b"\r\n", b""):
                    pass
                pending = b""
                while True:
                    size_line = reader.readline()
                    if not size_line.endswith(b"\r\n"):
                        self.ending = "cut"
                        return
                    size = int(size_line.strip(), 16)
                    if size == 0:
                        self.ending = "last chunk"
                        return
                    pending += reader.read(size)
                    reader.readline()
                    while b"\n" in pending:
                        line, pending = pending.split(b"\n", 1)
                        if line.startswith(b"id: "):
                            self.seqs.append(int(line[4:]))
                            self.opened.set()
        except OSError as error:
            self.ending = f"{type(error).__name__}: {error}"
        finally:
            self.opened.set()  # a stream that ended unopened: the test reads how


class StopUnderLoadTest(unittest.TestCase):
    def setUp(self):
        self.directory, self.memcached, self.server = scratch_with_server(self, "stop-under-load")

    def tearDown(self):
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def test_sigtermDuringCreatesKeepsWhatWasAnsweredAndNothingElse(self):
        self.server.start()
        streams = [StreamReader(user, self.server.port) for user in USERS]
        for stream in streams:
            stream.start()
        # Each stream's opening before any create: a create committed before the stream's snapshot
        # is in its opening `counts` (seq past 0), not an event of its own.
        for stream in streams:
            self.assertTrue(stream.opened.wait(30), f"{stream.user}'s stream did not open")
        creators = [Creator(index, self.server.port) for index in range(WORKERS)]
        for creator in creators:
            creator.start()
        time.sleep(2)
        began = time.monotonic()
        status = self.server.stop()
        took = time.monotonic() - began
        for creator in creators:
            creator.done.set()
        for creator in creators:
            creator.join(30)
        for stream in streams:
            stream.join(30)
        self.assertEqual(status, 0, "herald's exit status after SIGTERM")
        self.assertLess(took, 10, "the shutdown took too long")
        answered = [created for creator in creators for created in creator.answered]
        self.assertGreater(len(answered), 100, "the load hardly ran")
        self.assertEqual([status for creator in creators for status in creator.other_answers], [])
        for stream in streams:
            self.assertEqual(stream.ending, "last chunk", f"{stream.user}'s stream ended: {stream.ending}")

        self.server.start()
        with Client(self.server.port) as client:
            for user, notification_id in answered:
                status, body = client.call("GET", f"/v1/users/{user}/notifications/{notification_id}")
                self.assertEqual(status, 200, f"{notification_id} was answered 201, then lost")
            for stream in streams:
                count = sum(1 for user, _ in answered if user == stream.user)
                counts = client.call("GET", f"/v1/users/{stream.user}/counts")[1]
                # One event per create: a create committed but never answered would show here.
                self.assertEqual((counts["unread"], counts["seq"]), (count, count), stream.user)
                # What the stream read before it ended (after the opening `counts`, id 0: the user
                # had no events yet), then the rest on a resume after it.
                self.assertEqual(stream.seqs[:1], [0], stream.user)
                read = stream.seqs[1:]
                rest = self.resume(stream.user, read[-1] if read else 0)
                self.assertEqual(read + rest, list(range(1, count + 1)), stream.user)
        self.assertEqual(self.server.stop(), 0)

    def resume(self, user, after):
        """The seqs of the user's events after `after`, read until the stream has been quiet 0.5 s."""
        connection = socket.create_connection(("127.0.0.1", self.server.port), timeout=0.5)
        seqs = []
        with connection, connection.makefile("rb") as reader:
            connection.sendall(f"GET /v1/users/{user}/stream HTTP/1.1\r\nHost: t\r\n"
                               f"Authorization: Bearer {API_KEY}\r\nLast-Event-ID: {after}\r\n\r\n".encode())
            try:
                while True:
                    line = reader.readline()
                    if not line:
                        break
                    if line.startswith(b"id: "):
                        seqs.append(int(line[4:]))
            except TimeoutError:
                pass
        return seqs


if __name__ == "__main__":
    unittest.main()
