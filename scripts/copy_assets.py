"""Copy the front-end packages installed by npm into rapport/web/static/vendor/.

No CDN at run time: everything the browser loads is served by Rapport itself.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "rapport" / "web" / "static" / "vendor"

ICON_FONTS = ("bootstrap-icons.woff2", "bootstrap-icons.woff")
FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    **{
        f"bootstrap-icons/font/fonts/{font}": f"bootstrap-icons/fonts/{font}" for font in ICON_FONTS
    },
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "tom-select/dist/css/tom-select.bootstrap5.min.css": "tom-select/tom-select.bootstrap5.min.css",
    "tom-select/dist/js/tom-select.complete.min.js": "tom-select/tom-select.complete.min.js",
    "chart.js/dist/chart.umd.min.js": "chartjs/chart.umd.min.js",
    "fullcalendar/index.global.min.js": "fullcalendar/index.global.min.js",
    "@fullcalendar/core/locales-all.global.min.js": "fullcalendar/locales-all.global.min.js",
}


def main() -> int:
    missing = [src for src in FILES if not (NODE / src).exists()]
    if missing:
        print("Missing front-end files (run `npm ci`):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    for src, dst in FILES.items():
        target = VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / src, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
