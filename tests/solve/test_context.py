"""The shared CP-SAT model's fast Boolean variables are the library's own, variable for variable."""

from __future__ import annotations

from placement.solve.context import new_bool_var
from placement.solve.cp_model_import import cp_model


def test_new_bool_var_adds_what_the_library_adds() -> None:
    ours, theirs = cp_model.CpModel(), cp_model.CpModel()
    for name in ("run[a@n1]", "run[a@n2]", ""):
        mine = new_bool_var(ours, name)
        library = theirs.new_bool_var(name)
        assert mine.index == library.index
        assert str(mine) == str(library)
    theirs.add_bool_or([theirs.get_bool_var_from_proto_index(0), theirs.get_bool_var_from_proto_index(1).Not()])
    ours.add_bool_or([ours.get_bool_var_from_proto_index(0), ours.get_bool_var_from_proto_index(1).Not()])
    assert str(ours.proto) == str(theirs.proto)

