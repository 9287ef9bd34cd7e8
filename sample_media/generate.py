"""Write the demo lessons, eye-exercise filler and channel slate (skips files already there)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from media.errors import MediaError
from media.samples import generate_all, sample_paths, title_font

DEFAULT_OUTDIR = Path(__file__).resolve().parent / "out"


def main(argv: list[str] | None = None) -> int:
    """Generate the samples into OUTDIR and report what was written."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "outdir",
        nargs="?",
        type=Path,
        default=DEFAULT_OUTDIR,
        help=f"output directory (default: {DEFAULT_OUTDIR})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="2-second 320x180 versions, for tests and smoke runs"
    )
    args = parser.parse_args(argv)
    if title_font() is None:
        print("no CJK font found: title cards are drawn without text", file=sys.stderr)
    present = {name for name, path in sample_paths(args.outdir).items() if path.exists()}
    try:
        samples = generate_all(args.outdir, quick=args.quick)
    except MediaError as error:
        print(f"generation failed: {error}", file=sys.stderr)
        return 1
    for name, path in samples.items():
        print(f"{'kept ' if name in present else 'wrote'} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
