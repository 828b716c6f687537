"""A server started with a low soft limit on open files raises it to the hard limit.

Every connection, SSE streams included, holds a file. Shells and containers often start processes
with a soft limit of 1,024 (here 128), and at the limit new connections wait unaccepted with
nothing in the log. `herald serve` raises its soft limit to the hard one and says so, so 300
streams open under a soft limit of 128, and `/metrics` shows the open files (as many as the system
lists) and the limit.
"""

import http.client
import os
import resource
import socket
import unittest

from chaos_test import API_KEY, end_scratch, metric_values, scratch_with_server

STREAMS = 300
SOFT_LIMIT = 128


def lower_soft_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT_LIMIT, hard))


def metric(text, name):
    """The value of `name` in a `/metrics` body."""
    values = metric_values(text)
    if name not in values:
        raise AssertionError(f"no {name} in /metrics")
    return values[name]


class OpenFilesTest(unittest.TestCase):
    def setUp(self):
        _, self.hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if self.hard != resource.RLIM_INFINITY and self.hard < 2 * STREAMS:
            self.skipTest(f"the hard limit on open files ({self.hard}) leaves no room to raise")
        self.directory, self.memcached, self.server = scratch_with_server(self, "open-files")
        self.sockets = []

    def tearDown(self):
        for connection in self.sockets:
            connection.close()
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def open_stream(self, user):
        connection = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        self.sockets.append(connection)
        connection.sendall(f"GET /v1/users/{user}/stream HTTP/1.1\r\nHost: t\r\n"
                           f"Authorization: Bearer {API_KEY}\r\n\r\n".encode())
        return connection.recv(64)

    def test_manyMoreStreamsThanTheSoftLimitOpen(self):
        self.server.start(preexec_fn=lower_soft_limit)
        opened = 0
        for index in range(STREAMS):
            try:
                head = self.open_stream(f"of{index}")
            except TimeoutError:
                break  # at the limit, the connection waits unaccepted
            self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
            opened += 1
        self.assertEqual(opened, STREAMS)

        # The count is the process's descriptors as the system lists them, taken while the
        # scrape's connection is open: between a listing before the scrape and one after it.
        descriptors = f"/proc/{self.server.process.pid}/fd"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            connection.connect()
            before = len(os.listdir(descriptors))
            connection.request("GET", "/metrics")
            text = connection.getresponse().read().decode()
            after = len(os.listdir(descriptors))
        finally:
            connection.close()
        open_files = metric(text, "herald_open_files")
        self.assertGreaterEqual(open_files, STREAMS)
        self.assertTrue(min(before, after) <= open_files <= max(before, after), (before, open_files, after))
        expected = min(self.hard, 1 << 20) if self.hard != resource.RLIM_INFINITY else 1 << 20
        self.assertEqual(metric(text, "herald_open_files_limit"), expected)
        with open(self.server.log_path) as log:
            self.assertIn(f"open-file limit raised from {SOFT_LIMIT} to {expected}", log.read())


if __name__ == "__main__":
    unittest.main()
