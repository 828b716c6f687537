"""A full disk refuses writes with 503 and loses nothing; once there is room, writes go on.

The database lives on a small tmpfs (so the test needs root, and skips without it). When the
filesystem fills up, a commit that needs the WAL to grow fails (SQLite's "database or disk is
full"): the create is answered `503 unavailable` with `Retry-After: 1`, says nothing of SQLite, and
changes nothing: counts, seq and the cache stay as they were, and the log tells the operator why.
Reads go on answering meanwhile. When space is freed, the next writes succeed without a restart,
and seqs go on from where they were, without a gap. The server is then killed while the disk is
full again and its writes failing, and started once there is room: every acknowledged notification
is there, seqs have no gap, and `herald check` finds the database consistent.
"""

import http.client
import json
import os
import subprocess
import tempfile
import unittest

from chaos_test import (
    API_KEY, Client, assert_database_consistent, end_scratch, scratch_with_server)

USER = "disk-full"
# Creates of ~3 KiB each need new WAL pages soon, so a full disk is met within a few (here the first).
BODY = "x" * 3000
MOST_ATTEMPTS = 2000


def mount_tmpfs(test, size):
    """A directory with a tmpfs of `size` mounted on it; skips the test where mounting is not allowed."""
    if os.geteuid() != 0:
        test.skipTest("mounting a small tmpfs needs root")
    directory = tempfile.mkdtemp(prefix="herald-disk-full-mount-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", directory],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        os.rmdir(directory)
        test.skipTest(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    return directory


def fill(directory):
    """Writes a file in `directory` until its filesystem has no room left; returns the file's path."""
    path = os.path.join(directory, "filler")
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(chunk)
        except OSError:
            pass
        try:
            while True:
                filler.write(b"\0")
        except OSError:
            pass
    return path


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.mount = mount_tmpfs(self, "6m")
        self.addCleanup(self.unmount)
        self.directory, self.memcached, self.server = scratch_with_server(
            self, "disk-full", database=os.path.join(self.mount, "herald.sqlite"))
        self.created = []

    def tearDown(self):
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def unmount(self):
        subprocess.run(["umount", self.mount], check=True)
        os.rmdir(self.mount)

    def create(self):
        """One create: its status, body and Retry-After; a 201's id is remembered."""
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            body = json.dumps({"user": USER, "type": "t", "body": BODY})
            connection.request("POST", "/v1/notifications", body=body,
                               headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
            response = connection.getresponse()
            answer = json.loads(response.read())
            if response.status == 201:
                self.created.append(answer["notification"]["id"])
            return response.status, answer, response.getheader("Retry-After")
        finally:
            connection.close()

    def counts(self):
        with Client(self.server.port) as client:
            status, counts = client.call("GET", f"/v1/users/{USER}/counts")
        self.assertEqual(status, 200, counts)
        return counts

    def creates_until_refused(self):
        """Creates until one is refused; returns that refusal."""
        for _ in range(MOST_ATTEMPTS):
            status, answer, retry_after = self.create()
            if status != 201:
                return status, answer, retry_after
        self.fail(f"{MOST_ATTEMPTS} creates all succeeded on a full disk")

    def events(self, after, until):
        """The seqs and names of the user's events after `after`, read until the seq `until`."""
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            connection.request("GET", f"/v1/users/{USER}/stream",
                               headers={"Authorization": f"Bearer {API_KEY}", "Last-Event-ID": str(after)})
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            seen, fields = [], {}
            while not seen or seen[-1][0] < until:
                line = response.fp.readline().decode().rstrip("\n")
                if line.startswith(("id: ", "event: ")):
                    name, value = line.split(": ", 1)
                    fields[name] = value
                elif line == "" and "event" in fields:
                    seen.append((int(fields["id"]), fields["event"]))
                    fields = {}
            response.close()
            return seen
        finally:
            connection.close()

    def test_aFullDiskRefusesWritesLosesNothingAndWritesResumeWhenThereIsRoom(self):
        self.server.start()
        for _ in range(5):
            self.assertEqual(self.create()[0], 201)
        before = self.counts()
        self.assertEqual((before["unread"], before["seq"]), (5, 5))

        filler = fill(self.mount)
        status, answer, retry_after = self.creates_until_refused()
        self.assertEqual(status, 503, answer)
        self.assertEqual(answer["error"]["code"], "unavailable")
        self.assertEqual(retry_after, "1")
        self.assertNotIn("SQLite", json.dumps(answer))
        self.assertNotIn("full", json.dumps(answer))
        # Refused writes changed nothing, in the store or the cache; reads still answer.
        accepted = len(self.created)
        refused = self.counts()
        self.assertEqual((refused["unread"], refused["unseen"], refused["seq"]), (accepted, accepted, accepted))
        for _ in range(3):
            self.assertEqual(self.create()[0], 503)
        self.assertEqual(self.counts(), refused)
        with open(self.server.log_path) as log:
            self.assertIn("database or disk is full", log.read())

        # Room again: writes succeed without a restart, and seqs go on without a gap.
        os.remove(filler)
        for _ in range(3):
            self.assertEqual(self.create()[0], 201)
        after = self.counts()
        self.assertEqual((after["unread"], after["seq"]), (accepted + 3, accepted + 3))
        seqs = [seq for seq, _ in self.events(0, after["seq"])]
        self.assertEqual(seqs, list(range(1, after["seq"] + 1)))

        # Full again, killed while writes fail part-way, started once there is room.
        filler = fill(self.mount)
        self.creates_until_refused()
        for _ in range(5):
            self.create()
        self.server.kill()
        os.remove(filler)
        self.server.start()
        final = self.counts()
        self.assertEqual((final["unread"], final["seq"]), (len(self.created), len(self.created)))
        with Client(self.server.port) as client:
            for notification_id in self.created:
                status, body = client.call("GET", f"/v1/users/{USER}/notifications/{notification_id}")
                self.assertEqual(status, 200, body)
        seqs = [seq for seq, _ in self.events(0, final["seq"])]
        self.assertEqual(seqs, list(range(1, final["seq"] + 1)))
        self.server.stop()
        assert_database_consistent(self, self.server.database, "after a full disk and a kill")


if __name__ == "__main__":
    unittest.main()
