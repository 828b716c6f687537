"""The README's reverse proxy, `deploy/nginx-herald.conf`, run as it is in front of a real Herald.

A real nginx (with only the listen address, the upstream port, the name and the certificate paths
changed to a scratch self-signed certificate) must: speak HTTP/2 over TLS to clients; pass the API
through with Herald's own JSON answers, its 413 for a body too large included; carry one request id
from nginx to Herald and back; keep the browser's host name, so that a cookie-authenticated change
from Herald's own page is allowed and one from another site still refused; pass a stream's
events on as they come, over HTTP/1.1 and HTTP/2, compressed too where the site gzips event
streams; and serve the `herald` command-line client over
https, trusting the certificate with `--ca-file` (`HERALD_CA_FILE`).
"""

import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import unittest
import zlib

from chaos_test import (API_KEY, HERALD_BIN, ROOT, HeraldServer, end_scratch, free_port, scratch_with_memcached,
                        wait_until)

EXAMPLE = os.path.join(ROOT, "deploy", "nginx-herald.conf")


def replaced_once(text, old, new):
    if text.count(old) != 1:
        raise AssertionError(f"{EXAMPLE} should hold {old!r} once: the test changes it")
    return text.replace(old, new)


class ProxyTest(unittest.TestCase):
    def setUp(self):
        for tool in ("nginx", "openssl", "curl"):
            if shutil.which(tool) is None:
                self.fail(f"no {tool}: make test installs it")
        self.directory, (self.memcached,) = scratch_with_memcached(self, "proxy")
        self.server = HeraldServer(free_port(), os.path.join(self.directory, "herald.sqlite"),
                                   [self.memcached.port], os.path.join(self.directory, "herald.log"))
        # Cleanups run when setUp fails too, last added first.
        self.addCleanup(lambda: end_scratch(self.directory, self.server.process, self.memcached.process))
        self.server.start()
        self.certificate = os.path.join(self.directory, "cert.pem")
        key = os.path.join(self.directory, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-keyout", key, "-out", self.certificate, "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
        self.port = free_port()
        with open(EXAMPLE) as example:
            site = example.read()
        site = replaced_once(site, "server 127.0.0.1:8080;", f"server 127.0.0.1:{self.server.port};")
        site = replaced_once(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{self.port} ssl http2;")
        site = replaced_once(site, "server_name notifications.example.com;", "server_name localhost;")
        site = replaced_once(site, "/etc/ssl/certs/notifications.example.com.pem", self.certificate)
        site = replaced_once(site, "/etc/ssl/private/notifications.example.com.key", key)
        prefix = os.path.join(self.directory, "nginx")
        for directory in ("logs", "tmp"):
            os.makedirs(os.path.join(prefix, directory))
        with open(os.path.join(prefix, "herald.conf"), "w") as out:
            out.write(site)
        with open(os.path.join(prefix, "nginx.conf"), "w") as out:
            # As root nginx's workers would run as nobody, who may not enter the scratch directory.
            out.write(("user root;\n" if os.geteuid() == 0 else "") + "worker_processes 1;\npid nginx.pid;\nerror_log logs/error.log warn;\n"
                      "events { worker_connections 256; }\n"
                      "http {\n    log_format ids '$request_id $status';\n    access_log logs/access.log ids;\n    client_body_temp_path tmp/client_body;\n"
                      "    proxy_temp_path tmp/proxy;\n    fastcgi_temp_path tmp/fastcgi;\n"
                      "    uwsgi_temp_path tmp/uwsgi;\n    scgi_temp_path tmp/scgi;\n"
                      # As a site that compresses whatever it can would have it.
                      "    gzip on;\n    gzip_types application/json text/event-stream;\n"
                      "    include herald.conf;\n}\n")
        started = subprocess.run(["nginx", "-p", prefix + "/", "-c", os.path.join(prefix, "nginx.conf"),
                                  "-e", os.path.join(prefix, "logs", "error.log")],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(started.returncode, 0, started.stderr)
        pid_file = os.path.join(prefix, "nginx.pid")
        wait_until(lambda: os.path.exists(pid_file) and os.path.getsize(pid_file) > 0, 10, "nginx to start")
        with open(pid_file) as pid:
            nginx = int(pid.read())

        def stop_nginx():
            os.kill(nginx, signal.SIGQUIT)
            wait_until(lambda: not os.path.exists(pid_file), 10, "nginx to stop")
        self.addCleanup(stop_nginx)
        self.tls = ssl.create_default_context(cafile=self.certificate)
        self.connections = []
        self.addCleanup(lambda: [connection.close() for connection in self.connections])

    def nginx_errors(self):
        with open(os.path.join(self.directory, "nginx", "logs", "error.log")) as log:
            return log.read()

    def connect(self):
        connection = http.client.HTTPSConnection("localhost", self.port, context=self.tls, timeout=10)
        self.connections.append(connection)
        return connection

    def call(self, method, path, body=None, headers=None):
        connection = self.connect()
        sent = {"Authorization": f"Bearer {API_KEY}"} if headers is None else headers
        if body is not None:
            sent = dict(sent, **{"Content-Type": "application/json"})
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response, response.read()

    def curl(self, *arguments):
        return subprocess.run(["curl", "-sS", "--http2", "--cacert", self.certificate, *arguments],
                              capture_output=True, text=True, timeout=30)

    def test_theApiPassesThroughWithHeraldsOwnAnswersAndOneRequestId(self):
        answer = self.curl("-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                           f"https://localhost:{self.port}/healthz")
        self.assertEqual(answer.stdout, "2 200", answer.stderr)

        response, body = self.call("POST", "/v1/notifications", json.dumps({"user": "p1", "type": "t"}))
        self.assertEqual(response.status, 201, body)
        self.assertEqual(json.loads(body)["counts"]["unread"], 1)
        # nginx's $request_id, which Herald took as the request's id and answered with.
        request_id = response.getheader("X-Request-Id")
        self.assertRegex(request_id or "", r"^[0-9a-f]{32}$")
        access_log = os.path.join(self.directory, "nginx", "logs", "access.log")

        def logged():
            with open(access_log) as log:
                return f"{request_id} 201" in log.read()
        wait_until(logged, 5, "nginx to log the create")

        # Over Herald's 4 MiB and under nginx's limit: Herald's own JSON answer.
        big = json.dumps({"notifications": [{"user": "p1", "type": "t", "title": "t" * 200, "body": "x" * 4096}] * 1000})
        self.assertGreater(len(big), 4 * 1024 * 1024)
        response, body = self.call("POST", "/v1/notifications/batch", big)
        self.assertEqual(response.status, 413, (body[:200], self.nginx_errors()))
        self.assertEqual(json.loads(body)["error"]["code"], "too_large")

        # The browser's host name reaches Herald: a cookie change from Herald's own origin passes,
        # one from another site does not.
        token = json.loads(self.call("POST", "/v1/users/p1/tokens", "{}")[1])["token"]
        notification = json.loads(self.call("GET", "/v1/users/p1/notifications")[1])["notifications"][0]
        read = f"/v1/users/p1/notifications/{notification['id']}/read"
        for origin, status in [("https://evil.example", 403), (f"https://localhost:{self.port}", 200)]:
            response, body = self.call("POST", read, headers={"Cookie": f"herald_token={token}", "Origin": origin})
            self.assertEqual(response.status, status, (origin, body))
            over_http2 = self.curl("-o", "/dev/null", "-w", "%{http_version} %{http_code}", "-X", "POST",
                                   "-H", f"Cookie: herald_token={token}", "-H", f"Origin: {origin}",
                                   f"https://localhost:{self.port}{read}")
            self.assertEqual(over_http2.stdout, f"2 {status}", (origin, over_http2.stderr))

    def test_theCommandLineClientWorksThroughIt(self):
        environment = dict(os.environ, HERALD_URL=f"https://localhost:{self.port}", HERALD_API_KEY=API_KEY)
        # Without the certificate the client does not trust the server, and says what to do.
        untrusted = subprocess.run([HERALD_BIN, "counts", "--user", "p3"], env=environment, capture_output=True,
                                   text=True, timeout=30)
        self.assertEqual(untrusted.returncode, 1, untrusted.stderr)
        self.assertEqual(untrusted.stderr.strip(),
                         f"herald: cannot reach the server at https://localhost:{self.port}: the TLS handshake "
                         "failed: certificate verify failed (for a private CA or a self-signed certificate, "
                         "pass --ca-file) (unreachable)")
        environment["HERALD_CA_FILE"] = self.certificate
        sent = subprocess.run([HERALD_BIN, "send", "--user", "p3", "--type", "t", "--title", "Hi"],
                              env=environment, capture_output=True, text=True, timeout=30)
        self.assertEqual(sent.returncode, 0, sent.stderr)
        counts = subprocess.run([HERALD_BIN, "counts", "--user", "p3", "--json"], env=environment,
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(counts.returncode, 0, counts.stderr)
        self.assertEqual(json.loads(counts.stdout)["unread"], 1)
        # The stream too (AsyncHTTPClient speaks HTTP/2 to nginx): the created event, then the
        # command runs until stopped.
        # Stopped as a terminal's Ctrl-C would, even where the tests run with SIGINT ignored (a
        # background job of a shell without job control): that is inherited, and tail keeps it.
        tail = subprocess.Popen([HERALD_BIN, "tail", "--user", "p3", "--last-event-id", "0", "--no-color"],
                                env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            output, errors = tail.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            tail.send_signal(signal.SIGINT)
            output, errors = tail.communicate(timeout=10)
        self.assertIn("notification.created", output, errors)

    def test_streamEventsArriveAsTheyComeOverHttp1AndHttp2(self):
        connection = self.connect()
        connection.request("GET", "/v1/users/p2/stream", headers={"Authorization": f"Bearer {API_KEY}"})
        stream = connection.getresponse()
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.getheader("Content-Type"), "text/event-stream")
        received = b""
        while b"event: counts" not in received:
            received += stream.read1(65536)
        self.assertTrue(received.startswith(b"retry: 2000\n"), received)
        created_at = time.monotonic()
        response, body = self.call("POST", "/v1/notifications", json.dumps({"user": "p2", "type": "t"}))
        self.assertEqual(response.status, 201, body)
        while b"event: notification.created" not in received:
            self.assertLess(time.monotonic() - created_at, 2, f"buffered by the proxy? {received!r}")
            received += stream.read1(65536)

        # HTTP/2: resumes after the create, so the event is the first thing after `retry`.
        http2 = self.curl("-N", "--max-time", "2", "-H", f"Authorization: Bearer {API_KEY}",
                          "-H", "Last-Event-ID: 0", "-w", "\n%{http_version}",
                          f"https://localhost:{self.port}/v1/users/p2/stream")
        self.assertEqual(http2.returncode, 28, http2.stderr)  # curl's timeout: the stream stayed open
        self.assertTrue(http2.stdout.endswith("\n2"), http2.stdout)
        self.assertRegex(http2.stdout, re.compile(r"^retry: 2000\n\nid: 1\nevent: notification.created\n"))

    def test_aCompressingProxyPassesEachEventOnAsItComes(self):
        # nginx's gzip on the stream (gzip_types above) flushes what it has compressed whenever
        # Herald's bytes arrive, as buffering is off: the event is not held for more.
        connection = self.connect()
        connection.request("GET", "/v1/users/p4/stream",
                           headers={"Authorization": f"Bearer {API_KEY}", "Accept-Encoding": "gzip"})
        stream = connection.getresponse()
        self.assertEqual((stream.status, stream.getheader("Content-Encoding")), (200, "gzip"))
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        received = b""
        while b"event: counts" not in received:
            received += inflater.decompress(stream.read1(65536))
        created_at = time.monotonic()
        response, body = self.call("POST", "/v1/notifications", json.dumps({"user": "p4", "type": "t"}))
        self.assertEqual(response.status, 201, body)
        while b"event: notification.created" not in received:
            self.assertLess(time.monotonic() - created_at, 2, f"held back by the compression? {received!r}")
            received += inflater.decompress(stream.read1(65536))


if __name__ == "__main__":
    unittest.main()
