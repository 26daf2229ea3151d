"""Open a page in real headless Chromium over the DevTools pipe: console errors, a screenshot, and
each figure as decoded and drawn (waited for by a promise in the page, never by a sleep)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]


def chromium_path() -> str | None:
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


class _Pipe:
    def __init__(self, write_fd: int, read_fd: int):
        self.w, self.r = write_fd, read_fd
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _read_one(self, deadline: float) -> dict:
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=30.0) -> dict:
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_one(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout=30.0) -> dict:
        for e in self.events:
            if e.get("method") == method:
                return e
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_one(deadline)
            self.events.append(msg)
            if msg.get("method") == method:
                return msg


def errors_of(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions, error log entries and failed loads, as text."""
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") == "error":
            out.append(
                "console.error: "
                + " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
            )
        elif m == "Runtime.exceptionThrown":
            out.append("exception: " + p["exceptionDetails"].get("text", ""))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            out.append(f"log: {p['entry']['text']} {p['entry'].get('url', '')}")
        elif m == "Network.loadingFailed":
            out.append(f"load failed: {p.get('errorText')}")
    return out


DECODED = """
Promise.all([...document.images].map(img => img.decode().then(() => true, () => false).then(ok => {
  const r = img.getBoundingClientRect();
  return {src: img.getAttribute("src"), ok, natural: img.naturalWidth, width: r.width,
          height: r.height, x: r.left + window.scrollX, y: r.top + window.scrollY};
}))).then(list => JSON.stringify(list))
"""


@contextlib.contextmanager
def _page(url: str, width: int, height: int, timeout: float):
    """(pipe, session) of a loaded page in headless Chromium; closes it on exit."""
    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium not found; install the Debian package chromium")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    profile = tempfile.mkdtemp(prefix="vg-chromium-")
    # Chromium reads commands on fd 3 and writes answers on fd 4
    proc = subprocess.Popen(
        [exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        pass_fds=(3, 4),
        preexec_fn=lambda: (os.dup2(to_chrome_r, 3), os.dup2(from_chrome_w, 4)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(to_chrome_w, from_chrome_r)
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)
        session = pipe.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            pipe.call(f"{domain}.enable", session=session)
        pipe.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        pipe.call("Page.navigate", {"url": url}, session)
        pipe.wait_for("Page.loadEventFired", timeout)
        yield pipe, session
        try:
            pipe.call("Browser.close", timeout=5)
        except (TimeoutError, RuntimeError):
            pass
    finally:
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _settled(pipe: _Pipe, session: str, timeout: float) -> list[dict]:
    """Waits until every image has decoded or failed (a promise in the page, no sleep); the
    answer comes after every message the page sent before it, so none is missed."""
    res = pipe.call(
        "Runtime.evaluate",
        {"expression": DECODED, "awaitPromise": True, "returnByValue": True},
        session,
        timeout,
    )
    return json.loads(res["result"]["value"])


def open_page(url: str, width: int = 1280, height: int = 1000, timeout: float = 60.0):
    """(errors, png bytes) of `url` rendered in headless Chromium."""
    with _page(url, width, height, timeout) as (pipe, session):
        _settled(pipe, session, timeout)
        shot = pipe.call("Page.captureScreenshot", {"format": "png"}, session)
        return errors_of(pipe.events), base64.b64decode(shot["data"])


def render_figures(url: str, width: int = 1280, timeout: float = 60.0):
    """(errors, [{src, ok, natural, width, height, png}]): each image as Chromium decoded and
    drew it, its pixels captured from the page at its place."""
    with _page(url, width, 1000, timeout) as (pipe, session):
        images = _settled(pipe, session, timeout)
        for im in images:
            im["png"] = None
            if im["ok"] and im["width"] >= 1 and im["height"] >= 1:
                clip = {k: im[k] for k in ("x", "y", "width", "height")} | {"scale": 1}
                shot = pipe.call(
                    "Page.captureScreenshot",
                    {"format": "png", "clip": clip, "captureBeyondViewport": True},
                    session,
                )
                im["png"] = base64.b64decode(shot["data"])
        return errors_of(pipe.events), images
