"""A stream whose client is gone without closing ends within five heartbeat intervals.

A laptop shut or a phone off the network sends no FIN and no reset: the pings Herald sends go
unacknowledged, and the kernel would retransmit them for ~15 minutes (`tcp_retries2`) before it
gave up, with the stream's file and one of its user's `--max-streams-per-user` places held all
that time. Herald sets `TCP_USER_TIMEOUT` on every stream to four heartbeat intervals. The client
here runs in a network namespace of its own, joined to this one by a veth pair; taking its end of
the pair down makes it vanish as a real one does. A client on loopback that stays connected, and
reads nothing all the while, keeps its stream; so does one that stops reading, its receive window
shut, for two heartbeat intervals, and it then reads every event.
"""

import os
import shutil
import socket
import subprocess
import time
import unittest

from chaos_test import (API_KEY, Client, HeraldServer, end_scratch, free_port, read_until, scrape_metrics,
                        scratch_with_memcached)

OPEN = "herald_sse_streams_open"
HEARTBEAT = 1
NAMESPACE = f"herald-gone-{os.getpid()}"
HOST_SIDE, CLIENT_SIDE = f"hg{os.getpid() % 100000}a", f"hg{os.getpid() % 100000}b"
HOST_ADDRESS, CLIENT_ADDRESS = "10.213.7.1", "10.213.7.2"


def ip(*arguments, namespace=None):
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    subprocess.run(prefix + ["ip", *arguments], check=True, capture_output=True)


def open_stream(host, port, user):
    connection = socket.create_connection((host, port), timeout=10)
    connection.sendall(f"GET /v1/users/{user}/stream HTTP/1.1\r\nHost: t\r\n"
                       f"Authorization: Bearer {API_KEY}\r\n\r\n".encode())
    return connection


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("ip"), "needs root and iproute2 for a network namespace")
class GoneClientTest(unittest.TestCase):
    def setUp(self):
        ip("netns", "add", NAMESPACE)
        self.addCleanup(subprocess.run, ["ip", "netns", "del", NAMESPACE], capture_output=True)
        ip("link", "add", HOST_SIDE, "type", "veth", "peer", "name", CLIENT_SIDE)
        self.addCleanup(subprocess.run, ["ip", "link", "del", HOST_SIDE], capture_output=True)
        ip("link", "set", CLIENT_SIDE, "netns", NAMESPACE)
        ip("addr", "add", f"{HOST_ADDRESS}/24", "dev", HOST_SIDE)
        ip("link", "set", HOST_SIDE, "up")
        ip("addr", "add", f"{CLIENT_ADDRESS}/24", "dev", CLIENT_SIDE, namespace=NAMESPACE)
        ip("link", "set", CLIENT_SIDE, "up", namespace=NAMESPACE)

        self.directory, (self.memcached,) = scratch_with_memcached(self, "gone-client")
        self.server = HeraldServer(free_port(), os.path.join(self.directory, "herald.sqlite"),
                                   [self.memcached.port], os.path.join(self.directory, "herald.log"))
        heartbeat = self.server.arguments.index("--heartbeat")
        self.server.arguments[heartbeat + 1] = str(HEARTBEAT)
        self.server.arguments += ["--host", "0.0.0.0"]
        self.server.start()

    def tearDown(self):
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def streams_open(self):
        return scrape_metrics(self.server.port).get(OPEN)

    def test_aClientGoneWithoutClosingLosesItsStreamWithinFiveHeartbeats(self):
        # The vanishing client: curl in the namespace, reading the stream until it is killed.
        gone = subprocess.Popen(
            ["ip", "netns", "exec", NAMESPACE, "curl", "-sN", "-H", f"Authorization: Bearer {API_KEY}",
             f"http://{HOST_ADDRESS}:{self.server.port}/v1/users/gone/stream"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        # Run last added first: killed, waited for, its pipe closed.
        self.addCleanup(gone.stdout.close)
        self.addCleanup(gone.wait)
        self.addCleanup(gone.kill)
        with open_stream("127.0.0.1", self.server.port, "stays") as stays:
            self.assertTrue(stays.recv(4096).startswith(b"HTTP/1.1 200 OK"))
            self.assertIn(b"retry: 2000", gone.stdout.readline() + gone.stdout.readline())
            self.assertEqual(self.streams_open(), 2)

            ip("link", "set", CLIENT_SIDE, "down", namespace=NAMESPACE)
            vanished = time.monotonic()
            while self.streams_open() != 1 and time.monotonic() - vanished < 30:
                time.sleep(0.2)
            took = time.monotonic() - vanished
            self.assertEqual(self.streams_open(), 1, "the vanished client's stream is still open after 30 s")
            # The next ping within a heartbeat, then four heartbeats unacknowledged (and the
            # kernel's retransmission timer, clamped to that limit).
            self.assertLess(took, 5 * HEARTBEAT + 3)
            self.assertGreater(took, 3 * HEARTBEAT)

            # The client on loopback read nothing all this time, yet acknowledged: still open, and
            # its pings are waiting to be read.
            time.sleep(HEARTBEAT)
            self.assertEqual(self.streams_open(), 1)
            self.assertGreaterEqual(stays.recv(65536).count(b": ping"), 1)

    def test_aClientPausedForLessThanTheLimitKeepsItsStreamAndEveryEvent(self):
        # A reader that stops reading with its receive window shut is dropped after four
        # heartbeats too (Linux applies TCP_USER_TIMEOUT to a window that stays shut); one that
        # pauses for two keeps its stream and reads every event after the pause.
        with socket.socket() as reader:
            reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            reader.settimeout(10)
            reader.connect(("127.0.0.1", self.server.port))
            reader.sendall(f"GET /v1/users/paused/stream HTTP/1.1\r\nHost: t\r\n"
                           f"Authorization: Bearer {API_KEY}\r\n\r\n".encode())
            # The stream's opening first: a create committed before its snapshot is in the counts
            # it starts with, not an event of its own (once, the first create came before, and
            # the loop below waited for a 300th event forever, reading pings).
            received = read_until(self, reader, lambda read: b"event: counts" in read, "its opening")
            client = Client(self.server.port)
            for index in range(300):
                status, _ = client.call("POST", "/v1/notifications",
                                        {"user": "paused", "type": "t", "body": f"{index:04d}" + "x" * 3000})
                self.assertEqual(status, 201)
            client.close()
            time.sleep(2 * HEARTBEAT)
            self.assertEqual(self.streams_open(), 1)
            received = read_until(self, reader, lambda read: read.count(b"event: notification.created") >= 300,
                                  "300 events", received, seconds=60)
            self.assertEqual(self.streams_open(), 1)


if __name__ == "__main__":
    unittest.main()
