"""The deployment files and the README name only settings Herald reads, and agree with each other.

No Docker engine runs on the development machines, so `docker-compose.yml` and the `Dockerfile` are
never run here; this reads them against the sources instead. A setting renamed in the sources and
not in them (or in the README, or in the systemd units) would be ignored without a word by the
server that gets it: every `HERALD_…` name they use must be one the sources read, and every name the
sources read must be in the README.
"""

import fnmatch
import glob
import os
import re
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SETTING = re.compile(r"HERALD_[A-Z0-9_]+")


def read(relative):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as file:
        return file.read()


def settings_the_sources_read():
    """Every `"HERALD_…"` string literal in the Swift sources: the environment variables that
    `herald` and its commands read."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, "Sources", "**", "*.swift"), recursive=True):
        with open(path, encoding="utf-8") as file:
            names.update(re.findall(r'"(HERALD_[A-Z0-9_]+)"', file.read()))
    return names


def dockerfile_instructions(text):
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


class DeployFilesTest(unittest.TestCase):
    def setUp(self):
        self.known = settings_the_sources_read()
        # The sources read their settings by name; a handful at least, or the pattern broke.
        self.assertIn("HERALD_DATABASE", self.known)
        self.assertGreater(len(self.known), 20)

    def test_deploymentFilesAndTheReadmeUseOnlySettingsHeraldReads(self):
        files = ["README.md", "docker-compose.yml", "Dockerfile"] + sorted(
            os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, "deploy", "*"))
        )
        for relative in files:
            unknown = sorted(set(SETTING.findall(read(relative))) - self.known)
            self.assertEqual(unknown, [], f"{relative} names settings no source reads")

    def test_everySettingHeraldReadsIsInTheReadme(self):
        undocumented = sorted(self.known - set(SETTING.findall(read("README.md"))))
        self.assertEqual(undocumented, [], "settings the README does not mention")

    def test_theDockerfileAndComposeAgreeOnPortsStagesAndResources(self):
        lines = dockerfile_instructions(read("Dockerfile"))
        stages = [m.group(1) for line in lines if (m := re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I))]
        self.assertEqual(stages, ["build", "runtime"])
        for line in lines:
            for stage in re.findall(r"--from=(\S+)", line):
                self.assertIn(stage, stages, line)

        # The Swift image is at least the tools version Package.swift asks for.
        image = re.match(r"FROM\s+swift:(\d+)\.(\d+)", lines[0], re.I)
        tools = re.search(r"swift-tools-version:\s*(\d+)\.(\d+)", read("Package.swift"))
        self.assertIsNotNone(image, lines[0])
        self.assertGreaterEqual(tuple(map(int, image.groups())), tuple(map(int, tools.groups())))

        # The port Herald listens on in the image is the one it exposes, checks and compose maps.
        env = " ".join(line for line in lines if line.startswith("ENV "))
        port = re.search(r"HERALD_PORT=(\d+)", env).group(1)
        self.assertIn(f"EXPOSE {port}", lines)
        self.assertTrue(any(f"127.0.0.1:{port}/healthz" in line for line in lines if line.startswith("HEALTHCHECK")))
        compose = read("docker-compose.yml")
        self.assertRegex(compose, rf'HERALD_PORT:\s*"?{port}"?')
        self.assertRegex(compose, rf'-\s*"\d+:{port}"')

        # The demo page's files are the resource bundle SwiftPM names after the product and the
        # target that declares them (`herald_HeraldHTTP.resources`), copied beside the binary.
        self.assertRegex(read("Package.swift"), r'name:\s*"HeraldHTTP"(?s:.)*?resources:\s*\[\.copy\("Demo"\)\]')
        copies = [line for line in lines if line.startswith("COPY --from=build")]
        self.assertTrue(any("herald_HeraldHTTP.resources /usr/local/bin/herald_HeraldHTTP.resources" in c for c in copies))

        # compose's memcached is the service Herald's HERALD_MEMCACHED names.
        memcached = re.search(r"HERALD_MEMCACHED:\s*(\S+):(\d+)", compose)
        self.assertIsNotNone(memcached)
        self.assertRegex(compose, rf"\n  {re.escape(memcached.group(1))}:\n")

    def test_theBuildContextLeavesOutBuildOutputButNotWhatTheDockerfileCopies(self):
        patterns = [line.strip() for line in read(".dockerignore").splitlines()
                    if line.strip() and not line.startswith("#")]

        def ignored(path):
            # .dockerignore's patterns here are plain names and globs from the context's root; a
            # pattern leaves out what is below it too.
            parts = path.split("/")
            return any(fnmatch.fnmatchcase("/".join(parts[:n]), pattern)
                       for pattern in patterns for n in range(1, len(parts) + 1))

        copied = [source for line in dockerfile_instructions(read("Dockerfile"))
                  if line.startswith("COPY ") and "--from=" not in line
                  for source in line.split()[1:-1]]
        self.assertEqual(sorted(copied), ["Package.swift", "Sources", "Tests"])
        for source in copied + ["Sources/herald/Serve.swift", "Tests/HeraldTestSupport/LockedBox.swift"]:
            self.assertFalse(ignored(source), source)
        for output in [".build", ".build/release/herald", ".build-tsan", ".build-asan/debug", ".git/HEAD",
                       "data/herald.sqlite", "herald.sqlite-wal"]:
            self.assertTrue(ignored(output), output)


if __name__ == "__main__":
    unittest.main()
