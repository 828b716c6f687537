"""Every relative link in the project's Markdown files leads somewhere inside the repository.

The README and bench/HISTORY.md link to each other, to bench results and to source files, and
text moves between them (links then need rebasing: `bench/x` from the README is `x` from
bench/HISTORY.md). A link into a Markdown file with a `#fragment` must name one of its headings,
and no link may leave the repository: a clone has nothing beside it.
"""

import os
import re
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SKIPPED_DIRECTORIES = {".build", ".git", ".swiftpm", "node_modules", "artifacts", "data"}
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`[^`\n]*`")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def markdown_files(root):
    """Every .md file under root, outside build output and other generated directories."""
    for directory, subdirectories, files in os.walk(root):
        # .build-* and .build_* too: other scratch paths (`make tsan` builds into .build-tsan).
        subdirectories[:] = sorted(d for d in subdirectories
                                   if d not in SKIPPED_DIRECTORIES and not d.startswith((".build-", ".build_")))
        for name in sorted(files):
            if name.endswith(".md"):
                yield os.path.join(directory, name)


def heading_anchors(path):
    """GitHub's anchors for a Markdown file's headings: lower case, punctuation dropped, spaces
    to hyphens, repeats numbered."""
    anchors, seen = set(), {}
    with open(path, encoding="utf-8") as file:
        for line in file:
            match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if not match:
                continue
            slug = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def broken_links(path, root=ROOT):
    """(line number, target, reason) for each relative link in the file that leads nowhere, or
    out of the repository at root (a clone has nothing there)."""
    problems = []
    with open(path, encoding="utf-8") as file:
        text = file.read()
    in_fence = False
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if EXTERNAL.match(target):
                continue
            file_part, _, fragment = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if os.path.commonpath([resolved, root]) != root:
                problems.append((number, target, "outside the repository"))
            elif not os.path.exists(resolved):
                problems.append((number, target, "no such file"))
            elif fragment and resolved.endswith(".md") and fragment not in heading_anchors(resolved):
                problems.append((number, target, "no such heading"))
    return problems


class DocumentationLinksTest(unittest.TestCase):
    def test_every_relative_link_in_the_project_resolves(self):
        checked = 0
        for path in markdown_files(ROOT):
            with self.subTest(file=os.path.relpath(path, ROOT)):
                self.assertEqual(broken_links(path), [])
            checked += 1
        self.assertGreaterEqual(checked, 2, "README.md and bench/HISTORY.md at least")

    def test_a_link_to_a_missing_file_or_heading_is_reported(self):
        with tempfile.TemporaryDirectory() as directory:
            os.mkdir(os.path.join(directory, "bench"))
            with open(os.path.join(directory, "bench", "HISTORY.md"), "w", encoding="utf-8") as file:
                file.write("# History\n\n## Earlier full runs\n\n[back](../README.md)\n")
            readme = os.path.join(directory, "README.md")
            with open(readme, "w", encoding="utf-8") as file:
                file.write(
                    "# Herald\n\n"
                    "[ok](bench/HISTORY.md), [ok](bench/HISTORY.md#earlier-full-runs), [ok](#herald),\n"
                    "[web](https://example.com/x), `[code](nowhere.md)`, [mail](mailto:a@b.c)\n"
                    "[moved](HISTORY.md) and [no heading](bench/HISTORY.md#later-runs)\n"
                    "[contract](../shared/API.md)\n"
                    "```\n[fenced](nowhere.md)\n```\n")
            self.assertEqual(
                broken_links(readme, root=directory),
                [
                    (5, "HISTORY.md", "no such file"),
                    (5, "bench/HISTORY.md#later-runs", "no such heading"),
                    (6, "../shared/API.md", "outside the repository"),
                ])
            self.assertEqual(broken_links(os.path.join(directory, "bench", "HISTORY.md"), root=directory), [])

    def test_anchors_follow_githubs_rules(self):
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as file:
            file.write("# Herald\n## Why a cached count is never stale\n### Docker\n### Docker\n")
        try:
            self.assertEqual(
                heading_anchors(file.name),
                {"herald", "why-a-cached-count-is-never-stale", "docker", "docker-1"})
        finally:
            os.unlink(file.name)


if __name__ == "__main__":
    unittest.main()
