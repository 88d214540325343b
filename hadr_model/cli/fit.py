"""``hadr fit RECORDS [--spec SPEC] [--out OVERLAY] [--plots DIR] [--json]``: laws from incident records.

Reads the records (format: :mod:`hadr_model.evidence.records`), fits time-to-failure and
time-to-repair laws per element class (:mod:`hadr_model.evidence.fit`), prints the candidates
with why one was chosen, and writes the fitted laws as a spec overlay
(:mod:`hadr_model.evidence.overlay`). With ``--spec`` every record's class must be a class of
that spec, and the overlay uses the spec's keys (``zone.mttf`` where it writes ``mttf``).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SpecError
from ._common import add_json_argument, print_json, printable, spec_json, table

if TYPE_CHECKING:
    from ..topology.model import Model


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("fit", help="fit failure and repair laws to incident records; write a spec overlay")
    parser.add_argument("records", help="incident records, .csv or .parquet (format: hadr_model.evidence.records)")
    parser.add_argument("--spec", default=None,
                        help="check the element classes against this spec and key the overlay as it does")
    parser.add_argument("--out", default=None, metavar="OVERLAY", help="write the overlay YAML to this file")
    parser.add_argument("--plots", default=None, metavar="DIR",
                        help="write probability and goodness-of-fit figures (PNG) into this folder")
    parser.add_argument("--uncertainty", action="store_true",
                        help="also write each fitted mean's epistemic law (PATH.uncertainty.mttf: gamma posterior "
                             "for an exponential fit, Laplace lognormal otherwise) for hadr availability --uncertainty")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: `hadr --help` builds every subcommand's parser and needs none of this.
    from ..evidence.fit import fit_records
    from ..evidence.overlay import element_classes, overlay_entries, overlay_text
    from ..evidence.records import read_records

    model = _spec_model(args.spec)
    raw = model.raw if model is not None else None
    classes = element_classes(raw) if raw is not None else None
    records = read_records(args.records, classes=classes)
    fits = fit_records(records)
    text = overlay_text(fits, raw, records=records.file, uncertainty=args.uncertainty)
    if args.out:
        _write(Path(args.out), text)
    plots = _plots(fits, args.plots) if args.plots else []
    keys: dict[int, list[str]] = {}
    for key, fit in overlay_entries(fits, raw):
        keys.setdefault(id(fit), []).append(key)
    if args.json:
        print_json({"spec": spec_json(model, args.spec) if model is not None else None,
                    "records": records.file, "rows": records.rows, "level": 0.95,
                    "fits": [_fit_dict(fit, keys.get(id(fit), [])) for fit in fits],
                    "detection_h": {name: _delays(values) for name, values in records.detection_h.items()},
                    "overlay": {"path": args.out, "text": text}, "plots": [str(p) for p in plots]})
        return 0
    print(_render(records, fits))
    for name, values in records.detection_h.items():
        summary = _delays(values)
        print(f"{printable(name)}: detection delay over {summary['count']} incidents: mean "
              f"{summary['mean_h']:.4g} h, median {summary['median_h']:.4g} h")
    if plots:
        print(f"figures: {len(plots)} written to {printable(args.plots)}")
    if args.out:
        print(f"overlay written to {printable(args.out)}")
    else:
        print("\noverlay:")
        print("\n".join(printable(line) for line in text.splitlines()))
    return 0


def _spec_model(spec: str | None) -> Model | None:
    if spec is None:
        return None
    from ..topology.spec import load_spec

    return load_spec(spec)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SpecError("--out", str(path), f"a file that can be written ({error.__class__.__name__})") from None


def _plots(fits: list[Any], folder: str) -> list[Path]:
    from ..evidence.plots import save_figures

    try:
        return save_figures(fits, folder)
    except OSError as error:
        raise SpecError("--plots", folder, f"a folder that can be written ({error.__class__.__name__})") from None


def _delays(values: Any) -> dict[str, Any]:
    import numpy as np

    return {"count": int(values.size), "mean_h": float(np.mean(values)), "median_h": float(np.median(values))}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _candidate_dict(candidate: Any) -> dict[str, Any]:
    return {"family": candidate.family, "dist": candidate.dist, "params": candidate.params,
            "loglik": candidate.loglik, "k": candidate.k, "aic": candidate.aic, "bic": candidate.bic,
            "delta_aic": candidate.delta_aic, "weight": candidate.weight, "mean_h": candidate.mean_h,
            "mean_interval_h": list(candidate.mean_interval_h),
            "intervals": {name: list(bounds) for name, bounds in candidate.intervals.items()},
            "interval_method": "Wald, observed information, log parameters",
            "converged": candidate.converged, "note": candidate.note}


def _fit_dict(fit: Any, keys: list[str]) -> dict[str, Any]:
    sample = fit.sample
    return {"element_class": sample.element_class, "quantity": sample.quantity, "overlay_keys": keys,
            "observations": {"size": sample.size, "events": sample.events,
                             "right_censored": sample.right_censored_count, "interval_censored": sample.interval_count,
                             "left_truncated": sample.truncated_count, "exposure_h": sample.exposure_h,
                             "elements": sample.elements, "rows": sample.rows},
            "candidates": [_candidate_dict(c) for c in fit.candidates],
            "chosen": fit.chosen.family if fit.chosen else None, "reason": fit.reason,
            "law": fit.chosen.law() if fit.chosen else None}


def _render(records: Any, fits: list[Any]) -> str:
    lines = [f"{printable(records.file)}: {records.rows} rows, {len(records.classes)} element classes"]
    for fit in fits:
        what = "time to failure" if fit.sample.quantity == "failure" else "time to repair"
        lines += ["", f"{printable(fit.key)} — {what}: {fit.sample.describe()}; {fit.sample.elements} elements"]
        rows = []
        for c in fit.candidates:
            if not c.converged:
                rows.append([c.family, None, c.k, None, None, None, None, None, "", c.note])
                continue
            low, high = c.mean_interval_h
            shape = ", ".join(f"{n}={v:.4g}" for n, v in c.params.items() if n != "scale")
            rows.append([c.family, round(c.loglik, 2), c.k, round(c.aic, 2), round(c.bic, 2), round(c.delta_aic, 2),
                         round(c.weight, 3), float(f"{c.mean_h:.5g}"),
                         f"{low:.5g}–{high:.5g}", shape])
        lines.append(table(["law", "log-lik", "k", "AIC", "BIC", "ΔAIC", "weight", "mean h", "95 % CI (Wald)",
                            "shape"], rows))
        lines.append(f"chosen: {fit.reason}" if fit.chosen else f"no law: {fit.reason}")
    return "\n".join(lines)
