"""The tour's timings are steady: each variant runs several times, taking turns, and the
median is what it prints; `--elements` is documented for small machines."""
import contextlib
import io

import insitu
from insitu import tour


def test_each_variant_is_timed_five_times_and_the_median_printed():
    calls = []
    variants = [("a", "", lambda x: calls.append("a")), ("b", "", lambda x: calls.append("b"))]
    times, extras = tour._measure_all(insitu, variants, 10, 5)
    assert calls == ["a", "b"] * 5 and [len(t) for t in times] == [5, 5]
    assert all(t == sorted(t) for t in times) and extras == [0, 0]
    assert tour._median([1.0, 2.0, 9.0]) == 2.0 and tour._median([1.0, 2.0, 4.0, 9.0]) == 3.0
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tour.memory_demo(insitu, 1000)
    text = out.getvalue()
    assert "each variant timed 5 times" in text and "medians of 5 runs" in text
    assert "median time" in text and "(fastest..slowest)" in text


def test_help_documents_elements_for_small_machines():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        tour.main(["--help"])
    text = out.getvalue()
    assert "--elements N" in text and "small machine" in text and "--repeat K" in text
    assert "insitu run script.py" in text
