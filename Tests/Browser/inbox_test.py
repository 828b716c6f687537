#!/usr/bin/env python3
"""The demo inbox in a real headless Chromium (Selenium): run by `make test-browser`.

Starts its own memcached (unix socket) and `herald serve --dev` on free ports with a scratch
database, then checks, through the page and the API side by side:
  1. the page loads, its stream goes live, the badge shows the user's exact unread count;
  2. notifications sent through the API appear with the right badge within a second;
  3. marking read / mark-all-read / the bell in the page change the counts the API reports;
  4. after the server restarts, the stream reconnects, resumes (an event committed meanwhile arrives
     exactly once) and the badge is right;
  5. a page on another origin reads counts and the stream with --cors-origin and access_token.
Saves screenshots under Tests/Browser/artifacts/.
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

API_KEY = "herald-dev-api-key"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(ROOT, "Tests", "Browser", "artifacts")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh(action, attempts=20):
    """Runs action(), again when the page re-rendered the element in between (every stream event
    re-renders the list, so an element found a moment ago may be gone)."""
    for attempt in range(attempts):
        try:
            return action()
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)


def wait_for(what, condition, timeout=5.0, interval=0.05):
    """Polls condition() until truthy; returns (value, seconds waited) or fails with `what`."""
    start = time.monotonic()
    while True:
        value = condition()
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Herald:
    def __init__(self, binary, workdir, port, cors_origin):
        self.binary, self.workdir, self.port, self.cors_origin = binary, workdir, port, cors_origin
        self.base = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        log = open(os.path.join(self.workdir, "herald.log"), "a")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--dev", "--port", str(self.port),
             "--database", os.path.join(self.workdir, "herald.sqlite"),
             "--memcached", os.path.join(self.workdir, "mc.sock"),
             "--cors-origin", self.cors_origin, "--heartbeat", "2"],
            stdout=log, stderr=log)
        wait_for("herald /healthz", self.healthy, timeout=20)

    def healthy(self):
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            code = self.process.wait(timeout=15)
            assert code == 0, f"herald exited with {code} on SIGTERM"

    def api(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {API_KEY}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def send(self, id, title):
        return self.api("POST", "/v1/notifications", {"user": "demo", "id": id, "type": "browser.test", "title": title})

    def counts(self):
        return self.api("GET", "/v1/users/demo/counts")


class Page:
    def __init__(self, driver):
        self.driver = driver

    def text(self, element_id):
        return fresh(lambda: self.driver.find_element(By.ID, element_id).text)

    def state(self):
        return fresh(lambda: self.driver.find_element(By.ID, "state").get_attribute("data-state"))

    def badge(self):
        return self.text("badge")

    def item_ids(self):
        return fresh(
            lambda: [li.get_attribute("data-id") for li in self.driver.find_elements(By.CSS_SELECTOR, "#list li")])

    def click_in_item(self, item_id, css):
        fresh(lambda: self.driver.find_element(By.CSS_SELECTOR, f'#list li[data-id="{item_id}"] {css}').click())


def check(name, function):
    print(f"-- {name}", flush=True)
    function()
    print(f"   ok", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--herald", default=os.path.join(ROOT, ".build", "debug", "herald"))
    parser.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    args = parser.parse_args()

    os.makedirs(ARTIFACTS, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="herald-browser-")
    user = ["-u", "root"] if os.geteuid() == 0 else []
    memcached = subprocess.Popen(["memcached", "-s", os.path.join(workdir, "mc.sock"), "-m", "32", "-o", "no_lru_maintainer", *user])
    wait_for("memcached socket", lambda: os.path.exists(os.path.join(workdir, "mc.sock")))

    # A second origin: a static page that uses the API cross-origin.
    other_port = free_port()
    other_origin = f"http://127.0.0.1:{other_port}"
    static_dir = os.path.join(workdir, "static")
    os.makedirs(static_dir)
    shutil.copy(os.path.join(ROOT, "Tests", "Browser", "cross_origin.html"), static_dir)
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=static_dir, **k)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    static_server = http.server.ThreadingHTTPServer(("127.0.0.1", other_port), handler)
    threading.Thread(target=static_server.serve_forever, daemon=True).start()

    herald = Herald(args.herald, workdir, free_port(), other_origin)
    herald.start()

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1100,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    page = Page(driver)
    failed = False
    try:
        def loads():
            herald.send("n1", "Welcome aboard")
            driver.get(herald.base + "/")
            wait_for("stream live", lambda: page.state() == "live")
            wait_for("user shown", lambda: page.text("user") == "demo")
            wait_for("badge 1", lambda: page.badge() == "1")
            wait_for("n1 listed", lambda: page.item_ids() == ["n1"])
            assert not driver.find_element(By.ID, "load-more").is_displayed(), "load more shown on a single page"

        def live_updates():
            for index in (2, 3, 4):
                herald.send(f"n{index}", f"Notification {index}")
                _, took = wait_for(f"badge {index}", lambda: page.badge() == str(index), timeout=1.0)
                print(f"   badge {index} after {took * 1000:.0f} ms", flush=True)
            wait_for("newest first", lambda: page.item_ids() == ["n4", "n3", "n2", "n1"])
            assert page.text("unseen") == "4", page.text("unseen")

        def page_actions_reach_the_api():
            page.click_in_item("n2", ".read-toggle")
            wait_for("API unread 3", lambda: herald.counts()["unread"] == 3)
            wait_for("badge 3", lambda: page.badge() == "3")
            page.click_in_item("n2", ".read-toggle")  # now "Mark unread"
            wait_for("API unread 4", lambda: herald.counts()["unread"] == 4)
            page.click_in_item("n1", ".archive")
            wait_for("API unread 3 after archive", lambda: herald.counts()["unread"] == 3)
            wait_for("n1 gone", lambda: "n1" not in page.item_ids())
            driver.find_element(By.ID, "bell").click()
            wait_for("API unseen 0", lambda: herald.counts()["unseen"] == 0)
            wait_for("unseen 0 on the page", lambda: page.text("unseen") == "0")
            driver.find_element(By.ID, "read-all").click()
            wait_for("API unread 0", lambda: herald.counts()["unread"] == 0)
            wait_for("badge 0", lambda: page.badge() == "0")
            # The page's own send form (POST /demo/notifications with the demo user's token).
            title = driver.find_element(By.ID, "send-title")
            title.clear()
            title.send_keys("Sent from the page")
            driver.find_element(By.ID, "send").click()
            wait_for("API unread 1", lambda: herald.counts()["unread"] == 1)
            wait_for("badge 1", lambda: page.badge() == "1")
            driver.save_screenshot(os.path.join(ARTIFACTS, "inbox.png"))

        def reconnects_after_restart():
            before = herald.counts()
            herald.stop()
            wait_for("page notices the outage", lambda: page.state() != "live")
            herald.start()
            # Committed before the page is back: it must arrive through the resume, exactly once.
            herald.send("n5", "While you were away")
            wait_for("stream live again", lambda: page.state() == "live", timeout=15)
            after = herald.counts()
            assert after["unread"] == before["unread"] + 1, (before, after)
            wait_for(f"badge {after['unread']}", lambda: page.badge() == str(after["unread"]), timeout=5)
            wait_for("n5 listed once", lambda: page.item_ids().count("n5") == 1)
            assert page.text("seq") == str(after["seq"]), (page.text("seq"), after)
            herald.send("n6", "Live again")
            wait_for("badge after n6", lambda: page.badge() == str(after["unread"] + 1), timeout=1.0)
            ids = page.item_ids()
            assert len(ids) == len(set(ids)), ids
            driver.save_screenshot(os.path.join(ARTIFACTS, "inbox-after-restart.png"))

        def cross_origin():
            token = herald.api("POST", "/v1/users/demo/tokens", {"ttl_seconds": 600})["token"]
            driver.get(f"{other_origin}/cross_origin.html?api={herald.base}&user=demo&token={token}")
            counts = herald.counts()
            wait_for("cross-origin fetch", lambda: page.text("fetched") == str(counts["unread"]))
            wait_for("cross-origin stream", lambda: page.text("streamed") == str(counts["unread"]))
            herald.send("n7", "Across origins")
            wait_for("cross-origin live event", lambda: page.text("streamed") == str(counts["unread"] + 1))

        def paginates():
            herald.api("POST", "/v1/notifications/batch", {"notifications": [
                {"user": "demo", "id": f"p{i:02d}", "type": "browser.page", "title": f"Page item {i}"} for i in range(25)]})
            total = herald.counts()["unread"]
            driver.get(herald.base + "/")
            wait_for("stream live", lambda: page.state() == "live")
            wait_for(f"badge {total}", lambda: page.badge() == str(total))
            wait_for("first page of 20", lambda: len(page.item_ids()) == 20)
            more = driver.find_element(By.ID, "load-more")
            assert more.is_displayed(), "load more hidden with more pages left"
            expected = len(herald.api("GET", "/v1/users/demo/notifications?limit=200")["notifications"])
            while more.is_displayed():
                more.click()
                time.sleep(0.2)
            wait_for(f"all {expected} listed", lambda: len(page.item_ids()) == expected)
            assert page.item_ids()[0] == "p24", page.item_ids()[:3]

        def deletes_all():
            # A second page of the same user: its stream gets the delete's reset and refetches.
            second = driver.execute_script("return window.open(arguments[0], '_blank') !== null", herald.base + "/")
            assert second, "no second window"
            first, other = driver.window_handles[0], driver.window_handles[-1]
            driver.switch_to.window(other)
            wait_for("second page live", lambda: page.state() == "live")
            wait_for("second page listed", lambda: len(page.item_ids()) > 0)
            driver.switch_to.window(first)
            driver.find_element(By.ID, "delete-all").click()
            wait_for("API unread 0", lambda: herald.counts()["unread"] == 0)
            wait_for("list empty", lambda: page.item_ids() == [])
            wait_for("badge 0", lambda: page.badge() == "0")
            assert herald.api("GET", "/v1/users/demo/notifications?status=all&archived=true")["notifications"] == []
            driver.switch_to.window(other)
            wait_for("second page emptied by the reset", lambda: page.item_ids() == [])
            wait_for("second page badge 0", lambda: page.badge() == "0")
            assert page.text("seq") == str(herald.counts()["seq"]), page.text("seq")
            driver.close()
            driver.switch_to.window(first)

        check("page loads and goes live", loads)
        check("API notifications appear with the right badge within a second", live_updates)
        check("page actions change the counts seen through the API", page_actions_reach_the_api)
        check("stream reconnects after a server restart, badge right", reconnects_after_restart)
        check("another origin uses the API and the stream (CORS, access_token)", cross_origin)
        check("the list pages newest first with load more", paginates)
        check("delete all empties the inbox, and another page by its stream's reset", deletes_all)
    except Exception as error:  # report, keep a screenshot, fail
        failed = True
        print(f"FAILED: {error}", file=sys.stderr)
        try:
            driver.save_screenshot(os.path.join(ARTIFACTS, "failure.png"))
            print(driver.get_log("browser") if hasattr(driver, "get_log") else "", file=sys.stderr)
        except Exception:
            pass
        with open(os.path.join(workdir, "herald.log")) as log:
            print(log.read()[-4000:], file=sys.stderr)
    finally:
        driver.quit()
        herald.stop()
        static_server.shutdown()
        memcached.terminate()
        shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        sys.exit(1)
    print("browser tests passed; screenshots in Tests/Browser/artifacts/")


if __name__ == "__main__":
    main()
