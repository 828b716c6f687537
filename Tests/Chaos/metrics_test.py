"""`/metrics` of a server of its own counts exactly what it was asked.

The Swift suites run many servers in one process, and swift-metrics has one registry per process,
so they can check only that a series exists or grew. Here one `herald serve` answers a known
sequence of requests, some on the event loop (the fast path) and some through Hummingbird, and
its counters must say exactly that: requests by route, method and status, the store's create
calls, the events written to a stream, the streams open.
"""

import os
import socket
import time
import unittest

from chaos_test import (API_KEY, Client, HeraldServer, end_scratch, free_port, metrics_text, read_until,
                        scrape_metrics, scratch_with_memcached, wait_until)


def requests(route, method, status):
    return f'herald_http_requests_total{{route="{route}",method="{method}",status="{status}"}}'


class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.directory, (self.memcached,) = scratch_with_memcached(self, "metrics")
        self.server = HeraldServer(free_port(), os.path.join(self.directory, "herald.sqlite"),
                                   [self.memcached.port], os.path.join(self.directory, "herald.log"))
        self.server.start()
        self.stream = None

    def tearDown(self):
        if self.stream is not None:
            self.stream.close()
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def scrape(self):
        return scrape_metrics(self.server.port)

    def read_stream_until(self, marker, received=b""):
        return read_until(self, self.stream, lambda read: marker in read, repr(marker), received)

    def test_countersSayExactlyWhatTheServerDid(self):
        before = self.scrape()
        self.stream = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        self.stream.sendall(b"GET /v1/users/m1/stream HTTP/1.1\r\nHost: t\r\n"
                            + f"Authorization: Bearer {API_KEY}\r\n\r\n".encode())
        received = self.read_stream_until(b"event: counts")
        with Client(self.server.port) as client:
            created = {"user": "m1", "type": "t", "id": "a"}
            self.assertEqual(client.call("POST", "/v1/notifications", created)[0], 201)
            self.assertEqual(client.call("POST", "/v1/notifications", created)[0], 200)  # a replay
            conflicting = dict(created, type="other")
            self.assertEqual(client.call("POST", "/v1/notifications", conflicting)[0], 409)
            batch = {"notifications": [{"user": "m2", "type": "t"}, {"user": "m2", "type": "t"}]}
            self.assertEqual(client.call("POST", "/v1/notifications/batch", batch)[0], 200)
            for _ in range(3):
                self.assertEqual(client.call("GET", "/v1/users/m1/counts")[0], 200)
            # Another route's answer with the same method and status, right after: a series of its own.
            self.assertEqual(client.call("GET", "/v1/users/m1/notifications")[0], 200)
            self.assertEqual(client.call("POST", "/v1/users/m1/notifications/a/read")[0], 200)
            self.assertEqual(client.call("POST", "/v1/users/m1/notifications/a/read")[0], 200)  # no event
            # One route's answers with the same status and another method, one after the other
            # (the second read is the notification cache's hit, answered as the delete is).
            for _ in range(2):
                self.assertEqual(client.call("GET", "/v1/users/m1/notifications/a")[0], 200)
            self.assertEqual(client.call("DELETE", "/v1/users/m1/notifications/a")[0], 200)
            self.assertEqual(client.call("GET", "/v1/users/m1/notifications/none")[0], 404)
            self.assertEqual(client.call("GET", "/v1/nothing")[0], 404)
        self.read_stream_until(b"event: notification.deleted", received)
        # Two requests no route sees: an unknown method, and an HTTP/1.1 request without Host.
        for unparsable in [b"BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", b"GET /healthz HTTP/1.1\r\n\r\n"]:
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as connection:
                connection.sendall(unparsable)
                answer = b""
                while chunk := connection.recv(4096):
                    answer += chunk
                self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        during = self.scrape()

        def grew(series):
            return during.get(series, 0) - before.get(series, 0)

        self.assertEqual(grew(requests("/v1/users/{user}/stream", "GET", 200)), 1)
        self.assertEqual(grew(requests("/v1/notifications", "POST", 201)), 1)
        self.assertEqual(grew(requests("/v1/notifications", "POST", 200)), 1)
        self.assertEqual(grew(requests("/v1/notifications", "POST", 409)), 1)
        self.assertEqual(grew(requests("/v1/notifications/batch", "POST", 200)), 1)
        self.assertEqual(grew(requests("/v1/users/{user}/counts", "GET", 200)), 3)
        self.assertEqual(grew(requests("/v1/users/{user}/notifications", "GET", 200)), 1)
        self.assertEqual(grew(requests("/v1/users/{user}/notifications/{id}/read", "POST", 200)), 2)
        self.assertEqual(grew(requests("/v1/users/{user}/notifications/{id}", "GET", 404)), 1)
        self.assertEqual(grew(requests("/v1/users/{user}/notifications/{id}", "GET", 200)), 2)
        self.assertEqual(grew(requests("/v1/users/{user}/notifications/{id}", "DELETE", 200)), 1)
        self.assertEqual(grew(requests("unmatched", "GET", 404)), 1)
        self.assertEqual(grew(requests("unparsed", "other", 400)), 2)
        # The fast path answers all of them but the batch, the unknown path, and three cache
        # misses it leaves to Hummingbird's routes: the first counts read (the route fills the
        # cache), the first read of the notification, and the unknown one.
        self.assertEqual(grew("herald_http_fast_answers_total"), 11)
        # Each create request is one call of the store (a batch is one).
        self.assertEqual(grew('herald_store_duration_seconds_count{operation="create"}'), 4)
        # Three events written to the stream, the create, the first read and the delete (the
        # opening's `counts` is a snapshot, not an event of the log).
        self.assertEqual(grew("herald_events_delivered_total"), 3)
        self.assertEqual(during["herald_sse_streams_open"], 1)

        self.stream.close()
        self.stream = None
        wait_until(lambda: self.scrape()["herald_sse_streams_open"] == 0, 10, "the stream to be counted closed")
        ended = self.scrape()
        self.assertEqual(ended['herald_sse_streams_ended_total{reason="client"}'], 1)
        self.assertEqual(ended['herald_sse_streams_ended_total{reason="token_expired"}'], 0)

    def test_theDatabaseFilesAreMeasuredAtEachScrape(self):
        """The database's and its WAL's sizes, as the file system gives them at the scrape."""
        database = os.path.join(self.directory, "herald.sqlite")
        with Client(self.server.port) as client:
            for index in range(20):
                self.assertEqual(client.call("POST", "/v1/notifications", {"user": "f1", "type": "t"})[0], 201)
        time.sleep(0.5)  # the checkpointer's rounds done: the files stay as they are
        scraped = self.scrape()
        self.assertEqual(scraped["herald_store_database_bytes"], os.path.getsize(database))
        self.assertEqual(scraped["herald_store_wal_bytes"], os.path.getsize(database + "-wal"))
        self.assertGreater(scraped["herald_store_wal_bytes"], 0)

    def test_everyMetricSaysWhatItIs(self):
        """Each metric family has a `# HELP` line before its `# TYPE` (`promtool check metrics`
        asks for one, and dashboards show it), the ones counted through swift-metrics too."""
        with Client(self.server.port) as client:
            self.assertEqual(client.call("POST", "/v1/notifications", {"user": "h1", "type": "t"})[0], 201)
            self.assertEqual(client.call("GET", "/v1/users/h1/counts")[0], 200)
            self.assertEqual(client.call("GET", "/v1/users/h1/notifications")[0], 200)
        lines = metrics_text(self.server.port).splitlines()
        families = [line.split(" ")[2] for line in lines if line.startswith("# TYPE ")]
        self.assertIn("herald_store_transactions_total", families)  # one counted through swift-metrics
        self.assertIn("herald_memcached_duration_seconds", families)
        described = {line.split(" ")[2]: line.split(" ", 3)[3] for line in lines if line.startswith("# HELP ")}
        self.assertEqual([name for name in families if not described.get(name, "").strip()], [])
        for index, line in enumerate(lines):
            if line.startswith("# TYPE "):
                self.assertEqual(lines[index - 1].split(" ")[:3], ["#", "HELP", line.split(" ")[2]])


if __name__ == "__main__":
    unittest.main()
