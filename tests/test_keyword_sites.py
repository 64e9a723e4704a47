"""A call's keywords wherever they are written (diagnosis/keyword_sites.py): in the call, or as
keys of a dict it unpacks, made in this cell or cells earlier; changed where they are written.
In every environment: nothing here needs Keras."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.keyword_sites import keyword_sites, site_change
from kerasmagic.diagnosis.known_values import MISSING
from kerasmagic.diagnosis.rewrite import apply_edits


def _call(ctx: CellContext) -> ast.Call:
    return next(n for n in ast.walk(ctx.cell.tree) if isinstance(n, ast.Call) and n.keywords)


def _sites(source: str, earlier: tuple[str, ...] = ()) -> dict[str, object]:
    ctx = CellContext.of(source, earlier=earlier)
    return {s.arg: (s.known, s.written, s.unpacked) for s in keyword_sites(ctx, _call(ctx))}


def test_keywords_in_the_call_and_in_the_dicts_it_unpacks() -> None:
    sites = _sites("kw = {'nb_epoch': 3, 'verbose': n}\nmodel.fit(x, y, batch_size=2, **kw)")
    assert sites == {
        "batch_size": (2, "2", False),
        "nb_epoch": (3, "3", True),
        "verbose": (MISSING, "n", True),
    }


def test_a_dict_made_cells_earlier_and_made_with_dict() -> None:
    assert _sites("model.fit(x, y, **kw)", ("kw = dict(nb_epoch=3)",)) == {"nb_epoch": (3, "3", True)}  # fmt: skip


def test_no_site_where_the_dict_is_not_made_of_literal_keys_or_a_key_is_read_by_name() -> None:
    assert _sites("model.fit(x, y, **kw)", ("kw = make()",)) == {}
    assert _sites("model.fit(x, y, **kw)", ("kw = {**base, 'nb_epoch': 3}",)) == {}
    assert _sites("print(kw['nb_epoch'])\nmodel.fit(x, y, **kw)", ("kw = {'nb_epoch': 3}",)) == {}


def test_a_key_renamed_given_a_value_or_left_out_where_the_dict_is_made() -> None:
    source = "kw = {'pool_size': 2, 'dim_ordering': 'th'}\nlayer = MaxPooling2D(**kw)\n"
    ctx = CellContext.of(source)
    call = _call(ctx)
    site = next(s for s in keyword_sites(ctx, call) if s.arg == "dim_ordering")
    renamed = site_change(ctx, call, site, new_name="data_format", value_text="'channels_first'")
    assert renamed is not None
    assert apply_edits(source, renamed.edits).startswith("kw = {'pool_size': 2, 'data_format': 'channels_first'}\n")  # fmt: skip
    left_out = site_change(ctx, call, site, leave_out=True)
    assert left_out is not None
    assert apply_edits(source, left_out.edits).startswith("kw = {'pool_size': 2}\n")


def test_an_earlier_cells_dict_is_bound_again_in_the_corrected_cell_and_edited_in_its_own() -> None:
    source = "model.fit(x, y, **kw)\n"
    ctx = CellContext.of(source, earlier=("kw = dict(nb_epoch=3, verbose=0)\n",))
    call = _call(ctx)
    site = next(s for s in keyword_sites(ctx, call) if s.arg == "nb_epoch")
    change = site_change(ctx, call, site, new_name="epochs")
    assert change is not None
    assert apply_edits(source, change.edits) == "kw = dict(epochs=3, verbose=0)\nmodel.fit(x, y, **kw)\n"  # fmt: skip
    assert [(e.cell, e.text) for e in change.across or []] == [(0, "dict(epochs=3, verbose=0)")]
