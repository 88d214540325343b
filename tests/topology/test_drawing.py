"""Topology drawing: files are written, labels are readable (no two text boxes overlap)."""

from __future__ import annotations

import itertools
import time

import pytest
import yaml
from matplotlib.figure import Figure
from matplotlib.text import Text

from hadr_model import load_spec
from hadr_model.cli import main
from hadr_model.errors import HadrError
from hadr_model.topology.drawing import (
    MAX_DRAWN_LABELS,
    OKABE_ITO,
    draw_topology,
    format_availability,
    too_big_to_draw,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

BLOCKS = {
    "name": "web-tier",
    "blocks": {"series": [
        {"component": {"name": "dns", "availability": 0.9999}},
        {"parallel": [{"component": {"name": "web", "mttf": "1000h", "mttr": "1h", "count": 2}}]},
        {"k_of_n": {"k": 2, "of": [
            {"component": {"name": "db-a", "mttf": "8000h", "mttr": "2h"}},
            {"component": {"name": "db-b", "mttf": "8000h", "mttr": "2h"}},
            {"component": {"name": "db-c", "mttf": "6000h", "mttr": "4h"}},
        ]}},
    ]},
}


def _text_boxes(figure: Figure) -> list[tuple[str, object]]:
    figure.canvas.draw()  # lay the legend out: its texts have no position before a draw
    renderer = figure.canvas.get_renderer()
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


def _overlaps(figure: Figure) -> list[tuple[str, str]]:
    clashes = []
    for (a, box_a), (b, box_b) in itertools.combinations(_text_boxes(figure), 2):
        width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if width > 0.5 and height > 0.5:  # more than half a pixel each way: a visible clash
            clashes.append((a, b))
    return clashes


def test_default_topology_png_is_written(tmp_path):
    target = tmp_path / "topology.png"
    figure = draw_topology(load_spec(), target)
    data = target.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 20_000
    assert isinstance(figure, Figure)


def test_default_topology_labels_do_not_overlap():
    figure = draw_topology(load_spec())
    boxes = _text_boxes(figure)
    labels = [text for text, _ in boxes]
    # Every region (7, including the failover-only eu-nl) and every role count is labelled.
    for region in ("us-south", "us-east", "eu-gb", "eu-de", "jp-tok", "au-syd"):
        assert region in labels
    assert any(label.startswith("eu-nl") for label in labels)
    assert "invoker ×30" in labels
    assert _overlaps(figure) == []


def test_default_topology_labels_stay_inside_the_figure():
    figure = draw_topology(load_spec())
    width, height = figure.canvas.get_width_height()
    for text, box in _text_boxes(figure):
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, text


def test_labels_are_readable_sizes():
    figure = draw_topology(load_spec())
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text().strip()]
    assert min(sizes) >= 7.0


def test_block_form_is_drawn_as_a_block_diagram(tmp_path):
    target = tmp_path / "blocks.png"
    figure = draw_topology(load_spec(BLOCKS), target)
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    labels = [text for text, _ in _text_boxes(figure)]
    assert "web ×2" in labels          # count copies collapse into one box
    assert "2-of-3" in labels
    assert {"dns", "db-a", "db-b", "db-c"} <= set(labels)
    assert _overlaps(figure) == []


def test_draws_into_given_axes():
    figure = Figure(figsize=(12, 10))
    axes = figure.add_subplot()
    assert draw_topology(load_spec(), axes) is figure
    assert any(t.get_text() == "us-south" for t in axes.texts)


def test_colours_are_okabe_ito():
    figure = draw_topology(load_spec())
    arrow_colours = {p.get_edgecolor() for p in figure.axes[0].patches
                     if type(p).__name__ == "FancyArrowPatch"}
    assert len(arrow_colours) == 1
    from matplotlib.colors import to_hex

    assert to_hex(arrow_colours.pop()).upper() == OKABE_ITO["vermillion"]


def test_unwritable_target_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HadrError, match="cannot write the topology picture"):
        draw_topology(load_spec(), blocker / "topology.png")


def test_refuses_something_that_is_not_a_model():
    with pytest.raises(HadrError, match="loaded spec"):
        draw_topology({"regions": {}})  # type: ignore[arg-type]


@pytest.mark.parametrize(("availability", "text"), [(0.9997717, "99.977 %"), (0.99999, "99.9990 %"),
                                                     (0.99, "99.0 %"), (1.0, "100 %")])
def test_format_availability(availability, text):
    assert format_availability(availability) == text


def test_hadr_show_png(tmp_path, capsys):
    target = tmp_path / "show.png"
    assert main(["show", "--png", str(target)]) == 0
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert str(target) in capsys.readouterr().out


# --- hostile names and sizes -----------------------------------------------------------------

def _regions(n: int, roles: int = 5, **extra: object) -> dict:
    return {"zone": {"mttf": "1y", "mttr": "8h"}, "region": {"mttf": "5y", "mttr": "10h"},
            "regions": {f"r{i}": {"zones": 3} for i in range(n)},
            "roles": {f"role{j}": {"per_zone": 1, "needs": "any", "mttf": "1000h", "mttr": "1h"}
                      for j in range(roles)}, **extra}


def test_spec_text_is_drawn_as_plain_text(tmp_path):
    """``$…$`` in a name is a dollar sign, not mathtext (``\\x`` made matplotlib raise)."""
    spec = _regions(0, roles=0)
    spec.update({"name": "$\\x$ <b>", "global": {"$\\frac{": {"mttf": "9999h", "mttr": "1h"}},
                 "regions": {"$\\x$ {{7*7}}": {"zones": ["z$1$", "z2", "z3"], "fails_over_to": "b"},
                             "b": {"zones": 3}},
                 "roles": {"$\\sqrt{": {"per_zone": 1, "needs": "any", "mttf": "1000h", "mttr": "1h",
                                        "depends_on": ["$\\frac{"]}}})
    target = tmp_path / "dollars.png"
    figure = draw_topology(load_spec(spec), target)
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    labels = {text for text, _ in _text_boxes(figure)}
    assert {"$\\x$ {{7*7}}", "z$1$", "$\\sqrt{ ×1"} <= labels
    assert "Topology of $\\x$ <b>: regions, zones and failover" in labels
    dollars = [t for t in figure.findobj(Text) if "$" in t.get_text()]
    assert len(dollars) >= 6 and all(not t.get_parse_math() and not t.get_usetex() for t in dollars)


def test_long_names_are_cut_to_fit_their_box():
    spec = _regions(2, roles=1)
    spec["regions"] = {"r" * 300: {"zones": 3}, "short": {"zones": 3}}
    figure = draw_topology(load_spec(spec))
    cut = [text for text, _ in _text_boxes(figure) if text.startswith("rrrr")]
    assert len(cut) == 1 and cut[0].endswith("…") and len(cut[0]) < 100
    assert _overlaps(figure) == []


def test_a_model_too_big_to_draw_gets_a_summary_picture_at_once():
    model = load_spec(_regions(1000))
    reason = too_big_to_draw(model)
    assert reason == (f"1,000 regions, 3,000 zones and 5 roles make 21,001 labels: too many to draw legibly "
                      f"(at most {MAX_DRAWN_LABELS:,})")
    start = time.perf_counter()
    figure = draw_topology(model)
    assert time.perf_counter() - start < 2.0
    assert tuple(figure.get_size_inches()) == (9.0, 2.0)
    assert any(reason in t.get_text() for t in figure.findobj(Text))
    assert too_big_to_draw(load_spec(_regions(60))) is None   # ~5 s to draw: still allowed


def test_a_block_diagram_too_big_to_draw_is_summarised():
    spec = {"blocks": {"series": [{"component": {"name": f"c{i}", "availability": 0.999}} for i in range(70)]}}
    model = load_spec(spec)
    assert too_big_to_draw(model) == "71 blocks: too many to draw legibly (at most 60)"
    assert tuple(draw_topology(model).get_size_inches()) == (9.0, 2.0)


def test_hadr_show_png_refuses_a_model_too_big_to_draw(tmp_path, capsys):
    spec = tmp_path / "big.yaml"
    spec.write_text(yaml.safe_dump(_regions(1000)))
    target = tmp_path / "big.png"
    assert main(["show", str(spec), "--png", str(target)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("hadr: error: --png: ") and err.count("\n") == 1
    assert "21,001 labels" in err and f"at most {MAX_DRAWN_LABELS:,}" in err and "without --png" in err
    assert out == "" and not target.exists()
