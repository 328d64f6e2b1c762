"""Look at the site as a reader would: build it, serve it on localhost, and take screenshots
of a few pages in headless Chromium.

    python docs/screenshots.py OUT_DIR [--site-dir DIR] [--no-build] [--page URL_PATH ...]

Needs the docs extra (`pip install ".[docs]"`) and Chromium (Debian: `apt-get install
chromium`). Writes OUT_DIR/<page>.png, 1280 pixels wide and 2000 high, for the home page,
the backpropagation chapter and the API page of Tensor unless --page names others.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["", "backpropagation/", "api/tensor/"]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("screenshots.py: no Chromium found; install it (Debian: apt-get install chromium)")


def build(site_dir: Path) -> None:
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                    str(site_dir)], cwd=ROOT, check=True)


def serve(site_dir: Path) -> http.server.ThreadingHTTPServer:
    """Serve site_dir on 127.0.0.1 on a free port, in a daemon thread."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


def screenshot(chromium: str, url: str, png: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--screenshot={png}", "--window-size=1280,2000",
                        "--virtual-time-budget=10000", url],
                       check=True, timeout=120, capture_output=True)
    if not png.exists():
        raise RuntimeError(f"Chromium wrote no screenshot of {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--site-dir", type=Path, help="build into (or, with --no-build, "
                        "serve) this folder instead of a temporary one")
    parser.add_argument("--no-build", action="store_true", help="serve --site-dir as it is")
    parser.add_argument("--page", action="append", help="a page's URL path, e.g. "
                        "'api/tensor/' (repeatable); default: home, backpropagation, Tensor")
    args = parser.parse_args()
    chromium = find_chromium()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = args.site_dir or Path(tmp) / "site"
        if args.no_build:
            if args.site_dir is None:
                parser.error("--no-build needs --site-dir")
        else:
            build(site_dir)
        server = serve(site_dir)
        try:
            for page in args.page or PAGES:
                name = page.strip("/").replace("/", "-") or "home"
                url = f"http://127.0.0.1:{server.server_address[1]}/{page}"
                screenshot(chromium, url, args.out / f"{name}.png")
                print(f"{url} -> {args.out / f'{name}.png'}")
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
